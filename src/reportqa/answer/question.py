"""What a question asks: its type, the slot around the question word, units and entities."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


from ..segment import pos_tags, word_frequency
from ..textnorm import fold, normalize

# Order matters: the first pattern found decides the type.
_TYPES = [
    ("date", r"什么时候|何时|哪一年|哪年|哪个月|几月|几号|哪天|什么时间|哪一天"),
    ("number", r"多少|多大|多长|多高|多重|多远|多久|(?<!哪)几(?=[个名位家项条座户人期盏亩次场所间批支天年件台辆套株棵万亿千百元%])|"
               r"百分之几|几成|是几"),
    ("who", r"谁|哪位|哪些人|什么人"),
    ("where", r"哪里|哪儿|什么地方|哪些地方|何处|在哪"),
    ("list", r"哪些|哪几|哪[两二三四五六七八九十](?=[个项大类种条位家]?)"),
    ("which", r"哪个|哪家|哪一|哪项|哪种|哪类|哪所|哪座|哪条|哪"),
    ("what", r"什么|啥|何种"),
]
UNITS = ("亿元|万元|千元|元|人次|户次|名|个|位|家|项|条|座|户|人|期|盏|亩|公顷|公里|千米|平方米|米|吨|"
         "次|场|所|间|批|支|天|年|篇|件|台|辆|套|株|棵|斤|公斤|千克|%|倍|元/人|万人")
_CLASSIFIER = re.compile(r"(?:多少|几)(" + UNITS + r")")
_ENTITY_TAGS = {"ns", "nr", "nt", "nrt", "nz"}
_GENERIC = {"全省", "全市", "全县", "省政府", "省委", "中国", "国家", "全国"}
_PLACE_KIND = re.compile(r"(?:[一两二三四五六七八九十几]?个|些)?(?:县|市|镇|村|区|省|乡|地方|地区|城市)"
                         r"(?![\u4e00-\u9fff]{2})|(?:[一两二三四五六七八九十几]?个|些)?(?:县|市|镇|村|区|省|乡)(?=[与和的在是有被同跟对])")
_NAME = re.compile(r"叫什么|叫做什么|名称|名字|称为什么|称号|什么品牌")
_ROLE_END = re.compile(r"(?:长|书记|主任|队员|指挥|负责人|经理|带头人|能人|专家|教授|党员|代表|乡贤|创始人|"
                       r"第一书记|网红|主播|青年|农民|村民|老人)$")
# words of a total; not 共 inside another word (公共, 共同, 鱼菜共生, 共建共享)
TOTAL = re.compile(r"(?<![公中])共(?![生同建享富青产识赢治商创谋性振和])|累计|合计|总计")
_QUESTION_NOUNS = {"时候", "时间", "地方", "名字", "情况", "问题", "方面", "内容", "数量", "多少", "哪些"}


@dataclass
class Question:
    """The parts of a question the extractive answerer uses (all in normalised script)."""

    text: str
    qtype: str  # date | number | who | where | list | which | what | other
    left: str = ""  # question text before the question word
    right: str = ""  # question text after the question word (and its classifier)
    classifier: str = ""  # unit named after 多少/几, e.g. 个, 名, 亿元
    wants_name: bool = False  # 叫什么/名称: the answer is a name, often quoted
    wants_total: bool = False  # 共/累计: the answer is a total
    entities: list[str] = field(default_factory=list)  # places, organisations, people
    nouns: list[str] = field(default_factory=list)  # nouns and Latin terms (GDP), 2+ characters


def analyse(question: str) -> Question:
    """Classify ``question`` and cut it around its question word."""
    q = normalize(question).strip().rstrip("?？!！。. ")
    qtype, left, right, classifier = "other", q, "", ""
    for name, pattern in _TYPES:
        m = re.search(pattern, q)
        if m:
            qtype, left, right = name, q[: m.start()], q[m.end():]
            c = _CLASSIFIER.match(q, m.start())
            if name == "number" and c:
                classifier, right = c.group(1), q[c.end():]
            break
    if qtype in ("list", "which") and _PLACE_KIND.match(right):
        qtype = "where"  # 哪些县 / 哪个市: the answer must name places
    if qtype == "what" and _NAME.search(q) and _ROLE_END.search(left.rstrip("叫是的")):
        qtype = "who"  # 产业村长叫什么名字: a person's name
    return Question(q, qtype, left, right, classifier, entities=entities(q),
                    nouns=nouns(q, right if qtype in ("what", "which", "list") else ""),
                    wants_name=bool(_NAME.search(q)), wants_total=bool(TOTAL.search(q)))


def entities(text: str) -> list[str]:
    """Place, organisation and person names in ``text`` (jieba part-of-speech tags); the rarest tier of
    jieba's dictionary (frequency 1-3: 森林抚育 and 一介武夫 tagged names, 新创建 a proper noun) is
    no name."""
    return [w for w, f in pos_tags(text) if f in _ENTITY_TAGS and len(w) >= 2 and w not in _GENERIC
            and not (f in ("nr", "nz") and _rarest(w))]


RAREST = 3  # jieba's lowest dictionary frequencies: words added in bulk, their tags unreliable


def _rarest(word: str) -> bool:
    """Whether ``word`` is in the rarest tier of jieba's dictionary, whose tags are unreliable."""
    return 0 < word_frequency(word) <= RAREST


def nouns(text: str, category: str = "") -> list[str]:
    """Dictionary nouns and Latin-script terms of 2+ characters: the things a question is about.

    Words jieba guesses (not in its dictionary) are left out, and so is ``category``,
    the noun right after the question word (什么称号: the answer's kind, not its subject). A word of
    the rarest dictionary tier tagged a name (森林抚育) is a noun.
    """
    return [w.lower() for w, f in pos_tags(text, hmm=False) if len(w) >= 2 and (f in ("n", "eng", "nz") or w.isascii()
            or (f == "nr" and _rarest(w))) and not w.isdigit() and w not in _QUESTION_NOUNS
            and not (category and category.startswith(w))]


_ORG_END = re.compile(r"(组|局|厅|委|会|部|办|院|所|公司|集团|银行|分行|工作队|指挥部|政府|单位|中心|协会|联盟)$")


_NAME_CHAR = re.compile(r"[\u4e00-\u9fff]")
_AFTER_NAME = re.compile(r"[^\u4e00-\u9fff]|说|表示|介绍|告诉|指出|认为|坦言|谈|等|是|在|和|与|的|也|都|就|带领|担任|任|为|同志|书记|"
                         r"主任|队长|镇长|县长|市长|局长|村长|先生|女士")


def person_names(text: str, start: int, end: int) -> tuple[int, int]:
    """Narrow ``text[start:end]`` to the person name(s) in it; an organisation is kept whole."""
    cut = re.search(r"[:：，,（(“\"]", text[start:end])
    if cut and cut.start() >= 2:
        end = start + cut.start()  # 周帆:面临着…: the name before the colon
    if _ORG_END.search(text[start:end]):
        return start, end
    pos, names = start, []
    for w, f in pos_tags(text[start:end]):
        if f in ("nr", "nrfg", "nrt") and len(w) >= 2:
            names.append((pos, pos + len(w)))
        pos += len(w)
    if not names:
        return start, end
    a, b = names[0][0], names[-1][1]
    if b - a == 2 and len(names) == 1 and _NAME_CHAR.match(text[b:b + 1]) and _AFTER_NAME.match(text[b + 1:b + 3] or "。"):
        b += 1  # 周昌经说: jieba cut the given name short (周昌 + 经说)
    return a, b


def entity_variants(name: str) -> list[str]:
    """A name and its short form without an administrative suffix (广东省 → 广东)."""
    short = re.sub(r"(省|市|县|区|镇|乡|村|自治县|自治区)$", "", name)
    return [name, short] if len(short) >= 2 and short != name else [name]


_KIND_TAGS = {"who": {"nr", "nrfg", "nrt", "nt"}, "where": {"ns"}}


def fits_kind(qtype: str, span: str) -> bool:
    """Whether a slot answer is of the kind asked: a person or body for 谁, a place (or list) for 哪里."""
    tags = _KIND_TAGS.get(qtype)
    if not tags:
        return True
    return any(f in tags for _, f in pos_tags(span))


def missing_names(names: list[str], context: str) -> list[str]:
    """The names (in none of their short forms) absent from folded ``context``."""
    return [n for n in names if not any(fold(v) in context for v in entity_variants(n))]
