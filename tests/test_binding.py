"""Answer binding on sentences of places, units and years that the seed reports do not contain."""

import pytest

from reportqa.answer.binding import Context, bind
from reportqa.answer.constraints import read_constraints
from reportqa.answer.places import places_in
from reportqa.answer.question import analyse
from reportqa.answer.times import fits, times_in
from reportqa.answer.units import figures_in, unit_ok
from reportqa.textnorm import normalize

NO_CONTEXT = Context(lead="", title="", opening="", date="")


def admissible(question: str, sentence: str, ctx: Context = NO_CONTEXT) -> list[str]:
    """The figures of ``sentence`` that bind to every constraint of ``question``."""
    q = analyse(question)
    c = read_constraints(q)
    s = normalize(sentence)
    return [f.text for f in figures_in(s) if bind(c, q.text, s, f.start, f.end, ctx, f).ok]


def test_units_are_open():
    found = {f.text: (f.magnitude, f.unit) for f in figures_in("存栏肉牛120头，渔船35艘，光伏装机2000千瓦，水库库容3.6万立方米")}
    assert found == {"120头": ("", "头"), "35艘": ("", "艘"), "2000千瓦": ("", "千瓦"), "3.6万立方米": ("万", "立方米")}


def test_figures_keep_long_decimals_and_leave_years_and_spans_alone():
    assert [f.text for f in figures_in("2019—2021年两年已配套30.1342亿元,比值为2.41:1")] == ["30.1342亿元", "2.41:1"]


def test_a_named_unit_accepts_the_same_currency_at_another_magnitude():
    f = figures_in("投入8000万元")[0]
    assert unit_ok(f, "元", "") and not unit_ok(f, "头", "")
    assert admissible("丽水市松阳县去年投入了多少亿元?", "松阳县去年投入8000万元,带动就业1200人。") == ["8000万元"]


@pytest.mark.parametrize("question, expected", [
    ("宁波市北仑区投入了多少帮扶资金?", ["3.2亿元"]),
    ("杭州市萧山区投入了多少帮扶资金?", ["5.1亿元"]),
])
def test_a_figure_belongs_to_the_place_that_owns_its_clause(question, expected):
    sentence = "宁波市北仑区投入帮扶资金3.2亿元,杭州市萧山区投入帮扶资金5.1亿元。"
    assert admissible(question, sentence) == expected


def test_a_figure_belongs_to_the_year_of_its_clause():
    sentence = "2018年全县茶叶产值1.1亿元,2023年全县茶叶产值达到2.6亿元。"
    assert admissible("2018年全县茶叶产值是多少?", sentence) == ["1.1亿元"]
    assert admissible("2023年全县茶叶产值是多少?", sentence) == ["2.6亿元"]
    assert admissible("2020年全县茶叶产值是多少?", sentence) == []


def test_relative_years_resolve_against_the_report_date():
    ctx = Context(lead="", title="", opening="", date="2024-03-10")
    sentence = "去年全镇油茶产值4500万元,今年计划突破6000万元。"
    assert admissible("2023年全镇油茶产值是多少?", sentence, ctx) == ["4500万元"]
    assert admissible("2024年全镇油茶产值计划是多少?", sentence, ctx) == ["6000万元"]


def test_a_span_of_years_asks_for_the_total_not_one_year():
    sentence = "2021年投入资金800万元,2021—2023年累计投入资金3000万元。"
    assert admissible("2021—2023年共投入了多少资金?", sentence) == ["3000万元"]
    assert admissible("2021年投入了多少资金?", sentence) == ["800万元"]


def test_a_half_year_figure_does_not_answer_a_whole_year():
    assert not fits(times_in("2023年")[0], times_in("2023年上半年")[0])
    assert fits(times_in("2023年")[0], times_in("截至2023年6月底")[0])


def test_the_thing_measured_binds_its_figure():
    sentence = "全村红薯种植面积3000亩、百香果种植面积2000亩。"
    assert admissible("全村红薯种植面积有多少?", sentence) == ["3000亩"]
    assert admissible("全村百香果种植面积有多少?", sentence) == ["2000亩"]


def test_a_change_gives_the_new_value_the_old_value_or_the_increase():
    sentence = "森林覆盖率由61.5%提升至63.2%,林业产值同比增长12%。"
    assert admissible("森林覆盖率提升到了多少?", sentence) == ["63.2%"]
    assert admissible("森林覆盖率原来是多少?", sentence) == ["61.5%"]
    assert admissible("林业产值同比增长了多少?", sentence) == ["12%"]


def test_the_measure_word_decides_the_unit_family_locally():
    sentence = "农民人均可支配收入达到2.1万元,城乡居民收入比缩小到1.86:1。"
    assert admissible("城乡居民收入比缩小到多少?", sentence) == ["1.86:1"]
    assert admissible("农民人均可支配收入是多少?", sentence) == ["2.1万元"]


def test_what_a_crop_will_produce_is_a_weight_not_its_area():
    sentence = "今年松溪县种植脐橙12.6万亩,预计产量约18.4万吨,已销售约2万吨。"
    assert admissible("今年松溪县脐橙预计能产多少?", sentence) == ["18.4万吨", "2万吨"]
    assert admissible("全县集体资产有多少?", "全县集体资产达3.2亿元,耕地9.1万亩。") == ["3.2亿元"]


def test_a_figure_of_one_listed_item_after_qizhong_is_not_another_item_s():
    sentence = "松溪县茶叶加工园和白沙果业示范园均获评优秀等次,其中茶叶加工园获省1.2亿元资本金支持。"
    assert admissible("白沙果业示范园获得省里多少资本金支持?", sentence) == []
    assert admissible("松溪县茶叶加工园获得省里多少资本金支持?", sentence) == ["1.2亿元"]
    # a part the question asks for by another word is still that part
    assert admissible("扶贫车间吸纳的就业人员中脱贫群众有多少人?",
                      "建成扶贫车间12个,吸纳就业2100多人,其中脱贫人口近900人。") == ["900人"]


def test_a_sum_spread_over_listed_uses_is_not_one_use_s_figure():
    sentence = "2031年,松溪县将800万元帮扶资金主要用于教育、养老、交通和产业项目。"
    assert admissible("2031年松溪县用于养老帮扶的资金是多少万元?", sentence) == []
    assert admissible("2031年松溪县养老和教育等帮扶资金共多少万元?", sentence) == ["800万元"]
    assert admissible("用于养老的资金是多少万元?", "其中用于养老的资金210万元,建成幸福院3所。") == ["210万元"]
    # items with their own figures: each figure is its item's
    assert "42个" in admissible("全县有多少个茶叶专业村?", "全县有42个茶叶专业村、17个水果专业村、9个渔业专业村。")
    assert admissible("养老资金占全县帮扶资金的比例是多少?", "教育、养老等3项资金分别占全县帮扶资金的40%、25%和10%。") \
        == ["40%", "25%", "10%"]


def test_places_come_from_the_gazetteer_and_town_suffixes():
    assert [p.text for p in places_in("景宁畲族自治县大均乡和东坑镇")] == ["景宁畲族自治县", "大均乡", "东坑镇"]
    assert [p.key for p in places_in("那景宁呢", short_forms=True)] == ["景宁畲族自治县"]
    assert places_in("推进乡村振兴,驻村工作队走访全镇各村") == ()
    # each town is cut from the text after the place before it: 英德市 | 石灰铺镇 | 南坑村
    assert [p.text for p in places_in("清远市英德市石灰铺镇南坑村")] == ["清远市", "英德市", "石灰铺镇", "南坑村"]


def test_a_sum_of_money_must_be_named_as_the_measure_asked():
    sentence = "去年全县农村居民人均可支配收入2.3万元,人均消费支出1.7万元。"
    assert admissible("全县农村居民人均可支配收入是多少?", sentence) == ["2.3万元"]
    assert admissible("全县农村居民人均消费支出是多少?", sentence) == ["1.7万元"]
    assert admissible("全县农村居民人均工资收入是多少?", "全县农村居民人均消费支出1.7万元。") == []


def test_the_base_of_a_comparison_is_not_the_figure_s_year():
    sentence = "2022年,全市城镇居民人均可支配收入6.2万元,比2018年增长27.4%。"
    assert admissible("和2018年相比,2022年全市城镇居民人均可支配收入涨了百分之多少?", sentence) == ["27.4%"]
    assert admissible("2018年全市城镇居民人均可支配收入是多少?", sentence) == []
    assert admissible("全市城乡居民收入比2019年是多少?", "城乡居民收入比从2019年的1.62缩小至2023年的1.55。") == ["1.62"]


def test_a_numbered_which_question_asks_for_a_list():
    assert analyse("当年是“五无”乡镇,具体是哪五无?").qtype == "list"
    assert analyse("江苏哪个区与绥德县结对?").qtype == "where"


def test_a_part_of_a_whole_is_named_in_the_question():
    def parts(question):
        return read_constraints(analyse(question)).parts

    assert parts("贵州省选派的驻村干部中女性有多少名?") == ["女性"]
    assert parts("派驻的工作队中有多少名队员?") == [] and parts("2022年中山市收入比是多少?") == []


def test_a_place_named_earlier_in_the_sentence_owns_its_figures():
    sentence = "在南平市,白茶产业年产值近40亿元。"
    assert admissible("宁德市白茶产业的年产值是多少?", sentence, Context("宁德市", "", "", "")) == []
    assert admissible("南平市白茶产业的年产值是多少?", sentence) == ["40亿元"]


def test_a_sibling_place_just_before_the_sentence_owns_it_but_a_village_inside_may_not():
    lead = "对口帮扶黔东南、毕节、铜仁3个市州。"
    assert admissible("对口帮扶中安顺有多少人脱贫?", "126万人——", Context(lead, "", "", "")) == []
    ctx = Context("调研组走访了水口镇的溪头村。", "水口镇乡村振兴", "", "")
    assert admissible("水口镇实施了几个项目?", "集团出资实施的6个项目全部建成。", ctx) == ["6个"]


def test_a_thing_the_question_names_after_its_question_word_binds_its_figure():
    sentence = "一年来全省建设绿道210公里、碧道388公里、生态海堤52公里。"
    assert admissible("一年来全省建设了多少公里碧道?", sentence) == ["388公里"]


def test_common_words_ending_in_a_town_suffix_are_not_places():
    assert places_in("新型农村集体经济发展") == ()
    assert [p.text for p in places_in("汕头村集体在深圳发展飞地经济", short_forms=True)] == ["汕头", "深圳"]


def test_a_county_name_inside_a_word_is_not_a_place():
    assert places_in("该市入选国家乡村振兴示范县创建名单") == ()  # 示范县, not 范县
    assert [p.text for p in places_in("河南范县和安徽和县的帮扶")] == ["范县", "和县"]


def test_an_undated_report_s_months_answer_the_asked_year_but_its_bare_year_does_not():
    assert admissible("2021年前三季度全区肉牛出栏多少头?", "前三季度,全区肉牛出栏3.4万头。") == ["3.4万头"]
    assert admissible("2021年上半年全区肉牛出栏多少头?", "前三季度,全区肉牛出栏3.4万头。") == []
    assert admissible("2021年全区肉牛出栏多少头?", "今年全区肉牛出栏3.4万头。") == []
    assert admissible("2021年前三季度全区肉牛出栏多少头?", "今年前三季度,全区肉牛出栏3.4万头。") == []  # which 今年?
    lead = Context("2020年全区肉牛出栏4.1万头。", "", "", "")
    assert admissible("2021年前三季度全区肉牛出栏多少头?", "前三季度,全区肉牛出栏3.4万头。", lead) == []


def test_a_total_over_as_many_years_answers_a_span():
    sentence = "四年间,累计培训农技人员860人次。"
    assert admissible("2020年3月至2024年3月累计培训农技人员多少人次?", sentence) == ["860人次"]
    assert admissible("2020年3月至2022年3月累计培训农技人员多少人次?", sentence) == []


def test_a_change_of_a_named_measure_is_the_rate_after_that_measure_s_figure():
    sentence = "2022年,全县有油茶面积8.2万亩,茶油产量0.6万吨,同比增长9.4%;油茶综合产值12.5亿元(人民币),同比增长21.7%。"
    assert admissible("2022年全县油茶综合产值同比增长了多少?", sentence) == ["21.7%"]


def test_the_measure_may_end_the_noun_phrase_after_the_question_word():
    sentence = "温州投入帮扶资金2.6亿元,带动农产品销售额1.4亿元。"
    assert admissible("温州带动了多少亿元农产品销售额?", sentence) == ["1.4亿元"]


def test_a_short_place_name_jieba_reads_as_a_place_owns_the_figure_after_it():
    ctx = Context("佛山在四川凉山援建了大批安全住房。", "", "", "")
    assert admissible("佛山在四川凉山援建了多少个扶贫车间?", "在云南昭通,24个东莞援建的扶贫车间投产。", ctx) == []


def test_a_figure_whose_sentence_names_the_thing_only_in_a_later_list_is_the_whole_s():
    sentence = "建宁县溪源村合作社流转山地960亩,种植红菇、竹荪菌、黄精等林下作物,带动农户130户。"
    assert admissible("溪源村合作社种的竹荪菌有多少亩?", sentence) == []
    assert admissible("溪源村合作社流转了多少亩山地?", sentence) == ["960亩"]
    each = "溪源村种植红菇、竹荪菌等作物,其中竹荪菌种植面积85亩,红菇分别种在两个片区。"
    assert admissible("溪源村竹荪菌种植面积有多少亩?", each) == ["85亩"]


def test_gong_inside_another_word_does_not_make_a_total_question():
    sentence = "黎川县“稻渔共生”示范基地用地260亩,养殖禾花鱼、泥鳅、小龙虾等为主。"
    assert admissible("黎川县“稻渔共生”示范基地里养泥鳅的有多少亩?", sentence) == []


def test_items_joined_by_he_or_ji_or_quoted_in_a_row_share_the_figure():
    assert admissible("2031年泸溪县卖掉的杨梅酒有多少斤?", "2031年泸溪县卖掉2万多斤米酒和杨梅酒。") == []
    assert admissible("2031年泸溪县卖掉的米酒和杨梅酒共有多少斤?", "2031年泸溪县卖掉2万多斤米酒和杨梅酒。") == ["2万多斤"]
    sentence = "宁德市评出的案例包括“海上牧场”“林下经济”“古村活化”三类共45个。"
    assert admissible("宁德市评出的案例中,“林下经济”类有多少个?", sentence) == []
    assert admissible("宁德市评出的“林下经济”类案例有多少个?", "宁德市评出的“林下经济”类案例有12个。") == ["12个"]


def test_a_part_of_a_whole_the_question_states_is_smaller_and_of_its_kind():
    sentence = "泸溪县投入800万元帮扶资金,撬动社会投资1.6亿元,发放慰问物资2000份。"
    assert admissible("泸溪县那800万元帮扶资金里,用在浦市镇的有多少?", sentence) == []
    assert admissible("泸溪县投入的帮扶资金有多少?", sentence) == ["800万元"]
    part = "泸溪县800万元帮扶资金中,用于浦市镇的有260万元,用于兴隆场镇的有1200万元。"
    assert admissible("泸溪县800万元帮扶资金中,用于浦市镇的有多少?", part) == ["260万元"]
    # a figure qualifying the things counted is no whole: 投资5亿元的项目中,有多少个
    assert admissible("泸溪县投资5亿元的项目中,有多少个已经投产?", "泸溪县投资5亿元的项目中,已有3个投产。") == ["3个"]


def test_a_per_household_question_is_not_answered_by_the_count_of_households():
    sentence = "辰溪县黄溪口镇油茶加工厂带动周边60多户农户,户均年增收4200元。"
    assert admissible("黄溪口镇油茶加工厂带动的农户,每户一年能增收多少?", sentence) == ["4200元"]
    assert admissible("黄溪口镇油茶加工厂带动了多少户农户?", sentence) == ["60多户"]


def test_a_figure_of_the_city_by_its_short_name_is_not_its_county_s():
    sentence = "目前,邵阳已有86个村开展生态银行试点,收储金额3.2亿元。"
    lead = Context(lead="隆回县是湖南的林业大县。", title="", opening="", date="")
    assert admissible("湖南隆回县的生态银行收储金额是多少?", sentence, lead) == []
    assert admissible("湖南邵阳市的生态银行收储金额是多少?", sentence) == ["3.2亿元"]


def test_a_province_s_figure_does_not_answer_for_the_whole_country():
    sentence = "近日,国家林草局公布首批国家级林下经济示范基地名单,贵州省共有17个基地入选。"
    assert admissible("首批国家级林下经济示范基地全国有多少个?", sentence) == []
    assert admissible("首批国家级林下经济示范基地全国有多少个?", "首批国家级林下经济示范基地全国共有300个。") == ["300个"]


def test_a_county_s_figure_does_not_answer_for_a_company_in_it():
    sentence = "目前,琼中黄果种植面积达8万亩,是海南最大的黄果基地。"
    assert admissible("琼中绿野果业有限公司种了多少亩黄果?", sentence) == []
    assert admissible("琼中县种了多少亩黄果?", sentence) == ["8万亩"]
    own = "琼中绿野果业有限公司在琼中种植黄果1200亩。"
    assert admissible("琼中绿野果业有限公司种了多少亩黄果?", own) == ["1200亩"]


def test_a_listed_place_owns_no_figure_alone():
    sentence = "对口帮扶广西、四川、贵州、云南4省(区),帮扶93个贫困县摘帽。"
    assert admissible("广东帮扶的贫困县有多少个摘帽?", sentence, Context("", "广东东西部扶贫协作", "", "")) == ["93个"]


def test_a_helper_place_of_the_question_must_be_named_in_the_report():
    ctx = Context("浙江对口支援四川凉山州。", "浙江援川", "", "")
    assert admissible("佛山在四川凉山援建了多少个帮扶车间?", "援建帮扶车间82个。", ctx) == []
    assert admissible("浙江在四川凉山援建了多少个帮扶车间?", "援建帮扶车间82个。", ctx) == ["82个"]


def test_a_place_written_right_before_the_asked_town_contains_it():
    ctx = Context("", "驻丽水莲都区老竹镇工作队", "", "")
    assert admissible("驻丽水老竹镇工作队分组联系了多少户?", "老竹镇工作队分组联系农户860户。", ctx) == ["860户"]


def test_the_figure_compared_with_a_year_is_that_year_s_figure():
    sentence = "全乡农民人均可支配收入达31860元,与2017年的14250元相比翻了一番。"
    assert admissible("2017年全乡农民人均可支配收入是多少?", sentence) == ["14250元"]


def test_a_count_since_a_duration_is_as_of_the_report_date():
    ctx = Context(lead="去年5月9日,台州首批帮扶干部抵达阿坝。", title="", opening="", date="2023-05-20")
    sentence = "一年来共组织87批次6120名阿坝务工人员赴台州就业。"
    assert admissible("截至2023年5月,共组织了多少批次阿坝务工人员赴台州就业?", sentence, ctx) == ["87批次"]
    assert admissible("截至2021年5月,共组织了多少批次阿坝务工人员赴台州就业?", sentence, ctx) == []


def test_since_a_year_until_now_is_not_that_year():
    ctx = Context(lead="", title="", opening="", date="2022-11-30")
    sentence = "湖南自2020年开展示范创建以来,累计有38个村镇入选国家级名单。"
    assert admissible("2020年湖南有多少个村镇入选国家级名单?", sentence, ctx) == []
    assert admissible("湖南累计有多少个村镇入选国家级名单?", sentence, ctx) == ["38个"]


def test_then_in_a_question_tells_a_story_s_time_not_the_report_s_year():
    ctx = Context(lead="", title="", opening="", date="2024-09-25")
    sentence = "1998年的龙潭乡有“三无”,全乡仅有公路1条。"
    assert admissible("龙潭乡当年有几条公路?", sentence, ctx) == ["1条"]


def test_a_place_that_begins_a_body_s_name_does_not_own_the_figure():
    ctx = Context(lead="叶春林是丽水市松阳县枫坪乡沿坑岭头村村民。", title="", opening="", date="")
    sentence = "在杭州钢铁集团结对帮扶下,他种了30亩高山茶,现在家庭年收入超12万元。"
    assert admissible("松阳县沿坑岭头村的叶春林家庭年收入多少元?", sentence, ctx) == ["12万元"]


def test_a_figure_ending_the_text_is_a_figure_even_when_it_looks_like_a_year():
    assert [f.text for f in figures_in("油茶种植面积2000亩")] == ["2000亩"]
    assert [f.text for f in figures_in("满意度指数为85")] == ["85"]
    assert figures_in("建于1998") == []


def test_a_thing_written_after_another_clause_s_figure_is_that_figure_s():
    sentence = "全州今年新建420万亩梯田茶园,确保茶叶采摘面积稳定在3900万亩以上。"
    assert admissible("全州今年新建多少万亩梯田茶园?", sentence) == ["420万亩"]


def test_a_figure_joined_by_and_to_an_unpriced_item_is_not_that_item_s():
    sentence = "争取省级专项资金360万元和龙头企业自筹资金,建成冷库两座。"
    assert admissible("龙头企业自筹了多少万元?", sentence) == []
    assert admissible("省级专项资金有多少万元?", sentence) == ["360万元"]


def test_a_counted_noun_takes_a_count_not_a_sum_of_money():
    sentence = "茶园观光带今年营业额约480万元,接待游客3.2万人次。"
    assert admissible("茶园观光带今年接待了多少游客?", sentence) == ["3.2万人次"]
    assert admissible("为学生申请了多少补贴?", "为41名学生申请9.6万元补贴。") == ["9.6万元"]


def test_a_named_magnitude_rules_out_figures_a_thousand_times_smaller():
    sentence = "全旗经营性收入实现翻番,每个嘎查村年经营性收入都突破12万元。"
    assert admissible("全旗经营性收入达到了多少亿元?", sentence) == []
    assert admissible("全旗经营性收入达到了多少万元?", sentence) == ["12万元"]
    assert admissible("全旗共投入多少亿元?", "全旗共投入6500万元。") == ["6500万元"]


def test_a_festival_is_a_period_of_its_own():
    ctx = Context(lead="", title="", opening="", date="2021-10-09")
    sentence = "“五一”假期,古村接待游客3.1万人次,带动旅游收入215万元。"
    assert admissible("2021年国庆假期古村接待了多少人次游客?", sentence, ctx) == []
    assert admissible("2021年五一假期古村接待了多少人次游客?", sentence, ctx) == ["3.1万人次"]
    assert admissible("2021年古村接待了多少人次游客?", sentence, ctx) == []


def test_a_phase_or_batch_binds_its_figure():
    sentence = "冷链物流园分两期建设,首期已到位资金3600万元,二期计划投入5200万元。"
    assert admissible("冷链物流园二期计划投入多少万元?", sentence) == ["5200万元"]
    assert admissible("冷链物流园第一期到位了多少万元?", sentence) == ["3600万元"]
    assert admissible("第三期帮扶资金有多少?", "先期到位帮扶资金800万元。") == []
    assert admissible("第三期帮扶资金有多少?", "这期帮扶资金共800万元。") == ["800万元"]  # unsaid: not ruled out


def test_two_stages_asked_together_are_both_named():
    sentence = "2024年3月,第四批与第五批工作队在镇政府完成交接。"
    q = analyse("第四批和第五批工作队是何时完成交接的?")
    c, s = read_constraints(q), normalize(sentence)
    assert bind(c, q.text, s, 0, 7, NO_CONTEXT).ok
    assert not bind(c, q.text, normalize("2023年5月,第三批与第四批工作队完成交接。"), 0, 7, NO_CONTEXT).ok


def test_将_a_figure_raised_to_another_is_the_old_value():
    sentence = "工作队助力合作社将800亩撂荒地复垦面积扩大至2100亩。"
    assert admissible("合作社把复垦面积扩大到了多少亩?", sentence) == ["2100亩"]
    assert admissible("合作社将多少亩撂荒地用于复垦?", "合作社将800亩撂荒地用于复垦。") == ["800亩"]


def test_a_whole_followed_by_the_part_asked_about_is_not_the_part():
    sentence = "产业园吸纳本地劳动力就业1500多人,其中脱贫人口近600人。"
    assert admissible("产业园吸纳的劳动力里,脱贫群众有多少人?", sentence) == ["600人"]
    assert admissible("产业园吸纳本地劳动力就业多少人?", sentence) == ["1500多人", "600人"]


def test_a_four_digit_count_is_not_a_year():
    assert times_in("其中脱贫人口近2000人。", "2021-07-01") == ()
    assert [t.text for t in times_in("2020塘口七夕等墟", "2021-07-01")] == ["2020"]  # a year in a name
    assert [t.text for t in times_in("2019-2021全县", "2021-07-01")] == ["2019-2021"]


def test_this_year_asked_is_not_last_year_stated_even_in_an_undated_report():
    sentence = "市城投公司去年支持48万元改造北坑小学厕所。"
    assert admissible("市城投公司今年拨付了多少万元改造北坑小学厕所?", sentence) == []
    assert admissible("市城投公司去年拨付了多少万元改造北坑小学厕所?", sentence) == ["48万元"]
    assert admissible("市城投公司拨付了多少万元改造北坑小学厕所?", sentence) == ["48万元"]


def test_a_word_the_question_sets_aside_is_not_what_it_asks_about():
    assert "粤东" not in read_constraints(analyse("粤东以外的帮扶市配套了多少资金?")).asked
    assert "茶叶" not in read_constraints(analyse("除了茶叶之外,合作社还销售了多少吨农产品?")).asked
    assert "茶叶" in read_constraints(analyse("合作社销售了多少吨茶叶?")).asked


def test_a_figure_placed_in_no_stage_does_not_answer_for_a_stage():
    # the fund's size is no phase's: 第二期 is not answered with it, a stated 第二期 figure is
    assert admissible("青川县产业基金第二期到位了多少资金?", "青川县设立规模为8亿元的产业基金,助力乡村产业发展。") == []
    assert admissible("青川县产业基金第二期到位了多少资金?",
                      "青川县产业基金首期到位3亿元,第二期到位2.5亿元。") == ["2.5亿元"]


def test_that_many_of_something_else_does_not_count_what_is_asked():
    sentence = "会上,12名乡贤代表作了交流发言,青田县共选派驻村队员86名。"
    assert admissible("青田县一共选派了多少名驻村队员?", sentence) == ["86名"]
    assert admissible("青田县有多少名志愿者参与?", "青田县38名党员干部带动志愿者参与。") == []
    assert admissible("青田县有多少名志愿者参与?", "青田县126名志愿者参与。") == ["126名"]


def test_a_rare_dictionary_word_tagged_a_name_is_a_thing_asked_about_not_a_body():
    c = read_constraints(analyse("这一年来黔南州完成森林抚育多少万亩?"))
    assert c.bodies == [] and "森林抚育" in c.asked
    assert read_constraints(analyse("张晓梅带领的工作队种了多少亩?")).bodies == ["张晓梅"]


def test_a_target_set_for_after_the_report_date_does_not_answer_what_was_done():
    ctx = Context(lead="", title="", opening="", date="2023-05-20")
    sentence = "一年来,榕江县种植茶园3200亩,到2025年将种植茶园8000亩。"
    assert admissible("一年来榕江县种植茶园多少亩?", sentence, ctx) == ["3200亩"]
    assert admissible("榕江县计划种植茶园多少亩?", sentence, ctx) == ["3200亩", "8000亩"]
    # the day of the meeting that reported it is no time of the figure: a target is still a target
    ctx = Context(lead="", title="", opening="", date="2023-11-20")
    sentence = "一年来,榕江县种植茶园3200亩,争取在明年6月前种植茶园8000亩。"
    assert admissible("12月12日召开的会议通报,一年来榕江县种植茶园多少亩?", sentence, ctx) == ["3200亩"]


def test_a_place_beginning_a_party_committee_s_name_does_not_own_the_figure():
    ctx = Context(lead="揭阳市普宁市里湖镇下村", title="", opening="", date="2022-06-01")
    assert admissible("普宁市里湖镇下村的荔枝种植面积扩大到了多少?",
                      "该村推进揭阳市委改革部署,荔枝种植面积扩大到3200亩。", ctx) == ["3200亩"]


def test_a_short_form_right_after_a_place_no_broader_than_it_is_a_word():
    # places are written broad to narrow: after a town, 新建 is the verb, not 南昌's 新建区
    assert [p.text for p in places_in("青山镇新建了多少座蓄水池", short_forms=True)] == ["青山镇"]
    assert [p.text for p in places_in("南昌新建区有多少个村", short_forms=True)] == ["南昌", "新建区"]


def test_a_threshold_passed_does_not_answer_when_the_value_follows():
    s = "2031年,云岭县农民人均可支配收入首次突破3万元大关,达到31280元,比上年增长6.1%。"
    assert admissible("2031年云岭县农民人均可支配收入是多少?", s) == ["31280元"]
    # asked about the threshold itself, the threshold answers
    assert "3万元" in admissible("云岭县农民人均可支配收入突破了多少大关?", s)
    # a threshold with no value after it is all the text gives: it may answer
    assert admissible("云岭县茶叶产值是多少?", "云岭县茶叶产值突破8亿元大关。") == ["8亿元"]


def test_a_town_right_after_its_county_may_begin_with_a_date_character():
    assert [p.text for p in places_in("松阳县月湖镇引进了多少个项目")] == ["松阳县", "月湖镇"]
    assert places_in("2031年6月镇里组织培训") == ()


def test_a_sentence_about_a_sibling_town_does_not_answer_for_the_asked_town():
    # the county named last before the figure (in 松阳县产业基地) does not hide whose sentence it is
    s = "今年以来,石桥镇紧扣部署要求,全力建设松阳县产业基地,已引进工业项目11个。"
    ctx = Context(lead="", title="", opening="松阳县有两个镇入选,分别是石桥镇、月湖镇。", date="")
    assert admissible("松阳县月湖镇引进了多少个工业项目?", s, ctx) == []
    assert admissible("松阳县石桥镇引进了多少个工业项目?", s, ctx) == ["11个"]


def test_a_total_over_listed_towns_is_not_one_towns_figure():
    ctx = Context(lead="松阳县3个镇入选,分别是石桥镇、月湖镇、白沙镇\n", title="", opening="", date="")
    s = "共计获得4500万元资金分配。"
    assert admissible("松阳县白沙镇单独获得多少资金?", s, ctx) == []
    assert admissible("松阳县入选的3个镇一共获得多少资金?", s, ctx) == ["4500万元"]  # the total asked for


def test_an_approximate_magnitude_keeps_its_about_word():
    assert [f.text for f in figures_in("4万多农户直接受益,3千余名群众就业")] == ["4万多", "3千余名"]


def test_a_measure_word_is_found_past_the_verbs_before_the_question_word():
    sentence = "勐海县茶叶种植面积达8万亩,是云南省最大的茶叶基地,今年全县茶叶产量预计可突破12万吨。"
    ctx = Context(lead="", title="勐海县茶产业见闻", opening="", date="2023-09-01")
    assert read_constraints(analyse("今年勐海县茶叶产量预计能突破多少?")).measure == "产量"
    # 全县 is the report's own county: 云南省, named earlier in the sentence, does not own the figure
    assert admissible("今年勐海县茶叶产量预计能突破多少?", sentence, ctx) == ["12万吨"]


def test_one_with_a_classifier_is_an_article_and_bounds_stay_with_the_figure():
    from reportqa.answer.spans import number_spans

    s = normalize("在勐海县的一座茶厂里,合作社每年保证村集体收益不低于12万元。")
    spans = [sp.text for sp in number_spans(analyse("勐海县村集体每年能拿到多少收益?"), s)]
    assert spans == ["不低于12万元"]


def test_a_population_in_kou_is_counted_in_people_and_a_bare_number_does_not_answer_it():
    assert admissible("勐海县曼召村有多少口人?", "曼召村共有农户120户、560口人,成立合作社3个。") == ["560口人"]
    assert admissible("勐海县曼召村有多少口人?", "曼召村成立合作社3个,流转土地500亩。") == []


def test_a_figure_of_the_years_before_does_not_answer_a_question_that_names_a_year():
    sentence = "勐海县曼召村往年种植紫米30亩,经过两年试种,今年增加到80亩。"
    assert admissible("勐海县曼召村今年把紫米扩种到了多少亩?", sentence) == ["80亩"]
    assert admissible("勐海县曼召村2023年种了多少亩紫米?", sentence, Context("", "", "", "2023-10-01")) == ["80亩"]
    assert admissible("勐海县曼召村以往种了多少亩紫米?", sentence) == ["30亩", "80亩"]  # asks the years before: no time pinned


def test_a_measure_qualified_by_another_thing_does_not_answer():
    sentence = "作为普洱茶核心产区,勐海县使咖啡种植规模逐年扩大,目前全县咖啡种植总面积达2万亩。"
    assert admissible("勐海县的坚果种植面积有多少亩?", sentence) == []
    assert admissible("勐海县的咖啡种植面积有多少亩?", sentence) == ["2万亩"]
    # one character shared: perhaps one thing written two ways (茶叶 ↔ 茶园), not ruled out
    assert admissible("勐海县茶叶种植面积有多少亩?", "目前勐海县茶园种植总面积达2万亩。") == ["2万亩"]


def test_a_bare_figure_of_other_things_does_not_count_the_things_asked():
    sentence = "目前勐海县茶农人均可支配收入达2.1万元,3万多农户直接或间接从茶产业中获益。"
    assert admissible("勐海县有多少农民从茶产业中获益?", sentence) == []
    assert admissible("勐海县有多少农户从茶产业中获益?", sentence) == ["3万多"]


def test_a_figure_of_that_company_is_the_company_named_last_before_it():
    ctx = Context(lead="勐海县云茶科技有限公司负责人表示,无人机运茶效率翻番。勐海县普洱印象实业有限公司销售经理介绍新品。",
                  title="", opening="", date="")
    sentence = "凭借自研能力,该企业在深加工板块的年产值已超过1亿元。"
    assert admissible("勐海县云茶科技有限公司深加工板块的年产值是多少?", sentence, ctx) == []
    assert admissible("勐海县普洱印象实业有限公司深加工板块的年产值是多少?", sentence, ctx) == ["1亿元"]


def test_a_fraction_is_a_share():
    assert [(f.text, f.family) for f in figures_in("年产量约2万吨,占全县总产量的三分之一")] == [
        ("2万吨", "weight"), ("三分之一", "percent")]
    assert admissible("勐宋乡的茶叶产量占勐海县总产量的多大比重?", "勐宋乡茶叶年产量约2万吨,占勐海县总产量的三分之一。") == ["三分之一"]
