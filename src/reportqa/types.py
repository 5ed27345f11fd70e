"""Data records shared by the modules: documents, chunks, passages, answers."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Document:
    """A cleaned report. ``text`` is the cleaned original (for display and offsets)."""

    doc_id: str  # file name relative to the corpus directory, e.g. "004_ef51.txt"
    text: str
    title: str = ""
    date: str = ""  # ISO date "YYYY-MM-DD" when found
    source: str = ""
    sha256: str = ""  # of the raw file bytes
    encoding: str = ""
    fmt: str = ""  # txt | md | html | pdf | docx
    note: str = ""  # a problem reading it that did not stop it being indexed

    def meta(self) -> dict[str, Any]:
        """Metadata without the text."""
        d = asdict(self)
        d.pop("text")
        return d


@dataclass
class Chunk:
    """A passage of a document: ``text == document.text[start:end]``."""

    chunk_id: str  # f"{doc_id}#{ordinal}"
    doc_id: str
    start: int
    end: int
    text: str
    row: int = -1  # global passage id in the index it came from


@dataclass
class Passage:
    """A retrieved chunk with its scores (higher is better)."""

    chunk: Chunk
    score: float
    dense_score: float | None = None
    lexical_score: float | None = None
    dense_rank: int | None = None
    lexical_rank: int | None = None
    scored: list[Any] = field(default_factory=list, repr=False)  # its sentences as the rerank scored them


@dataclass
class Citation:
    """Support for one ``[n]`` marker: ``quote == doc.text[start:end]``."""

    n: int
    chunk: Chunk
    quote: str
    start: int  # offsets of the quote in the cleaned document
    end: int
    score: float = 0.0


@dataclass
class Answer:
    """What ``ask`` returns."""

    question: str
    found: bool
    text: str
    citations: list[Citation] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    resolved_question: str = ""  # after follow-up resolution
    matched: list[tuple[str, str, str]] = field(default_factory=list)  # (constraint, value, where it held)
    near_miss: NearMiss | None = None  # on a refusal: what the reports give instead


@dataclass
class NearMiss:
    """What the reports do give when the asked figure is absent (another year, place, thing or measure)."""

    text: str  # e.g. 报告没有给出2018年的数字；给出的是2023年的：1.5亿元[1]
    citation: Citation


@dataclass
class Sentence:
    """A sentence of a document: ``text == document.text[start:end]``."""

    doc_id: str
    start: int
    end: int
    text: str
