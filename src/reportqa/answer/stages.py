"""Ordinal stages: 第二期, 首批, 第十批, 二期, 初期 — which phase, batch or round a figure belongs to.

A question about 第二期 is not answered by the first phase's figure, any more than 2023年 is by 2022's.
Counts (一批项目, 三批干部) and relative stages (新一轮) are not stages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CN = "零一二两三四五六七八九十"
_ORDINAL = re.compile(rf"第([{_CN}]{{1,3}}|\d{{1,2}})(期|批|轮|届)|(首|初|先)(期|批|轮|届)|"
                      rf"(?<![{_CN}\d第新上下每])([二三四五六七八九])(期)(?!间)")


@dataclass(frozen=True)
class Stage:
    """``text`` at ``[start, end)``: stage ``n`` of kind ``kind`` (期, 批, 轮, 届)."""

    start: int
    end: int
    text: str
    n: int
    kind: str


def _number(text: str) -> int:
    """1-99 written in digits or Chinese numerals (十一, 二十, 两)."""
    if text.isdigit():
        return int(text)
    digits = {c: i for i, c in enumerate(_CN)} | {"两": 2}
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (digits.get(tens, 1) if tens else 1) * 10 + (digits.get(ones, 0) if ones else 0)
    return digits.get(text, 0)


def stages_in(text: str) -> list[Stage]:
    """The ordinal stages written in ``text``, in order."""
    out = []
    for m in _ORDINAL.finditer(text):
        if m.group(1):
            n, kind = _number(m.group(1)), m.group(2)
        elif m.group(3):
            n, kind = 1, m.group(4)
        else:
            n, kind = _number(m.group(5)), m.group(6)
        out.append(Stage(m.start(), m.end(), m.group(0), n, kind))
    return out
