"""The answerer interface and helpers shared by every answerer."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from ..corpusindex import CorpusIndex
from ..textnorm import normalize
from ..types import Answer, Passage, Sentence

NOT_FOUND = "现有报告中没有找到关于“{q}”的信息。"


class Answerer(Protocol):
    """Same verb for every answerer (extractive, LLM)."""

    def answer(self, question: str, passages: list[Passage], qvec: np.ndarray,
               index: CorpusIndex) -> Answer: ...


def not_found(question: str, passages: list[Passage]) -> Answer:
    """The plain refusal, naming what was asked."""
    topic = normalize(question).strip().rstrip("?？。!！")
    return Answer(question, False, NOT_FOUND.format(q=topic), [], passages)


def sentences_in(index: CorpusIndex, passage: Passage) -> list[tuple[int, Sentence]]:
    """(row, sentence) for the index sentences that lie inside a passage's chunk."""
    return index.sentences_within(passage.chunk)
