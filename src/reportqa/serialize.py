"""Plain-dict views of answers and passages (the CLI's JSON and the UI's API)."""

from __future__ import annotations

from typing import Any

from .index.engine import IndexReader
from .types import Answer, Citation, Passage


def passage_dict(n: int, p: Passage, index: IndexReader) -> dict[str, Any]:
    """A retrieved passage: ``text == cleaned_doc[start:end]``."""
    c = p.chunk
    return {"n": n, "doc": c.doc_id, "title": index.docs[c.doc_id].title, "chunk_id": c.chunk_id,
            "start": c.start, "end": c.end, "text": c.text, "score": round(p.score, 6)}


def citation_dict(c: Citation, index: IndexReader) -> dict[str, Any]:
    """A citation: the passage it points into, plus the quoted sentence and its offsets."""
    ch = c.chunk
    return {"n": c.n, "doc": ch.doc_id, "title": index.docs[ch.doc_id].title, "chunk_id": ch.chunk_id,
            "start": ch.start, "end": ch.end, "text": ch.text, "quote": c.quote,
            "quote_start": c.start, "quote_end": c.end, "score": round(c.score, 6)}


def answer_dict(a: Answer, index: IndexReader, qid: str | None = None) -> dict[str, Any]:
    """The ``ask --json`` object."""
    out = {"id": qid, "question": a.question, "found": a.found, "answer": a.text,
           "citations": [citation_dict(c, index) for c in a.citations],
           "passages": [passage_dict(n, p, index) for n, p in enumerate(a.passages, 1)]}
    if a.matched:
        out["matched"] = [{"constraint": k, "value": v, "where": w} for k, v, w in a.matched]
    if a.near_miss is not None:
        out["near_miss"] = {"text": a.near_miss.text, "citation": citation_dict(a.near_miss.citation, index)}
    if a.resolved_question and a.resolved_question != a.question:
        out["resolved_question"] = a.resolved_question  # a follow-up, as understood
    return out
