"""What binding works on: a candidate's context, and the outcome of checking it."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..spans import CLAUSE_END


SEGMENT = CLAUSE_END + "、"


@dataclass
class Context:
    """Where a candidate sentence sits: the passage text before it, the report's title, opening and date."""

    lead: str
    title: str
    opening: str
    date: str


@dataclass
class Binding:
    """The outcome for one candidate: each constraint matched (kind, value, where) or failed (kind, asked, found)."""

    matched: list[tuple[str, str, str]] = field(default_factory=list)
    failed: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every constraint holds."""
        return not self.failed
