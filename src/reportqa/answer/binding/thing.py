"""Thing constraints: whether a figure measures the thing or body the question names, not another
item, part or whole in the same sentence."""

from __future__ import annotations

import functools
import re

from ...segment import pos_tags
from ..bodies import body_names, referent, same_body
from ..places import places_in
from ..question import TOTAL
from ..spans import clause_bounds
from ..units import Figure, figures_in, unit_ok
from .base import SEGMENT, Binding, Context


def bind_things(things: list[str], question: str, s: str, start: int, end: int, b: Binding) -> None:
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


def bind_whole(question: str, s: str, f: Figure, b: Binding) -> None:
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


def bind_part(names: list[str], question: str, s: str, f: Figure, b: Binding) -> None:
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


def bind_listed_thing(question: str, s: str, f: Figure, b: Binding) -> None:
    """A figure whose clause names a word of the question only as a bare item of a list (1000万元主要用于
    卫生、教育、文化旅游) is spread over the items, not that item's figure, unless the question asks for
    a total or lists the item itself. So is a figure whose clause does not name the word at all when the
    sentence names it only as such an item (流转土地501亩,种植多肉绿植、羊肚菌、火龙果等农作物)."""
    if TOTAL.search(question):
        return
    a, z = clause_bounds(s, f.start, f.end)
    clause = s[a:z]
    if "分别" in clause:  # 巴戟天、沉香等品种分别占35%、20%: each item has its own figure
        return
    for w in _item_words(question):
        in_clause = w in clause
        text = clause if in_clause else s
        at = [m.start() for m in re.finditer(re.escape(w), text)]
        items = [i for i in at if _bare_item(text, i, i + len(w))]
        if not in_clause and (len(items) < len(at) or "分别" in s):
            continue  # named outside a list too: the sentence tells of it
        if any(not [g for g in figures_in(text) if g.start <= i < g.end or 0 <= i - g.end <= 2
                    or 0 <= g.start - i - len(w) <= 4] for i in items):
            # 600个重点帮扶镇、301个巩固提升镇: each item has its own figure
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


_JOINER = r"(?:、|和|及(?!时)|与|以及)"
_ITEM_AFTER = re.compile(r"[\u4e00-\u9fff]?" + _JOINER)  # 羊肚(菌)、 … : the item's head is asked
_ITEM_END = re.compile(r"[\u4e00-\u9fff]?(?:等|[，,；;。]|$)")
_JOINED_BEFORE = re.compile(_JOINER + "$")


def _bare_item(text: str, a: int, z: int) -> bool:
    """Whether ``text[a:z]`` is a whole item of a list joined by 、 和 及 与 or 以及, or its head (羊肚 of
    羊肚菌), or one of quoted items written in a row (“综合示范创新”“特色微创新”): 卫生 in 用于卫生、教育,
    包谷酒 in 包谷酒和高粱酒, not 咖啡 in 、咖啡品鉴中心."""
    qa, qz = text.rfind("“", 0, a), text.find("”", z)
    if qa >= 0 and qz >= 0 and "”" not in text[qa:a] and "“" not in text[z:qz]:
        if text[qz + 1:qz + 2] in ("“", "、") or text[qa - 1:qa] in ("”", "、"):
            return True
        a, z = qa, qz + 1
    if _ITEM_AFTER.match(text, z):
        return True
    return bool(_JOINED_BEFORE.search(text, 0, a)) and bool(_ITEM_END.match(text, z))


def _names_new_subject(prefix: str, question: str) -> bool:
    """Whether the text before a figure in its segment names a subject the question does not (百香果)."""
    return bool(_new_subjects(prefix, question))


def _new_subjects(prefix: str, question: str) -> list[str]:
    """The nouns of ``prefix`` the question does not name."""
    return [w for w, f in pos_tags(prefix)
            if f in ("n", "nz", "nr", "ns") and len(w) >= 2 and w not in question and w[0] not in "全各该本其"]


def bind_referent(question: str, s: str, f: Figure, ctx: Context, b: Binding) -> None:
    """A figure of 该企业 / 该公司 whose referent, the body named last before it, is not the one the
    question names (高峰农业发展有限公司 asked, 该企业 = 通美实业有限公司) is that other body's."""
    asked = body_names(question)
    found = referent(ctx.lead, s[:f.start]) if asked else ""
    if not found:
        _bind_place_not_body(asked, s, f, b)
        return
    places = "".join(p.text for p in places_in(question, short_forms=True))
    if not any(same_body(x, found, places) for x in asked):
        b.failed.append(("对象", asked[-1], found))


_LOCATIVE = re.compile(r"(?:在|于|到|赴|从|向|与)$")


def _bind_place_not_body(asked: list[str], s: str, f: Figure, b: Binding) -> None:
    """A figure whose clause opens on a place (大埔蜜柚种植面积达22万亩) in a sentence naming none of the
    bodies the question asks about (大埔高峰农业发展有限公司) is the place's, not that body's."""
    if not asked or body_names(s[:f.end]):  # called when no 该企业 of the sentence has a referent
        return
    a, _ = clause_bounds(s, f.start, f.end)
    own = [p for p in places_in(s[a:f.start], short_forms=True) if not _LOCATIVE.search(s[a:a + p.start])]
    places = "".join(p.text for p in places_in("".join(asked), short_forms=True))
    if own and not any(same_body(x, s[a:f.start], places) for x in asked):
        b.failed.append(("对象", asked[-1], own[0].text))
