"""Stage constraints: a question about 第二期 or 首批 takes that phase's figure."""

from __future__ import annotations

import re

from ..spans import clause_bounds
from ..stages import Stage, stages_in
from .base import Binding, Context


def _stage_of(kind: str, s: str, start: int, ctx: Context) -> tuple[Stage | None, str]:
    """The stage (of ``kind``: 期, 批…) a candidate at ``start`` belongs to, and where it was found:
    the last named before it in its sentence, else the first after it in its clause, else the last in
    the text before the sentence, else the title's or the opening's."""
    stated = [x for x in stages_in(s) if x.kind == kind]
    before = [x for x in stated if x.end <= start]
    if before:
        return before[-1], "句内"
    _, z = clause_bounds(s, start, start)
    after = [x for x in stated if start <= x.start < z]
    if after:
        return after[0], "句内"
    for text, where, pick in ((ctx.lead, "上文", -1), (ctx.title, "标题", 0), (ctx.opening, "开头", 0)):
        found = [x for x in stages_in(text) if x.kind == kind]
        if found:
            return found[pick], where
    return None, ""


def bind_stages(question: str, s: str, start: int, ctx: Context, b: Binding, figure: bool) -> None:
    """A question about 第二期 takes the second phase's figure, not 初期's, nor a ``figure`` the text
    places in no phase (a name or list it places in none may still be the answer: 首批入选的是哪些).
    A question naming two stages of a kind (第一批和第二批…交接) asks about both: each must be named
    around the candidate."""
    asked = stages_in(question)
    if not asked:
        return
    around = stages_in("\n".join((s, ctx.lead, ctx.title, ctx.opening)))
    for a in asked:
        if sum(x.kind == a.kind for x in asked) > 1:
            kind = [x for x in around if x.kind == a.kind]
            found, where = next((x for x in kind if x.n == a.n), kind[0] if kind else None), "句内"
        else:
            found, where = _stage_of(a.kind, s, start, ctx)
        if found is not None and found.n == a.n:
            b.matched.append(("阶段", a.text, where))
        elif found is not None or (figure and not re.search(f"[这本该此当]{a.kind}", s)):
            # another stage's, or a figure of no stage (这期 / 本批 may be the one asked: not ruled out)
            b.failed.append(("阶段", a.text, found.text if found is not None else "未写明阶段"))
