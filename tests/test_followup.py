"""Follow-up questions resolved against the previous (resolved) question, without an LLM."""

import pytest

from reportqa.answer.followup import resolve_followup, topic

ZHUHAI = "珠海在驻镇帮扶工作队中选定多少人兼任驻村第一书记?"
MONEY = "珠三角帮扶市共拨付了多少帮扶资金?"
TARGET = "佛山驻肇庆帮扶指挥部提出了什么工作目标?"


@pytest.mark.parametrize("followup", ["那肇庆呢?", "肇庆呢", "那么肇庆的呢？", "请问那肇庆呢", "那，肇庆呢？", "那肇庆怎么样?"])
def test_elliptical_place_replaces_the_place(followup):
    assert resolve_followup(followup, [ZHUHAI]) == "肇庆在驻镇帮扶工作队中选定多少人兼任驻村第一书记?"


def test_elliptical_place_keeps_administrative_suffix_and_replaces_first_place():
    assert resolve_followup("那肇庆呢?", ["珠海市选派了多少名队员?"]) == "肇庆市选派了多少名队员?"
    assert resolve_followup("那清远呢?", [TARGET]) == "清远驻肇庆帮扶指挥部提出了什么工作目标?"


def test_elliptical_place_already_in_previous_question_keeps_it():
    assert resolve_followup("那肇庆呢?", [TARGET]) == TARGET


def test_elliptical_year_replaces_or_is_prepended():
    assert resolve_followup("那2022年呢", ["2021年省级下达了多少驻镇帮镇扶村资金?"]) == \
        "2022年省级下达了多少驻镇帮镇扶村资金?"
    assert resolve_followup("那2022呢", ["2021年省级下达了多少资金?"]) == "2022年省级下达了多少资金?"
    assert resolve_followup("那2022年呢", [ZHUHAI]) == "2022年" + ZHUHAI


def test_elliptical_organisation_replaces_organisation():
    assert resolve_followup("那省水利厅呢", ["省财政厅安排了多少资金?"]) == "省水利厅安排了多少资金?"


def test_elliptical_other_phrase_replaces_what_was_measured():
    assert resolve_followup("那就业帮扶呢?", [ZHUHAI]) == "珠海在就业帮扶中选定多少人兼任驻村第一书记?"
    assert resolve_followup("那自筹资金呢?", ["丽水市松阳县共统筹了多少专项资金?"]) == "丽水市松阳县共统筹了多少自筹资金?"
    assert resolve_followup("林下经济呢?", ["2023年景宁县茶叶全产业链产值是多少?"]) == "2023年景宁县林下经济产值是多少?"


def test_a_followup_without_place_or_time_borrows_them():
    prev = "2023年丽水市松阳县茶叶全产业链产值是多少?"
    assert resolve_followup("比上年增长了多少?", [prev]) == "2023年丽水市松阳县茶叶全产业链产值比上年增长了多少?"
    assert resolve_followup("那行政村有多少个?", ["丽水市松阳县下辖几个乡镇?"]) == "丽水市松阳县行政村有多少个?"
    assert resolve_followup("谁是这个村的第一书记?", ["景宁县大均乡伏叶村的茶园有多大?"]) == "谁是伏叶村的第一书记?"


def test_followups_know_places_outside_guangdong():
    assert resolve_followup("那景宁呢?", ["2023年丽水市松阳县茶叶产值是多少?"]).startswith("2023年丽水市景宁")


def test_elliptical_place_replaces_the_place_nearest_its_level():
    # a county replaces the prefecture (written short, 黔东南州), not the province named first
    prev = "福建省对贵州的帮扶资金中,黔东南州的重点县每县安排多少?"
    assert resolve_followup("那榕江县呢?", [prev]) == "福建省对贵州的帮扶资金中,榕江县的重点县每县安排多少?"


@pytest.mark.parametrize("followup, expected", [
    ("这些钱用在哪里?", "珠三角帮扶市拨付的帮扶资金用在哪里?"),
    ("这笔钱怎么用?", "珠三角帮扶市拨付的帮扶资金怎么用?"),
    ("它们用在哪里?", "珠三角帮扶市拨付的帮扶资金用在哪里?"),
    ("其中2022年拨付了多少?", "珠三角帮扶市拨付的帮扶资金中2022年拨付了多少?"),
    ("其主要用途是什么?", "珠三角帮扶市拨付的帮扶资金的主要用途是什么?"),
    ("该项目有哪些?", "珠三角帮扶市拨付的帮扶资金的项目有哪些?"),
])
def test_demonstrative_is_replaced_by_previous_topic(followup, expected):
    assert resolve_followup(followup, [MONEY]) == expected


def test_demonstrative_noun_already_in_topic_is_absorbed():
    assert resolve_followup("这个目标有几项措施?", [TARGET]) == "佛山驻肇庆帮扶指挥部提出的工作目标有几项措施?"
    assert resolve_followup("这些人是谁?", [ZHUHAI]) == "珠海在驻镇帮扶工作队中选定的兼任驻村第一书记是谁?"


def test_place_demonstrative_becomes_previous_place():
    assert resolve_followup("当地的产业项目有哪些?", [ZHUHAI]) == "珠海的产业项目有哪些?"


def test_topic_of_previous_question():
    assert topic(MONEY) == "珠三角帮扶市拨付的帮扶资金"
    assert topic(TARGET) == "佛山驻肇庆帮扶指挥部提出的工作目标"
    assert topic("广州帮扶清远架设了多少盏路灯?") == "广州帮扶清远架设的路灯"
    assert topic("驻镇帮镇扶村的工作目标是什么?") == "驻镇帮镇扶村的工作目标"
    assert topic("什么是驻镇帮镇扶村?") == "驻镇帮镇扶村"


@pytest.mark.parametrize("question", [
    "广州帮扶清远架设了多少盏路灯?",
    "那么广州帮扶清远架设了多少盏路灯?",  # 那么 as a conjunction, not a follow-up
    "广东省级下达资金174亿元，其中2022年多少?",  # 其中 refers inside the question
    "应该投入多少资金?",  # 该 inside 应该
    "该如何申请帮扶资金?",  # 该 as "should"
    "其他地市选派了多少人?",
    "佛山帮扶肇庆的产业项目进展如何?",  # ends like 「那肇庆如何」 but is a whole question
    "佛山帮扶肇庆引入的社会企业资金呢",  # a long phrase, not an elliptical entity
])
def test_self_contained_question_is_unchanged(question):
    assert resolve_followup(question, [MONEY]) == question


def test_empty_history_leaves_question_unchanged():
    assert resolve_followup("那肇庆呢?", []) == "那肇庆呢?"
    assert resolve_followup("这些钱用在哪里?", []) == "这些钱用在哪里?"
    assert resolve_followup("那肇庆呢?", ["  "]) == "那肇庆呢?"


def test_multi_turn_chain_resolves_against_previous_resolved_question():
    history = [ZHUHAI, "那肇庆呢?"]
    assert resolve_followup("那2022年呢?", history) == "2022年肇庆在驻镇帮扶工作队中选定多少人兼任驻村第一书记?"
    history = [ZHUHAI, "那肇庆呢?", "那2022年呢?"]
    assert resolve_followup("那2023年呢?", history) == "2023年肇庆在驻镇帮扶工作队中选定多少人兼任驻村第一书记?"
    chain = ["省财政厅安排了多少资金?", "那省水利厅呢", "这些钱用在哪里?"]
    assert resolve_followup("其中2022年有多少?", chain) == "省水利厅安排的资金中2022年有多少?"


def test_chain_with_self_contained_question_in_between_restarts_context():
    history = [ZHUHAI, "那肇庆呢?", MONEY]
    assert resolve_followup("这些钱用在哪里?", history) == "珠三角帮扶市拨付的帮扶资金用在哪里?"


def test_traditional_input_keeps_users_words():
    trad = "珠海在駐鎮幫扶工作隊中選定多少人兼任駐村第一書記？"
    assert resolve_followup("那肇慶呢？", [trad]) == "肇慶在駐鎮幫扶工作隊中選定多少人兼任駐村第一書記？"
    assert resolve_followup("這些錢用在哪裡？", [MONEY]) == "珠三角帮扶市拨付的帮扶资金用在哪裡？"
    assert resolve_followup("那肇慶呢？", [ZHUHAI]) == "肇慶在驻镇帮扶工作队中选定多少人兼任驻村第一书记?"
    assert resolve_followup("這筆錢怎麼用？", ["珠三角幫扶市共撥付了多少幫扶資金？"]) == "珠三角幫扶市撥付的幫扶資金怎麼用？"


def test_this_village_is_the_village_named_after_a_broader_place():
    prev = "云南临沧市云县幸福镇邦信村的咖啡基地面积有多大?"
    assert resolve_followup("谁是这个村的驻村第一书记?", [prev]) == "谁是邦信村的驻村第一书记?"


def test_a_new_thing_with_the_same_head_replaces_the_whole_asked_phrase():
    prev = "这一年来湖南全省完成油茶低改提升多少万亩?"
    assert resolve_followup("竹林抚育提升呢?", [prev]) == "这一年来湖南全省完成竹林抚育提升多少万亩?"


def test_a_follow_up_with_its_own_verb_keeps_the_thing_the_previous_question_measured():
    prev = "2022年攀枝花市芒果种植面积多大?"
    assert resolve_followup("预计能产多少?", [prev]) == "2022年攀枝花市芒果预计能产多少?"
