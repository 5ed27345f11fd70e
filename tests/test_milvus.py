"""The Milvus store on Milvus Lite: the same verbs and answers as the folder store (build, ask, update,
remove, restart), failed changes leave the previous state answering, and clear messages for wrong
settings. Fast tests use the fake embedder; the dev-set comparison runs the real model."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reportqa.app.cli import main
from reportqa.errors import IndexMissingError, IndexUnavailableError, IndexWriteError, UsageError
from reportqa.evaluate import evaluate, load_questions
from reportqa.index.engine import open_store
from reportqa.pipeline import Pipeline

from conftest import SEED_CORPUS, SHARED, small_corpus
from fakes import HashEmbedder

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")

SEEDS = ("001_6935bd13527f7fd9.txt", "003_9518a9009f82dcac.txt")
NEW = {"a.txt": "龙门县永汉镇建成荔枝加工厂2座,年加工能力3600吨。",
       "b.txt": "新丰县马头镇建设光伏电站,装机容量1200千瓦,村集体年增收18万元。"}


@pytest.fixture
def corpus(tmp_path):
    return small_corpus(tmp_path, SEEDS, NEW)


def milvus(tmp_path, corpus, embedder=None):
    return Pipeline(tmp_path / "mindex", corpus, embedder=embedder or HashEmbedder(), store="milvus")


def folder(tmp_path, corpus, embedder=None):
    return Pipeline(tmp_path / "findex", corpus, embedder=embedder or HashEmbedder())


def ids(pipe, question, k=5):
    return [p.chunk.chunk_id for p in pipe.retrieve(question, k=k)]


def lists(report):
    return report.added, report.updated, report.removed, report.unchanged, report.embedded


def test_build_update_remove_and_restart_match_the_folder_store(tmp_path, corpus):
    m, f = milvus(tmp_path, corpus), folder(tmp_path, corpus)
    assert lists(m.build()) == lists(f.build())
    assert (tmp_path / "mindex" / "milvus.db").exists() and m.status()["store"] == "milvus"
    question = "永汉镇荔枝加工能力"
    assert ids(m, question) == ids(f, question) and "3600吨" in m.retrieve(question, k=1)[0].chunk.text
    assert ids(m, "珠三角帮扶市共拨付帮扶资金") == ids(f, "珠三角帮扶市共拨付帮扶资金")

    (corpus / "a.txt").write_text("龙门县永汉镇建成荔枝加工厂3座,年加工能力5200吨。", encoding="utf-8")
    (corpus / "b.txt").unlink()
    rm, rf = m.build(), f.build()
    assert lists(rm) == lists(rf) and rm.updated == ["a.txt"] and rm.removed == ["b.txt"]
    top = m.retrieve(question, k=1)[0].chunk
    assert "5200吨" in top.text and top.text == m.index.docs["a.txt"].text[top.start:top.end]
    assert all(p.chunk.doc_id != "b.txt" for p in m.retrieve("马头镇光伏电站装机容量", k=10))
    assert sorted(m.index.docs) == sorted(f.index.docs) and m.status()["passages"] == f.status()["passages"]
    assert m.check() == []

    script = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
              "from pathlib import Path\nfrom fakes import HashEmbedder\nfrom reportqa.pipeline import Pipeline\n"
              f"p = Pipeline(Path({str(tmp_path / 'mindex')!r}), embedder=HashEmbedder(), store='milvus')\n"
              f"print(p.retrieve({question!r}, k=1)[0].chunk.text)")
    m.store.close()  # Milvus Lite serves one process at a time: this one steps aside
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "5200吨" in out.stdout


def test_unchanged_corpus_changes_nothing_and_reuses_vectors_of_unchanged_text(tmp_path, corpus):
    emb = HashEmbedder()
    m = milvus(tmp_path, corpus, emb)
    m.build()
    again = m.build()
    assert again.added == again.updated == again.removed == [] and again.embedded == 0
    text = (corpus / SEEDS[0]).read_text(encoding="utf-8")
    (corpus / SEEDS[0]).write_text(text + "\n新增一句:该镇新建冷库1座。", encoding="utf-8")
    report = m.build()
    assert report.updated == [SEEDS[0]] and 0 < report.embedded < report.reused
    assert "冷库" in m.retrieve("该镇新建冷库", k=1)[0].chunk.text


def test_a_failed_change_leaves_the_previous_state_answering(tmp_path, corpus, monkeypatch):
    from reportqa.index.milvus.writer import MilvusWriter

    m = milvus(tmp_path, corpus)
    m.build()
    before = ids(m, "永汉镇荔枝加工能力"), m.status()["passages"]
    (corpus / "c.txt").write_text("和平县林寨镇接待游客32万人次,旅游收入5400万元。", encoding="utf-8")
    real = MilvusWriter._insert

    def fail_on_sentences(self, name, rows):
        if name.endswith("sentences"):
            raise OSError(28, "No space left on device")
        real(self, name, rows)  # passages are inserted first, so there is something to take back

    monkeypatch.setattr(MilvusWriter, "_insert", fail_on_sentences)
    with pytest.raises(IndexWriteError, match="previous index still answers"):
        m.build()
    monkeypatch.undo()
    m.load()
    assert (ids(m, "永汉镇荔枝加工能力"), m.status()["passages"]) == before
    assert "c.txt" not in m.index.docs and m.check() == []  # the inserted passages were taken back
    assert "c.txt" in m.build().added and "5400万元" in m.retrieve("林寨镇旅游收入", k=1)[0].chunk.text


def test_another_model_rebuilds_into_new_collections(tmp_path, corpus):
    m = milvus(tmp_path, corpus)
    m.build()
    old = set(m.index.manifest["collections"])
    other = milvus(tmp_path, corpus, HashEmbedder(dim=32, model_id="fake/other"))
    with pytest.raises(Exception, match="model_id"):
        other.load()
    report = other.build()
    assert sorted(report.added) == sorted([*SEEDS, *NEW]) and other.check() == []
    assert not old & set(other.store.client().list_collections())


def test_wrong_settings_are_clear_errors(tmp_path, corpus, capsys):
    with pytest.raises(UsageError, match="--store faiss"):
        open_store(tmp_path, "chroma")
    with pytest.raises(UsageError, match=r"\.db"):
        Pipeline(tmp_path / "i", corpus, embedder=HashEmbedder(), store="milvus",
                 milvus_uri=str(tmp_path / "milvus-folder")).load()
    with pytest.raises(IndexMissingError, match="--store milvus"):
        milvus(tmp_path, corpus).load()
    milvus(tmp_path, corpus).build()
    with pytest.raises(IndexMissingError, match="--store milvus"):
        Pipeline(tmp_path / "mindex", corpus, embedder=HashEmbedder()).load()
    assert main(["ask", "--store", "milvus", "--index", str(tmp_path / "none"), "问题"]) == 2
    err = capsys.readouterr().err
    assert "no Milvus index" in err and "Traceback" not in err


@pytest.mark.model
def test_dev_answers_and_recall_equal_the_folder_store(tmp_path_factory, real_pipeline):
    dev = SHARED / "eval" / "dev.jsonl"
    if not dev.exists():
        pytest.skip("../shared/eval/dev.jsonl is not beside the project")
    m = Pipeline(tmp_path_factory.mktemp("mv") / "index", SEED_CORPUS, embedder=real_pipeline.embedder,
                 store="milvus")
    m.build()
    records = load_questions(dev)
    answers = {}

    def asker(pipe, tag):
        def ask(rec):
            out = pipe.ask_json(rec["question"], rec.get("history") or None, rec.get("id"))
            answers.setdefault(rec["question"], {})[tag] = (out["found"], out["answer"].split("原文")[0])
            return out
        return ask

    fm, ff = evaluate(records, asker(m, "milvus")).figures, evaluate(records, asker(real_pipeline, "faiss")).figures
    same = sum(a["milvus"] == a["faiss"] for a in answers.values())
    assert same >= 0.95 * len(answers), json.dumps(answers, ensure_ascii=False)[:3000]
    assert fm["recall@5"] == ff["recall@5"]


def test_rows_a_published_change_did_not_delete_are_deleted_by_the_next(tmp_path, corpus, monkeypatch):
    from reportqa.index.milvus.store import MilvusStore

    m = milvus(tmp_path, corpus)
    m.build()
    (corpus / "b.txt").unlink()
    monkeypatch.setattr(MilvusStore, "_delete", lambda self, collections, versions: None)  # stops short
    assert m.build().removed == ["b.txt"]
    monkeypatch.undo()
    assert any("holds" in p for p in m.check())  # Milvus still holds b.txt's rows
    assert all(p.chunk.doc_id != "b.txt" for p in m.retrieve("马头镇光伏电站装机容量", k=10))  # never shown
    (corpus / "c.txt").write_text("和平县林寨镇接待游客32万人次。", encoding="utf-8")
    m.build()
    assert m.check() == []


def test_a_milvus_failure_during_a_change_is_a_clear_error(tmp_path, corpus, monkeypatch):
    from pymilvus.exceptions import MilvusException
    from reportqa.index.milvus.writer import MilvusWriter

    m = milvus(tmp_path, corpus)
    m.build()
    (corpus / "c.txt").write_text("和平县林寨镇接待游客32万人次。", encoding="utf-8")

    def down(self, name, rows):
        raise MilvusException(message="server unavailable")

    monkeypatch.setattr(MilvusWriter, "_insert", down)
    with pytest.raises(IndexUnavailableError, match="server unavailable.*previous index still answers"):
        m.build()
    monkeypatch.undo()
    m.load()
    assert "c.txt" not in m.index.docs and m.check() == []
