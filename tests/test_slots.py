"""Slot answers (哪个单位, 哪个县, 队长是谁, 叫什么) on sentences whose places and names the seeds do not contain."""

from reportqa.answer.constraints import read_constraints
from reportqa.answer.question import analyse
from reportqa.answer.spans import date_spans, number_spans, place_slot, role_name, slot_span
from reportqa.textnorm import normalize


def slot(question: str, sentence: str) -> str | None:
    span = slot_span(analyse(question), normalize(sentence))
    return span.text if span else None


def test_the_kind_a_which_question_names_is_not_its_anchor():
    sentence = "自2022年起,由省林业局牵头,多家银行和高校等单位组成的工作队进驻龙门镇。"
    assert slot("进驻龙门镇的工作队由哪个单位牵头?", sentence) == "省林业局"


def test_a_quoted_name_is_chosen_by_the_words_around_it():
    sentence = "各地涌现出清远“共富农场”、河源“飞地产业园”、潮州“产业村长”等一批做法。"
    assert slot("在这些做法中,河源的做法叫什么?", sentence) == "飞地产业园"
    assert slot("他在村里开的民宿叫什么名字?", "2021年他在村里办起了“竹里人家”民宿。") == "竹里人家"


def test_a_which_place_question_takes_the_place_of_that_kind_it_does_not_name():
    q = analyse("安溪县尚卿乡灶美村位于哪个乡?")
    assert place_slot(q, normalize("安溪县尚卿乡灶美村是当地茶产业重点村。")) is None  # 尚卿乡 is asked
    q = analyse("灶美村位于安溪县哪个乡?")
    assert place_slot(q, normalize("安溪县尚卿乡灶美村是当地茶产业重点村。")).text == "尚卿乡"


def test_a_plural_place_question_takes_the_whole_run_of_places():
    q = analyse("除上述各县外,还有哪些县(市)按每县3000万元安排?")
    s = normalize("甘孜州各县按每县4000万元,屏山县、沐川县、峨边彝族自治县、华蓥市按每县3000万元。")
    assert place_slot(q, s).text == "屏山县、沐川县、峨边彝族自治县、华蓥市"


def test_a_who_question_takes_the_name_right_after_the_role_it_names():
    q = analyse("驻龙门镇帮扶工作队队长是谁?")
    assert role_name(q, normalize("【驻龙门镇帮扶工作队队长 柯振邦:我们到村里的第一件事是修路。")).text == "柯振邦"
    assert role_name(q, normalize("工作队队长表示,今年将继续推进。")) is None


def test_a_stretch_of_clauses_between_the_anchors_is_no_slot_answer():
    sentence = "近年来,黎川县德胜镇成为全县首个工业产值超十亿元的乡镇,宏村镇成为全县首个旅游强镇,德胜镇入选省级特色小镇。"
    assert slot("2023年黎川县哪个镇入选省级特色小镇?", sentence) is None
    assert slot("黎川县哪个镇入选省级特色小镇?", "黎川县德胜镇入选省级特色小镇。") == "德胜镇"


def test_an_ordinal_question_is_answered_with_its_第():
    q = analyse("他是全省第几批选派干部?")
    assert [sp.text for sp in number_spans(q, "2015年,他作为省第六批选派干部任村第一书记。")] == ["第六批"]


def test_a_which_answer_keeps_the_kind_it_is_and_drops_a_pointing_word():
    assert slot("在石门村驻村开展茶旅融合项目的是哪家银行?",
                "近年来,兴业银行驻村工作队在石门村开展茶旅融合项目。") == "兴业银行"
    assert slot("两地是在永宁区的哪个工业园区合作共建的?",
                "双方与永宁区在该区滨江镇工业园区合作共建项目。") == "滨江镇工业园区"


def test_a_rank_or_a_count_of_years_in_chinese_numerals_answers_when_asked_for():
    def spans(question: str, sentence: str) -> list[str]:
        return [sp.text for sp in number_spans(analyse(question), sentence)]

    assert spans("榕江县在全省考核中排第几名?", "榕江县考核排名第三,获奖励500万元。") == ["500万元", "第三"]
    assert read_constraints(analyse("榕江县在全省考核中排第几名?")).unit == ""  # a rank, not 名 of people
    assert spans("榕江县连续几年获评先进县?", "榕江县连续五年获评先进县。") == ["五年"]
    assert spans("榕江县获评先进县多少次?", "榕江县连续五年获评先进县。") == []


def test_a_figure_stated_as_a_bound_keeps_its_bound_in_the_answer():
    spans = [sp.text for sp in number_spans(analyse("云岭县茶叶产值是多少?"), "云岭县茶叶产值突破8亿元,带动不足300户。")]
    assert spans == ["突破8亿元", "不足300户"]


def test_a_list_question_takes_every_quoted_item_written_in_a_row():
    sentence = "勐海县素有“普洱茶第一县”“中国茶叶之乡”“傣族文化之乡”等美誉,茶山连绵。"
    assert slot("勐海县被誉为哪几个称号?", sentence) == "“普洱茶第一县”“中国茶叶之乡”“傣族文化之乡”"
    assert slot("勐海县合作社种了哪些品种?", "合作社种植了‘紫娟’‘云抗10号’‘大叶种’等品种。") == "‘紫娟’‘云抗10号’‘大叶种’"


def test_a_date_range_is_kept_whole():
    q = analyse("岱山县渔民每年什么时候出海捕带鱼?")
    spans = [x.text for x in date_spans(q, normalize("每年9月至次年1月是岱山县带鱼的捕捞季,2030年3月起休渔。"))]
    assert spans == ["9月至次年1月", "2030年3月"]
    assert [x.text for x in date_spans(q, normalize("工作队2031年6月至2034年6月驻镇三年。"))] == ["2031年6月至2034年6月"]


def test_a_what_question_ending_on_its_kind_takes_what_the_evidence_states_for_that_kind():
    sentence = "石门村是有名的茶乡,主栽品种为高山乌龙“金萱”,年产干茶80吨。"
    assert slot("石门村种的茶是什么品种?", sentence) == "金萱"
    assert slot("石门村的主导产业是什么?", "石门村的主导产业是高山茶种植和民宿,年接待游客3万人次。") == "高山茶种植和民宿"
