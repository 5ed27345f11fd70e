"""Sentence splitting and chunk offsets."""

import re

import pytest

from reportqa.chunk import chunk_document, split_sentences
from reportqa.types import Document

from conftest import SEED_CORPUS


def seed_docs():
    return [Document(p.name, p.read_text(encoding="utf-8")) for p in sorted(SEED_CORPUS.glob("*.txt"))]


def test_sentences_end_at_chinese_punctuation_not_decimal_points():
    text = "珠三角帮扶市共拨付帮扶资金108.12亿元。他说:“很好！”下一句？最后一句"
    spans = [text[s.start:s.end] for s in split_sentences(text)]
    assert spans == ["珠三角帮扶市共拨付帮扶资金108.12亿元。", "他说:“很好！”", "下一句？", "最后一句"]


def test_long_sentence_splits_at_clauses_but_never_inside_a_number():
    text = "，".join(f"第{i}项资金1,234.5万元用于修路" for i in range(30)) + "。"
    spans = split_sentences(text, max_chars=60)
    assert len(spans) > 5
    assert "".join(text[s.start:s.end] for s in spans) == text
    for s in spans:
        assert len(text[s.start:s.end]) <= 60
        assert not (s.start > 0 and text[s.start - 1].isdigit() and text[s.start].isdigit())


@pytest.mark.parametrize("doc", seed_docs(), ids=lambda d: d.doc_id)
def test_chunk_offsets_are_exact_and_cover_every_sentence(doc):
    chunks = chunk_document(doc)
    assert chunks
    for c in chunks:
        assert c.text == doc.text[c.start:c.end]
        assert c.text == c.text.strip() and len(c.text) <= 360
        assert c.chunk_id.startswith(doc.doc_id + "#")
    for s in split_sentences(doc.text):
        assert any(c.start <= s.start and s.end <= c.end for c in chunks), doc.text[s.start:s.end]


@pytest.mark.parametrize("doc", seed_docs(), ids=lambda d: d.doc_id)
def test_chunks_never_cut_a_number_or_a_sentence(doc):
    ends = {s.end for s in split_sentences(doc.text)}
    starts = {s.start for s in split_sentences(doc.text)}
    for c in chunk_document(doc):
        assert c.start in starts and c.end in ends
        for pos in (c.start, c.end):
            assert not re.fullmatch(r"[\d.]{2}", doc.text[max(0, pos - 1):pos + 1])


def test_neighbouring_chunks_overlap_by_a_short_sentence():
    doc = Document("x.txt", "".join(f"第{i}句话很短。" for i in range(200)))
    chunks = chunk_document(doc, target=100)
    assert all(b.start < a.end for a, b in zip(chunks, chunks[1:]))
