"""Questions that ask two things at once, split, answered one by one and merged:
「A是多少?B又是多少?」, 「A和B分别是多少?」 (coordinated items), 「要抓多少个县、多少个村?」 (several
question words)."""

from __future__ import annotations

import re

from ..types import Answer, Citation, NearMiss
from .base import QUOTE_MARK
from .places import places_in

_PART_END = re.compile(r"(?<=[?？])")
_ASKS = re.compile(r"多少|几|什么|哪|谁|何时|何种|如何|怎样|是否|吗")
_MARK = re.compile(r"\[(\d+)\]")


def split_question(question: str) -> list[str]:
    """The questions inside ``question``: pieces ending in ?/？ that each ask something."""
    parts = [p.strip() for p in _PART_END.split(question) if p.strip()]
    if len(parts) < 2 or not all(_ASKS.search(p) for p in parts):
        return [question]
    return parts


_EACH = re.compile(r"(?:分别|各自|各(?![村镇县市区省地级类项方界种个部位所家单乡队]))")
_CONJ = re.compile(r"[,，]?(?:以及|和|与|及|、)")
_QUOTED = re.compile(r"“[^”]*”|《[^》]*》|\([^)]*\)|（[^）]*）")
_QWORD = re.compile(r"(?:多少|几)")
_LEAD_TIME = re.compile(r"^(?:截至|截止|到)?(?:(?:19|20)\d{2}年(?:[一二三四]季度|前三季度|上半年|下半年|\d{1,2}月(?:底|末)?)?)")


def split_coordinated(question: str) -> list[str]:
    """Complete questions inside one that coordinates what it asks about: 「A和B(,)分别/各是多少」 gives
    「A是多少」「B是多少」 (a time leading A and missing from B is B's too); 「要抓多少个县、多少个村」
    gives 「要抓多少个县」「要抓多少个村」. Anything else is returned whole."""
    q = question.strip().rstrip("?？")
    return _split_items(q) or _split_question_words(q) or [question]


def _top_level(text: str) -> str:
    """``text`` with quoted, titled and bracketed stretches blanked: their 和 is not a conjunction."""
    return _QUOTED.sub(lambda m: "\0" * len(m.group(0)), text)


def _split_items(q: str) -> list[str]:
    """「A和B分别是多少」: the coordinated items before 分别/各, each with what follows it."""
    flat = _top_level(q)
    each = next((m for m in _EACH.finditer(flat) if _ASKS.search(q, m.end())), None)
    if each is None:
        return []
    head, rest = q[:each.start()].rstrip(",，"), q[each.end():]
    cuts = list(_CONJ.finditer(_top_level(head)))
    if not cuts or len(head) - cuts[-1].end() < 2 or cuts[0].start() < 2:
        return []
    bounds = [0] + [x for m in cuts for x in (m.start(), m.end())] + [len(head)]
    items = [head[bounds[i]:bounds[i + 1]] for i in range(0, len(bounds), 2)]
    last = _top_level(items[-1])
    comma = max(last.rfind(","), last.rfind("，"))
    if comma > 0:  # 2024年一季度和前三季度,全省收入分别增长多少: what follows the comma is shared
        shared, items[-1] = items[-1][comma + 1:], items[-1][:comma]
        items = [x + shared for x in items]
    items = _share_tail(items)
    lead = _LEAD_TIME.match(items[0])
    if lead:  # 2023年浙江…收入和福建…收入各是多少: 2023年 is asked of both
        items = [items[0]] + [x if re.search(r"\d{4}年|[今去前明上]年", x) else lead.group(0) + x for x in items[1:]]
    return [item + rest for item in items]


def _share_tail(items: list[str]) -> list[str]:
    """「韶关和清远的GDP」: items that are a bare place or time take what follows the last item's own
    place or time (的GDP)."""
    head = _bare_head(items[-1])
    if not head or head == items[-1]:
        return items
    tail = items[-1][len(head):]
    return [x + tail if _bare_head(x) == x else x for x in items[:-1]] + [items[-1]]


def _bare_head(text: str) -> str:
    """The place or time ``text`` begins with, or ''."""
    time = _LEAD_TIME.match(text)  # a match always holds a year
    if time:
        return time.group(0)
    places = places_in(text, short_forms=True)
    return places[0].text if places and places[0].start == 0 else ""


def _split_question_words(q: str) -> list[str]:
    """「要抓多少个县、多少个乡镇、多少个村」: each question word with the text before the first one."""
    words = list(_QWORD.finditer(q))
    if len(words) < 2:
        return []
    pieces = [q[words[i].start():words[i + 1].start()] for i in range(len(words) - 1)] + [q[words[-1].start():]]
    joined = [re.search(r"(?:、|和|及|以及|,|，)$", p) for p in pieces[:-1]]
    if not all(joined) or any(len(p) > 12 for p in pieces):
        return []
    left = q[:words[0].start()]
    return [left + p[:j.start()] for p, j in zip(pieces, joined + [None]) if j] + [left + pieces[-1]]


def merge_all(question: str, answers: list[Answer]) -> Answer:
    """The answer to a question of several items or parts (「A和B分别是多少」, 「A是多少?B又是多少?」):
    the merged answer when every item is answered; otherwise a refusal naming the items the reports do
    not give, whose near miss holds the first item they do give (a half answer is not the answer asked
    for), or else the first item's own near miss."""
    if all(a.found for a in answers):
        return _merge(question, answers)
    passages = [p for a in answers for p in a.passages]
    refusal = Answer(question, False, "；".join(a.text for a in answers if not a.found), [], passages)
    given = next((a for a in answers if a.found and a.citations), None)
    if given is None:  # no item answered: the first item's own near miss, if any
        refusal.near_miss = next((a.near_miss for a in answers if a.near_miss), None)
    else:
        line = given.text.partition(QUOTE_MARK)[0].strip().rstrip("。")
        cite = given.citations[0]
        line = _MARK.sub(lambda m: "[1]" if int(m.group(1)) == cite.n else "", line)
        refusal.near_miss = NearMiss(f"报告只给出了其中一项（{given.question}）：{line}",
                                     Citation(1, cite.chunk, cite.quote, cite.start, cite.end, cite.score))
    return refusal


def _merge(question: str, answers: list[Answer]) -> Answer:
    """One answer from the answers of every part: their answer lines first (joined by ；), then their
    quoted sources, citations renumbered."""
    lines, quotes, cites, offset = [], [], [], 0
    for a in answers:
        shift = offset
        line, _, quote = _MARK.sub(lambda m: f"[{int(m.group(1)) + shift}]", a.text).partition(QUOTE_MARK)
        lines.append(line.strip().rstrip("。"))
        if quote:
            quotes.append(QUOTE_MARK + quote.strip())
        for c in a.citations:
            cites.append(Citation(c.n + shift, c.chunk, c.quote, c.start, c.end, c.score))
        offset += len(a.citations)
    passages = [p for a in answers for p in a.passages]
    text = "；".join(lines) + "".join("\n" + q for q in quotes)
    merged = Answer(question, True, text, cites, passages)
    merged.matched = [m for a in answers for m in a.matched]
    return merged
