"""Place names: the national gazetteer (jionlp's provinces, cities and counties with their short
forms) and towns, villages and streets found by their suffix (西岸镇, 冲口村, 东街社区)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Iterable

_ADMIN = re.compile(r"(?:省|市|自治州|地区|盟|自治县|县|自治旗|旗|区|林区|特区)$")
_TOWN_SUFFIX = re.compile(r"(?:街道|社区|镇|乡|村|圩|寨|屯)")
# A town/village name is the 2-4 characters before its suffix; these are not names but kinds or
# determiners (示范村, 全镇, 各村, 乡镇…).
_DETERMINER = re.compile(r"^(?:全|各|该|本|每|此|这|那|其|驻|到|在|和|与|及|农|城)")
_GENERIC = {"新农", "行政", "自然", "重点", "示范", "典型", "贫困", "帮扶", "中心", "美丽", "和美", "特色", "专业",
            "兄弟", "后进", "先进", "文明", "宜居", "生态", "旅游", "试点", "样板", "精品", "标杆", "省级", "市级",
            "县级", "国家级", "相关", "周边", "沿线", "所在", "乡镇", "村镇", "城镇", "集镇", "圩镇", "强镇", "名镇",
            "名村", "强村", "富村", "古村", "外村", "邻村", "本村", "美丽乡", "未来", "共富", "明星", "百强", "千强"}
_NOT_NAME_TAGS = {"v", "vd", "ad", "d", "p", "c", "r", "m", "q", "u", "f", "t"}
_ROLE_AFTER = re.compile(r"长|民|委|干部|支书|集体|级|书记|主任|医|官|务|规|歌|晚|超|BA")
COMMON = 2000  # jieba frequency above which a short form that jieba does not tag as a place is a word
_ZONE = re.compile(r"产业园|开发区|新区|管理区|合作区|示范区|试验区|园区")
_CORE_CHAR = re.compile(r"[\u4e00-\u9fff]")
_STOP_CHARS = set("的了在和与及或是为把被对向从到将由于以等个名家年月日共全各该本每其这那给让使")
_NAME_AFTER_PLACE = set("名家年月日")


@dataclass(frozen=True)
class Place:
    """A place mention ``text`` at ``[start, end)``; ``key`` is its full name when the gazetteer knows it."""

    start: int
    end: int
    text: str
    key: str


@functools.lru_cache(maxsize=1)
def gazetteer() -> dict[str, str]:
    """Every province, city and county name and short form → its full name (连南县 → 连南瑶族自治县)."""
    return _load()[0]


@functools.lru_cache(maxsize=1)
def _load() -> tuple[dict[str, str], dict[str, frozenset[str]]]:
    from .jio import jionlp as load_jionlp

    names: dict[str, str] = {}
    parents: dict[str, frozenset[str]] = {}

    def walk(node: dict, above: frozenset[str]) -> None:
        for name, child in node.items():
            if name.startswith("_") or not isinstance(child, dict):
                continue
            full = child.get("_full_name", name)
            aliases = child.get("_alias") or []
            zone = bool(_ZONE.search(full))  # 产业园区, 开发区: their short forms are common words
            for alias in [full] + ([] if zone else [aliases] if isinstance(aliases, str) else list(aliases)):
                if alias and len(alias) >= 2:
                    names.setdefault(alias, full)
            parents.setdefault(full, above)
            walk(child, above | {full})

    walk(load_jionlp().china_location_loader(), frozenset())
    return names, parents


def within(place: str, region: str) -> bool:
    """Whether ``place`` lies inside ``region`` by the gazetteer (松阳县 within 丽水市 and 浙江省)."""
    return gazetteer().get(region, region) in enclosing(place)


def enclosing(place: str) -> frozenset[str]:
    """The full names of the regions ``place`` lies in by the gazetteer (将乐县 → 三明市, 福建省)."""
    gaz, parents = _load()
    return parents.get(gaz.get(place, place), frozenset())


@functools.lru_cache(maxsize=1)
def _full_names() -> re.Pattern[str]:
    gaz = gazetteer()
    names = {full for full in gaz.values() if _ADMIN.search(full) and _placelike(full)}
    names |= {alias + "县" for alias, full in gaz.items() if full.endswith("自治县") and not alias.endswith("县")}
    names = sorted(names, key=len, reverse=True)
    return re.compile("|".join(re.escape(n) for n in names))


@functools.lru_cache(maxsize=1)
def _short_forms() -> re.Pattern[str]:
    names = sorted((a for a in gazetteer() if _placelike(a)), key=len, reverse=True)
    return re.compile("|".join(re.escape(n) for n in names))


@functools.lru_cache(maxsize=4096)
def places_in(text: str, short_forms: bool = False) -> tuple[Place, ...]:
    """Place mentions of ``text`` in order: full gazetteer names, towns/villages by suffix, and with
    ``short_forms`` also the gazetteer's short names (景宁, 宁波) — safe in questions, not in reports,
    where 和平 or 新兴 are often plain words."""
    found: dict[int, Place] = {}
    for m in _full_names().finditer(text):
        if _inside_word(text, m):
            continue
        found[m.start()] = Place(m.start(), m.end(), m.group(0), m.group(0))
    for p in _towns(text, tuple(sorted(p.end for p in found.values()))):
        if not any(q.start <= p.start < q.end for q in found.values()):
            found[p.start] = p
    if short_forms:
        gaz = gazetteer()
        for m in _short_forms().finditer(text):  # leftmost first: 广东城乡 is 广东, not 东城
            if not any(q.start <= m.start() < q.end or m.start() <= q.start < m.end() for q in found.values()) \
                    and not _after_narrower(found.values(), m.start(), gaz[m.group(0)]):
                found[m.start()] = Place(m.start(), m.end(), m.group(0), gaz[m.group(0)])
    return tuple(found[k] for k in sorted(found))


def _inside_word(text: str, m: re.Match[str]) -> bool:
    """Whether a two-character name starts inside a word jieba cuts: 示范县 holds no 范县."""
    from ..segment import pos_tags

    if len(m.group(0)) != 2 or m.start() == 0:
        return False
    pos = a = max(0, m.start() - 4)
    for w, _ in pos_tags(text[a:m.end()]):
        if pos < m.start() < pos + len(w):
            return True
        pos += len(w)
    return False


def _after_narrower(found: Iterable[Place], start: int, full: str) -> bool:
    """Whether a short form at ``start`` directly follows a place no broader than it: places are
    written broad to narrow, so 青山镇新建了 holds the verb 新建, not 新建区."""
    return any(q.end == start and place_level(q.key) >= place_level(full) for q in found)


def _placelike(alias: str) -> bool:
    """A short form that is not an ordinary word: 宁波, 景宁 and 清远 are places; 振兴, 和平 and 新兴
    are words (a verb, or a common word jieba does not tag as a place)."""
    from ..segment import word_frequency, word_tag

    tag = word_tag(alias)
    return tag not in ("v", "vn", "vd", "ad", "d") and (tag in ("ns", "nr") or word_frequency(alias) <= COMMON)


def _towns(text: str, ends: tuple[int, ...] = ()) -> list[Place]:
    """Towns, villages and streets: the word (or two short words) jieba cuts right before
    镇/乡/村/街道/社区, or one word ending in the suffix (冲口村); 驻村, 全镇, 乡村 are not names.
    Each is cut from the text after the place named before it (``ends``, and the towns found):
    梅县区 | 雁洋镇 | 南福村, not 区雁洋 / 镇南 / 福村."""
    from ..segment import pos_tags

    out: list[Place] = []
    for m in _TOWN_SUFFIX.finditer(text):
        before = [e for e in ends if e <= m.start()] + [p.end for p in out if p.end <= m.start()]
        w0 = max([0, m.start() - 5] + before)
        pos, toks = w0, []
        for w, f in pos_tags(text[w0:m.end() + 2]):
            toks.append((pos, pos + len(w), w, f))
            pos += len(w)
        mine = next((t for t in toks if t[0] <= m.start() < t[1]), None)
        if mine is None:
            continue
        prev = [t for t in toks if t[1] <= mine[0]]
        if mine[0] == m.start():  # the suffix opens its word: 镇, 镇村 (沙琅镇村), 镇政府
            if _ROLE_AFTER.match(text[m.end():]):
                continue  # 村长, 村民, 镇委, 湛江 村 集体: a person or body of some place, not a place name
            start = _core_start(prev, m.start())
        elif mine[1] == m.end() and mine[3] not in ("v", "vn", "d", "r") and not _common_tail(text, m):  # 冲口村, 三镇
            if m.start() - mine[0] >= 2:
                start = mine[0]
            elif prev and len(prev[-1][2]) == 1 and _CORE_CHAR.match(prev[-1][2]):
                start = prev[-1][0]  # 南 + 三镇
            else:
                start = -1
        else:
            continue  # the suffix is inside a longer word (农村人口, 驻村)
        core = text[start:m.start()] if start >= 0 else ""
        if m.group(0) == "乡" and text[m.end():m.end() + 1] in "村镇":
            continue  # 乡村, 乡镇
        if len(core) >= 2 and _is_name(core, after_place=start in ends):
            out.append(Place(start, m.end(), text[start:m.end()], text[start:m.end()]))
    return out


def _common_tail(text: str, m: re.Match[str]) -> bool:
    """Whether the suffix closes a common word (新型农村: 农村 is not a village's name)."""
    from ..segment import word_frequency

    return word_frequency(text[max(0, m.start() - 1):m.end()]) > COMMON


def _core_start(prev: list[tuple[int, int, str, str]], end: int) -> int:
    """Start of the name before a lone suffix: the last word if 2+ characters, else the last two
    (up to 3 characters); -1 when there is none."""
    if not prev or prev[-1][1] != end:
        return -1
    last = prev[-1]
    if len(last[2]) >= 2:
        return last[0]
    if len(prev) >= 2 and len(prev[-2][2]) + 1 <= 3 and _CORE_CHAR.match(prev[-2][2]):
        return prev[-2][0]
    return -1


def _is_name(core: str, after_place: bool = False) -> bool:
    """A town name's core is not a determiner, a kind of place or a verb phrase (推进乡村, 帮扶村).
    Right after another place (开平市 | 月山镇) a core may hold 月, 日, 年, 名 or 家: no date or
    count is written there."""
    stop = _STOP_CHARS - _NAME_AFTER_PLACE if after_place else _STOP_CHARS
    if _DETERMINER.match(core) or core in _GENERIC or _TOWN_SUFFIX.match(core) \
            or any(not _CORE_CHAR.match(ch) or ch in stop for ch in core):
        return False
    from ..segment import pos_tags

    tags = pos_tags(core)
    return not (len(tags) == 1 and tags[0][1] in _NOT_NAME_TAGS) and \
        not (tags and tags[0][1] in ("v", "p", "c", "q", "r")) and not re.search(r"多少|几|个|些|每", core)


def place_level(name: str) -> int:
    """0 province, 1 city, 2 county (by the gazetteer), 3 town or street, 4 village or community."""
    gaz, parents = _load()
    full = gaz.get(name)
    if full is not None:
        return len(parents.get(full, ()))
    return 4 if re.search(r"(?:村|社区|屯|寨)$", name) else 3


def variants(name: str) -> set[str]:
    """A place name, its full name and its short form (广东省 ↔ 广东; 景宁 ↔ 景宁畲族自治县)."""
    full = gazetteer().get(name, name)
    out = {name, full}
    for n in (name, full):
        short = re.sub(r"(?:畲族|瑶族|壮族|苗族|土家族|回族|黎族)?(?:自治县|自治州|自治区|自治旗|省|市|县|区|镇|乡|村|街道|社区)$", "", n)
        if len(short) >= 2:
            out.add(short)
    return out


def same_place(a: str, b: str) -> bool:
    """Whether two mentions name the same place (in any of their forms)."""
    return bool(variants(a) & variants(b))
