"""Time constraints: the year, period or 今年/去年 a candidate is stated for, read against the report's date."""

from __future__ import annotations

import re

from ..question import TOTAL
from ..spans import clause_bounds
from ..times import DURATION, TimeRef, fits, times_in
from .base import Binding, Context


ANAPHORIC = ("当年", "同年")  # 当年是"五无"乡镇: the time of the story told, not the report's year


_SINCE_NOW = re.compile(r"(?<![\d年])(?:[一二两三四五六七八九十几多]|\d{1,2})(?:个)?年(?:来|以来)|近(?:几|[一二两三四五六七八九十\d]{1,2})?年来")


def _time_of(s: str, start: int, ctx: Context) -> tuple[TimeRef | None, str]:
    """The time a candidate at ``start`` is stated for, and where it was found."""
    a, b = clause_bounds(s, start, start)
    stated = times_in(s, ctx.date)
    own = [t for t in stated if t.base and t.end <= start and s[t.end:start] in ("", "的")]
    if own:  # 与2018年的13300元相比: the compared figure is the base year's own
        return own[-1], "句内"
    times = [t for t in stated if not t.base]
    before = [t for t in times if a <= t.start and t.end <= start]
    if before:
        return before[-1], "句内"
    if _SINCE_NOW.search(s[a:start]):  # 一年来共输送106批次: a count up to the report's date
        month = ctx.date[:7]
        text = f"截至{month[:4]}年{int(month[5:])}月" if month else ""
        return (TimeRef(a, a, text, month, month, True) if month else None), "报告日期"
    after = [t for t in times if start <= t.start and t.end <= b]
    if after:
        return after[0], "句内"
    earlier = [t for t in times if t.end <= a]
    if earlier:
        return earlier[-1], "句内"
    for text, where in ((ctx.lead, "上文"), (ctx.title, "标题")):
        found = [t for t in times_in(text, ctx.date) if not t.base]
        if found:
            return found[-1], where
    return None, "报告日期"


def bind_time(question: str, s: str, start: int, ctx: Context, b: Binding) -> None:
    """Each time the question pins (a year, a period, 今年 read against the report's date) must fit the
    time the candidate is stated for; a figure of the years before (往年) or a target after the report's
    date answers none."""
    earlier = _earlier(question, s, start)
    pinned = _asked_times(question, ctx.date or _SOME_DATE) if earlier else []
    if pinned:  # 往年种植20亩,今年增加到50亩: 20亩 is of the years before, whatever year is asked
        b.failed.extend(("时间", t.text, earlier) for t in pinned)
        return
    if not ctx.date:
        _bind_relative_time(question, s, start, ctx, b)
    asked = _asked_times(question, ctx.date)
    if all(t.point for t in asked):  # none, or only the day of an event (12月12日召开的座谈会通报)
        _bind_not_future(question, s, start, ctx, b)
    if not asked:
        return
    found, where = _time_of(s, start, ctx)
    for t in asked:
        if t.point and (found is None or (found.first <= t.first and t.last <= found.last)):
            b.matched.append(("时间", t.text, where))  # 12月12日召开的座谈会上: the event's date, not the figure's period
        elif found is not None and fits(t, found):
            b.matched.append(("时间", t.text, where))
        elif found is None and ctx.date[:4] and t.years == (int(ctx.date[:4]),) * 2 and not t.point:
            b.matched.append(("时间", t.text, where))
        elif _yearless_fit(t, s, start, ctx) or _same_length_total(t, question, s, start):
            b.matched.append(("时间", t.text, "句内"))
        else:
            b.failed.append(("时间", t.text, found.text if found else (ctx.date[:4] + "年" if ctx.date else "")))


_EARLIER = re.compile(r"(?<![比较与同和])(?:往年|以往|过去|原来|原先|此前|以前)")


def _earlier(question: str, s: str, start: int) -> str:
    """The word placing a figure in the years before (往年, 以往, 原来) when its clause has one before it
    and names no time itself, unless the question asks about those years too; else ''."""
    a, _ = clause_bounds(s, start, start)
    m = _EARLIER.search(s, a, start)
    if m is None or _EARLIER.search(question) or any(a <= t.start < start for t in times_in(s, "")):
        return ""
    return m.group(0)


_FUTURE_Q = re.compile(r"明年|将|计划|目标|预计|预期|规划|力争|争取|未来|今后|要|打算|准备|拟")


_NAMED_YEAR = re.compile(r"\d{4}年|明年|后年")


def _bind_not_future(question: str, s: str, start: int, ctx: Context, b: Binding) -> None:
    """A question that names no time and no plan (这一年来完成了多少) is not answered by a figure the
    text places, by a year it names, after the report's date (到2025年建成200个; 明年完成200万亩):
    that is a target, not a result. A bare 10月11日 may be of the year before: not judged."""
    month = ctx.date[:7]
    if not month or _FUTURE_Q.search(question) or not _NAMED_YEAR.search(s + ctx.lead + ctx.title):
        return  # no year named where the figure's time is read from: nothing to parse
    found, _ = _time_of(s, start, ctx)
    if found is not None and _NAMED_YEAR.search(found.text) and found.first >= month and found.last > month:
        b.failed.append(("时间", "截至" + month.replace("-", "年") + "月", found.text))


def _asked_times(question: str, date: str) -> list[TimeRef]:
    """The times a question pins its answer to: not durations (近三年), bases (比2018年) or 当年."""
    return [t for t in times_in(question, date)
            if not DURATION.search(t.text) and not t.base and t.text not in ANAPHORIC]


_SOME_DATE = "2000-07-01"  # any date: 今年 and 去年 stay a year apart whatever the report's date


def _bind_relative_time(question: str, s: str, start: int, ctx: Context, b: Binding) -> None:
    """In an undated report, 今年 asked and 去年 stated still differ: both are read against the same
    (unknown) date. A stated year (2023年) cannot be compared with 今年 there, so it is left alone."""
    asked = [t for t in _asked_times(question, _SOME_DATE) if not re.search(r"\d{4}", t.text)]
    if not asked:
        return
    found, where = _time_of(s, start, Context(ctx.lead, ctx.title, ctx.opening, _SOME_DATE))
    if found is None or re.search(r"\d{4}", found.text) or where == "报告日期":
        return
    for t in asked:
        if fits(t, found):
            b.matched.append(("时间", t.text, where))
        else:
            b.failed.append(("时间", t.text, found.text))


_SUB_YEAR = re.compile(r"月|季度|半年")


def _yearless_fit(asked: TimeRef, s: str, start: int, ctx: Context) -> bool:
    """An undated report's 前三季度 or 8月4日 (no year, not even 今年) in the candidate's sentence answers
    2022年前三季度 when its months agree with the asked ones and the text before it names no other year;
    今年 in an undated report could be any year, so it never does."""
    if ctx.date or asked.years[0] != asked.years[1]:
        return False
    hyp = Context(ctx.lead, ctx.title, ctx.opening, f"{asked.years[0]}-12-31")
    found, where = _time_of(s, start, hyp)
    if where != "句内" or found is None or re.search(r"\d{4}|[今去前明本当上]年", found.text):
        return False
    years = {y for t in times_in(ctx.lead + "\n" + ctx.title) for y in t.years}
    return bool(_SUB_YEAR.search(found.text)) and fits(asked, found) and years <= {asked.years[0]}


_NUMERAL = {c: i for i, c in enumerate("零一二三四五六七八九十", 0)} | {"两": 2}


_SPAN_TOTAL = re.compile(r"(\d{1,2}|[一两二三四五六七八九十])(?:个)?年(?:间|来|以来|中|里)")


def _same_length_total(asked: TimeRef, question: str, s: str, start: int) -> bool:
    """A question over a span (2021年6月至2024年6月…累计) is answered by a total over as many years
    stated in the candidate's clause (三年间,累计开展144次)."""
    months = (asked.years[1] - asked.years[0]) * 12 + int(asked.last[5:]) - int(asked.first[5:]) + 1
    if months < 24 or asked.point:
        return False
    a, z = clause_bounds(s, start, start)
    text = s[max(0, a - 12):z]
    m = _SPAN_TOTAL.search(text)
    years = m and (int(m.group(1)) if m.group(1).isdigit() else _NUMERAL.get(m.group(1), 0))
    return bool(years) and years == round(months / 12) and bool(TOTAL.search(text + question))
