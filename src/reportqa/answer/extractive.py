"""The default answerer: the best sentence and the span that answers the question type."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..corpusindex import CorpusIndex
from ..segment import Segmenter
from ..textnorm import fold, normalize_with_map
from ..rerank import ScoredSentence, SentenceScorer
from ..types import Answer, Citation, Passage, Sentence
from .base import not_found, subject_context
from .question import Question, analyse, fits_kind, foreign_places, missing_names, person_names
from .spans import CLAUSE_END, Span, clause_bounds, date_spans, number_spans, slot_span
from .verify import check

NEEDS_SPAN = {"number", "date", "who", "where"}  # no such span in the evidence → no answer


@dataclass
class Candidate:
    """A scored sentence that may answer, with its best span."""

    scored: ScoredSentence
    score: float
    norm: str
    offsets: list[int]
    span: Span | None

    @property
    def passage(self) -> Passage:
        return self.scored.passage

    @property
    def sentence(self) -> Sentence:
        return self.scored.sentence


class ExtractiveAnswerer:
    """Scores sentences of the top passages (dense + lexical), extracts a typed span, refuses when unsure."""

    def __init__(self, segmenter: Segmenter, top_passages: int = 5, min_coverage: float = 0.34) -> None:
        self.segmenter = segmenter
        self.scorer = SentenceScorer(segmenter)
        self.top_passages = top_passages
        self.min_coverage = min_coverage

    def answer(self, question: str, passages: list[Passage], qvec: np.ndarray,
               index: CorpusIndex) -> Answer:
        """Answer from ``passages`` or refuse."""
        q = analyse(question)
        cands = self.candidates(q, passages, qvec, index)
        allowed = [c for c in cands if not self.mismatch(q, c, index)]
        best = max(allowed, key=lambda c: c.score, default=None)
        if best is None or self.refusal_reason(q, best, index):
            return not_found(question, passages)
        return check(self.compose(question, q, best, passages))

    def candidates(self, q: Question, passages: list[Passage], qvec: np.ndarray,
                   index: CorpusIndex) -> list[Candidate]:
        """Every sentence of the top passages, scored, with its span."""
        w, total = self.scorer.weights(q.text, index)
        out = []
        for ss in self.scorer.score(q.text, passages[: self.top_passages], qvec, index):
            norm, offsets = normalize_with_map(ss.sentence.text)
            span, fit = self.best_span(q, norm, w, total)
            penalty = 1.0 if q.qtype in NEEDS_SPAN and span is None else 0.0
            out.append(Candidate(ss, ss.score + 0.5 * fit - penalty, norm, offsets, span))
        return out

    def best_span(self, q: Question, norm: str, w: dict[str, float],
                  total: float) -> tuple[Span | None, float]:
        """The span of ``norm`` that best answers ``q`` and its fit (0 when none)."""
        if q.qtype == "number":
            spans = number_spans(q, norm)
        elif q.qtype == "date":
            spans = date_spans(q, norm)
        elif q.qtype == "other":
            return None, 0.0
        else:
            slot = slot_span(q, norm)
            if slot is None or not fits_kind(q.qtype, slot.text):
                return None, 0.0
            return slot, slot.fit
        best, best_fit = None, 0.0
        for sp in spans:
            a, b = clause_bounds(norm, sp.start, sp.end, CLAUSE_END + "、")
            near = set(self.segmenter.tokens(norm[max(a - 12, 0):sp.start] + " " + norm[sp.end:b]))
            fit = sp.fit + sum(v for t, v in w.items() if t in near) / total
            if foreign_places(q, norm[a:b]):
                fit -= 0.6  # the figure belongs to a place the question does not ask about
            if any(y in norm[a:b] for y in q.years):
                fit += 1.0  # the figure is the one of the year asked about
            if fit > best_fit:
                best, best_fit = sp, fit
        return best, best_fit

    def mismatch(self, q: Question, cand: Candidate, index: CorpusIndex) -> str:
        """A hard reason this sentence cannot answer: a year or a named entity of the question is absent."""
        chunk = fold(cand.passage.chunk.text)
        for year in q.years:
            if year not in chunk:
                return f"year {year} is not in the evidence"
        for name in missing_names(q.entities, subject_context(index, cand.passage.chunk)):
            return f"{name} is neither the report's subject nor in the passage"
        if q.qtype in NEEDS_SPAN and cand.span is None:
            return f"the evidence holds no {q.qtype} to answer with"
        if q.qtype == "number" and cand.span is not None and not cand.span.unit_ok:
            return f"no figure in the unit asked for ({q.classifier or '/'.join(q.unit_family)})"
        return ""

    def refusal_reason(self, q: Question, best: Candidate, index: CorpusIndex) -> str:
        """Why the best evidence does not cover the question ('' when it does)."""
        unseen = [w for w in q.nouns if fold(w) not in index.folded_text()]
        if unseen:
            return f"the reports never mention {'、'.join(unseen)}"
        if best.scored.coverage < self.min_coverage:
            return f"evidence covers {best.scored.coverage:.2f} of the question"
        return ""

    def compose(self, question: str, q: Question, best: Candidate, passages: list[Passage]) -> Answer:
        """The span (in the source's own script), then the supporting sentence, each cited."""
        s = best.sentence
        cite = Citation(1, best.passage.chunk, s.text, s.start, s.end, best.score)
        if best.span is None:
            return Answer(question, True, f"{s.text}[1]", [cite], passages)
        a, b = best.span.start, best.span.end
        if q.qtype == "who":
            a, b = person_names(best.norm, a, b)
        span = s.text[best.offsets[a]:best.offsets[b]]
        return Answer(question, True, f"{span}[1]\n原文：{s.text}[1]", [cite], passages)
