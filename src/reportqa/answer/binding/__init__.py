"""Answer binding: is a candidate span the one the question asks for, or another place's, year's,
thing's or measure's figure sitting in the same passage?

A constraint holds in the candidate's clause, or in what that clause inherits: the sentence before
it, the passage lead, the report's title and opening, and (for times) the report's date.
"""

from __future__ import annotations

from ..constraints import Constraints
from ..units import Figure
from .base import Binding, Context
from .figure import bind_figure, bind_measured
from .place import bind_places
from .stage import bind_stages
from .thing import bind_listed_thing, bind_part, bind_referent, bind_things, bind_whole
from .time import bind_time


__all__ = ["Binding", "Context", "bind"]


def bind(c: Constraints, question: str, s: str, start: int, end: int, ctx: Context,
         figure: Figure | None = None) -> Binding:
    """Check the candidate ``s[start:end]`` of sentence ``s`` against the question's constraints."""
    b = Binding()
    bind_time(question, s, start, ctx, b)
    bind_places(c.places, question, s, start, ctx, b, figure is not None)
    bind_stages(question, s, start, ctx, b, figure is not None)
    if figure is not None:
        bind_figure(c, question, s, figure, b)
        bind_measured(c.measure, question, s, figure, b)
        bind_referent(question, s, figure, ctx, b)
        bind_whole(question, s, figure, b)
        bind_part(list(dict.fromkeys(c.bodies + c.things + c.asked)), question, s, figure, b)
        bind_listed_thing(question, s, figure, b)
    bind_things(list(dict.fromkeys(c.things + c.asked)), question, s, start, end, b)
    return b
