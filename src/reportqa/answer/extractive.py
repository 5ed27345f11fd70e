"""The default answerer: the best sentence and the span that answers the question type."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..index.engine import IndexReader
from ..segment import Segmenter, word_frequency
from ..textnorm import fold, normalize, normalize_with_map
from ..rerank import ScoredSentence, SentenceScorer
from ..types import Answer, Citation, NearMiss, Passage, Sentence
from .base import HEAD_CHARS, LEAD_CHARS, QUOTE_MARK, not_found, subject_context
from .binding import Binding, Context, bind
from .constraints import Constraints, read_constraints
from .places import places_in
from .question import Question, analyse, fits_kind, missing_names, person_names
from .units import figures_in
from .spans import (CLAUSE_END, PLACE_KIND, Span, clause_bounds, date_spans, digits, number_spans, place_slot,
                    role_name, slot_span)
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
    binding: Binding

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
               index: IndexReader) -> Answer:
        """Answer from ``passages`` or refuse (saying what the reports give instead, when they do)."""
        q = analyse(question)
        c = read_constraints(q)
        cands = self.candidates(q, c, passages, qvec, index)
        allowed = [x for x in cands if x.binding.ok and not self.mismatch(q, c, x, index)]
        best = max(allowed, key=lambda x: x.score, default=None)
        if best is None or self.refusal_reason(q, best, index):
            return self.refuse(question, q, c, cands, passages, index)
        if rival(best, allowed) is not None:
            return undecided(question, best, passages)
        answer = self.compose(question, q, best, passages)
        answer.matched = best.binding.matched
        return check(answer)

    def candidates(self, q: Question, c: Constraints, passages: list[Passage], qvec: np.ndarray,
                   index: IndexReader) -> list[Candidate]:
        """Every sentence of the top passages, scored, with each span it offers and that span's binding."""
        w, total = self.scorer.weights(q.text, index)
        out = []
        for ss in self.scorer.scored(q.text, passages[: self.top_passages], qvec, index):
            norm, offsets = normalize_with_map(ss.sentence.text)
            ctx = _context(index, ss.passage, ss.sentence)
            for span, fit in self.spans(q, norm, w, total):
                penalty = 1.0 if q.qtype in NEEDS_SPAN and span is None else 0.0
                b = bind(c, q.text, norm, span.start if span else 0, span.end if span else 0, ctx,
                         span.figure if span else None)
                out.append(Candidate(ss, ss.score + 0.5 * fit - penalty, norm, offsets, span, b))
        return out

    def spans(self, q: Question, norm: str, w: dict[str, float], total: float) -> list[tuple[Span | None, float]]:
        """The spans of ``norm`` that may answer ``q`` with their fit; ``[(None, 0)]`` when none."""
        if q.qtype == "number":
            spans = number_spans(q, norm)
        elif q.qtype == "date":
            spans = date_spans(q, norm)
        elif q.qtype == "other":
            return [(None, 0.0)]
        else:
            slot = slot_span(q, norm)
            if slot is None or not fits_kind(q.qtype, slot.text) or not _slot_kind_ok(q, slot.text):
                slot = place_slot(q, norm) if q.qtype == "where" else role_name(q, norm) if q.qtype == "who" else None
            return [(slot, slot.fit)] if slot else [(None, 0.0)]
        out = []
        for sp in spans:
            a, b = clause_bounds(norm, sp.start, sp.end, CLAUSE_END + "、")
            near = set(self.segmenter.tokens(norm[max(a - 12, 0):sp.start] + " " + norm[sp.end:b]))
            out.append((sp, sp.fit + sum(v for t, v in w.items() if t in near) / total))
        return out or [(None, 0.0)]

    def mismatch(self, q: Question, c: Constraints, cand: Candidate, index: IndexReader) -> str:
        """A hard reason this sentence cannot answer: a body or person of the question is absent, no
        span, or what the question asks about is not named near it."""
        for name in missing_names(c.bodies, subject_context(index, cand.passage.chunk, cand.sentence.end)):
            return f"{name} is neither the report's subject nor named up to the evidence"
        if (q.qtype in NEEDS_SPAN or q.wants_name) and cand.span is None:
            return f"the evidence holds no {q.qtype} to answer with"
        near = _near_text_of(index, cand)
        present = index.idf(c.asked)
        asked = [w for w in c.asked if w in present] + c.parts
        missing = [w for w in dict.fromkeys(asked) if fold(w) not in near]
        uncommon = [w for w in missing if word_frequency(w) < COMMON_WORD or w in c.parts]  # 干部中女性: a part
        strict = q.qtype in ("number", "date") and cand.scored.coverage < PARAPHRASE_COVERAGE
        if uncommon or (missing and strict) or len(missing) >= 2:
            # a figure must be of the very thing asked; one common word may be paraphrased away (规划 ↔
            # 谋划) where the evidence covers the question well
            return f"{'、'.join(missing)}, what the question asks about, is not near the evidence"
        return ""

    def refusal_reason(self, q: Question, best: Candidate, index: IndexReader) -> str:
        """Why the best evidence does not cover the question ('' when it does): it names a word no report
        uses (not one made of the question word: 多大容量), or the evidence covers too little of it."""
        unseen = [w for w in q.nouns if (w in q.left or w in q.right) and not index.mentions(w, self.segmenter)
                  and word_frequency(w) < COMMON_WORD]
        if unseen:
            return f"the reports never mention {'、'.join(unseen)}"
        if best.scored.coverage < self.min_coverage:
            return f"evidence covers {best.scored.coverage:.2f} of the question"
        return ""

    def refuse(self, question: str, q: Question, c: Constraints, cands: list[Candidate],
               passages: list[Passage], index: IndexReader) -> Answer:
        """The refusal, with what the reports do give when a candidate misses by one constraint."""
        answer = not_found(question, passages)
        near = [x for x in cands if x.span is not None and len(x.binding.failed) == 1
                and x.scored.coverage >= self.min_coverage and not self.mismatch(q, c, x, index)]
        best = max(near, key=lambda x: x.score, default=None)
        if best is not None:
            kind, asked, found = best.binding.failed[0]
            span = _source(best, best.span.start, best.span.end)
            answer.near_miss = NearMiss(_near_text(kind, asked, found, span), _citation(best))
        return answer

    def compose(self, question: str, q: Question, best: Candidate, passages: list[Passage]) -> Answer:
        """The span (in the source's own script), then the supporting sentence, each cited."""
        s, cite = best.sentence, _citation(best)
        if best.span is None:
            return Answer(question, True, f"{s.text}[1]", [cite], passages)
        a, b = best.span.start, best.span.end
        if q.qtype == "who":
            a, b = person_names(best.norm, a, b)
        return Answer(question, True, f"{_source(best, a, b)}[1]\n{QUOTE_MARK}{s.text}[1]", [cite], passages)


TIE = 0.1  # answers from two sentences scoring closer than this: the evidence does not tell them apart


def rival(best: Candidate, allowed: list[Candidate]) -> Candidate | None:
    """An admissible answer from another sentence that differs from ``best`` and scores within
    ``TIE`` of it: two passages each look like the answer and disagree. Within one sentence the
    span's fit decides, so rivals there do not count."""
    where = (best.sentence.doc_id, best.sentence.start)
    value = _value(best)
    return next((x for x in allowed if best.score - x.score < TIE and _value(x) != value
                 and (x.sentence.doc_id, x.sentence.start) != where), None)


def _value(c: Candidate) -> tuple[str, ...]:
    """What a candidate answers with: a figure's digits and magnitude (5000万 = 5000万元), else its
    span or, with none, its sentence."""
    if c.span is not None and c.span.figure is not None:
        return (digits(c.span.figure.text), c.span.figure.magnitude)
    return (fold(c.norm[c.span.start:c.span.end] if c.span else c.norm),)


def undecided(question: str, best: Candidate, passages: list[Passage]) -> Answer:
    """The refusal when two passages disagree: the best-scored one, cited, as what the reports give."""
    answer = not_found(question, passages)
    span = _source(best, best.span.start, best.span.end) if best.span else best.sentence.text
    answer.near_miss = NearMiss(f"报告中不止一处像是答案，说法不一，无法确定哪一处回答了所问；最接近的一处是：{span}[1]",
                                _citation(best))
    return answer


def _citation(c: Candidate) -> Citation:
    """Citation [1] of a candidate's sentence."""
    s = c.sentence
    return Citation(1, c.passage.chunk, s.text, s.start, s.end, c.score)


def _source(c: Candidate, a: int, b: int) -> str:
    """``c.norm[a:b]`` as the source sentence writes it (its own script and punctuation)."""
    return c.sentence.text[c.offsets[a]:c.offsets[b]]


def _slot_kind_ok(q: Question, span: str) -> bool:
    """A list answer names two or more items; 哪个区/哪个镇 is answered by a place of that kind."""
    if q.qtype == "list" and not re.search(r"[、和及与,，]", span):
        return False
    kind = PLACE_KIND.match(q.right)
    if q.qtype == "where" and kind:
        return any(p.text.endswith(kind.group(1)) for p in places_in(span))
    return True


PARAPHRASE_COVERAGE = 0.5  # a figure's evidence covering this much of the question may paraphrase one word
COMMON_WORD = 1000  # jieba dictionary frequency above which a noun is too general to pin a figure
NEAR_CHARS = 80  # text before a sentence that may name what its figures measure


def _near_text_of(index: IndexReader, cand: Candidate) -> str:
    """Folded title of the report and the text from a little before the candidate sentence to its
    end: where what a figure measures is named. A clause before the sentence that states its own
    figure of the same kind (去年支持61万元改造小学厕所) names what *that* figure measures: left out."""
    doc = index.docs[cand.passage.chunk.doc_id]
    before = doc.text[max(0, cand.sentence.start - NEAR_CHARS):cand.sentence.start]
    fig = cand.span.figure if cand.span else None
    if fig is not None:
        before = "".join(c for c in re.split(f"(?<=[{CLAUSE_END}])", before)
                         if not any(f.family == fig.family for f in figures_in(normalize(c))))
    return fold(doc.title + "\n" + before + doc.text[cand.sentence.start:cand.sentence.end])


def _context(index: IndexReader, p: Passage, s: Sentence) -> Context:
    """What a sentence inherits: the passage text before it, the report's title, opening and date."""
    doc = index.docs[p.chunk.doc_id]
    lead = doc.text[max(0, min(p.chunk.start, s.start) - LEAD_CHARS):s.start]
    return Context(normalize(lead), normalize(doc.title), normalize(doc.text[:HEAD_CHARS]), doc.date)


_NEAR = {"时间": "报告没有给出{asked}的这一数字；给出的是{found}的：{span}[1]",
         "地点": "报告没有给出{asked}的这一数字；给出的是{found}的：{span}[1]",
         "对象": "报告没有给出{asked}的这一数字；给出的是另一项（{found}）：{span}[1]",
         "单位": "报告没有给出以{asked}计的数字；给出的是：{span}[1]",
         "阶段": "报告没有给出{asked}的这一数字；给出的是（{found}）：{span}[1]",
         "指标": "报告没有给出{asked}；给出的是（{found}）：{span}[1]",
         "数值": "报告没有直接给出所问的{asked}；给出的是：{span}[1]"}


def _near_text(kind: str, asked: str, found: str, span: str) -> str:
    """The near-miss sentence: what was asked, and what the report gives instead."""
    return _NEAR.get(kind, "报告给出的是：{span}[1]").format(asked=asked, found=found or "其他", span=span)
