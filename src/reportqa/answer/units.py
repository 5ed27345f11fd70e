"""Figures in text with open units: a number, its magnitude (万/亿) and whatever unit follows it.

Units come from jionlp's list of Chinese measure words plus ``data/units.tsv``; the families
there decide which units answer a question that names a unit or a measure (see :func:`unit_ok`).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources

_DIGITS = r"\d+(?:,\d{3}(?!\d))*(?:\.\d+)?"
_CN = r"[零〇一二两三四五六七八九十百千]*[零〇一二两三四五六七八九十][零〇一二两三四五六七八九十百千]*"
_MAG = r"(?:[万亿千百]|万亿|千万|百万)"
_NOT_UNITS = {"些", "月", "日", "号", "时", "点", "分", "秒", "届", "代", "方", "道", "口", "度", "部", "股", "把"}


@dataclass(frozen=True)
class Figure:
    """A number with its magnitude and unit: ``text == sentence[start:end]``."""

    start: int
    end: int
    text: str
    unit: str  # base unit without magnitude: 元 for 1.5亿元; "" for a bare number
    magnitude: str  # 万, 亿, … or ""

    @property
    def family(self) -> str:
        """The unit's family (money, area, people, …) or the unit itself."""
        return unit_families().get(self.unit, self.unit)


@functools.lru_cache(maxsize=1)
def unit_families() -> dict[str, str]:
    """unit → family, from ``data/units.tsv``."""
    out = {}
    for line in resources.files("reportqa.data").joinpath("units.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            unit, family = line.split("\t")[:2]
            out[unit.strip()] = family.strip()
    return out


@functools.lru_cache(maxsize=1)
def figure_pattern() -> re.Pattern[str]:
    """The regex of a figure; units are tried longest first (平方公里 before 公里)."""
    from .jio import jionlp as load_jionlp

    jionlp = load_jionlp()

    units = set(jionlp.quantifiers_loader()) | set(unit_families())
    units = sorted((u for u in units if u and u not in _NOT_UNITS), key=len, reverse=True)
    alt = "|".join(re.escape(u) for u in units)
    num = rf"(?:{_DIGITS}|{_CN}(?=[万亿千百]?(?:{alt})))"
    return re.compile(
        rf"(?P<ratio>\d+(?:\.\d+)?[:：]1(?![\d.]))"
        rf"|(?P<frac>(?:\d+|[一二三四五六七八九十百]+)分之(?:\d+(?:\.\d+)?|[一二三四五六七八九十]+))"
        rf"|(?P<num>{num}(?:多|余)?(?:\s*[~～—\-至到]\s*{num})?)"
        rf"(?:(?:多|余)?\s*(?P<unit0>{alt})|(?P<mag>{_MAG})(?P<about>多|余)?\s*(?P<unit>{alt})?)?")


_YEAR = re.compile(r"(?:19|20)\d{2}")
INTERCHANGEABLE = {"people", "percent"}  # 人/名/位 count the same; 60% and 6成 say the same
MEASURED = ("money", "area", "length", "weight", "percent", "points", "power", "energy", "volume")  # not counts


def figures_in(text: str) -> list[Figure]:
    """Every figure of ``text`` (years, months and bare Chinese numerals left out)."""
    out = []
    for m in figure_pattern().finditer(text):
        if m.group("ratio"):
            out.append(Figure(m.start(), m.end(), m.group(0), "", ""))
            continue
        if m.group("frac"):  # 三分之一: a share
            out.append(Figure(m.start(), m.end(), m.group(0), "分之", ""))
            continue
        unit, mag, num = m.group("unit0") or m.group("unit") or "", m.group("mag") or "", m.group("num")
        if not re.search(r"\d", num) and (not unit or unit == "年"):
            continue  # 一是, 两年: a numeral without a unit, or a span of years, is no figure
        after = text[m.end():m.end() + 1]
        if all(_YEAR.fullmatch(n) for n in re.findall(r"\d+", num)) and re.fullmatch(r"[\d—\-–~～至到]+", num) \
                and (unit in ("", "年") or (after and after in "年—-–至")):
            continue  # a year, not a quantity
        if not unit and not mag and after and after in "月日号":
            continue  # a date
        end = max(m.end("unit0"), m.end("unit"), m.end("mag"), m.end("about"), m.end("num"))  # 4万多农户: 4万多
        out.append(Figure(m.start(), end, text[m.start():end].strip(), unit, mag))
    return out


_SCALE = {"": 1, "百": 1e2, "千": 1e3, "万": 1e4, "百万": 1e6, "千万": 1e7, "亿": 1e8, "万亿": 1e12}


def figure_value(f: Figure) -> float | None:
    """The amount of a figure written in Arabic digits (1.5亿元 → 150000000.0); None for a range, a
    ratio, a fraction or Chinese numerals."""
    m = re.match(r"(\d+(?:,\d{3})*(?:\.\d+)?)(?:多|余)?(?=\D|$)", f.text)
    if not m or re.search(r"\d\s*[~～—\-至到:：]", f.text) or f.unit == "分之":
        return None
    return float(m.group(1).replace(",", "")) * _SCALE.get(f.magnitude, 1)


def unit_ok(figure: Figure, asked_unit: str, asked_family: str) -> bool:
    """Whether ``figure`` is in the unit (or unit family) a question asks for.

    A named unit accepts the same base unit at any magnitude (8000万元 for 多少亿元) and people
    counted by 人/名/位; a measure's family accepts any unit of it; no wish accepts anything.
    """
    if asked_unit:
        if figure.unit == asked_unit:
            return True
        fam = unit_families()
        return fam.get(asked_unit) in INTERCHANGEABLE and fam.get(asked_unit) == fam.get(figure.unit)
    if asked_family == "count":
        return not any(_in_family(figure, f) for f in MEASURED)
    if asked_family == "ratio":
        return figure.unit in ("", "倍")
    if asked_family:
        return _in_family(figure, asked_family)
    return True


def _in_family(figure: Figure, family: str) -> bool:
    """Whether ``figure``'s unit is of ``family`` (money also holds money-usd)."""
    return figure.family == family or figure.family.startswith(family + "-")


_MAGNITUDES = {"": 1, "百": 1e2, "千": 1e3, "万": 1e4, "百万": 1e6, "千万": 1e7, "亿": 1e8, "万亿": 1e12}
MAGNITUDE_GAP = 100  # 10万元 is no answer to 多少亿元 (1000 times smaller); 8000万元 is


def magnitude_ok(figure: Figure, asked_magnitude: str) -> bool:
    """Whether ``figure`` is within :data:`MAGNITUDE_GAP` of the magnitude a question names (多少亿元)."""
    if not asked_magnitude:
        return True
    m = re.match(_DIGITS, figure.text)
    if not m:
        return True  # 三千万元: a Chinese numeral is not judged
    value = float(m.group(0).replace(",", "")) * _MAGNITUDES.get(figure.magnitude, 1)
    return value * MAGNITUDE_GAP >= _MAGNITUDES.get(asked_magnitude, 1)


def split_unit(text: str) -> tuple[str, str]:
    """(magnitude, base unit) of a unit as a question names it: 亿元 → (亿, 元); 头 → ("", 头)."""
    m = re.fullmatch(rf"({_MAG})?(.*)", text)
    assert m is not None
    return m.group(1) or "", m.group(2)
