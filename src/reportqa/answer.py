"""Answerers: turn retrieved passages into an answer with citations."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from .corpusindex import CorpusIndex
from .segment import Segmenter
from .textnorm import normalize
from .types import Answer, Citation, Passage, Sentence

NOT_FOUND = "现有报告中没有找到关于“{q}”的信息。"


class Answerer(Protocol):
    """Same verb for every answerer (extractive, LLM)."""

    def answer(self, question: str, passages: list[Passage], qvec: np.ndarray,
               index: CorpusIndex) -> Answer: ...


def sentences_in(index: CorpusIndex, passage: Passage) -> list[tuple[int, Sentence]]:
    """(row, sentence) for the index sentences that lie inside a passage's chunk."""
    c = passage.chunk
    return [(i, s) for i, s in enumerate(index.sentences)
            if s.doc_id == c.doc_id and s.start >= c.start and s.end <= c.end]


class BestSentenceAnswerer:
    """The sentence best matching the question (dense + lexical), cited; no span extraction."""

    def __init__(self, segmenter: Segmenter) -> None:
        self.segmenter = segmenter

    def answer(self, question: str, passages: list[Passage], qvec: np.ndarray,
               index: CorpusIndex) -> Answer:
        """Pick the best sentence among the top passages."""
        qtok = set(self.segmenter.tokens(question))
        best: tuple[float, Passage, Sentence] | None = None
        for p in passages[:5]:
            for row, s in sentences_in(index, p):
                cover = len(qtok & set(self.segmenter.tokens(s.text))) / max(1, len(qtok))
                score = float(index.sentence_vectors[row] @ qvec) + 0.5 * cover
                if best is None or score > best[0]:
                    best = (score, p, s)
        if best is None:
            return Answer(question, False, NOT_FOUND.format(q=normalize(question)), [], passages)
        score, p, s = best
        cite = Citation(1, p.chunk, s.text, s.start, s.end, score)
        return Answer(question, True, f"{s.text}[1]", [cite], passages)
