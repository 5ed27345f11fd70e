"""Time expressions (2023年, 2021—2022年, 今年上半年, 去年, 截至6月底) resolved against a report's date.

Parsing is jionlp's time extractor; this module only decides how two resolved times relate.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from .units import figures_in

_POINT_END = re.compile(r"(?:底|末|初|截至|截止|日)$")
_KINDS = ("time_point", "time_span")
_HOLIDAY = r"五一|国庆|春节|元旦|中秋|端午|清明|元宵|劳动节|黄金周"  # a festival names a period of its own
_TIME_WORD = re.compile(r"(?:19|20)\d{2}年?|[今去前明上本当同]年|半年|季度|年[底末初]|\d{1,2}月|" + _HOLIDAY)
DURATION = re.compile(r"^(?:近|截至|截止)|年来$|年以来$")  # 近三年, 一年来: how long, not which year


@dataclass(frozen=True)
class TimeRef:
    """A time expression ``text`` at ``[start, end)`` covering the months ``first``..``last`` (YYYY-MM)."""

    start: int
    end: int
    text: str
    first: str
    last: str
    point: bool  # a moment (截至2023年6月, 2023年底), not a period whose figures add up
    base: bool = False  # the base of a comparison (比2018年增长, 和2018年相比), not the time of a figure

    @property
    def years(self) -> tuple[int, int]:
        """First and last year covered."""
        return int(self.first[:4]), int(self.last[:4])


def _base(date: str) -> dict[str, int] | None:
    m = re.match(r"((?:19|20)\d{2})-(\d{2})-(\d{2})", date or "")
    return {"year": int(m.group(1)), "month": int(m.group(2)), "day": int(m.group(3))} if m else None


@functools.lru_cache(maxsize=8192)
def times_in(text: str, date: str = "") -> tuple[TimeRef, ...]:
    """The time expressions of ``text``; relative ones (今年, 去年) resolved against ``date`` (YYYY-MM-DD).

    Without a date, relative expressions are left out (they cannot be placed).
    """
    from .jio import jionlp as load_jionlp

    jionlp = load_jionlp()

    if not re.search(r"\d{4}|[今去前明上本当同]年|[上下]半年|季度|年[底末初]|近.{1,2}年|年来|" + _HOLIDAY, text):
        return ()
    base = _base(date)
    try:
        found = jionlp.ner.extract_time(text, time_base=base or {"year": 2000, "month": 1, "day": 1})
    except Exception:  # noqa: BLE001 - a parser failure on odd text means no times, not no answer
        return ()
    out = []
    for t in found:
        detail = t.get("detail") or {}
        span = detail.get("time")
        if t.get("type") not in _KINDS or not isinstance(span, list) or len(span) != 2:
            continue
        if base is None and not re.search(r"(?:19|20)\d{2}", t["text"]):
            continue  # relative, and nothing to resolve it against
        if not _TIME_WORD.search(t["text"]):
            continue  # 1769 in 举办培训班1769期 is no year
        a, b = t["offset"]
        if re.fullmatch(r"\d{4}", t["text"]) and _counted(text[a:b + 8]):
            continue  # 近2000人: a count, not the year 2000
        first, last = span[0][:7], span[1][:7]
        if not re.match(r"\d{4}-\d{2}$", last):  # 从2018年… read as open-ended: the year itself
            last = first[:4] + "-12"
        lead = re.match(r"[^\d今去前明上本当同近截]*", t["text"]).end()  # 小,从2018年 → 2018年
        a += lead
        if base and _SINCE.search(text[max(0, a - 1):a]) and _UNTIL_NOW.match(text[b:]):
            last = f"{base['year']}-{base['month']:02d}"  # 自2019年开展…以来: from then to the report's date
        point = (t["type"] == "time_point" and not _whole_years(first, last)) or bool(_POINT_END.search(t["text"])) \
            or text[max(0, a - 2):a] in ("截至", "截止")
        point = point and not re.search(_HOLIDAY, t["text"])  # 国庆假期: days whose figures add up
        out.append(TimeRef(a, b, text[a:b], first, last, point, base=_is_base(text, a, b)))
    return tuple(out)


_SINCE = re.compile(r"[自从]$")
_UNTIL_NOW = re.compile(r"[^，,。；;！？]{0,16}?以来")
_BASE_BEFORE = re.compile(r"(?:(?<![入值差])比|较|和|与|同|相对于|对比)$")
_BASE_AFTER = re.compile(r"^(?:的?同期)?(?:相比|相较|比较|同比)")


def _is_base(text: str, a: int, b: int) -> bool:
    """Whether the time at ``[a, b)`` is what something is compared with (比2018年, 与2018年相比)."""
    return bool(_BASE_BEFORE.search(text[max(0, a - 3):a]) or _BASE_AFTER.match(text[b:b + 6]))


def _counted(text: str) -> bool:
    """Whether ``text`` begins with a figure in a unit (2000人), not a bare year (2020塘口七夕)."""
    found = figures_in(text)
    return bool(found) and found[0].start == 0 and found[0].unit not in ("", "年")


def fits(asked: TimeRef, found: TimeRef) -> bool:
    """Whether a figure stated for ``found`` answers a question about ``asked``.

    The same period answers; a moment inside the period answers (a stock counted 截至6月 for 2023);
    a shorter period inside it (上半年 for the whole year) or a longer one (2021—2023年 for 2022) does not.
    """
    if (asked.first, asked.last) == (found.first, found.last):
        return True
    return found.point and asked.first <= found.first and found.last <= asked.last


def _whole_years(first: str, last: str) -> bool:
    return first.endswith("-01") and last.endswith("-12")
