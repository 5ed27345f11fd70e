"""Candidate answer spans inside one (normalised) sentence, per question type."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from ..segment import pos_tags, word_frequency, word_tag
from .places import places_in
from .question import Question
from .units import Figure, figures_in

DATE = re.compile(
    r"(?:(?:19|20)\d{2}(?:—|-|–|至)(?:19|20)\d{2}年|(?:19|20)\d{2}-\d{1,2}-\d{1,2}|"
    r"(?:(?:19|20)\d{2}年|今年|去年|明年|上年)?(?:\d{1,2}月(?:\d{1,2}日)?(?:上旬|中旬|下旬|底|初|末)?)|"
    r"(?:19|20)\d{2}年(?:上半年|下半年|底|初|末)?)"
)
CLAUSE_END = "，,；;。！？!?\n"
_QUOTES = "“”\"'‘’「」『』《》"
_LEADING = "了的是为在把将对向于就即由"
_TRAILING = "等等的了"


@dataclass
class Span:
    """A candidate answer ``sentence[start:end]`` and how well it fits."""

    start: int
    end: int
    text: str
    fit: float  # type/slot fit, 0..1
    figure: Figure | None = None  # for a figure: its number, magnitude and unit


def clause_bounds(s: str, start: int, end: int, marks: str = CLAUSE_END) -> tuple[int, int]:
    """The clause (between ``marks``: commas, semicolons…) around ``[start, end)``."""
    a = max((s.rfind(c, 0, start) for c in marks), default=-1) + 1
    ends = [i for i in (s.find(c, end) for c in marks) if i >= 0]
    return a, min(ends) if ends else len(s)


def number_spans(q: Question, s: str) -> list[Span]:
    """Every figure of ``s`` (any unit) with how well its surroundings fit the question."""
    out = []
    head = _strip_head(q.right)
    ordinal = q.left.endswith("第")
    figures = figures_in(s)
    for f in figures + _numeral_figures(q, s, figures):
        if digits(f.text) and digits(f.text) in _digits_all(q.text):
            continue  # the question already says this number
        if _ONE.match(f.text):
            continue  # 一座草莓大棚, 一个个: an article, not a count
        fit = 0.5 + (0.1 if re.search(r"\d", f.text) else 0.0)
        if head[:2] and head[:2] in s[f.end:f.end + 6]:
            fit += 0.5  # "多少个项目" ↔ "561个项目"
        elif head and s[max(0, f.start - 4):f.start].endswith(head[-2:]):
            fit += 0.25  # "多少条道路" ↔ "道路84条": the noun right before the figure
        if q.wants_total and re.search(r"共|累计|合计|总", s[max(0, f.start - 3):f.start]):
            fit += 0.3  # 共428个: the total asked for
        start = f.start - 1 if ordinal and s[f.start - 1:f.start] == "第" else f.start
        bound = _BOUND.search(s, max(0, start - 3), start)
        start = bound.start() if bound else start  # 突破500亿元: the answer says it is a bound
        out.append(Span(start, f.end, s[start:f.end], fit, figure=f))  # 第几批 ↔ 第五批: the 第 is part of it
    return out


_BOUND = re.compile(r"(?:突破|超过|逾|不足|不到|不低于|不少于|不超过|不高于|高于|低于|多于|少于)$")
_ONE = re.compile(r"一(?![\d一二两三四五六七八九十百千万亿余多.])")
_ORDINAL = re.compile(r"(?<=第)(?:\d{1,3}|[一二三四五六七八九十]{1,3})(?=[名位]|[^\d\u4e00-\u9fff]|$)")  # not 第一书记
_CN_YEARS = re.compile(r"(?<![\d一二两三四五六七八九十])[一二两三四五六七八九十]{1,3}(?:个)?年(?![代级度])")


def _numeral_figures(q: Question, s: str, figures: list[Figure]) -> list[Figure]:
    """Numbers :func:`figures_in` leaves out of ``figures`` that answer this question: 第三 for 第几名,
    六年 for 几年."""
    if q.left.endswith("第"):
        found = _ORDINAL.finditer(s)
        unit = ""
    elif q.classifier == "年":
        found = _CN_YEARS.finditer(s)
        unit = "年"
    else:
        return []
    taken = {f.start for f in figures}
    return [Figure(m.start(), m.end(), m.group(0), unit, "") for m in found if m.start() not in taken]


def digits(text: str) -> str:
    """The digits and decimal points of ``text`` (约5000万元 → 5000)."""
    return "".join(re.findall(r"[\d.]+", text))


def _digits_all(text: str) -> set[str]:
    return set(re.findall(r"[\d.]+", text))


_RANGE_END = re.compile(r"(?:至|到|—|–|~)(?:次年|翌年|(?:19|20)\d{2}年)?\d{1,2}月(?:\d{1,2}日)?(?:上旬|中旬|下旬|底|初|末)?")


def date_spans(q: Question, s: str) -> list[Span]:
    """Dates and periods (2021年6月, 今年3月12日, 2023—2025年), a month's range kept whole (10月至次年2月)."""
    out: list[Span] = []
    for m in DATE.finditer(s):
        if not m.group(0) or m.group(0) in q.text or (out and m.start() < out[-1].end):
            continue
        tail = _RANGE_END.match(s, m.end()) if "月" in m.group(0) else None
        z = tail.end() if tail else m.end()
        out.append(Span(m.start(), z, s[m.start():z], 1.0 if "月" in m.group(0) or "-" in m.group(0) else 0.8))
    return out


def slot_span(q: Question, s: str) -> Span | None:
    """The text filling the question word's slot, located by the longest question phrases in ``s``.

    ``q.left`` ends at the question word and ``q.right`` starts after it; their longest
    suffix/prefix found in the sentence bound the answer. An enumeration (A、B、C) next
    to an anchor wins for list-like questions.
    """
    la = _longest(_strip_tail(q.left), s, suffix=True)
    run = _quoted_run(s, [la] if la else []) if q.qtype == "list" else None
    if run:  # 哪几个称号 ↔ “世界长寿乡”“中国蜜柚之乡”等美誉: every quoted item, not the best one
        return run
    if q.wants_name:
        named = _quoted_name(q, s, la)
        if named:
            return named
    ra = _longest(_strip_head(_strip_category(q.qtype, q.right)), s, suffix=False)
    wants_list = q.qtype in ("list", "where") or (q.qtype in ("what", "which") and bool(_COMPOSITION.search(q.text)))
    enum = _enumeration(s, [x for x in (la, ra) if x], q) if wants_list and not q.wants_name else None
    if enum:
        return enum
    if not la and not ra:
        return None
    stated = _kind_stated(q, s, ra)
    if stated:
        return stated
    if la and ra:
        b = s.find(ra)
        a = s.rfind(la, 0, b if b >= 0 else len(s))
        a = a + len(la) if a >= 0 else clause_bounds(s, b, b)[0]
    elif la:
        a = s.rfind(la) + len(la)
        b = clause_bounds(s, a, a)[1]
    else:
        b = s.find(ra)
        a = clause_bounds(s, b, b)[0]
    a, b = _paren_or_trim(s, a, b)
    if ra and ra[0] in "省市县区镇乡村" and q.qtype == "where" and s[b:b + 1] == ra[0]:
        b += 1  # 哪个镇投资 ↔ 迳口镇投资: the place keeps its 镇
    kind = _kind_named(q.qtype, q.right)
    if kind and ra.startswith(kind) and s.startswith(kind, b) and b > a:
        b += len(kind)  # 哪家银行 ↔ 广发银行驻村: the answer keeps the kind it is
    if b - a < 1 or b - a > 80:
        return None
    if q.qtype != "who" and (b - a > MAX_SLOT_CHARS or any(c in s[a:b] for c in CLAUSE_BREAK)):
        return None  # a clause or two (…富民产业,推广…), not a name or a phrase (a 谁 span is cut to its name)
    return Span(a, b, s[a:b], 1.0 if la and ra else 0.7)


_COPULA = re.compile(r"(?:为|是|有|包括)")


def _kind_stated(q: Question, s: str, ra: str) -> Span | None:
    """A what/which question ending on the kind it asks (是什么品种) answered where the evidence states
    that kind (主要品种为常规优质稻“米香粘”): the quoted name after it, else the rest of its clause."""
    if q.qtype not in ("what", "which") or not ra or ra != q.right.rstrip("?？。"):
        return None
    i = s.find(ra)
    m = _COPULA.match(s, i + len(ra)) if i >= 0 else None
    if m is None:
        return None
    _, z = clause_bounds(s, m.end(), m.end())
    quoted = _QUOTE_RE.search(s, m.end(), z)
    if quoted:
        return Span(quoted.start(1), quoted.end(1), quoted.group(1), 1.0)
    a, b = _paren_or_trim(s, m.end(), z)
    return Span(a, b, s[a:b], 1.0) if 0 < b - a <= MAX_SLOT_CHARS else None


MAX_SLOT_CHARS = 40  # longer than any name or short list: the anchors bound a stretch of text
CLAUSE_BREAK = ",，;；。!！?？"


_QUOTE_RE = re.compile(r"[“\"「『]([^”\"」』]{2,30})[”\"」』]")


def _quoted_name(q: Question, s: str, anchor: str) -> Span | None:
    """The quoted term that best fits the question: its words and the words right after it shared
    with the question (“王家食府”餐馆), right after the question's anchor (打造“…”) or a place it names
    (梅州“产业村长”)."""
    best, score = None, 0
    places = [p.text for p in places_in(q.text, short_forms=True)]
    for m in _QUOTE_RE.finditer(s):
        near = m.group(1) + "|" + s[m.end():m.end() + 4]
        overlap = sum(1 for i in range(len(near) - 1) if "|" not in near[i:i + 2] and near[i:i + 2] in q.text)
        before = s[:m.start()]
        overlap += 3 * bool(anchor and anchor in before[-len(anchor) - 3:])
        overlap += 3 * any(before.endswith(p) for p in places)
        if overlap > score:
            best, score = Span(m.start(1), m.end(1), m.group(1), 1.0), overlap
    return best


def _classifier(w: str, f: str) -> bool:
    """A numeral or measure word between a question word and the kind it names (哪「个」单位)."""
    return f in ("m", "q") or w in "个名位家项种类所座条"


@functools.lru_cache(maxsize=256)
def _kind_named(qtype: str, right: str) -> str:
    """The kind a which-question names right after its question word (哪家银行 → 银行), or ''.
    Cached: asked once per sentence."""
    if qtype != "which":
        return ""
    kind, started = "", False
    for w, f in pos_tags(right):
        if not started and _classifier(w, f):
            continue
        if f not in ("n", "nz", "nt") or len(kind) >= 8:
            break
        kind, started = kind + w, True
    return kind if kind and right.find(kind) <= 1 else ""


@functools.lru_cache(maxsize=256)
def _strip_category(qtype: str, right: str) -> str:
    """The text after a which-question's word without the kind it names (哪个单位牵头 → 牵头): the kind
    describes the answer, it is not next to it in the evidence. Cached: asked once per sentence."""
    if qtype not in ("which", "what", "list"):
        return right
    rest = right
    for w, f in pos_tags(right):
        if _classifier(w, f):
            rest = rest[len(w):]
            continue
        after = rest[len(w):]
        if f in ("n", "nz", "nt") and len(after) >= 2 and pos_tags(after)[0][1] in ("v", "p", "d", "c", "u", "r"):
            return after
        break
    return right


PLACE_KIND = re.compile(r"(?:[一两二三四五六七八九十几]?个|些)?([省市县区镇乡村])")  # 哪个县: the kind of place asked


def place_slot(q: Question, s: str) -> Span | None:
    """For 在哪个县/位于哪个镇: the place of that kind in ``s`` that the question does not name, nearest
    the question's words."""
    kind = PLACE_KIND.match(q.right)
    kinds = tuple(re.findall(r"[省市县区镇乡村]", q.right[:kind.end() + 3])) if kind else ()  # 县(市)
    asked = places_in(q.text, short_forms=True)
    found = [p for p in places_in(s) if (not kinds or p.text.endswith(kinds))
             and not any(p.text in a.text or a.text in p.text or p.key == a.key for a in asked)]
    if not found:
        return None
    la = _longest(_strip_tail(q.left), s, suffix=True)
    ra = _longest(_strip_head(q.right[1:] if kind else q.right), s, suffix=False)
    marks = [i for i in (s.find(la) if la else -1, s.find(ra) if ra else -1) if i >= 0] or [0]
    best = min(found, key=lambda p: min(abs(p.start - i) for i in marks))
    if not re.search(r"哪些|哪几", q.text):
        return Span(best.start, best.end, best.text, 0.7)
    run = [p for p in found if p.start >= best.start]  # 哪些县: the run of places joined by 、 or 和
    end = best.end
    for p in run[1:]:
        if s[end:p.start] not in ("、", "和", "及", "与", ","):
            break
        end = p.end
    return Span(best.start, end, s[best.start:end], 0.7) if end > best.end else None


_ROLE_NAME = re.compile(r"([\u4e00-\u9fff]{2,3})(?=[:：,，(（]|说|表示|介绍)")


def role_name(q: Question, s: str) -> Span | None:
    """For 队长是谁: the 2–3 character name right after the role the question names (队长 余奕剑:…)."""
    role = re.search(r"(?:第一书记|书记|队长|副队长|主任|村长|镇长|县长|局长|负责人|站长|经理|董事长)(?=[是叫为]?$)",
                     q.left.rstrip("的"))
    if not role:
        return None
    for m in re.finditer(re.escape(role.group(0)) + r"\s*", s):
        n = _ROLE_NAME.match(s, m.end())
        if n and (word_tag(n.group(1)) in ("nr", "") or not word_frequency(n.group(1))):  # not 表示
            return Span(n.start(1), n.end(1), n.group(1), 0.7)
    return None


_COMPOSITION = re.compile(r"包括|包含|指的是|是指|内容|分别|组成|有哪")
_TAIL = "了的是有在为把将被对指叫称"
_HEAD = "的了是个名位"


def _strip_tail(text: str) -> str:
    text = re.sub(r"(分别|具体|主要|一共|共|都|还|又|也|正在|已经|包括|包含)$", "", text)
    while text and text[-1] in _TAIL:
        text = text[:-1]
    return text


def _strip_head(text: str) -> str:
    while text and text[0] in _HEAD:
        text = text[1:]
    return text


def _longest(part: str, s: str, suffix: bool) -> str:
    """The longest suffix (or prefix) of ``part``, 2+ characters, that occurs in ``s``."""
    for n in range(len(part), 1, -1):
        piece = part[-n:] if suffix else part[:n]
        if piece in s:
            return piece
    return ""


_ITEM = r"[^，,；;。、:：\s“”()（）]{1,14}"
_ENUM2 = re.compile(rf"{_ITEM}(?:、{_ITEM})+")
_INTRO = ("包括", "包含", "涵盖", "分别是", "分别为", "即", "有", "如")


def _enumeration(s: str, anchors: list[str], q: Question) -> Span | None:
    """A list (A、B、C; two items suffice for 哪些 questions) touching an anchor, trimmed to its items."""
    for m in _ENUM2.finditer(s):
        if m.group(0).count("、") < (1 if q.qtype == "list" else 2):
            continue
        if not any(x in s[max(0, m.start() - 12):m.end() + 12] for x in anchors):
            continue
        a = _first_item_start(s, m.start(), s.find("、", m.start()), q.text)
        b = m.end()
        for anc in anchors:
            j = s.find(anc, a)
            if a < j < b:  # anchor inside the last item: items end before it
                b = j
        b = a + len(re.sub(r"(等)?[一二两三四五六七八九十\d]+[个项大类种条]?$", "", s[a:b]))
        a, b = _paren_or_trim(s, a, b)
        if "、" in s[a:b]:
            return Span(a, b, s[a:b], 1.0)
    return None


_QUOTED_RUN = re.compile(r"(?:[“‘「『][^”’」』“‘「『,，。;；]{1,20}[”’」』][、和及与]?){2,}")


def _quoted_run(s: str, anchors: list[str]) -> Span | None:
    """Quoted items written one after another (“世界长寿乡”“中国蜜柚之乡”等美誉; ‘甜宝’‘香野’等品种)
    touching an anchor or closed by 等: the list, quotes kept."""
    for m in _QUOTED_RUN.finditer(s):
        a, b = m.start(), m.end()
        b -= s[b - 1] in "、和及与"
        if s.startswith("等", b) or any(x in s[max(0, a - 12):b + 12] for x in anchors):
            return Span(a, b, s[a:b], 1.0)
    return None


def _first_item_start(s: str, a: int, comma: int, question: str) -> int:
    """Skip the lead-in of the first item: up to the last question word or list verb leaving 2+ chars."""
    best = a
    item = s[a:comma]
    words = {question[i:i + n] for n in (2, 3, 4) for i in range(len(question) - n + 1)} | set(_INTRO)
    for w in words:
        i = item.rfind(w)
        if i >= 0 and len(item) - (i + len(w)) >= 2:
            best = max(best, a + i + len(w))
    return best


_ANAPHOR = re.compile(r"(?:该|本|此)[省市县区镇乡村]")


def _paren_or_trim(s: str, a: int, b: int) -> tuple[int, int]:
    """Prefer a parenthesised definition right after the anchor; trim quotes and particles."""
    i = a
    while i < len(s) and s[i] in _QUOTES:
        i += 1
    if i < len(s) and s[i] in "(（":
        close = s.find(")" if s[i] == "(" else "）", i)
        if close > i:
            return i + 1, close
    while a < b and (s[a] in _QUOTES or s[a] in _LEADING or s[a] in " :："):
        a += 1
    m = _ANAPHOR.match(s, a, b)
    if m and m.end() < b:
        a = m.end()  # 在该区澥浦镇: 该区 points back, the name follows
    while b > a and (s[b - 1] in _QUOTES or s[b - 1] in _TRAILING or s[b - 1] in " ，,"):
        b -= 1
    return a, b
