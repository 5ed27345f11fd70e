"""The command line over a real index: JSON output, batch questions, clean errors."""

import io
import json
import shutil
import subprocess
import sys

import pytest

from reportqa.app.cli import main


pytestmark = pytest.mark.model


@pytest.fixture
def index_args(real_pipeline):
    return ["--index", str(real_pipeline.store.root), "--corpus", str(real_pipeline.corpus_dir)]


def test_ask_json_has_the_documented_fields(index_args, capsys, real_pipeline):
    assert main(["ask", *index_args, "--json", "珠三角帮扶市共拨付了多少帮扶资金?"]) == 0
    out = json.loads(capsys.readouterr().out)
    base = {"id", "question", "found", "answer", "citations", "passages"}
    assert base <= set(out) <= base | {"matched", "near_miss", "resolved_question"}
    assert out["found"] and out["answer"].startswith("108.12亿元[1]")
    assert len(out["passages"]) >= 5 and [p["n"] for p in out["passages"]] == list(range(1, len(out["passages"]) + 1))
    cite = out["citations"][0]
    assert {"n", "doc", "title", "chunk_id", "start", "end", "text", "quote", "score"} <= set(cite)
    doc = real_pipeline.index.docs[cite["doc"]].text
    assert doc[cite["start"]:cite["end"]] == cite["text"] and cite["quote"] in cite["text"]
    assert doc[cite["quote_start"]:cite["quote_end"]] == cite["quote"]


def test_ask_jsonl_reads_plain_and_json_lines_from_stdin(index_args, capsys, monkeypatch):
    lines = '一年来举办了多少期培训班?\n{"id": "q2", "question": "江西省乡村振兴局局长是谁?"}\n'
    monkeypatch.setattr(sys, "stdin", io.StringIO(lines))
    assert main(["ask", *index_args, "--jsonl", "-"]) == 0
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [r["id"] for r in rows] == [None, "q2"]
    assert rows[0]["found"] and "1769期" in rows[0]["answer"]
    assert not rows[1]["found"] and rows[1]["citations"] == []


def test_a_bad_line_in_a_batch_gets_an_error_object_and_the_batch_goes_on(index_args, capsys, tmp_path):
    batch = tmp_path / "batch.jsonl"
    batch.write_text('\n{"id": "q1", "qestion": "typo"}\n   \n' + "帮" * 5000 + "\n一年来举办了多少期培训班?\n",
                     encoding="utf-8")
    assert main(["ask", *index_args, "--jsonl", str(batch)]) == 1
    out, err = capsys.readouterr()
    rows = [json.loads(x) for x in out.splitlines()]
    assert len(rows) == 3
    assert rows[0]["line"] == 2 and rows[0]["id"] == "q1" and "question" in rows[0]["error"]
    assert rows[1]["line"] == 4 and "error" in rows[1] and len(json.dumps(rows[1])) < 600
    assert rows[2]["found"] and "1769期" in rows[2]["answer"]
    assert "2 line(s)" in err and "Traceback" not in err


def test_search_prints_ranked_passages(index_args, capsys):
    assert main(["search", *index_args, "-k", "3", "广州帮扶清远架设了多少盏路灯"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("[1] 001_6935bd13527f7fd9.txt") and "[3]" in out and "架設路燈664余盞" in out


def test_eval_judges_the_answer_line_per_set(index_args, capsys, tmp_path):
    right = {"id": "r", "question": "一年来举办了多少期培训班?", "docs": ["004_ef51806a2fa47196.txt"],
             "evidence": "举办培训班1769期", "kind": "fact", "answer_any": ["1769"]}
    # 11万人次 stands only in the quoted source sentence, not in the answer line: judged wrong
    quote_only = {**right, "id": "q", "answer_any": ["11万人次"]}
    refuse = {"id": "u", "question": "江西省乡村振兴局局长是谁?", "docs": [], "evidence": "", "kind": "unanswerable"}
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in (right, quote_only)), encoding="utf-8")
    b.write_text(json.dumps(refuse, ensure_ascii=False), encoding="utf-8")
    assert main(["eval", *index_args, "--json", "--qa", str(a), str(b)]) == 0
    sets = json.loads(capsys.readouterr().out)
    assert sets["a"]["figures"]["strict_accuracy"] == 0.5 and sets["a"]["figures"]["confidently_wrong"] == 0.5
    assert any(line.startswith("WRONG q:") for line in sets["a"]["failures"])
    assert sets["b"]["figures"]["refusal_accuracy"] == 1.0 and sets["b"]["figures"]["confidently_wrong"] == 0.0
    assert main(["eval", *index_args, "--qa", str(a), str(b)]) == 0
    table = capsys.readouterr().out
    assert "strict_accuracy" in table and table.count("confidently_wrong") == 1


def test_eval_names_a_missing_question_file(index_args, capsys, tmp_path):
    assert main(["eval", *index_args, "--qa", str(tmp_path / "none.jsonl")]) == 2
    assert "none.jsonl not found" in capsys.readouterr().err


def test_errors_are_clean_messages_without_traceback(tmp_path):
    run = subprocess.run([sys.executable, "-m", "reportqa.app.cli", "ask", "--index", str(tmp_path / "none"), "问题"],
                         capture_output=True, text=True)
    assert run.returncode == 2
    assert "no index at" in run.stderr and "reportqa index" in run.stderr and "Traceback" not in run.stderr
    run = subprocess.run([sys.executable, "-m", "reportqa.app.cli", "index", "--corpus", str(tmp_path / "nope"),
                          "--index", str(tmp_path / "i")], capture_output=True, text=True)
    assert run.returncode == 2 and "does not exist" in run.stderr and "Traceback" not in run.stderr


def test_ask_json_carries_the_near_miss_and_the_matched_constraints(index_args, capsys):
    assert main(["ask", *index_args, "--json", "2023年省级下达了多少驻镇帮镇扶村资金?"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert not out["found"] and out["citations"] == []
    assert "2023年" in out["near_miss"]["text"] and "174亿元" in out["near_miss"]["text"]
    assert "174亿元" in out["near_miss"]["citation"]["quote"]
    assert main(["ask", *index_args, "--json", "2022年省级下达了多少驻镇帮镇扶村资金?"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["found"] and out["answer"].startswith("129亿元[1]")
    assert {"constraint": "时间", "value": "2022年", "where": "句内"} in out["matched"]


@pytest.mark.parametrize("args, message", [
    (["ask", "？"], "has no words"),
    (["ask", "帮扶资金" * 200], "at most 500 characters"),
    (["ask", "--jsonl", "no-such-file.jsonl"], "no-such-file.jsonl not found"),
])
def test_bad_questions_get_a_message_naming_the_fix(index_args, capsys, args, message):
    assert main([args[0], *index_args, *args[1:]]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_k_must_be_positive(index_args, capsys):
    for bad in ("0", "-1", "x"):
        with pytest.raises(SystemExit) as exc:
            main(["search", *index_args, "-k", bad, "路灯"])
        assert exc.value.code == 2 and "whole number of 1 or more" in capsys.readouterr().err


def test_a_refusal_echoes_a_short_printable_excerpt():
    from reportqa.answer.base import not_found

    text = not_found("\x1b[31m" + "广州" * 100 + "?", []).text
    assert "\x1b" not in text and len(text) < 100 and text.count("广州") == 30


def test_a_port_in_use_names_the_port_option(index_args, tmp_path):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        run = subprocess.run([sys.executable, "-m", "reportqa.app.cli", "serve", *index_args, "--no-reindex",
                              "--port", str(port)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 2 and "--port" in run.stderr and "Traceback" not in run.stderr


def test_check_verifies_every_file_and_names_a_damaged_one(real_pipeline, capsys, tmp_path):
    copy = tmp_path / "index"
    shutil.copytree(real_pipeline.store.root, copy)
    assert main(["check", "--index", str(copy)]) == 0
    assert "is sound" in capsys.readouterr().out
    seg = next((copy / "segments").iterdir())
    data = bytearray((seg / "sentence_vectors.npy").read_bytes())
    data[-3] ^= 0xFF
    (seg / "sentence_vectors.npy").write_bytes(bytes(data))
    assert main(["check", "--index", str(copy)]) == 1
    err = capsys.readouterr().err
    assert f"{seg / 'sentence_vectors.npy'} is corrupt" in err and f"reportqa index --index {copy}" in err
