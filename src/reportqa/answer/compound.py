"""Questions that ask two things at once (「A是多少?B又是多少?」): split, answered one by one, merged."""

from __future__ import annotations

import re

from ..types import Answer, Citation
from .base import QUOTE_MARK

_PART_END = re.compile(r"(?<=[?？])")
_ASKS = re.compile(r"多少|几|什么|哪|谁|何时|何种|如何|怎样|是否|吗")
_MARK = re.compile(r"\[(\d+)\]")


def split_question(question: str) -> list[str]:
    """The questions inside ``question``: pieces ending in ?/？ that each ask something."""
    parts = [p.strip() for p in _PART_END.split(question) if p.strip()]
    if len(parts) < 2 or not all(_ASKS.search(p) for p in parts):
        return [question]
    return parts


def merge(question: str, answers: list[Answer]) -> Answer:
    """One answer from the parts' answers: their answer lines first (joined by ；), then their quoted
    sources, citations renumbered. It is found when any part is; a part the reports do not answer
    keeps its refusal."""
    lines, quotes, cites, offset = [], [], [], 0
    for a in answers:
        shift = offset
        line, _, quote = _MARK.sub(lambda m: f"[{int(m.group(1)) + shift}]", a.text).partition(QUOTE_MARK)
        lines.append(line.strip().rstrip("。"))
        if quote:
            quotes.append(QUOTE_MARK + quote.strip())
        for c in a.citations:
            cites.append(Citation(c.n + shift, c.chunk, c.quote, c.start, c.end, c.score))
        offset += len(a.citations)
    passages = [p for a in answers for p in a.passages]
    text = "；".join(lines) + "".join("\n" + q for q in quotes)
    merged = Answer(question, any(a.found for a in answers), text, cites, passages)
    merged.matched = [m for a in answers for m in a.matched]
    return merged
