"""The mechanical citation check run on every answer before it is shown as found."""

from __future__ import annotations

import re

from ..textnorm import fold
from ..types import Answer

_MARKED = re.compile(r"([^\[\]]*?)((?:\[\d+\])+)")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_QUOTED = re.compile(r"[“\"《「『]([^”\"》」』]{2,40})[”\"》」』]")


def unsupported(text: str, cited: dict[int, str], names: bool = True) -> list[str]:
    """Numbers (and quoted names) of ``text`` missing from the passages their ``[n]`` cite.

    ``cited`` maps marker numbers to passage texts.
    """
    cited = {n: fold(t) for n, t in cited.items()}
    problems = []
    for m in _MARKED.finditer(text):
        marks = [int(x) for x in re.findall(r"\d+", m.group(2))]
        if any(n not in cited for n in marks):
            problems.append(f"marker {m.group(2)} cites no passage")
            continue
        support = "".join(cited[n] for n in marks)
        quoted = [fold(x) for x in _QUOTED.findall(m.group(1))] if names else []
        for token in _NUMBER.findall(fold(m.group(1))) + quoted:
            if token not in support:
                problems.append(f"{token!r} is not in the cited passage {m.group(2)}")
    return problems


def unsupported_claims(answer: Answer) -> list[str]:
    """Numbers and quoted names in the answer that the passage their ``[n]`` cites lacks."""
    problems = unsupported(answer.text, {c.n: c.chunk.text for c in answer.citations})
    if answer.found and not _MARKED.search(answer.text):
        problems.append("the answer cites nothing")
    return problems


def check(answer: Answer) -> Answer:
    """``answer`` unchanged if every claim is supported; otherwise marked not found."""
    if answer.found and unsupported_claims(answer):
        answer.found = False
    return answer
