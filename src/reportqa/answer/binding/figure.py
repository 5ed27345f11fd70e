"""Figure constraints: unit, magnitude, measure and role (old, new or change) of a candidate figure."""

from __future__ import annotations

import re

from ...segment import leading_words, pos_tags
from ..constraints import CHANGE, Constraints
from ..spans import clause_bounds
from ..units import Figure, figure_value, figures_in, magnitude_ok, unit_ok
from .base import SEGMENT, Binding


_RAISED_TO = re.compile(r"(?:提升|提高|增加|增长|扩大|扩容|扩展|扩建|扩|增|升|下降|降低|减少|压缩|缩小|降)(?:至|到)")


_OLD_BEFORE = re.compile(r"(?:由|从)(?:原来的|原先的|原|去年的|上年的)?$")


_NEW_BEFORE = re.compile(r"(?:提升|提高|增加|增长|上升|下降|降低|减少|缩小|扩大|升|降|增)?(?:至|到)$")


_DELTA_BEFORE = re.compile(r"(?:增长|增加|提高|提升|上升|下降|降低|减少|增收|减|增|多|少|翻)(?:了)?(?:约|近|超过)?$")


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


def bind_figure(c: Constraints, question: str, s: str, f: Figure, b: Binding) -> None:
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
    _bind_part_of_whole(c.whole, f, b)
    per = _PER.search(question)
    if per and (per.group(1) or per.group(2)) == f.unit:  # 每户增收多少 ↔ 带动20多户: the households, not the rate
        b.failed.append(("单位", per.group(0), f.text))
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


_PER = re.compile(r"每(?:一)?(?:个|家|位|名)?([户人村亩斤头只家镇])|([人户村亩])均")


def _bind_part_of_whole(whole: Figure | None, f: Figure, b: Binding) -> None:
    """A part of a whole the question states (那148个项目里,落在四会的有多少个) is of the whole's kind and
    smaller than it: 2.8亿元 is no part of 3000万元, 1000份 none of 50万元."""
    if whole is None:
        return
    value, most = figure_value(f), figure_value(whole)
    if f.family != whole.family or (value is not None and most is not None and value >= most):
        b.failed.append(("对象", whole.text + "中的一部分", f.text))


def bind_measured(measure: str, question: str, s: str, f: Figure, b: Binding) -> None:
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
