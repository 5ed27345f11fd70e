"""Place constraints: which place a candidate belongs to, and whether it is the one asked."""

from __future__ import annotations

import functools
import re

from ...segment import pos_tags
from ..places import Place, enclosing, place_level, places_in, same_place, variants, within
from ..question import TOTAL
from ..spans import clause_bounds
from .base import Binding, Context


NEAR_LEAD = 60  # characters before a sentence whose last place (a sibling of the asked one) owns its figures


def _mentions(text: str, asked: list[Place]) -> list[Place]:
    """Places named in ``text``: gazetteer and town names, short names jieba reads as places there
    (在云南昭通, 东莞援建), and the question's own places and the regions enclosing them in any form
    (三明 for a 将乐县 question)."""
    out = list(_places_read(text))
    named = [(p.key, variants(p.text) | variants(p.key)) for p in asked]
    named += [(r, variants(r)) for p in asked for r in sorted(enclosing(p.key))]
    for key, names in named:
        for v in names:
            for m in re.finditer(re.escape(v), text):
                if not any(q.start <= m.start() < q.end for q in out):
                    out.append(Place(m.start(), m.end(), v, key))
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


def bind_places(asked: list[Place], question: str, s: str, start: int, ctx: Context, b: Binding,
                 figure: bool) -> None:
    """Each asked place must own the candidate or contain its owner; another town's sentence, or a total
    over listed places (a ``figure`` only), fails."""
    if not asked:
        if figure:
            _bind_nation(question, s, start, b)
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


def _bind_nation(question: str, s: str, start: int, b: Binding) -> None:
    """A question about the whole country (全国一共有多少个) is not answered by a figure whose clause
    names a province, city or county before it (广东省共有29个乡镇入选)."""
    if "全国" not in question:
        return
    a, _ = clause_bounds(s, start, start)
    if "全国" in s[a:start]:
        return
    owner = [p for p in _places_read(s[a:start]) if not _names_body(s[a:start], p)]
    if owner:
        b.failed.append(("地点", "全国", owner[-1].text))


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
