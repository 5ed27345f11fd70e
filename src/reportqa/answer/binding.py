"""Answer binding: is a candidate span the one the question asks for, or another place's, year's,
thing's or measure's figure sitting in the same passage?

A constraint holds in the candidate's clause, or in what that clause inherits: the sentence before
it, the passage lead, the report's title and opening, and (for times) the report's date.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from ..segment import leading_words, pos_tags
from .bodies import body_names, referent, same_body
from .constraints import CHANGE, Constraints
from .question import TOTAL
from .places import Place, place_level, places_in, same_place, variants, within
from .times import DURATION, TimeRef, fits, times_in
from .spans import CLAUSE_END, clause_bounds
from .stages import Stage, stages_in
from .units import Figure, figures_in, magnitude_ok, unit_ok

SEGMENT = CLAUSE_END + "、"
NEAR_LEAD = 60  # characters before a sentence whose last place (a sibling of the asked one) owns its figures
ANAPHORIC = ("当年", "同年")  # 当年是"五无"乡镇: the time of the story told, not the report's year
_SINCE_NOW = re.compile(r"(?<![\d年])(?:[一二两三四五六七八九十几多]|\d{1,2})(?:个)?年(?:来|以来)|近(?:几|[一二两三四五六七八九十\d]{1,2})?年来")
_RAISED_TO = re.compile(r"(?:提升|提高|增加|增长|扩大|扩容|扩展|扩建|扩|增|升|下降|降低|减少|压缩|缩小|降)(?:至|到)")
_OLD_BEFORE = re.compile(r"(?:由|从)(?:原来的|原先的|原|去年的|上年的)?$")
_NEW_BEFORE = re.compile(r"(?:提升|提高|增加|增长|上升|下降|降低|减少|缩小|扩大|升|降|增)?(?:至|到)$")
_DELTA_BEFORE = re.compile(r"(?:增长|增加|提高|提升|上升|下降|降低|减少|增收|减|增|多|少|翻)(?:了)?(?:约|近|超过)?$")


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


def bind(c: Constraints, question: str, s: str, start: int, end: int, ctx: Context,
         figure: Figure | None = None) -> Binding:
    """Check the candidate ``s[start:end]`` of sentence ``s`` against the question's constraints."""
    b = Binding()
    _bind_time(question, s, start, ctx, b)
    _bind_places(c.places, question, s, start, ctx, b, figure is not None)
    _bind_stages(question, s, start, ctx, b, figure is not None)
    if figure is not None:
        _bind_figure(c, question, s, figure, b)
        _bind_measured(c.measure, question, s, figure, b)
        _bind_referent(question, s, figure, ctx, b)
        _bind_whole(question, s, figure, b)
        _bind_part(list(dict.fromkeys(c.bodies + c.things + c.asked)), question, s, figure, b)
        _bind_listed_thing(question, s, figure, b)
    _bind_things(list(dict.fromkeys(c.things + c.asked)), question, s, start, end, b)
    return b


def _stage_of(kind: str, s: str, start: int, ctx: Context) -> tuple[Stage | None, str]:
    """The stage (of ``kind``: 期, 批…) a candidate at ``start`` belongs to, and where it was found:
    the last named before it in its sentence, else the first after it in its clause, else the last in
    the text before the sentence, else the title's or the opening's."""
    stated = [x for x in stages_in(s) if x.kind == kind]
    before = [x for x in stated if x.end <= start]
    if before:
        return before[-1], "句内"
    _, z = clause_bounds(s, start, start)
    after = [x for x in stated if start <= x.start < z]
    if after:
        return after[0], "句内"
    for text, where, pick in ((ctx.lead, "上文", -1), (ctx.title, "标题", 0), (ctx.opening, "开头", 0)):
        found = [x for x in stages_in(text) if x.kind == kind]
        if found:
            return found[pick], where
    return None, ""


def _bind_stages(question: str, s: str, start: int, ctx: Context, b: Binding, figure: bool) -> None:
    """A question about 第二期 takes the second phase's figure, not 初期's, nor a ``figure`` the text
    places in no phase (a name or list it places in none may still be the answer: 首批入选的是哪些).
    A question naming two stages of a kind (第一批和第二批…交接) asks about both: each must be named
    around the candidate."""
    asked = stages_in(question)
    if not asked:
        return
    around = stages_in("\n".join((s, ctx.lead, ctx.title, ctx.opening)))
    for a in asked:
        if sum(x.kind == a.kind for x in asked) > 1:
            kind = [x for x in around if x.kind == a.kind]
            found, where = next((x for x in kind if x.n == a.n), kind[0] if kind else None), "句内"
        else:
            found, where = _stage_of(a.kind, s, start, ctx)
        if found is not None and found.n == a.n:
            b.matched.append(("阶段", a.text, where))
        elif found is not None or (figure and not re.search(f"[这本该此当]{a.kind}", s)):
            # another stage's, or a figure of no stage (这期 / 本批 may be the one asked: not ruled out)
            b.failed.append(("阶段", a.text, found.text if found is not None else "未写明阶段"))


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


def _bind_time(question: str, s: str, start: int, ctx: Context, b: Binding) -> None:
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


def _mentions(text: str, asked: list[Place]) -> list[Place]:
    """Places named in ``text``: gazetteer and town names, short names jieba reads as places there
    (在云南昭通, 东莞援建), and the question's own places in any form."""
    out = list(_places_read(text))
    for p in asked:
        for v in variants(p.text) | variants(p.key):
            for m in re.finditer(re.escape(v), text):
                if not any(q.start <= m.start() < q.end for q in out):
                    out.append(Place(m.start(), m.end(), v, p.key))
    return sorted(out, key=lambda p: p.start)


@functools.lru_cache(maxsize=4096)
def _places_read(text: str) -> tuple[Place, ...]:
    """Full names and towns, plus the gazetteer's short names where jieba tags that very word a place."""
    full = places_in(text)
    ns, pos = set(), 0
    for w, f in pos_tags(text):
        if f == "ns":
            ns.add((pos, pos + len(w)))
        pos += len(w)
    extra = [p for p in places_in(text, short_forms=True) if (p.start, p.end) in ns
             and not any(q.start <= p.start < q.end for q in full)]
    return tuple(sorted(full + tuple(extra), key=lambda p: p.start))


def _bind_places(asked: list[Place], question: str, s: str, start: int, ctx: Context, b: Binding,
                 figure: bool) -> None:
    if not asked:
        return
    other = _sibling_before(s, start, asked) or (figure and not TOTAL.search(question)
                                                 and _list_total(s, start, asked, ctx.lead))
    if other:  # another town's sentence, or a total over listed places
        b.failed.append(("地点", other[0].text, other[1]))
        return
    owner = _owner(s, start, asked, ctx.lead)
    context = s + ctx.lead + ctx.title + ctx.opening
    last = asked[-1]
    if owner is not None and len(asked) > 1 and (same_place(owner.text, last.text) or same_place(owner.key, last.key)):
        # the clause names the question's narrowest place (named last): the question places it in the others
        _placed_by_question(asked, last, context, "句内", b)
        return
    narrowest = _narrowest(asked)
    if owner is None and len(asked) > 1 and _named_in(narrowest, context):
        _placed_by_question(asked, narrowest, context, "上文", b)
        return
    for p in asked:
        owned = owner is not None and (same_place(owner.text, p.text) or same_place(owner.key, p.key))
        if owned:
            b.matched.append(("地点", p.text, "句内"))
        elif owner is not None and within(owner.key, p.key):
            b.matched.append(("地点", p.text, f"{owner.text}所在"))
        elif _named_in(p, context) and \
                (owner is None or any(same_place(owner.key, q.key) or same_place(owner.text, q.text) for q in asked)):
            b.matched.append(("地点", p.text, "句内" if any(v in s for v in variants(p.text)) else "上文"))
        else:
            b.failed.append(("地点", p.text, owner.text if owner else ""))


def _narrowest(asked: list[Place]) -> Place:
    """The question's narrowest place (the last named among equals)."""
    return max(asked, key=lambda p: (place_level(p.key), p.start))


def _sibling_before(s: str, start: int, asked: list[Place]) -> tuple[Place, str] | None:
    """(asked, sibling's name) when the sentence never names the question's narrowest town or village but
    names another of its level before the candidate (水口镇…引进项目11个 for a 月山镇 question): the
    sentence tells of that place."""
    narrowest = _narrowest(asked)
    level = place_level(narrowest.key)
    if level < 3 or _named_in(narrowest, s):
        return None
    others = [p for p in _mentions(s, asked) if p.end <= start and place_level(p.key) == level
              and not _listed(s, p) and not _names_body(s, p)]
    return (narrowest, others[-1].text) if others else None


def _list_total(s: str, start: int, asked: list[Place], lead: str) -> tuple[Place, str] | None:
    """(asked, '…合计') when the candidate is a total (共计获得6400万元) and the question's narrowest
    place is named just before only as one item of a list (水口镇、月山镇、百合镇): the sum of the
    items, not that place's own figure."""
    a, _ = clause_bounds(s, start, start)
    if not TOTAL.search(s[a:start]):
        return None
    narrowest = _narrowest(asked)
    text = lead[-NEAR_LEAD:] + "\n" + s[:start]
    named = [p for p in _mentions(text, asked) if same_place(p.text, narrowest.text) or same_place(p.key, narrowest.key)]
    items = ("、", "和", "及")
    if named and all(text[p.end:p.end + 1] in items or text[p.start - 1:p.start] in items for p in named):
        return narrowest, "各项合计"
    return None


def _placed_by_question(asked: list[Place], held: Place, context: str, where: str, b: Binding) -> None:
    """The question's narrowest place holds: the question itself places it in the broader places that
    contain one of its places (by the gazetteer, or written right before it: 湛江南三镇); another place
    (佛山 in 佛山在凉山援建) must be named in the report, itself or by a place inside it (花都区 for 广州)."""
    for p in asked:
        contains = any(within(q.key, p.key) or q.start == p.end for q in asked)
        if p is held or contains or _named_in(p, context) or any(within(m.key, p.key) for m in places_in(context)):
            b.matched.append(("地点", p.text, where if p is held else "问题所述"))
        else:
            b.failed.append(("地点", p.text, ""))


def _owner(s: str, start: int, asked: list[Place], lead: str) -> Place | None:
    """The place a candidate at ``start`` belongs to: the last one named before it in its clause; else
    the last one earlier in its sentence (在茂名市,沉香产业年产值近50亿元 is 茂名's figure) or, failing
    that, in the text just before the sentence, when that place is not narrower than the asked places
    (a village named earlier may lie inside the asked town; a sibling city may not)."""
    a, _ = clause_bounds(s, start, start)
    before = [p for p in _mentions(s, asked) if p.end <= start and not _listed(s, p) and not _names_body(s, p)]
    if before and a <= before[-1].start:
        return before[-1]
    if _DEICTIC_PLACE.search(s[a:start]):
        return None  # 是广东省最大的基地,今年全县产量…: 全县 is the report's own county, not 广东省
    level = max(place_level(p.key) for p in asked)
    earlier = before or _mentions(lead[-NEAR_LEAD:], asked)
    if earlier and place_level(earlier[-1].key) <= level and (before or place_level(earlier[-1].key) == level):
        return earlier[-1]
    return None


_DEICTIC_PLACE = re.compile(r"[全本该][省市县区镇乡村]")


def _named_in(p: Place, text: str) -> bool:
    return any(v in text for v in variants(p.text) | variants(p.key))


_BODY_AFTER = re.compile(r"^(?:[\u4e00-\u9fff]{0,4}?(?:集团|公司|银行|大学|学院|医院|海关|日报|电视台|研究院|协会|商会)"
                         r"|(?:委(?![托屈])|党委|政府|人大|政协))")


def _names_body(s: str, p: Place) -> bool:
    """Whether a place begins a body's name (在广州交投集团帮扶下): it names who, not where."""
    return bool(_BODY_AFTER.match(s[p.end:p.end + 8]))


def _listed(s: str, p: Place) -> bool:
    """Whether a place is one item of a list (广西、四川、贵州、云南4省): it owns no figure alone."""
    return s[p.end:p.end + 1] in ("、", "和", "及") or bool(re.match(r"[\d一二两三四五六七八九十]+个?[省市县区镇乡村]", s[p.end:]))


def figure_role(s: str, f: Figure) -> str:
    """Which value of a change a figure is: old (由X), delta (增长X), or level (提升至X, or no change)."""
    before = s[max(0, f.start - 8):f.start]
    if _OLD_BEFORE.search(before) and re.search(r"(?:至|到|为)", s[f.end:f.end + 12]):
        return "old"
    if re.search(r"(?:将|把)$", before) and _RAISED_TO.search(s[f.end:f.end + 12]):
        return "old"  # 将500亩水田扩容至1300亩
    if _NEW_BEFORE.search(before):
        return "level"
    if _DELTA_BEFORE.search(before) or re.search(r"(?:同比|比上年|较上年|比去年)$", before):
        return "delta"
    return "level"


def _bind_figure(c: Constraints, question: str, s: str, f: Figure, b: Binding) -> None:
    if unit_ok(f, c.unit, c.family) or (c.role == "delta" and not c.unit and f.unit in ("%", "个百分点")) \
            or (c.counted and _next_to(s, f, c.counted)):
        # 产值同比增长了多少: a change of any measure may be a rate; 赢取5.8万元资助 answers 多少资助
        if c.unit or c.family:
            b.matched.append(("单位", c.unit or c.measure or c.counted, "句内"))
    else:
        b.failed.append(("单位", c.unit or c.measure or c.counted, f.text))
    noun = c.unit_noun or ("" if f.unit else c.counted)
    other = _other_counted(s, f, noun)
    if other:  # 多少名队员 ↔ 10名工作组组长, 多少农民 ↔ 4万多农户: that many of something else
        b.failed.append(("对象", noun, f.text + other))
    if not magnitude_ok(f, c.magnitude):
        b.failed.append(("单位", c.magnitude + c.unit, f.text))
    if c.measure_named and not _names_measure(s, f, c.measure):
        b.failed.append(("指标", c.measure, s[clause_bounds(s, f.start, f.end, SEGMENT)[0]:f.end]))
    if _threshold_before_value(s, f) and not _THRESHOLD.search(question):
        b.failed.append(("数值", "确数", s[f.start:f.end + 2]))  # 突破4万元大关,达到40311元: the value follows
    role = figure_role(s, f)
    verb = re.search(r"[\u4e00-\u9fff]{2}$", s[max(0, f.start - 4):f.start])
    if role == "delta" and c.role == "level" and verb and re.search(verb.group(0) + r"(?:了)?(?:多少|几)", question):
        role = "level"  # 完成林分优化提升多少万亩 ↔ 优化提升203.6万亩: the question asks for that very amount
    if role != c.role:
        b.failed.append(("数值", {"old": "原值", "delta": "增量", "level": "数值"}[c.role], f.text))


def _bind_measured(measure: str, question: str, s: str, f: Figure, b: Binding) -> None:
    """The question's measure qualified by one thing (青梅种植面积) and the figure's clause qualifying the
    same measure by another (麻竹笋种植总面积达3万亩), neither naming the other's and the two sharing no
    character (茶叶 ↔ 茶园 may be one thing): the figure measures that other thing."""
    at = question.rfind(measure) if measure else -1
    a, _ = clause_bounds(s, f.start, f.end)
    si = s.rfind(measure, a, f.start) if at >= 0 else -1
    if si < 0:
        return
    asked, found = _qualifier(question[:at]), _qualifier(s[a:si])
    if asked and found and asked not in s and found not in question and not set(asked) & set(found):
        b.failed.append(("对象", asked, found + measure))


def _bind_referent(question: str, s: str, f: Figure, ctx: Context, b: Binding) -> None:
    """A figure of 该企业 / 该公司 whose referent, the body named last before it, is not the one the
    question names (高峰农业发展有限公司 asked, 该企业 = 通美实业有限公司) is that other body's."""
    asked = body_names(question)
    found = referent(ctx.lead, s[:f.start]) if asked else ""
    if not found:
        return
    places = "".join(p.text for p in places_in(question, short_forms=True))
    if not any(same_body(x, found, places) for x in asked):
        b.failed.append(("对象", asked[-1], found))


def _qualifier(before: str) -> str:
    """The noun qualifying a measure word written right after ``before`` (青梅种植 → 青梅), past a verb,
    的 or 总; '' if none."""
    for word, flag in reversed(pos_tags(before)[-3:]):
        if flag in ("n", "nz", "nr", "ng") and len(word) >= 2:
            return word
        if not (flag.startswith(("v", "u", "d")) or word == "总"):
            return ""
    return ""


_PASSED = "突破|迈上|跨越|跨上|站上"  # a threshold passed: 突破4万元大关
_MILESTONE = "大关|台阶|关口"
_THRESHOLD = re.compile(f"{_PASSED}|{_MILESTONE}")


def _threshold_before_value(s: str, f: Figure) -> bool:
    """Whether ``f`` is a round threshold passed (突破4万元大关, 迈上1350亿斤台阶) and its clause or the
    next one states the value itself in the same measure (达到40311元)."""
    if not (re.search(f"(?:{_PASSED})$", s[max(0, f.start - 2):f.start])
            and re.match(f"(?:的)?(?:{_MILESTONE})", s[f.end:])):
        return False
    _, z = clause_bounds(s, f.end, f.end)
    _, z2 = clause_bounds(s, z + 1, z + 1)
    return any(g.start > f.end and unit_ok(g, f.unit, "") for g in figures_in(s[:z2]))


def _other_counted(s: str, f: Figure, noun: str) -> str:
    """The noun written right after figure ``f`` when it names something other than ``noun``, the
    question's 多少名<noun> (sharing no two characters with it); '' when it names ``noun`` or nothing."""
    if not noun:
        return ""
    words = leading_words(re.split(r"[^\u4e00-\u9fff]", s[f.end:f.end + 10], maxsplit=1)[0], ("n", "nz", "nt", "nr"))
    after = "".join(words)
    if not words or len(words[0]) < 2 or any(noun[i:i + 2] in after for i in range(len(noun) - 1)):
        return ""
    return after


def _next_to(s: str, f: Figure, word: str) -> bool:
    """Whether ``word`` is written right after the figure (5.8万元资助) or just before it (资助5.8万元)."""
    return s.find(word, f.end, f.end + len(word) + 1) >= 0 or s.find(word, max(0, f.start - len(word) - 2), f.start) >= 0


def _names_measure(s: str, f: Figure, measure: str) -> bool:
    """Whether the measure is named for this figure: in its segment, or earlier in its clause with no
    other figure in between (产值方面，全镇实现3亿元 — but not 收入2.3万元,支出1.7万元 for the 1.7)."""
    a, z = clause_bounds(s, f.start, f.end, SEGMENT)
    if measure in s[a:z].lower():
        return True
    if _COMPARED_BEFORE.search(s[max(0, f.start - 14):f.start]) and _COMPARED_AFTER.match(s[f.end:]):
        return measure in s[:f.start].lower()  # 收入达26952元,与2018年的13300元相比: the same measure
    ca, _ = clause_bounds(s, f.start, f.end)
    i = s.lower().rfind(measure, ca, f.start)
    if i >= 0 and not figures_in(s[i + len(measure):f.start]):
        return True
    prev = figures_in(s[:a])
    if prev and re.fullmatch(r"(?:达到|达|为)", s[a:f.start]) and _threshold_before_value(s, prev[-1]):
        pa, _ = clause_bounds(s, prev[-1].start, prev[-1].end, SEGMENT)
        return measure in s[pa:prev[-1].end].lower()  # 收入突破4万元大关,达到40311元: the same measure
    if _BARE_CHANGE.match(s[a:f.start]) and prev and f.start - prev[-1].end <= 16:
        # 产值3亿元(人民币),同比增长12%: the change of the figure just before
        pa, _ = clause_bounds(s, prev[-1].start, prev[-1].end, SEGMENT)
        return measure in s[pa:prev[-1].end].lower()
    return False


_COMPARED_BEFORE = re.compile(r"(?:与|和|同|较)[^,，;；。]{0,10}的$")
_COMPARED_AFTER = re.compile(r"相比|相较|比较")
_BARE_CHANGE = re.compile("^" + CHANGE + r"(?:约|近|超过)?$")


def _bind_things(things: list[str], question: str, s: str, start: int, end: int, b: Binding) -> None:
    """A thing the question measures (红薯) named in another figure's segment of the sentence, but not in
    this one's (红薯种植面积3000亩、百香果种植面积2000亩; 建设260万亩高标准农田,播面稳定在5660万亩), or
    in an item joined to this figure by 和/及/与 (专项资金210万元和企业自筹资金), means this figure
    measures something else."""
    if not things:
        return
    a, z = clause_bounds(s, start, end, SEGMENT)
    joined = _JOINED.match(s[end:z])
    own = s[a:end if joined else z].lower()
    tail = s[end + joined.end():z].lower() if joined else ""
    ca, cz = clause_bounds(s, start, end)
    split = f"[{re.escape(SEGMENT)}]"
    near = re.split(split, s[ca:a].lower() + "。" + s[z:cz].lower())  # the clause's other segments
    far = re.split(split, s[:ca].lower() + "。" + s[cz:].lower())  # the sentence's other clauses
    for t in things:
        if t in own or not (t in tail or any(_owns(seg, t, before=True) for seg in near)
                            or any(_owns(seg, t, before=False) for seg in far)):
            continue
        if _names_new_subject(s[a:start], question):
            b.failed.append(("对象", t, s[a:z]))


_JOINED = re.compile(r"^(?:的)?(?:以及|和|及|与)")


def _owns(seg: str, t: str, before: bool) -> bool:
    """Whether ``t`` names a figure of ``seg``: right after its unit (260万亩高标准农田) or, with
    ``before``, written just before it (红薯种植面积3000亩)."""
    if before and re.search(re.escape(t) + r"\D{0,8}\d", seg):
        return True
    return any(seg[f.end:f.end + 2 + len(t)].find(t) in (0, 1) for f in figures_in(seg))


_PART = re.compile(r"[,，;；]其中([^,，;；。]*)")


def _bind_whole(question: str, s: str, f: Figure, b: Binding) -> None:
    """A figure followed by 其中 and a part the question names (就业3200多人,其中脱贫人口近2000人 for a
    脱贫群众 question) is the whole, not the part asked about."""
    a, z = clause_bounds(s, f.start, f.end)
    m = _PART.match(s, z)
    if not m or not any(unit_ok(g, f.unit, "") for g in figures_in(m.group(1))):
        return
    own = s[a:z]
    named = [w for w, _ in pos_tags(m.group(1)) if len(w) >= 2 and not re.search(r"\d", w)
             and w in question and w not in own]
    if named:
        b.failed.append(("对象", named[0], "其中" + m.group(1)))


def _bind_part(names: list[str], question: str, s: str, f: Figure, b: Binding) -> None:
    """A figure in a 其中 clause that names one of the items listed before it (主平台和广梅产业园均获评
    优秀,其中主平台获省2.5亿元资本金支持) is that item's, not the figure of another item the question
    names (广梅产业园)."""
    a, z = clause_bounds(s, f.start, f.end)
    if not s.startswith("其中", a):
        return
    own, before = s[a:z].lower(), s[:a].lower()
    if not any(w in before for w in _new_subjects(s[a + 2:f.start], question)):
        return
    named = next((n for n in names if n not in own and n in before), None)
    if named:
        b.failed.append(("对象", named, s[a:z]))


_NOT_ITEM_TAGS = tuple("vpcumqrdxft") + ("ns",)  # verbs, function words, numbers, places: not listed things


def _bind_listed_thing(question: str, s: str, f: Figure, b: Binding) -> None:
    """A figure whose clause names a word of the question only as a bare item of a list (1000万元主要用于
    卫生、教育、文化旅游) is spread over the items, not that item's figure, unless the question asks for
    a total or lists the item itself."""
    if TOTAL.search(question):
        return
    a, z = clause_bounds(s, f.start, f.end)
    clause = s[a:z]
    if "分别" in clause:  # 巴戟天、沉香等品种分别占35%、20%: each item has its own figure
        return
    for w in _item_words(question):
        i = next((m.start() for m in re.finditer(re.escape(w), clause) if _bare_item(clause, m.start(), m.end())), -1)
        if i < 0:
            continue
        near = [g for g in figures_in(clause)
                if g.start <= i < g.end or 0 <= i - g.end <= 2 or 0 <= g.start - i - len(w) <= 4]
        if not near:  # 600个重点帮扶镇、301个巩固提升镇: each item has its own figure
            b.failed.append(("对象", w, "各项合计"))
            return


@functools.lru_cache(maxsize=256)
def _item_words(question: str) -> tuple[str, ...]:
    """The words of ``question`` that a report may list as items (卫生, 教育): nouns, not listed in the
    question itself. Read once per question, not once per candidate."""
    return tuple(w for w, tag in pos_tags(question)
                 if len(w) >= 2 and (tag == "vn" or not tag.startswith(_NOT_ITEM_TAGS)) and not _is_item(question, w))


def _is_item(text: str, w: str) -> bool:
    """Whether ``w`` is an item of a list in ``text``: joined to a neighbour by 、, 和, 及 or 与."""
    return bool(re.search(f"{re.escape(w)}[、和及与]|[、和及与]{re.escape(w)}", text))


def _bare_item(text: str, a: int, z: int) -> bool:
    """Whether ``text[a:z]`` is a whole item of a 、 list: 卫生 in 用于卫生、教育, not 咖啡 in 、咖啡品鉴中心."""
    after = text[z:z + 1]
    return after == "、" or (text[a - 1:a] == "、" and after in ("", "和", "及", "与", "等"))


def _names_new_subject(prefix: str, question: str) -> bool:
    """Whether the text before a figure in its segment names a subject the question does not (百香果)."""
    return bool(_new_subjects(prefix, question))


def _new_subjects(prefix: str, question: str) -> list[str]:
    """The nouns of ``prefix`` the question does not name."""
    return [w for w, f in pos_tags(prefix)
            if f in ("n", "nz", "nr", "ns") and len(w) >= 2 and w not in question and w[0] not in "全各该本其"]
