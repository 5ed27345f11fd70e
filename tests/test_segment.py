"""The one segmenter: traditional and simplified text give the same tokens."""

from reportqa.segment import Segmenter
from reportqa.textnorm import fold, normalize


def test_traditional_and_simplified_give_the_same_tokens():
    seg = Segmenter()
    trad = "廣州派駐清遠的工作隊遴選47名優秀隊員擔任駐村第一書記"
    simp = "广州派驻清远的工作队遴选47名优秀队员担任驻村第一书记"
    assert seg.tokens(trad) == seg.tokens(simp)
    assert {"广州", "清远", "驻村第一书记", "47"} <= set(seg.tokens(trad))


def test_question_words_and_punctuation_are_not_tokens():
    toks = Segmenter().tokens("全省有多少个重点帮扶镇？")
    assert "多少" not in toks and "？" not in toks and "?" not in toks
    assert "帮扶" in toks


def test_normalize_is_nfkc_then_simplified():
    assert normalize("１０８．１２億元，") == "108.12亿元,"
    assert fold(" 遴選 47名 ") == "遴选47名"
