"""What a question pins its answer to: places, times, the measure and unit, and which value of a change.

The question's target (figure, date, person, place, list, description) is :class:`Question`'s
``qtype``; :class:`Constraints` holds what every admissible answer must satisfy.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from importlib import resources

from ..segment import domain_words, leading_words, pos_tags, word_frequency
from .places import Place, places_in
from .question import Question, nouns
from .units import Figure, figure_pattern, figures_in, split_unit, unit_families

_DELTA_Q = re.compile(r"增长了|增加了|提高了|提升了|上升了|下降了|减少了|降低了|增长多少|增加多少|增幅|增速|增长率|"
                      r"同比|净增|多少个百分点|增长几|增加几|涨了|涨幅|多了|少了|降了|"
                      r"(?<![入值差])(?:比|较)[^，,。]{0,8}?(?:涨|多了|少了|增|减|高了|低了|提高|下降)")
_OLD_Q = re.compile(r"原来|此前|之前|原先|由多少|从多少|以前|过去|改造前|帮扶前|起初|最初")
_PERCENT_Q = re.compile(r"百分之(?:多少|几)|百分比是多少|几成|多少成")
_VERB_TAIL = re.compile(r"(?:又|还|则|各|分别|大约|大概|是|为|有|达|达到|约|约为|共|一共|共有|累计|合计|总计|分别|缩小到|缩小至|提升至|提升到|提高到|"
                        r"提高至|增加到|增加至|增长到|增长至|下降到|下降至|降至|降到|扩大到|扩大至|了|的|已|已经|将|能|可|"
                        r"突破|超过|预计|预期|有望|可望)+$")


@dataclass
class Constraints:
    """What an answer must satisfy, read from the question."""

    places: list[Place] = field(default_factory=list)
    unit: str = ""  # base unit the question names: 元 for 多少亿元, 头 for 多少头
    magnitude: str = ""  # the magnitude it names with the unit: 亿 for 多少亿元
    family: str = ""  # unit family its measure word wants (money, area, percent, ratio, people, count)
    counted: str = ""  # the noun counted right after the question word (多少游客): a count, not a measure
    unit_noun: str = ""  # the noun after a named unit (多少名队员 → 队员): what that many are
    measure: str = ""  # the measure word (产值, 面积) when one is named
    measure_named: bool = False  # the figure's sentence must name the measure (产值 vs 收入 are both 元)
    role: str = "level"  # level | old | delta: which value of a change is asked
    things: list[str] = field(default_factory=list)  # what is measured (红薯, 荔枝): nouns besides places
    asked: list[str] = field(default_factory=list)  # nouns of the clause that asks, programme words aside
    parts: list[str] = field(default_factory=list)  # a part of a whole it asks about (干部中女性 → 女性)
    bodies: list[str] = field(default_factory=list)  # bodies and people it names (places aside)
    whole: Figure | None = None  # a whole the question states and asks a part of (那148个项目里,…有多少个)


@functools.lru_cache(maxsize=1)
def _measure_table() -> dict[str, tuple[str, bool]]:
    out = {}
    text = resources.files("reportqa.data").joinpath("measures.tsv").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            cols = line.split("\t") + ["", ""]
            out[cols[0].strip().lower()] = (cols[1].strip(), cols[2].strip() == "named")
    return out


@functools.lru_cache(maxsize=1)
def measures() -> dict[str, str]:
    """measure word → unit family, from ``data/measures.tsv``."""
    return {w: fam for w, (fam, _) in _measure_table().items()}


def read_constraints(q: Question) -> Constraints:
    """The constraints of an analysed question."""
    c = Constraints(places=list(places_in(q.text, short_forms=True)))
    if q.qtype == "number":
        c.magnitude, c.unit = _named_unit(q)
        c.measure, c.family = _measure(q)
        c.unit_noun = _unit_noun(q) if c.unit else ""
        if not c.unit and not c.family:
            c.counted = _counted(q)
            c.family = "count" if c.counted else ""
        c.measure_named = _measure_table().get(c.measure, ("", False))[1]
        c.role = "delta" if _DELTA_Q.search(q.text) else "old" if _OLD_Q.search(q.text) else "level"
        c.whole = _stated_whole(q.text, unit_families().get(c.unit, c.unit) or c.family)
    place_words = {v for p in c.places for v in (p.text, p.key)}
    c.things = [n for n in nouns(q.text) if n not in place_words and not any(n in p for p in place_words)
                and n != c.measure.lower() and n not in measures()]
    c.asked, c.parts = _asked_things(q, c.places), _parts(_asking_clause(q.text))
    c.bodies = [e for e in q.entities if not any(p.start < q.text.find(e) + len(e) and q.text.find(e) < p.end
                                                 for p in c.places)]
    return c


_WHOLE_AFTER = re.compile(r"[^,，;；:：。?？\d的]{0,12}?(?:当中|之中|里|中)(?:[,，]|的)")


def _stated_whole(text: str, family: str) -> Figure | None:
    """A figure the question states as the whole it asks a part of: followed in its clause by 里/中/当中
    (那3000万元帮扶资金里,用在雷州的有多少; 2180亩闲置土地中), and of the ``family`` the question asks
    for, if it names one. The answer is smaller and of its kind."""
    whole = next((f for f in figures_in(text) if _WHOLE_AFTER.match(text, f.end)), None)
    return whole if whole is not None and family in ("", whole.family) else None


def _asking_clause(text: str) -> str:
    """The clause that asks: after the question's last comma or colon."""
    return re.split(r"[,，;；:：]", text)[-1]


def _asked_things(q: Question, places: list[Place]) -> list[str]:
    """The nouns of the clause that asks: not places, measures or programme words; words jieba does
    not know (碧道, 鹰嘴桃) included. A 龙眼 question must not take a 荔枝 figure."""
    asking = _asking_clause(q.text)
    names = {p.text for p in places}
    skip = {w for w, _ in domain_words()} | set(measures())
    guessed = [w for w, f in pos_tags(asking) if f in ("n", "nz", "nr") and 2 <= len(w) <= 4
               and not word_frequency(w)]
    return [n for n in dict.fromkeys(q.nouns + guessed) if n in asking and n not in skip
            and not any(n in p or p in n for p in names) and not _excluded(n, q.text)]


def _excluded(word: str, text: str) -> bool:
    """Whether the question sets ``word`` aside (珠三角以外的属地市, 除广州外): not what it asks about."""
    w = re.escape(word)
    return bool(re.search(w + r"(?:以外|之外)|除(?:了)?[^,，。?？]{0,6}" + w + r"[^,，。?？]{0,6}(?:外|以外|之外)", text))


def _parts(clause: str) -> list[str]:
    """Nouns naming a part of a whole (驻村干部中女性, 其中农民): the word after a lone 中 or 其中."""
    tags = pos_tags(clause)
    return [w for (prev, _), (w, f) in zip(tags, tags[1:])
            if prev in ("中", "其中") and f in ("n", "nz", "nr", "ns", "vn") and len(w) >= 2]


def _named_unit(q: Question) -> tuple[str, str]:
    """(magnitude, unit) right after 多少/几 (多少亿元 → (亿, 元), 多少头 → ("", 头)), or ("", "")."""
    if _PERCENT_Q.search(q.text):
        return "", "%"
    m = re.search(r"(?:多少|几)", q.text)
    if not m or q.text[:m.start()].endswith("第"):
        return "", ""  # 第几名: a rank, not a count of people
    rest = q.text[m.end():]
    um = figure_pattern().match("1" + rest)
    if not um or not (um.group("unit0") or um.group("unit")):
        return "", ""
    return split_unit(rest[: um.end() - 1].strip("多余"))


def _unit_noun(q: Question) -> str:
    """The nouns right after 多少/几 and a named unit (多少名驻村队员 → 驻村队员, 几个行政村 → 行政村)."""
    m = re.search(r"(?:多少|几)", q.text)
    if not m or not q.classifier:
        return ""
    noun = "".join(leading_words(q.text[m.end() + len(q.classifier):], ("n", "nz", "nt")))
    return noun if len(noun) >= 2 else ""


_MONEY_END = re.compile(r"[金款费额资值入益润税钱价]$")  # 补助金, 分红款: an amount of money, not a count


def _counted(q: Question) -> str:
    """The noun right after 多少/几 when it names things counted (多少游客, 几名 aside: that is a unit)."""
    m = re.search(r"(?:多少|几)", q.text)
    tags = pos_tags(q.text[m.end():]) if m else []
    if not tags:
        return ""
    word, flag = tags[0]
    if flag in ("n", "nz", "nr", "ng") and len(word) >= 2 and not _MONEY_END.search(word):
        return word
    return ""


CHANGE = r"(?:同比|比上年|较上年|比去年|较去年|比)?(?:增长|增加|提高|提升|上升|下降|减少|降低|增|降)了?"  # 同比增长了
_DELTA_TAIL = re.compile(CHANGE + "$")


def _measure(q: Question) -> tuple[str, str]:
    """The measure word ending the noun phrase right after the question word (多少亿元协作资金: 资金),
    else the one before it (综合产值同比增长了多少: 产值), and the unit family it wants."""
    left = _DELTA_TAIL.sub("", _VERB_TAIL.sub("", q.left))
    right = q.right.lower()
    phrase = ""
    for w, f in pos_tags(right):
        if f not in ("n", "nz", "vn", "ng") or len(phrase) > 8:
            break
        phrase += w
    table = measures()
    after = [w for w in table if right.startswith(w) or (phrase and phrase.endswith(w))]
    before = [w for w in table if left.lower().endswith(w)]
    best = max(after or before, key=len, default="")  # 占总产量的多大比重: what follows the question word
    return best, table.get(best, "")
