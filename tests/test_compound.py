"""Questions that ask for several items at once: split into complete questions, each answered."""

import pytest

from reportqa.answer.compound import split_coordinated
from reportqa.pipeline import Pipeline

from conftest import small_corpus
from fakes import HashEmbedder


@pytest.mark.parametrize("question, parts", [
    ("云岭县石桥镇的茶园面积和松溪县白沙镇的果园面积分别是多少?",
     ["云岭县石桥镇的茶园面积是多少", "松溪县白沙镇的果园面积是多少"]),
    ("石桥镇和白沙镇,各新建了多少座蓄水池?", ["石桥镇新建了多少座蓄水池", "白沙镇新建了多少座蓄水池"]),
    # a time leading the first item is the second's too, unless it names its own
    ("2031年石桥镇的茶叶产值和白沙镇的水果产值各是多少?",
     ["2031年石桥镇的茶叶产值是多少", "2031年白沙镇的水果产值是多少"]),
    ("截至2030年石桥镇的产值和2031年白沙镇的产值,分别是多少万元?",
     ["截至2030年石桥镇的产值是多少万元", "2031年白沙镇的产值是多少万元"]),
    # bare items take what follows the last item's own place or time
    ("石桥镇和白沙镇的蓄水池容量分别是多少?", ["石桥镇的蓄水池容量是多少", "白沙镇的蓄水池容量是多少"]),
    ("2030年和2031年,石桥镇茶叶产值分别增长了多少?",
     ["2030年石桥镇茶叶产值增长了多少", "2031年石桥镇茶叶产值增长了多少"]),
    # several question words
    ("云岭县要创建多少个示范镇、多少个示范村?", ["云岭县要创建多少个示范镇", "云岭县要创建多少个示范村"]),
])
def test_coordinated_items_become_complete_questions(question, parts):
    assert split_coordinated(question) == parts


@pytest.mark.parametrize("question", [
    "石桥镇向各村委会捐了多少张球桌?",  # 各村: every village, not a coordinated list
    "石桥镇和白沙镇之间的公路有多长?",  # no 分别/各: one thing of two places
    "入选的4个村分别是哪几个?",  # 分别 with nothing coordinated before it
    "“茶旅融合和品牌建设”分别投入了多少?",  # 和 inside quotes names one thing
])
def test_questions_without_coordinated_items_stay_whole(question):
    assert split_coordinated(question) == [question]


TWO_TOWNS = """云岭县两镇建设高位蓄水池

石桥镇今年在茶园上方建成高位蓄水池3座,总容量1200立方米,解决了茶园灌溉难题。
白沙镇今年在果园旁建成高位蓄水池5座,总容量2600立方米。
"""


@pytest.fixture(scope="module")
def pipe(tmp_path_factory):
    root = tmp_path_factory.mktemp("compound")
    p = Pipeline(root / "index", small_corpus(root, (), {"pools.txt": TWO_TOWNS}), embedder=HashEmbedder())
    p.build()
    return p


def test_each_coordinated_item_is_answered_with_its_own_figure(pipe):
    ans = pipe.ask("石桥镇和白沙镇,各建成了多少座高位蓄水池?")
    line = ans.text.split("\n")[0]
    assert ans.found and "3座" in line and "5座" in line
    assert line.index("3座") < line.index("5座")  # in the order asked


def test_an_item_the_reports_do_not_give_makes_a_refusal_that_says_what_they_give(pipe):
    ans = pipe.ask("石桥镇和青山镇,各建成了多少座高位蓄水池?")
    assert not ans.found and "青山镇" in ans.text
    assert ans.near_miss is not None and "3座" in ans.near_miss.text
    assert ans.near_miss.citation.quote.startswith("石桥镇今年")


def test_when_no_item_is_answered_an_items_near_miss_is_kept(pipe):
    ans = pipe.ask("石桥镇和白沙镇,各建成了多少吨高位蓄水池?")
    assert not ans.found and "石桥镇" in ans.text and "白沙镇" in ans.text
    assert ans.near_miss is not None and "3座" in ans.near_miss.text


def test_two_questions_one_of_which_is_not_answered_make_a_refusal_that_gives_the_other(pipe):
    ans = pipe.ask("石桥镇今年建成了多少座高位蓄水池?白沙镇的茶园面积是多少亩?")
    assert not ans.found and "白沙镇的茶园面积" in ans.text
    assert ans.near_miss is not None and "3座" in ans.near_miss.text and "3座" in ans.near_miss.citation.quote
