"""The answerer interface and helpers shared by every answerer."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from ..index.engine import IndexReader
from ..textnorm import fold, normalize, printable
from ..types import Answer, Chunk, Passage

NOT_FOUND = "现有报告中没有找到关于“{q}”的信息。"
QUOTE_MARK = "原文："  # opens the quoted source sentence after an answer line


class Answerer(Protocol):
    """Same verb for every answerer (extractive, LLM)."""

    def answer(self, question: str, passages: list[Passage], qvec: np.ndarray,
               index: IndexReader) -> Answer: ...


ECHO_CHARS = 60  # a refusal names at most this much of the question


def not_found(question: str, passages: list[Passage]) -> Answer:
    """The plain refusal, naming what was asked (a short, printable excerpt of it)."""
    topic = printable(normalize(question)).strip().rstrip("?？。!！")
    if len(topic) > ECHO_CHARS:
        topic = topic[:ECHO_CHARS] + "…"
    return Answer(question, False, NOT_FOUND.format(q=topic), [], passages)


HEAD_CHARS = 300  # the opening of a report, which names its subject
LEAD_CHARS = 200  # text before a passage that may name its subject


def subject_context(index: IndexReader, chunk: Chunk, end: int | None = None) -> str:
    """Folded text a name must appear in to belong to a passage: the report's title and opening,
    and the passage with the lines leading into it (up to ``end``, a sentence's end, when given)."""
    doc = index.docs[chunk.doc_id]
    stop = chunk.end if end is None else end
    return fold(doc.title + doc.text[:HEAD_CHARS] + doc.text[max(0, chunk.start - LEAD_CHARS):stop])
