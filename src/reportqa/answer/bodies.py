"""Bodies named by their kind (大埔通美实业有限公司, 山里红合作社) and the 该企业 / 该公司 that refer back to them."""

from __future__ import annotations

import re

_KIND = r"(?:股份有限公司|有限公司|有限责任公司|公司|企业|集团|合作社)"
_NAME = re.compile(r"[\u4e00-\u9fff“”]{2,14}?" + _KIND)
_ANAPHOR = re.compile(r"该(?:企业|公司|集团|合作社)")
_SUFFIX = re.compile(_KIND + "$")


def body_names(text: str) -> list[str]:
    """The bodies ``text`` names by their kind, in order (a name starts at most 14 characters back)."""
    return [m.group(0) for m in _NAME.finditer(text)]


def referent(lead: str, text: str) -> str:
    """The body the last 该企业 / 该公司 of ``text`` refers to: the last one named before it (in ``text``
    or in ``lead``, the text before it); '' if ``text`` has no such word or nothing is named."""
    found = list(_ANAPHOR.finditer(text))
    if not found:
        return ""
    names = body_names(lead + "\n" + text[:found[-1].start()])
    return names[-1] if names else ""


def same_body(a: str, b: str, ignore: str = "") -> bool:
    """Whether two names may be one body: one holds the other, or they share two characters in a row
    outside their kind word and outside ``ignore`` (the places both may start with)."""
    a, b = _SUFFIX.sub("", a), _SUFFIX.sub("", b)
    if a in b or b in a:
        return True
    pairs = {a[i:i + 2] for i in range(len(a) - 1)} - {ignore[i:i + 2] for i in range(len(ignore) - 1)}
    return any(p in b for p in pairs)
