"""The segmented index: changes write only about themselves, merges keep results, IVF agrees with exact
search, and BM25 over several segments scores as over one (fake embedder: fast)."""

import os

import numpy as np
import pytest

from reportqa.index.lexical import LexicalSearch, Postings
from reportqa.index.merge import MERGE_CAP, plan_merge
from reportqa.pipeline import Pipeline
from reportqa.textnorm import normalize

from conftest import small_corpus
from fakes import HashEmbedder

SEEDS = ("001_6935bd13527f7fd9.txt", "003_9518a9009f82dcac.txt", "004_ef51806a2fa47196.txt")
NEW = {"a.txt": "龙门县永汉镇建成荔枝加工厂2座,年加工能力3600吨。",
       "b.txt": "新丰县马头镇建设光伏电站,装机容量1200千瓦,村集体年增收18万元。",
       "c.txt": "和平县林寨镇接待游客32万人次,旅游收入5400万元。"}


@pytest.fixture
def corpus(tmp_path):
    return small_corpus(tmp_path, SEEDS)


def make(tmp_path, corpus, embedder=None):
    return Pipeline(tmp_path / "index", corpus, embedder=embedder or HashEmbedder())


def top_texts(pipe, question, k=5):
    return [p.chunk.chunk_id for p in pipe.retrieve(question, k=k)]


def test_adding_reports_one_by_one_writes_small_segments_then_merges_them(tmp_path, corpus):
    pipe = make(tmp_path, corpus)
    pipe.build()
    first = pipe.index.manifest["segments"][0]["name"]
    before = top_texts(pipe, "珠三角帮扶市共拨付帮扶资金")
    for n, (name, text) in enumerate(NEW.items(), 2):
        (corpus / name).write_text(text, encoding="utf-8")
        report = pipe.build()
        assert report.added == [name] and report.embedded <= 3  # its passage and sentences, nothing else
        names = [s["name"] for s in pipe.index.manifest["segments"]]
        assert len(names) == (n if n < 4 else 1) and (first in names) == (n < 4)
    assert report.merged == 4 and sorted(pipe.index.docs) == sorted([*SEEDS, *NEW])
    assert pipe.check() == [] and top_texts(pipe, "珠三角帮扶市共拨付帮扶资金") == before
    assert "3600吨" in pipe.retrieve("永汉镇荔枝加工能力", k=1)[0].chunk.text
    assert len(list((tmp_path / "index" / "segments").iterdir())) <= 5  # merged-away segments are removed


def test_a_removed_report_is_never_found_and_is_left_out_of_a_merge(tmp_path, corpus):
    pipe = make(tmp_path, corpus)
    pipe.build()
    (corpus / SEEDS[2]).unlink()
    report = pipe.build()
    assert report.removed == [SEEDS[2]] and report.embedded == 0  # a deletion is recorded, nothing re-embedded
    assert all(p.chunk.doc_id != SEEDS[2] for p in pipe.retrieve("珠三角帮扶市共拨付帮扶资金108.12亿元", k=20))
    assert pipe.index.idf(["108.12"]) == {}  # statistics count live passages only
    for name, text in NEW.items():
        (corpus / name).write_text(text, encoding="utf-8")
        pipe.build()
    merged = pipe.index.segments[0]
    assert len(pipe.index.segments) == 1 and SEEDS[2] not in [r.doc_id for r in merged.records()]


def test_a_segment_that_lost_most_of_its_reports_is_rewritten(tmp_path, corpus):
    pipe = make(tmp_path, corpus)
    pipe.build()
    (corpus / SEEDS[0]).unlink(), (corpus / SEEDS[2]).unlink()
    report = pipe.build()
    assert report.merged == 1 and pipe.index.manifest["segments"][0]["deleted"] == []
    assert sorted(pipe.index.docs) == [SEEDS[1]]


def test_the_merge_plan_groups_like_sizes_under_the_cap():
    assert plan_merge([("big", MERGE_CAP * 3, MERGE_CAP * 3), ("a", 30, 30), ("b", 40, 40), ("c", 20, 20)]) == []
    assert sorted(plan_merge([("big", MERGE_CAP * 3, MERGE_CAP * 3), ("a", 30, 30), ("b", 40, 40), ("c", 20, 20),
                              ("d", 10, 10)])) == ["a", "b", "c", "d"]
    assert plan_merge([("x", 100, 300)]) == ["x"]  # two thirds deleted
    assert plan_merge([("big", 10, MERGE_CAP * 2)]) == []  # a full build's segment is never rewritten here


def test_ivf_segments_find_what_exact_search_finds(tmp_path, corpus, monkeypatch):
    monkeypatch.setenv("REPORTQA_ANN_MIN", "10")
    pipe = make(tmp_path, corpus)
    pipe.build()
    seg = pipe.index.segments[0]
    assert seg.vectors.approximate and (seg.path / "ann.faiss").exists() and seg.meta["ann"]["recall"] >= 0.985
    emb = HashEmbedder()
    questions = ["珠三角帮扶市共拨付帮扶资金", "广州帮扶清远架设路灯", "驻镇帮镇扶村工作队", "肇庆市消费帮扶", "乡村振兴"]
    hits = 0
    for q in questions:
        qv = emb.embed_queries([q])[0][None, :]
        _, ann = pipe.index.dense.search(qv, 10)
        _, exact = pipe.index.dense.search(qv, 10, exact=True)
        hits += len(set(ann[0]) & set(exact[0]))
    assert hits / (10 * len(questions)) >= 0.98
    (corpus / SEEDS[2]).unlink()
    pipe.build()
    gone = {int(g) for g in np.flatnonzero(~pipe.index.live[0])}
    qv = emb.embed_queries(["珠三角帮扶市共拨付帮扶资金108.12亿元"])[0][None, :]
    assert gone and not gone & set(pipe.index.dense.search(qv, 50)[1][0].tolist())


def test_bm25_over_two_segments_scores_as_over_one():
    docs = [["广州", "帮扶", "清远"], ["帮扶", "资金", "亿元"], ["清远", "路灯"], ["资金", "帮扶", "帮扶"], ["路灯", "亿元"]]
    one = LexicalSearch([(Postings.from_tokens(docs), np.ones(5, bool), 0)])
    two = LexicalSearch([(Postings.from_tokens(docs[:2]), np.ones(2, bool), 0),
                         (Postings.from_tokens(docs[2:]), np.ones(3, bool), 2)])
    for query in (["帮扶", "资金"], ["清远"], ["路灯", "广州"]):
        s1, i1 = one.search(query, 5)
        s2, i2 = two.search(query, 5)
        assert i1.tolist() == i2.tolist() and np.allclose(s1, s2)
    merged = Postings.merge([(Postings.from_tokens(docs[:2]), np.array([True, False])),
                             (Postings.from_tokens(docs[2:]), np.ones(3, bool))])
    assert merged.posting("帮扶")[0].tolist() == [0, 2] and merged.posting("帮扶")[1].tolist() == [1, 2]


def test_an_unchanged_file_is_not_read_again(tmp_path, corpus, monkeypatch):
    import reportqa.indexer as indexer

    pipe = make(tmp_path, corpus)
    pipe.build()
    read = []
    monkeypatch.setattr(indexer, "sha256_file", lambda p: read.append(p) or "x")
    report = pipe.build()
    assert read == [] and sorted(report.unchanged) == sorted(SEEDS)  # size and mtime say it is unchanged


def test_a_large_build_is_written_in_batches_with_the_same_results(tmp_path, corpus, monkeypatch):
    import reportqa.indexer as indexer

    whole = make(tmp_path / "whole", corpus)
    first = whole.build()
    monkeypatch.setattr(indexer, "BATCH_CHARS", 1)  # one report per segment
    parts = make(tmp_path / "parts", corpus)
    report = parts.build()
    assert len(parts.index.segments) == 3 and report.documents == 3 and report.embedded == first.embedded
    for q in ("珠三角帮扶市共拨付帮扶资金", "广州帮扶清远架设路灯", "驻镇帮镇扶村工作队"):
        assert top_texts(parts, q) == top_texts(whole, q)


def test_sentence_vectors_are_stored_in_half_precision(tmp_path, corpus):
    pipe = make(tmp_path, corpus)
    pipe.build()
    seg = pipe.index.segments[0]
    assert seg.sentence_vectors.dtype == np.float16 and seg.passage_vectors.dtype == np.float32
    emb = HashEmbedder()
    first = next(pipe.index.iter_sentences())
    assert np.allclose(pipe.index.sentence_vector(0), emb.embed_passages([normalize(first.text)])[0], atol=1e-3)


def test_whether_the_reports_mention_a_word_comes_from_the_index_vocabulary(tmp_path, corpus):
    pipe = make(tmp_path, corpus)
    pipe.build()
    seg = pipe.segmenter
    assert pipe.index.mentions("路灯", seg) and pipe.index.mentions("珠三角帮扶市", seg)  # a term, a phrase of terms
    assert not pipe.index.mentions("鹰嘴桃", seg) and not pipe.index.mentions("冷链仓库", seg)


def test_a_garbled_report_database_is_refused_and_the_rebuild_repairs_it(tmp_path, corpus):
    from reportqa.errors import CorruptIndexError

    pipe = make(tmp_path, corpus)
    pipe.build()
    db = pipe.store.segments / pipe.index.manifest["segments"][0]["name"] / "docs.sqlite"
    db.write_bytes(b"\x00" * db.stat().st_size)  # same size: only its content is wrong
    with pytest.raises(CorruptIndexError, match="docs.sqlite is unreadable.*reportqa index --index"):
        make(tmp_path, corpus).load()
    assert make(tmp_path, corpus).build().documents == 3 and make(tmp_path, corpus).index.docs


def test_random_adds_updates_and_removals_keep_the_index_equal_to_the_corpus(tmp_path, corpus):
    import random

    rng = random.Random(7)
    towns = ["永汉镇", "马头镇", "林寨镇", "沙琅镇", "禾洞镇", "船塘镇", "茶阳镇", "麒麟镇"]
    pipe = make(tmp_path, corpus)
    pipe.build()
    for step in range(14):
        name = f"r{rng.randrange(6)}.txt"
        path = corpus / name
        if path.exists() and rng.random() < 0.4:
            path.unlink()
        else:
            town = rng.choice(towns)
            path.write_text(f"{town}第{step}次帮扶投入{rng.randint(10, 999)}万元。\n{town}建成冷库{step}座。",
                            encoding="utf-8")
            os.utime(path, ns=(step + 1, step + 1))  # a new mtime even within the clock's resolution
        pipe.build()
        index = pipe.index
        assert sorted(index.docs) == sorted(p.name for p in corpus.iterdir()), step
        chunks = list(index.chunks)
        assert len(chunks) == len(index.dense) == index.lexical.n == index.manifest["chunk_count"]
        for c in chunks:
            assert c.text == index.docs[c.doc_id].text[c.start:c.end]
        for p in sorted(corpus.glob("r*.txt")):
            text = p.read_text(encoding="utf-8")
            assert index.docs[p.name].text.strip() == text.strip()
    assert pipe.check() == [] and len(pipe.index.segments) <= 4
