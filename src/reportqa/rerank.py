"""Sentence-level scoring: rerank fused passages by their best sentence; shared with the answerer."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .index.engine import IndexReader
from .segment import Segmenter, general_rarity
from .types import Passage, Sentence


@dataclass
class ScoredSentence:
    """A sentence of a retrieved passage with the signals that rank it."""

    row: int
    sentence: Sentence
    passage: Passage
    rank: int  # of the passage after fusion, from 0
    dense: float  # cosine of sentence and question vectors
    lexical: float  # IDF share of the question's terms in the sentence
    coverage: float  # IDF share of the question's terms in sentence + passage + report title

    @property
    def score(self) -> float:
        """The combined relevance of the sentence."""
        return self.dense + 0.6 * self.lexical + 0.2 * self.coverage - 0.01 * self.rank


class SentenceScorer:
    """Scores the sentences of passages against a question."""

    def __init__(self, segmenter: Segmenter) -> None:
        self.segmenter = segmenter

    def warm_up(self) -> None:
        """Load what the weights use: jieba's dictionary and its median word frequency, once."""
        general_rarity("")

    def weights(self, question: str, index: IndexReader) -> tuple[dict[str, float], float]:
        """IDF of each question term and their sum. Terms unseen in the corpus weigh most, scaled by how
        rare they are in general Chinese (大约 and 超过 are not what a question is about)."""
        qtok = set(self.segmenter.tokens(question))
        idf, rare = index.idf(qtok), index.max_idf()
        w = {t: idf.get(t, rare * general_rarity(t)) for t in qtok}
        return w, sum(w.values()) or 1.0

    def scored(self, question: str, passages: list[Passage], qvec: np.ndarray,
               index: IndexReader) -> list[ScoredSentence]:
        """The sentences of ``passages`` with the scores the rerank already gave them (ranked by their
        passage's place in ``passages``); scored now when the passages did not come from :meth:`rerank`."""
        if passages and all(p.scored for p in passages):
            return [replace(s, rank=rank) for rank, p in enumerate(passages) for s in p.scored]
        return self.score(question, passages, qvec, index)

    def score(self, question: str, passages: list[Passage], qvec: np.ndarray,
              index: IndexReader) -> list[ScoredSentence]:
        """Every sentence inside ``passages``, scored."""
        w, total = self.weights(question, index)
        out = []
        for rank, p in enumerate(passages):
            title = index.docs[p.chunk.doc_id].title
            ctx = set(self.segmenter.tokens(title + "\n" + p.chunk.text))
            for row, s in index.sentences_within(p.chunk):
                stok = index.sentence_tokens(row, self.segmenter, s.text)
                lex = sum(v for t, v in w.items() if t in stok) / total
                cover = sum(v for t, v in w.items() if t in stok or t in ctx) / total
                dense = float(index.sentence_vector(row) @ qvec)
                out.append(ScoredSentence(row, s, p, rank, dense, lex, cover))
        return out

    def rerank(self, question: str, passages: list[Passage], qvec: np.ndarray,
               index: IndexReader) -> list[Passage]:
        """``passages`` ordered by their best sentence (ties keep the fused order)."""
        best: dict[str, float] = {}
        for p in passages:
            p.scored = []
        for s in self.score(question, passages, qvec, index):
            cid = s.passage.chunk.chunk_id
            best[cid] = max(best.get(cid, -9.0), s.score)
            s.passage.scored.append(s)  # kept for the answerer: sentences are scored once per question
        order = sorted(range(len(passages)), key=lambda i: (-best.get(passages[i].chunk.chunk_id, -9.0), i))
        return [passages[i] for i in order]
