"""Building, updating, verifying and protecting the index (fake embedder: fast, counts calls)."""

import json
import os
import shutil

import pytest

from reportqa.errors import CorruptIndexError, IndexMismatchError, IndexMissingError
from reportqa.index.corpus import CorpusIndex
from reportqa.index.lexical import Postings
from reportqa.pipeline import Pipeline

from conftest import SEED_CORPUS
from fakes import HashEmbedder

TRAD = "001_6935bd13527f7fd9.txt"
NEWS = "004_ef51806a2fa47196.txt"


@pytest.fixture
def corpus(tmp_path):
    d = tmp_path / "corpus"
    d.mkdir()
    for name in (TRAD, NEWS, "003_9518a9009f82dcac.txt"):
        shutil.copy(SEED_CORPUS / name, d / name)
    return d


def make(tmp_path, corpus, embedder=None):
    return Pipeline(tmp_path / "index", corpus, embedder=embedder or HashEmbedder())


def test_build_then_search_finds_passage_and_offsets_match(tmp_path, corpus):
    pipe = make(tmp_path, corpus)
    report = pipe.build()
    assert sorted(report.added) == sorted(p.name for p in corpus.iterdir())
    assert report.chunks == len(pipe.index.chunks) > 20
    top = pipe.retrieve("珠三角帮扶市共拨付帮扶资金", k=5)
    assert top[0].chunk.doc_id == NEWS and "108.12亿元" in top[0].chunk.text
    for c in pipe.index.chunks:
        assert c.text == pipe.index.docs[c.doc_id].text[c.start:c.end]
    manifest = pipe.index.manifest
    assert manifest["model"] == {"id": "fake/hash-bigram", "dim": 64}
    assert manifest["chunk_count"] == report.chunks and manifest["doc_count"] == 3
    segment = json.loads((tmp_path / "index" / "segments" / manifest["segments"][0]["name"] / "segment.json")
                         .read_text(encoding="utf-8"))
    assert set(segment["files"]) >= {"docs.sqlite", "passage_vectors.npy", "sentence_vectors.npy", "lex_rows.npy"}
    assert pipe.check() == []


def test_simplified_question_finds_traditional_passage(tmp_path, corpus):
    pipe = make(tmp_path, corpus)
    pipe.build()
    top = pipe.retrieve("广州帮扶清远架设了多少盏路灯", k=3)
    assert top[0].chunk.doc_id == TRAD
    assert "架設路燈664余盞" in top[0].chunk.text  # shown in its own script


def test_reindex_embeds_only_new_or_changed_reports_and_drops_removed(tmp_path, corpus):
    emb = HashEmbedder()
    pipe = make(tmp_path, corpus, emb)
    pipe.build()
    first = len(emb.embedded)
    again = pipe.build()
    assert len(emb.embedded) == first and again.embedded == 0
    assert sorted(again.unchanged) == sorted(p.name for p in corpus.iterdir())

    (corpus / "new.txt").write_text("东莞帮扶韶关建设了12个冷链仓库。\n这是新增的报告。", encoding="utf-8")
    (corpus / NEWS).unlink()
    report = pipe.build()
    assert report.added == ["new.txt"] and report.removed == [NEWS]
    assert all("冷链" in t or "新增" in t for t in emb.embedded[first:])
    segments = pipe.index.manifest["segments"]  # the change is a new segment; the first is kept as written
    assert len(segments) == 2 and len(segments[0]["deleted"]) == 1 and segments[1]["deleted"] == []
    assert [r.doc_id for r in pipe.index.segments[1].records()] == ["new.txt"]
    assert NEWS not in pipe.index.docs
    assert all(c.doc_id != NEWS for c in pipe.index.chunks)
    assert "108.12" not in " ".join(p.chunk.text for p in pipe.retrieve("珠三角帮扶资金108.12亿元", k=10))


def test_bad_files_are_skipped_with_their_name_and_the_rest_indexed(tmp_path, corpus):
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "blob.txt").write_bytes(b"\x00\x01\x02\xff" * 100)
    (corpus / "gbk.txt").write_bytes("肇庆市新建了三座污水处理厂。".encode("gbk"))
    pipe = make(tmp_path, corpus)
    report = pipe.build()
    skipped = dict(report.skipped)
    assert set(skipped) == {"empty.txt", "blob.txt"}
    assert "empty.txt" in skipped["empty.txt"] and "blob.txt" in skipped["blob.txt"]
    assert "gbk.txt" in report.added and "污水处理厂" in pipe.index.docs["gbk.txt"].text


def test_links_are_followed_only_inside_the_corpus(tmp_path, corpus):
    secret = tmp_path / "outside.txt"
    secret.write_text("机密文件:账户余额为987654元。", encoding="utf-8")
    (corpus / "sub").mkdir()
    (corpus / "sub" / "inside.txt").symlink_to(corpus / NEWS)
    (corpus / "out.txt").symlink_to(secret)
    (corpus / "gone.txt").symlink_to(tmp_path / "deleted.txt")
    (corpus / "loop1.txt").symlink_to(corpus / "loop2.txt")
    (corpus / "loop2.txt").symlink_to(corpus / "loop1.txt")
    (corpus / "outdir").symlink_to(tmp_path, target_is_directory=True)
    pipe = make(tmp_path, corpus)
    report = pipe.build()
    reasons = dict(report.skipped)
    assert "outside the corpus" in reasons["out.txt"] and str(secret) in reasons["out.txt"]
    assert "does not exist" in reasons["gone.txt"]
    assert "loops" in reasons["loop1.txt"] and "loops" in reasons["loop2.txt"]
    assert "sub/inside.txt" in report.added and not any(k.startswith("outdir") for k in pipe.index.docs)
    assert "987654" not in "".join(d.text for d in pipe.index.docs.values())


def test_a_report_with_a_few_bad_bytes_is_indexed_and_reported(tmp_path, corpus):
    data = (corpus / NEWS).read_text(encoding="utf-8").encode("gb18030")
    (corpus / "gbk.txt").write_bytes(data[:300] + b"\xff" + data[300:])
    report = make(tmp_path, corpus).build()
    assert "gbk.txt" in report.added and dict(report.warnings)["gbk.txt"].startswith("1 undecodable")


def test_a_report_that_breaks_later_keeps_its_indexed_version(tmp_path, corpus):
    pipe = make(tmp_path, corpus)
    pipe.build()
    (corpus / NEWS).write_bytes(b"")
    report = pipe.build()
    assert report.kept_previous == [NEWS] and NEWS in pipe.index.docs


def test_an_unreadable_or_vanishing_report_is_skipped_not_fatal(tmp_path, corpus, monkeypatch):
    import reportqa.indexer as indexer

    pipe = make(tmp_path, corpus)
    pipe.build()
    (corpus / "new.txt").write_text("景宁县新建了三座茶厂。", encoding="utf-8")
    os.utime(corpus / NEWS, ns=(1, 1))  # touched: its bytes must be read again to know it is unchanged
    real_hash, real_read = indexer.sha256_file, indexer.read_document

    def flaky_hash(path):
        if path.name == NEWS:
            raise PermissionError(13, "Permission denied", str(path))
        return real_hash(path)

    def vanishing(path, corpus):
        if path.name == "new.txt":
            raise FileNotFoundError(2, "No such file or directory", str(path))
        return real_read(path, corpus)

    monkeypatch.setattr(indexer, "sha256_file", flaky_hash)
    monkeypatch.setattr(indexer, "read_document", vanishing)
    report = pipe.build()
    assert dict(report.skipped)[NEWS].startswith("cannot be read (PermissionError")
    assert report.kept_previous == [NEWS] and NEWS in pipe.index.docs  # nothing indexed is lost
    assert "new.txt" not in pipe.index.docs and TRAD in pipe.index.docs


def test_crash_during_build_keeps_the_previous_index(tmp_path, corpus, monkeypatch):
    pipe = make(tmp_path, corpus)
    pipe.build()
    before = pipe.store.current()
    (corpus / "new.txt").write_text("新的报告内容。", encoding="utf-8")

    def boom(self, directory):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Postings, "save", boom)
    with pytest.raises(RuntimeError):
        pipe.build()
    monkeypatch.undo()
    assert pipe.store.current() == before
    fresh = make(tmp_path, corpus)
    assert "new.txt" not in fresh.index.docs and len(fresh.index.chunks) > 0
    fresh.build()
    assert "new.txt" in fresh.index.docs
    assert not list((tmp_path / "index" / "snapshots").glob(".build-*"))


def _segment(pipe):
    return pipe.store.segments / pipe.index.manifest["segments"][0]["name"]


def test_a_damaged_file_is_found_by_check_and_a_cut_or_missing_one_at_load(tmp_path, corpus):
    pipe = make(tmp_path, corpus)
    pipe.build()
    seg = _segment(pipe)
    original = (seg / "passage_vectors.npy").read_bytes()
    data = bytearray(original)
    data[-10] ^= 0xFF
    (seg / "passage_vectors.npy").write_bytes(bytes(data))
    damaged = make(tmp_path, corpus)
    assert damaged.load()  # load checks sizes only: start-up does not read every byte
    assert damaged.check() == [f"{seg / 'passage_vectors.npy'} is corrupt (checksum mismatch)"]
    (seg / "passage_vectors.npy").write_bytes(original[:-10])
    with pytest.raises(CorruptIndexError, match="is corrupt .*reportqa index"):
        make(tmp_path, corpus).load()
    (seg / "passage_vectors.npy").write_bytes(original)
    assert make(tmp_path, corpus).check() == []  # intact again
    (seg / "lex_vocab.json").unlink()
    with pytest.raises(CorruptIndexError, match="missing"):
        make(tmp_path, corpus).load()


def test_index_of_another_model_is_refused(tmp_path, corpus):
    make(tmp_path, corpus).build()
    other = make(tmp_path, corpus, HashEmbedder(model_id="fake/other"))
    with pytest.raises(IndexMismatchError, match="fake/hash-bigram"):
        other.load()


@pytest.mark.parametrize("breakage", ["bogus name", "deleted snapshot", "non-utf8", "manifest []",
                                      "manifest null"])
def test_the_printed_recovery_repairs_a_broken_index(tmp_path, corpus, breakage):
    pipe = make(tmp_path, corpus)
    pipe.build()
    root = tmp_path / "index"
    snap = root / "snapshots" / (root / "CURRENT").read_text().strip()
    if breakage == "bogus name":
        (root / "CURRENT").write_text("bogus")
    elif breakage == "deleted snapshot":
        shutil.rmtree(snap)
    elif breakage == "non-utf8":
        (root / "CURRENT").write_bytes(b"\xff\xfe\x00")
    else:
        (snap / "manifest.json").write_text(breakage.split()[1])
    with pytest.raises(CorruptIndexError, match="reportqa index --index"):
        make(tmp_path, corpus).load()
    report = make(tmp_path, corpus).build()  # what the message says to run
    assert report.documents == 3 and make(tmp_path, corpus).index.docs


def test_an_index_path_that_is_a_file_is_a_clear_error(tmp_path, corpus):
    from reportqa.errors import UsageError

    (tmp_path / "index").write_text("not a folder")
    with pytest.raises(UsageError, match="is a file, not a folder"):
        make(tmp_path, corpus).build()


def test_missing_index_says_how_to_build(tmp_path, corpus):
    with pytest.raises(IndexMissingError, match="reportqa index"):
        make(tmp_path, corpus).load()


def test_loaded_index_equals_saved(tmp_path, corpus):
    pipe = make(tmp_path, corpus)
    pipe.build()
    loaded = CorpusIndex.load(pipe.store)
    assert [c.chunk_id for c in loaded.chunks] == [c.chunk_id for c in pipe.index.chunks]
    assert len(loaded.dense) == len(loaded.chunks) == loaded.lexical.n


WRITE_LIMITED = """
import resource, signal, sys
from pathlib import Path
sys.path.insert(0, {tests!r})
from fakes import HashEmbedder
from reportqa.errors import IndexWriteError
from reportqa.pipeline import Pipeline
pipe = Pipeline(Path({index!r}), Path({corpus!r}), embedder=HashEmbedder())
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with an error, as on a full disk
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
try:
    pipe.build()
except IndexWriteError as exc:
    print(exc)
    sys.exit(3)
"""


def test_a_failed_write_removes_the_partial_build_and_keeps_the_index(tmp_path, corpus):
    import subprocess
    import sys
    from pathlib import Path

    pipe = make(tmp_path, corpus)
    pipe.build()
    before = pipe.store.current()
    (corpus / "new.txt").write_text("丽水市松阳县去年投入8000万元建设茶园。" * 50, encoding="utf-8")
    script = WRITE_LIMITED.format(tests=str(Path(__file__).parent), index=str(tmp_path / "index"), corpus=str(corpus))
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert run.returncode == 3, run.stderr[-2000:]
    assert "could not write the new index" in run.stdout and "previous index still answers" in run.stdout
    assert "Traceback" not in run.stdout + run.stderr
    assert not list((tmp_path / "index" / "snapshots").glob(".build-*"))
    assert make(tmp_path, corpus).store.current() == before
    assert "new.txt" not in make(tmp_path, corpus).index.docs


def test_a_segment_whose_records_disagree_says_so_in_words(tmp_path, corpus):
    pipe = make(tmp_path, corpus)
    pipe.build()
    meta_path = _segment(pipe) / "segment.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["passages"] += 1  # consistent file sizes, yet wrong counts
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(CorruptIndexError) as err:
        make(tmp_path, corpus).load()
    assert "other counts than its segment.json records" in str(err.value)
    assert "reportqa index --index" in str(err.value)
    make(tmp_path, corpus).build()  # the advice works: the index is rebuilt and loads
    assert make(tmp_path, corpus).load().docs


def test_adding_reports_goes_through_the_pipeline(tmp_path, corpus):
    pipe = make(tmp_path, corpus)
    pipe.build()
    new = tmp_path / "新报告.txt"
    new.write_text("鹤溪镇今年建成高标准农田1200亩，带动群众增收。\n", encoding="utf-8")
    bad = tmp_path / "notes.exe"
    bad.write_bytes(b"MZ\x90\x00")
    saved, rejected, report = pipe.add_reports([new, bad])
    assert [s.status for s in saved] == ["added"] and [r.original for r in rejected] == ["notes.exe"]
    assert report is not None and report.added == [saved[0].name]
    assert "1200亩" in pipe.retrieve("鹤溪镇建成多少亩高标准农田", k=1)[0].chunk.text
    saved, _, report = pipe.add_reports([new])
    assert saved[0].status == "duplicate" and report is None  # nothing new: no rebuild
