"""The web UI's API, driven with gradio_client against a real server (real embedding model).

``ui_server`` (a context manager) is shared with ``test_ui_browser.py``: a tmp corpus of three seed
reports plus a hostile one (HTML/JS in its text), indexed once per session and copied per module.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import gradio
import httpx
import pytest
from gradio_client import Client, handle_file

from reportqa.app import ui
from reportqa.app import render
from reportqa.pipeline import Pipeline
from reportqa.uploads import save_uploads

pytestmark = pytest.mark.model  # a real server on the real model

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ("000_c06064ebd0ab5228.txt", "001_6935bd13527f7fd9.txt", "004_ef51806a2fa47196.txt")
HOSTILE = "hostile_report.txt"
SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=2">'
HOSTILE_TEXT = f"""遂溪县智慧农业建设情况通报

2022年以来，湛江市遂溪县大力发展智慧农业。{SCRIPT}遂溪县共建成智慧农业示范基地37个，带动农户增收。

遂溪县还组织了电商直播培训{IMG}，全年培训农民2300人次。

据介绍，下一步遂溪县将继续扩大示范基地规模，推动农产品上行。
"""
GBK_NAME = "东莞帮扶韶关冷链建设.txt"
GBK_TEXT = """东莞对口帮扶韶关冷链物流建设报告

2022年，东莞市持续加大对韶关市的帮扶力度，重点补齐农产品冷链物流短板。
东莞帮扶韶关建设了12个冷链仓库，总库容达到3.6万吨，覆盖韶关全部县区。
冷链仓库建成后，韶关的蔬菜、水果可以错峰销售，农户每亩增收约800元。
"""
_BASE: dict[str, Path] = {}


@dataclass
class Server:
    url: str
    pipe: Pipeline
    corpus: Path


def _base_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Corpus + index, built once per test session (embedding is the slow part)."""
    if "dir" not in _BASE:
        base = tmp_path_factory.mktemp("ui-base")
        corpus = base / "corpus"
        corpus.mkdir()
        for name in SEEDS:
            shutil.copy(ROOT / "corpus" / name, corpus / name)
        (corpus / HOSTILE).write_text(HOSTILE_TEXT, encoding="utf-8")
        Pipeline(base / "index", corpus).build()
        _BASE["dir"] = base
    return _BASE["dir"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def ui_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real UI server on a free local port, over a private copy of the base corpus and index."""
    base, own = _base_index(tmp_path_factory), tmp_path_factory.mktemp("ui")
    shutil.copytree(base / "corpus", own / "corpus")
    shutil.copytree(base / "index", own / "index")
    pipe = Pipeline(own / "index", own / "corpus")
    pipe.build()  # nothing changed: reuses the copied snapshot
    demo, url = ui.start(pipe, "127.0.0.1", free_port(), quiet=True)
    try:
        yield Server(url, pipe, own / "corpus")
    finally:
        demo.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory, e5_model_dir) -> Iterator[Server]:
    with ui_server(tmp_path_factory) as s:
        yield s


@pytest.fixture(scope="module")
def client(server) -> Client:
    return Client(server.url, verbose=False)


def assert_offsets(answer: dict, pipe: Pipeline) -> None:
    """Every citation's quote and passage are the cited report's text at the given offsets."""
    for c in answer["citations"]:
        text = pipe.index.docs[c["doc"]].text
        assert text[c["quote_start"]:c["quote_end"]] == c["quote"]
        assert text[c["start"]:c["end"]] == c["text"]
        assert c["start"] <= c["quote_start"] < c["quote_end"] <= c["end"]
        assert f"[{c['n']}]" in answer["answer"]


def test_endpoints_are_named(client):
    names = set(client.view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert {"/ask", "/reindex", "/upload", "/status"} <= names


def test_ask_returns_citations_at_exact_offsets(client, server):
    r = client.predict("珠三角帮扶市共拨付了多少帮扶资金？", api_name="/ask")
    assert r["found"] is True
    assert "108.12亿" in r["answer"]
    assert r["citations"] and r["citations"][0]["doc"] == "004_ef51806a2fa47196.txt"
    assert_offsets(r, server.pipe)
    assert r["passages"]


def test_ask_accepts_history_and_traditional_reports(client, server):
    r = client.predict("广州帮扶清远架设了多少盏路灯？", ["珠三角帮扶市共拨付了多少帮扶资金？"], api_name="/ask")
    assert r["found"] and "664" in r["answer"]
    assert r["citations"][0]["doc"] == "001_6935bd13527f7fd9.txt"
    assert "路燈" in r["citations"][0]["quote"]  # shown as written, not converted
    assert_offsets(r, server.pipe)


def test_unanswerable_question_is_not_found(client):
    r = client.predict("江西省乡村振兴局局长是谁？", api_name="/ask")
    assert r["found"] is False and r["citations"] == []
    assert "没有找到" in r["answer"]


def test_bad_question_gives_message_and_server_keeps_serving(client):
    with pytest.raises(Exception, match="empty"):
        client.predict("   ", api_name="/ask")
    assert client.predict("三个一批指的是什么？", api_name="/ask")["found"] is True


def test_status_lists_the_reports(client, server):
    st = client.predict(api_name="/status")
    assert st["reports"] == len(SEEDS) + 1 and st["passages"] > 0
    assert st["model"].startswith("intfloat/multilingual-e5-small")
    assert st["built_at"]
    docs = {d["doc_id"]: d for d in st["documents"]}
    assert set(docs) == {*SEEDS, HOSTILE}
    assert docs[HOSTILE]["title"] == "遂溪县智慧农业建设情况通报"
    assert docs["004_ef51806a2fa47196.txt"]["date"] == "2022-07-28"


def test_upload_gbk_report_then_answer_from_it(client, server, tmp_path):
    path = tmp_path / GBK_NAME
    path.write_bytes(GBK_TEXT.encode("gbk"))
    r = client.predict([handle_file(str(path))], api_name="/upload")
    assert r["rejected"] == []
    assert [(s["name"], s["status"]) for s in r["saved"]] == [(GBK_NAME, "added")]
    assert r["index"]["added"] == [GBK_NAME] and r["index"]["skipped"] == []
    assert (server.corpus / GBK_NAME).read_bytes() == GBK_TEXT.encode("gbk")
    assert server.pipe.index.docs[GBK_NAME].encoding in ("gbk", "gb18030")
    a = client.predict("东莞帮扶韶关建设了多少个冷链仓库？", api_name="/ask")
    assert a["found"] and "12" in a["answer"]
    assert a["citations"][0]["doc"] == GBK_NAME
    assert_offsets(a, server.pipe)
    again = client.predict([handle_file(str(path))], api_name="/upload")
    assert again["saved"][0]["status"] == "duplicate" and again["index"] is None


def test_same_name_other_content_is_not_overwritten(client, server, tmp_path):
    (tmp_path / "sub").mkdir()
    path = tmp_path / "sub" / GBK_NAME
    path.write_text("东莞帮扶韶关的另一份报告：新建冷链仓库的运营情况良好。", encoding="utf-8")
    r = client.predict([handle_file(str(path))], api_name="/upload")
    new = r["saved"][0]
    assert new["status"] == "renamed" and new["name"] != GBK_NAME and new["name"].endswith(".txt")
    assert (server.corpus / GBK_NAME).read_bytes() == GBK_TEXT.encode("gbk")  # the original is intact
    assert (server.corpus / new["name"]).read_bytes() == path.read_bytes()


def _call_raw(url: str, endpoint: str, data: list) -> list:
    """Call an endpoint over plain HTTP (POST, then read the event stream)."""
    with httpx.Client(base_url=url, timeout=120) as http:
        event = http.post(f"gradio_api/call/{endpoint}", json={"data": data}).json()["event_id"]
        body = http.get(f"gradio_api/call/{endpoint}/{event}").text
    lines = body.splitlines()
    for kind, payload in zip(lines, lines[1:]):
        if kind == "event: complete":
            return json.loads(payload.removeprefix("data: "))
    raise AssertionError(f"no result from /{endpoint}: {body[:500]}")


def test_traversal_name_is_saved_inside_the_corpus(server, tmp_path):
    content = "遂溪县举办了乡村工匠技能比武大赛，共有86名工匠参赛。".encode("utf-8")
    with httpx.Client(base_url=server.url, timeout=60) as http:
        up = http.post("gradio_api/upload", files=[("files", ("../../evil.txt", content, "text/plain"))])
    up.raise_for_status()
    [r] = _call_raw(server.url, "upload", [[{"path": up.json()[0], "meta": {"_type": "gradio.FileData"}}]])
    [saved] = r["saved"]
    assert "/" not in saved["name"] and ".." not in saved["name"]
    assert (server.corpus / saved["name"]).read_bytes() == content
    assert not (server.corpus.parent / "evil.txt").exists()
    assert not (server.corpus.parent.parent / "evil.txt").exists()
    # Hostile names straight into save_uploads (no Gradio name cleaning in front of it).
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_bytes(content)
    b.write_text("另一份报告。", encoding="utf-8")
    corpus = tmp_path / "corpus"
    ok, bad = save_uploads([("../../evil.txt", a), ("..\\..\\报\x00告\x1b\u202e二.txt", b), ("/etc/x.txt", a)], corpus)
    assert bad == [] and [(s.name, s.status) for s in ok] == [
        ("evil.txt", "added"), ("报告二.txt", "added"), ("evil.txt", "duplicate")]
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.txt")) == [
        "a.txt", "b.txt", "corpus/evil.txt", "corpus/报告二.txt"]


def test_only_temporary_copies_in_the_upload_folder_are_discarded(tmp_path):
    from reportqa.uploads import discard_uploads

    uploads, mine = tmp_path / "uploads", tmp_path / "mine.txt"
    (uploads / "abc123").mkdir(parents=True)
    temp = uploads / "abc123" / "report.txt"
    for path in (temp, mine):
        path.write_text("报告", encoding="utf-8")
    discard_uploads([str(temp), ("mine.txt", str(mine)), str(uploads / ".." / "mine.txt")], uploads)
    assert not temp.exists() and not (uploads / "abc123").exists() and mine.exists() and uploads.exists()


def test_rejected_uploads_have_reasons(client, server, tmp_path):
    files = {"huge.txt": "乡村振兴。".encode("utf-8") * (ui.MAX_BYTES // 15 + 1),
             "tool.exe": b"MZ\x90\x00" + b"\x00" * 64, "fake.pdf": "这不是PDF".encode("utf-8"),
             "photo.txt": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "page.html": "只是一段纯文本".encode("utf-8")}
    marker = f"tool-{uuid.uuid4().hex[:8]}.exe"
    files[marker] = files["tool.exe"]
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    before = sorted(p.name for p in server.corpus.iterdir())
    r = client.predict([handle_file(str(tmp_path / n)) for n in files], api_name="/upload")
    assert not list(Path(gradio.utils.get_upload_folder()).rglob(marker))  # no temporary copy left
    assert (tmp_path / marker).exists()  # the sender's own file is untouched
    reasons = {x["original"]: x["reason"] for x in r["rejected"]}
    assert r["saved"] == [] and r["index"] is None and set(reasons) == set(files)
    assert "过大" in reasons["huge.txt"] and "20 MB" in reasons["huge.txt"]
    assert "不支持" in reasons["tool.exe"] and ".txt" in reasons["tool.exe"]
    assert "不是 PDF" in reasons["fake.pdf"]
    assert "PNG" in reasons["photo.txt"]
    assert "HTML" in reasons["page.html"]
    assert sorted(p.name for p in server.corpus.iterdir()) == before


def test_questions_are_answered_while_a_rebuild_runs(client, server):
    lines = [f"第{i}号示范村在帮扶下建成了{i % 17 + 3}座蔬菜大棚，种植面积{i * 7}亩，带动{i + 40}户村民就业。"
             for i in range(1, 400)]
    (server.corpus / "大棚建设台账.txt").write_text("蔬菜大棚建设台账\n\n" + "\n".join(lines), encoding="utf-8")
    job = client.submit(api_name="/reindex")
    answers, during = [], 0
    deadline = time.time() + 300
    while not job.done() and time.time() < deadline:
        answers.append(client.predict("珠三角帮扶市共拨付了多少帮扶资金？", api_name="/ask"))
        during += not job.done()
    report = job.result(timeout=300)
    assert during >= 1, "no question was answered while the rebuild was running"
    assert all(a["found"] and "108.12亿" in a["answer"] for a in answers)
    assert report["added"] == ["大棚建设台账.txt"]
    assert "大棚建设台账.txt" in server.pipe.index.docs
    after = client.predict("珠三角帮扶市共拨付了多少帮扶资金？", api_name="/ask")
    assert_offsets(after, server.pipe)


def test_handlers_show_readable_errors_without_an_index(tmp_path):
    from fakes import HashEmbedder

    h = ui._Handlers(Pipeline(tmp_path / "no-index", tmp_path, embedder=HashEmbedder()))
    *_, (messages, _verify, turns, _box) = h.respond("珠三角帮扶市共拨付了多少帮扶资金？", [], [])
    assert turns == [] and "rq-error" in messages[-1]["content"]
    assert "no index" in messages[-1]["content"]
    assert "rq-error" in h.status_panel() and "no index" in h.status_panel()


def test_rendering_escapes_report_text():
    q0 = HOSTILE_TEXT.index(SCRIPT)
    cite = {"n": 1, "doc": HOSTILE, "title": IMG, "chunk_id": "x#0", "start": 0, "end": len(HOSTILE_TEXT),
            "text": HOSTILE_TEXT, "quote": SCRIPT, "quote_start": q0, "quote_end": q0 + len(SCRIPT), "score": 1.0}
    data = {"question": f"问{SCRIPT}", "found": True, "answer": f"37个[1]\n原文：{SCRIPT}示范基地{IMG}[1]",
            "citations": [cite], "passages": []}
    verify = render.verify_html(data, 0, 1, {})
    for out in (render.chat_html(data, 0), verify, render.esc(HOSTILE_TEXT)):
        assert "<script" not in out and "<img" not in out
        assert "&lt;script&gt;" in out and "&lt;img src=x onerror=&quot;" in out
    assert f'<mark class="rq-quote">{render.esc(SCRIPT)}</mark>' in verify
    assert "⚠ 未找到" in render.notfound_html(SCRIPT) and "&lt;script&gt;" in render.notfound_html(SCRIPT)


def test_a_near_miss_is_shown_as_not_the_answer_and_matched_constraints_beside_an_answer(tmp_path):
    cite = {"n": 1, "doc": "x.txt", "title": "丽水报告", "chunk_id": "x.txt#0", "start": 0, "end": 20,
            "text": "2023年松阳县茶叶产值1.5亿元。", "quote": "2023年松阳县茶叶产值1.5亿元。", "quote_start": 0,
            "quote_end": 20, "score": 1.0}
    refused = {"question": "2018年松阳县茶叶产值是多少?", "found": False, "citations": [], "passages": [],
               "answer": "现有报告中没有找到关于“2018年松阳县茶叶产值是多少”的信息。",
               "near_miss": {"text": "报告没有给出2018年的这一数字；给出的是2023年的：1.5亿元[1]", "citation": cite}}
    chat, verify = render.chat_html(refused, 0), render.verify_html(refused, 0, 1, {})
    for out in (chat, verify):
        assert "⚠ 未找到" in out and "不是所问的答案" in out and "给出的是2023年的：1.5亿元" in out
    assert "rq-cite" not in chat  # the near miss is no clickable answer citation
    answered = {"question": "2023年松阳县茶叶产值是多少?", "found": True, "passages": [], "citations": [cite],
                "answer": "1.5亿元[1]\n原文：2023年松阳县茶叶产值1.5亿元。[1]",
                "matched": [{"constraint": "时间", "value": "2023年", "where": "句内"},
                            {"constraint": "地点", "value": "松阳县", "where": "句内"}]}
    for out in (render.chat_html(answered, 0), render.verify_html(answered, 0, 1, {})):
        assert "时间 ✓ 2023年" in out and "地点 ✓ 松阳县" in out


def test_example_questions_come_from_a_setting(tmp_path, monkeypatch):
    assert ui.example_questions()  # the bundled corpus's examples
    own = tmp_path / "examples.txt"
    own.write_text("# 注释\n景宁县2023年茶叶产值是多少?\n\n", encoding="utf-8")
    monkeypatch.setenv("REPORTQA_EXAMPLES", str(own))
    assert ui.example_questions() == ["景宁县2023年茶叶产值是多少?"]
    monkeypatch.setenv("REPORTQA_EXAMPLES", str(tmp_path / "missing.txt"))
    assert ui.example_questions() == []


def test_apostrophes_are_not_double_escaped():
    assert render.esc("Xi'an 'a'") == "Xi'an 'a'"
    assert render.esc('"><b>') == "&quot;&gt;&lt;b&gt;"
