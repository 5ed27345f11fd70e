"""The normalised form used for matching: NFKC, then traditional → simplified (OpenCC).

Documents keep their original script for display; only indexes and comparisons
use :func:`normalize`.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import opencc


@functools.lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """Traditional → simplified characters only (OpenCC t2s), length kept for ordinary text."""
    return _converter().convert(text)


def normalize(text: str) -> str:
    """NFKC + traditional→simplified; what indexes and comparisons see."""
    return simplified(unicodedata.normalize("NFKC", text))


def fold(text: str) -> str:
    """:func:`normalize`, lower-cased and without any whitespace: for substring checks."""
    return "".join(normalize(text).lower().split())


def normalize_with_map(text: str) -> tuple[str, list[int]]:
    """Character-wise :func:`normalize` plus, for each output index, the source index.

    ``offsets`` has one extra entry (``len(text)``), so a normalised span ``[a, b)``
    maps back to ``text[offsets[a]:offsets[b]]`` in the original script.
    """
    conv = _converter()
    out: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        n = conv.convert(unicodedata.normalize("NFKC", ch))
        out.append(n)
        offsets.extend([i] * len(n))
    offsets.append(len(text))
    return "".join(out), offsets


_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-_]|[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` without terminal escape sequences and control characters (safe to echo)."""
    return _ESCAPES.sub("", text)
