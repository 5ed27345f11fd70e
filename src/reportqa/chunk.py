"""Sentence-aware chunking of a cleaned document, with exact character offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .types import Chunk, Document

# A sentence ends at 。！？；!?; (plus any closing quotes/brackets) or at a line break.
# "." is never an end: it is the decimal point of 108.12.
_END = re.compile(r"[。！？；!?;]+[”’」』）)\]】》\"']*|\n+")
_CLAUSE = re.compile(r"[，、：,:]")


@dataclass(frozen=True)
class Span:
    """A ``[start, end)`` span of the document text."""

    start: int
    end: int


def _trim(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end) if end > start else None


def split_sentences(text: str, max_chars: int = 160) -> list[Span]:
    """Sentence spans covering ``text`` (whitespace trimmed); long ones split at clauses."""
    spans: list[Span] = []
    pos = 0
    for m in _END.finditer(text):
        _add(spans, text, pos, m.end(), max_chars)
        pos = m.end()
    _add(spans, text, pos, len(text), max_chars)
    return spans


def _add(spans: list[Span], text: str, start: int, end: int, max_chars: int) -> None:
    span = _trim(text, start, end)
    if span is None:
        return
    if span.end - span.start <= max_chars:
        spans.append(span)
        return
    for piece in _split_long(text, span.start, span.end, max_chars):
        spans.append(piece)


def _split_long(text: str, start: int, end: int, max_chars: int) -> list[Span]:
    """Split an over-long sentence at clause marks, never between two digits."""
    out: list[Span] = []
    cut_from = start
    last_ok = -1
    for i in range(start, end):
        ch = text[i]
        if _CLAUSE.match(ch) and not (ch in ",:" and _between_digits(text, i)):
            last_ok = i + 1
        if i + 1 - cut_from >= max_chars and last_ok > cut_from:
            out.append(Span(cut_from, last_ok))
            cut_from = last_ok
    if cut_from < end:
        out.append(Span(cut_from, end))
    return [s for s in (_trim(text, p.start, p.end) for p in out) if s]


def _between_digits(text: str, i: int) -> bool:
    return 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit()


def chunk_document(doc: Document, target: int = 220, max_chars: int = 360) -> list[Chunk]:
    """Pack whole sentences into chunks of about ``target`` characters.

    Consecutive chunks overlap by one sentence (when it is short enough), so a
    fact near a boundary is whole in at least one chunk.
    """
    sents = split_sentences(doc.text)
    chunks: list[Chunk] = []
    i = 0
    while i < len(sents):
        j = i + 1
        while j < len(sents) and sents[j].end - sents[i].start <= target:
            j += 1
        if j < len(sents) and sents[j].end - sents[i].start <= max_chars and j == i + 1:
            j += 1  # a lone short sentence joins its neighbour
        start, end = sents[i].start, sents[j - 1].end
        chunks.append(Chunk(f"{doc.doc_id}#{len(chunks)}", doc.doc_id, start, end, doc.text[start:end]))
        if j >= len(sents):
            break
        back = sents[j - 1]
        i = j - 1 if (j - 1 > i and back.end - back.start <= target // 3) else j
    return chunks
