"""Follow-up questions without an LLM: 「那肇庆呢?」 and 「这些钱用在哪里?」 rewritten against the previous question.

Analysis runs on the normalised text (:func:`reportqa.textnorm.normalize`, simplified script);
every edit is made on the user's own words, mapped back with :func:`normalize_with_map`.
"""

from __future__ import annotations

import re


from ..segment import pos_tags
from ..textnorm import normalize_with_map
from .constraints import measures
from .places import place_level, places_in
from .times import times_in
from .question import UNITS

_PLACE_SUFFIX = re.compile(r"[\u4e00-\u9fff]{1,6}(?:省|市|县|区|镇|乡|村)$")
_YEAR = re.compile(r"((?:19|20)\d{2})(年?)|今年|去年|前年|明年|上半年|下半年")
_ORG = re.compile(r"[^\W\d的了在和与及对向为是有把被从中到共将]{1,12}?"
                  r"(?:厅|局|委员会|指挥部|公司|集团|银行|大学|学院|医院|协会|研究院|办公室|农办|工作队|工作组)")
_ELLIPSIS = re.compile(r"^(?:请问)?(?P<pre>那么|那|还有|另外|而)?[，,、\s]*(?P<x>[^，,。?!]{1,16}?)(?:的情况|的话|的)?"
                       r"(?P<end>呢|怎么样|怎样|又如何|如何)[?!。.\s]*$")
_BARE = re.compile(r"^(?:请问)?(?P<pre>那么|那)[，,、\s]*(?P<x>[^，,。?!]{1,16}?)(?:的情况|的)?[?]\s*$")
_QWORD = re.compile(r"多少|几|什么|哪里|哪儿|哪些|哪个|哪家|哪一|哪|谁|何时|如何|怎么样|怎么|怎样|为什么|是否|吗")
_DEMONSTRATIVE = re.compile(r"这些|那些|这个|那个|这项|这笔|这批|这类|这种|这里|那里|当地|(?<!其)它们?|其中|"
                            r"(?:^|(?<=^请问)|(?<=^那么)|(?<=^那))其(?![他它余实次间])|(?<![应活])该(?=[\u4e00-\u9fff])|此(?=[项类种])")
_VAGUE = {"事", "事情", "东西", "数字", "数据", "人", "人员"}
_MONEY_NOUNS = {"钱", "款", "款项", "资金", "经费", "钱款"}
_MONEY = re.compile(r"资金|经费|钱|款|元|投资|投入|拨付")
_ADMIN_END = "省市州盟县旗区镇乡村"
_SINGLE_PLACES = {"村", "镇", "乡", "县", "市", "区", "省"}
_PLACE_WORDS = {"这里", "那里", "当地", "该地", "该市", "该县", "该区", "该镇", "该乡", "该村", "该省", "此地"}
_CLASSIFIER = re.compile(rf"(?:{UNITS}|[个项笔批类种位家条座户])")
_LEFT_TAIL = re.compile(r"(?:了|过|是|为|有|达到|达|约|大约|将近|近|超过|一共|总共|共计|累计|合计|共|分别|的|"
                        r"用在|用于|用到|位于|在|到|于|将|会|能|要)$")
_NOUN_TAGS = ("n", "nz", "vn", "ng", "nt", "ns", "j")
_SINGLE_NOUNS = {"钱", "款", "事", "人", "地", "市", "县", "区", "镇", "省", "村"}


def resolve_followup(question: str, history: list[str]) -> str:
    """``question`` rewritten to stand alone, given earlier user questions (oldest first).

    Each earlier question is itself resolved against the one before it, so chains
    (「珠海…多少人…?」 → 「那肇庆呢?」 → 「那2022年呢?」) keep their subject.
    A self-contained question, or one with no history, is returned unchanged.
    """
    if not history:
        return question
    prev = history[0]
    for earlier in history[1:]:
        prev = resolve_against(earlier, prev)
    return resolve_against(question, prev)


def resolve_against(question: str, prev: str) -> str:
    """``question`` rewritten against one previous (already resolved) question."""
    if not prev.strip():
        return question
    norm, offsets = normalize_with_map(question)
    m = _ELLIPSIS.match(norm.strip()) or _BARE.match(norm.strip())
    lead = len(norm) - len(norm.lstrip())
    if m and _elliptical(m):
        a, b = m.start("x") + lead, m.end("x") + lead
        return replace_entities(prev, question[offsets[a]:offsets[b]])
    replaced = substitute_demonstrative(question, prev)
    return replaced if replaced != question else carry_context(question, prev)


def _elliptical(m: re.Match) -> bool:
    """「那肇庆呢」, 「2022年呢」, 「那珠海怎么样」 — not 「…成效如何」 (a whole question) nor a long phrase."""
    x = m.group("x").strip()
    if not x or _QWORD.search(x) or (m.groupdict().get("end") not in (None, "呢") and not m.group("pre")):
        return False
    return len(x) <= 6 or any(kind != "other" for kind, _, _ in _parts(x))


tagged = pos_tags  # the one jieba tagger (segment.py), behind its lock


def entity_spans(norm: str, kind: str) -> list[tuple[int, int]]:
    """``[start, end)`` of the entities of ``kind`` (year | place | org) in normalised text."""
    if kind == "year":
        return [(m.start(), m.end()) for m in _YEAR.finditer(norm)]
    if kind == "org":
        return [(m.start(), m.end()) for m in _ORG.finditer(norm)]
    return [(p.start, p.end) for p in places_in(norm, short_forms=True)]


def entity_kind(norm: str) -> str:
    """What a short elliptical phrase names: year | org | place | other."""
    if _YEAR.fullmatch(norm):
        return "year"
    if _ORG.fullmatch(norm):
        return "org"
    if entity_spans(norm, "place") == [(0, len(norm))] or _PLACE_SUFFIX.match(norm):
        return "place"
    return "other"


def replace_entities(prev: str, new: str) -> str:
    """``prev`` with its first entity of ``new``'s kind replaced by ``new`` (prepended when it has none).

    Each year/place/organisation named in ``new`` (「2022年肇庆」) is handled in turn.
    """
    out = prev
    norm_new, offsets = normalize_with_map(new)
    parts = _parts(norm_new)
    for kind, a, b in parts:
        out = _replace_one(out, new[offsets[a]:offsets[b]], kind)
    return out


def _parts(norm: str) -> list[tuple[str, int, int]]:
    """The entities in an elliptical phrase; the whole phrase as one item when it is not a list of them."""
    norm = norm.strip()
    items = [("year", a, b) for a, b in entity_spans(norm, "year")]
    items += [("place", a, b) for a, b in entity_spans(norm, "place")
              if not any(a < y and x < b for _, x, y in items)]
    covered = "".join(ch for i, ch in enumerate(norm) if not any(a <= i < b for _, a, b in items))
    if items and not covered.strip("的和与及、，, "):
        return sorted(items, key=lambda t: t[1])
    return [(entity_kind(norm), 0, len(norm))]


def _replace_one(prev: str, new: str, kind: str) -> str:
    norm, offsets = normalize_with_map(prev)
    norm_new = normalize_with_map(new)[0]
    if kind == "other":
        return replace_thing(prev, new)
    spans = entity_spans(norm, kind)
    if norm_new in norm:
        return prev  # already about it
    if not spans:
        return new + prev
    a, b = spans[0]
    if kind == "place":  # the first place of the new one's level, else the one nearest that level
        level = place_level(norm_new)
        a, b = min(spans, key=lambda s: (abs(place_level(norm[s[0]:s[1]]) - level), s[0]))
        if norm[b:b + 1] in _ADMIN_END and norm_new[-1:] in _ADMIN_END:
            b += 1  # 凉山州 read as 凉山: 剑阁县 takes the 州 too
    new += _suffix(norm[a:b], norm_new, kind, prev[offsets[b - 1]:offsets[b]])
    target = norm[a:b]
    pieces, pos = [], 0
    for m in re.finditer(re.escape(target), norm):
        pieces += [prev[offsets[pos]:offsets[m.start()]], new]
        pos = m.end()
    return "".join(pieces) + prev[offsets[pos]:]


_CONTINUES = re.compile(r"(?:那么|那|比|较|同比|环比|其中|预计|建成后|此后|之后|当年|同期|另外|还有|又|增长|增加|提高|下降|减少)")
_RUN_TAGS = ("n", "nz", "vn", "nt", "j", "ng", "l", "an", "nrt")


def replace_thing(prev: str, new: str) -> str:
    """``prev`` asking about ``new`` (a leading pronoun dropped) instead of what it measured: the noun
    run sharing most characters with ``new`` (专项资金 ← 自筹资金), else the last one before the
    question word (高山有机茶园 ← 中药材基地); a trailing measure word (产值, 面积) stays unless ``new``
    names one."""
    new = re.sub(r"^(?:他们|她们|它们|他|她|它|其)(?:的)?", "", new)
    norm, offsets = normalize_with_map(prev)
    places = entity_spans(norm, "place")
    runs, run, pos = [], [], 0
    for word, flag in tagged(norm):
        a, b = pos, pos + len(word)
        pos = b
        in_place = any(x < b and a < y for x, y in places)
        if (flag in _RUN_TAGS and not in_place) or (run and len(word) == 1 and flag in ("a", "b", "m")):
            run.append((a, b, word))
        elif run:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    runs = [r for r in runs if r[-1][2] not in ("多少", "什么")]
    if not runs:
        return new + prev
    qword = _QWORD.search(norm)
    before = [r for r in runs if not qword or r[0][0] < qword.start()] or runs
    def shared(run: list[tuple[int, int, str]]) -> int:
        return sum(ch in new for _, _, w in run for ch in w)

    best = max(runs, key=lambda r: (shared(r), r in before, r[0][0]))
    if shared(best) == 0:
        best = before[-1]
    if len(best) > 1 and best[-1][2] in measures() and not any(m in new for m in measures()):
        best = best[:-1]
    a, b = best[0][0], best[-1][1]
    if qword and b <= qword.start():
        head = _head_before(norm, qword.start())
        if head and normalize_with_map(new)[0].rstrip("的").endswith(head):
            b = qword.start()  # 林分优化提升多少 ← 森林抚育提升: the phrase up to the question word, same head
    return prev[:offsets[a]] + new + prev[offsets[b]:]


def _head_before(norm: str, end: int) -> str:
    """The word right before position ``end`` (the question word): the head of the asked phrase."""
    words = tagged(norm[:end])
    return words[-1][0] if words and len(words[-1][0]) >= 2 else ""


def carry_context(question: str, prev: str) -> str:
    """A follow-up that names no place or time borrows the previous question's; one that names no
    subject of its own (比上年增长了多少?) borrows its topic."""
    norm = normalize_with_map(question)[0]
    if not _CONTINUES.match(norm.strip()):
        return question  # 应该投入多少资金?: a question of its own
    p_norm, p_off = normalize_with_map(prev)
    own_places, own_years = entity_spans(norm, "place"), entity_spans(norm, "year")
    qword = _QWORD.search(norm)
    head = norm[: qword.start()] if qword else norm
    has_subject = any(f in ("n", "nz", "nt", "ns", "j") and len(w) >= 2 for w, f in tagged(head))
    if not has_subject and not own_places and not own_years:
        return topic(prev) + question.lstrip("那么那，, ")
    times = [(t.start, t.end) for t in times_in(p_norm) if not t.base] or entity_spans(p_norm, "year")
    carried = [] if own_years else times
    carried += [] if own_places else entity_spans(p_norm, "place")
    carried += _things(p_norm, carried, norm) if carried else []
    if not carried:
        return question
    prefix = "".join(prev[p_off[a]:p_off[b]] for a, b in sorted(carried))
    return prefix + re.sub(r"^(?:那么|那)[，,、\s]*", "", question)


def _things(norm: str, taken: list[tuple[int, int]], question: str) -> list[tuple[int, int]]:
    """Spans of the nouns right after the carried time or place (湛江市荔枝种植面积 → 荔枝): what was
    measured, carried along unless the follow-up names it or it is a measure (面积, 产值)."""
    out, pos, end = [], 0, max(y for _, y in taken)
    for word, flag in tagged(norm):
        a, pos = pos, pos + len(word)
        if a < end or (out and a != out[-1][1]):
            continue
        if flag not in ("n", "nz") or len(word) < 2 or word in measures() or word in question:
            break
        out.append((a, pos))
    return out


def _suffix(old: str, new: str, kind: str, last: str) -> str:
    """The 年/市/县… the replaced entity carried and the new one lacks (珠海市 → 肇庆 + 市)."""
    old_y, new_y = _YEAR.fullmatch(old), _YEAR.fullmatch(new)
    if kind == "year" and old_y and new_y and old_y.group(2) and new_y.group(1) and not new_y.group(2):
        return "年"  # 「那2022呢」 against 「2021年…」
    if kind == "place" and old[-1:] in "省市县区" and len(old) > 2 and new[-1:] not in "省市县区镇乡村":
        return last
    return ""


def topic(prev: str) -> str:
    """The previous question's key noun phrase, in its own words.

    「珠三角帮扶市共拨付了多少帮扶资金?」 → 「珠三角帮扶市拨付的帮扶资金」: the text before the
    question word (without 共/了/是…) + 的 + the text after it (without a classifier).
    """
    norm, offsets = normalize_with_map(prev)
    text = norm.rstrip("?？!！。.,， 呢吗啊")
    start = len(text) - len(text.lstrip())
    if text[start:].startswith("请问"):
        start += 2
    m = _QWORD.search(text, start)
    if not m:
        return _orig(prev, offsets, [(start, len(text))])
    left = _trim_left(text, start, m.start())
    r = m.end()
    c = _CLASSIFIER.match(text, r)
    if c and m.group(0) in ("多少", "几"):
        r = c.end()
    r += len(text[r:]) - len(text[r:].lstrip("是为叫指有的"))
    right = [(r, len(text))] if r < len(text) else []
    if left and right:
        return _orig(prev, offsets, left) + "的" + _orig(prev, offsets, right)
    return _orig(prev, offsets, left or right)


def _trim_left(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """Spans of ``text[a:b]`` without trailing particles/adverbs and a 共 before the final verb."""
    while b > a:
        m = _LEFT_TAIL.search(text, a, b)
        if not m:
            break
        b = m.start()
    m = re.search(r"(?:一共|总共|共计|累计|合计|共)(?=[\u4e00-\u9fff]{1,2}$)", text[a:b])
    if m:
        return [(a, a + m.start()), (a + m.end(), b)]
    return [(a, b)] if b > a else []


def _orig(text: str, offsets: list[int], spans: list[tuple[int, int]]) -> str:
    return "".join(text[offsets[a]:offsets[b]] for a, b in spans if b > a)


def substitute_demonstrative(question: str, prev: str) -> str:
    """Replace a demonstrative phrase (这些钱, 该项目, 它们, 其中, 这里…) with the previous question's topic."""
    norm, offsets = normalize_with_map(question)
    first_clause = re.split(r"[,;:]", norm, maxsplit=1)[0]
    m = _DEMONSTRATIVE.search(first_clause)
    if not m:
        return question  # self-contained (a 其中 after a comma points inside the question itself)
    d, a, b = m.group(0), m.start(), m.end()
    noun = _noun_after(norm, b)
    if d in ("该", "此") and not noun:
        return question  # 该 as "should" (该如何…), not a demonstrative
    if d in _PLACE_WORDS or d + noun in _PLACE_WORDS or (d in ("这个", "那个") and noun in _SINGLE_PLACES):
        p_norm, p_off = normalize_with_map(prev)
        places = entity_spans(p_norm, "place")
        kind = noun or d[-1]
        places = [(x, y) for x, y in places if p_norm[y - 1] == kind] or _unlisted(p_norm, kind) or places
        subject = _orig(prev, p_off, places[:1]) if places else topic(prev)
        b += 0 if d in _PLACE_WORDS else len(noun)
        if d in ("这个", "那个") and noun in _SINGLE_PLACES:
            b = m.end() + len(noun)
        return question[:offsets[a]] + subject + question[offsets[b]:]
    subject = topic(prev)
    if not subject.strip():
        return question
    if d == "其中":
        subject += "中"
    elif d == "其":
        subject += "的"
    elif noun and _absorbed(noun, subject):
        b += len(noun)  # 这个目标 → …工作目标, 这些钱 → …帮扶资金
    elif noun:
        subject += "的"
    return question[:offsets[a]] + subject + question[offsets[b]:]


def _unlisted(norm: str, kind: str) -> list[tuple[int, int]]:
    """Places of ``kind`` the gazetteer lacks, named right after a broader place (七舍镇革上村 → 革上村)."""
    if kind not in _SINGLE_PLACES:
        return []
    return [(m.start(), m.end()) for m in re.finditer(rf"(?<=[省市县区镇乡])[\u4e00-\u9fff]{{1,4}}?{kind}", norm)]


def _absorbed(noun: str, subject: str) -> bool:
    """Whether the topic already names what 「这些<noun>」 refers to."""
    subject = normalize_with_map(subject)[0]
    if noun in subject or noun in _VAGUE:
        return True
    return noun in _MONEY_NOUNS and bool(_MONEY.search(subject))


def _noun_after(norm: str, b: int) -> str:
    """The noun right after a demonstrative (「这些钱用在…」 → 钱, 「该项目…」 → 项目), '' when none."""
    rest = norm[b:]
    words = tagged(rest[:12]) if rest else []
    if words and words[0][1] in _NOUN_TAGS:
        return words[0][0]
    return rest[0] if rest[:1] in _SINGLE_NOUNS else ""  # jieba cuts 「钱用」 as one name
