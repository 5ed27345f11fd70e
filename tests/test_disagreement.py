"""Two passages that each look like the answer and give different figures: the product does not pick one."""

import pytest

from reportqa.pipeline import Pipeline

from conftest import small_corpus
from fakes import HashEmbedder

COUNTY = "据介绍,石桥镇今年在茶园上方建成高位蓄水池3座,解决了茶园灌溉难题。"
TOWN = "据介绍,石桥镇今年在茶园上方建成高位蓄水池5座,解决了茶园灌溉难题。"
QUESTION = "石桥镇今年在茶园上方建成了多少座高位蓄水池?"


def _pipe(root, texts: dict[str, str]) -> Pipeline:
    p = Pipeline(root / "index", small_corpus(root, (), texts), embedder=HashEmbedder())
    p.build()
    return p


def test_two_reports_that_disagree_make_a_refusal_citing_the_closer_one(tmp_path):
    pipe = _pipe(tmp_path, {"county.txt": f"云岭县水利建设(一)\n\n{COUNTY}\n", "town.txt": f"云岭县水利建设(二)\n\n{TOWN}\n"})
    ans = pipe.ask(QUESTION)
    assert not ans.found
    assert ans.near_miss is not None and "不止一处" in ans.near_miss.text
    quote = ans.near_miss.citation.quote
    assert quote in (COUNTY, TOWN) and ("3座" if quote == COUNTY else "5座") in ans.near_miss.text


@pytest.mark.parametrize("second", [
    TOWN.replace("5座", "3座"),  # two reports that agree
    "云岭县今年还新修机耕路12公里。",  # a report on something else
])
def test_reports_that_agree_or_say_nothing_else_give_the_answer(tmp_path, second):
    pipe = _pipe(tmp_path, {"county.txt": f"云岭县水利建设(一)\n\n{COUNTY}\n", "town.txt": f"云岭县水利建设(二)\n\n{second}\n"})
    ans = pipe.ask(QUESTION)
    assert ans.found and ans.text.startswith("3座")
