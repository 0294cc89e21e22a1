"""风险提示 by phrase: kinds in order of seriousness, width and punctuation folded, exceptions honoured, and
the phrase file read strictly."""
from __future__ import annotations

import pytest

from classifiers import risk


def kinds(text):
    return [(hit.kind.code, hit.phrase) for hit in risk.detect(text)]


def test_each_kind_is_found_with_the_phrase_that_matched():
    assert kinds("医院天天催住院押金，我真的不想活了") == [("self_harm", "不想活")]
    assert kinds("父亲在ＩＣＵ，等着这笔救命钱") == [("critical_care", "icu")]  # full-width letters fold
    assert kinds("我们十几户准备集体上访") == [("mass", "集体上访")]
    assert kinds("再不解决我就发抖音") == [("media", "发抖音")]


def test_several_kinds_come_most_serious_first_each_once():
    text = "再拖下去我就发到网上，大家一起去市政府，我不活了，我不活了"
    assert [code for code, _ in kinds(text)] == ["self_harm", "mass", "media"]


def test_spaces_and_punctuation_inside_a_phrase_do_not_hide_it():
    assert kinds("我 不 想 活 了！") == [("self_harm", "不想活")]
    assert kinds("要去“曝光”你们") == [("media", "曝光")]


def test_ordinary_questions_and_exceptions_are_not_risks():
    assert kinds("异地就医备案怎么办理，门诊慢特病能不能报销") == []
    assert kinds("楼下药店搞跳楼价甩卖，卖的是过期药") == []  # 跳楼价 is a price
    assert kinds("建议在交通拥堵路段加装电子抓拍") == []  # traffic, not 堵路
    assert kinds("门诊共济减轻生活负担") == []  # not 轻生
    assert kinds("村民只能堵路") == [("mass", "堵路")]
    assert kinds("") == [] and kinds(None) == []


def test_the_phrase_file_is_read_strictly():
    parsed = risk.parse_phrases(["# comment", "[media]", "找 记者", "", "!记者节"])
    assert parsed.phrases["media"] == ("找记者",) and parsed.exceptions == ("记者节",)
    assert risk.detect("我要找记者", parsed)[0].kind.code == "media"
    with pytest.raises(risk.PhraseError, match="unknown kind") as unknown:
        risk.parse_phrases(["", "[weather]", "下雨"])
    assert (unknown.value.line, unknown.value.kind) == (2, "weather")
    with pytest.raises(risk.PhraseError, match="before any") as orphan:
        risk.parse_phrases(["自杀"])
    assert (orphan.value.line, orphan.value.kind) == (1, None)


def test_a_centres_own_list_may_name_kinds_by_title_and_is_added_to_the_shipped_one():
    own = risk.parse_phrases(["【人身安全】", "烧炭", "自杀", "[舆情]", "！曝光台"])
    assert own.phrases["self_harm"] == ("烧炭", "自杀") and own.exceptions == ("曝光台",)
    both = risk.merge(risk.default_phrases(), own)
    assert both.phrases["self_harm"].count("自杀") == 1 and "烧炭" in both.phrases["self_harm"]
    assert risk.detect("他说想在家烧炭", both)[0].phrase == "烧炭"
    assert risk.detect("电视台的曝光台栏目", both) == []  # the centre's exception
    assert risk.detect("他说想在家烧炭") == []  # the shipped list alone does not have it


def test_the_shipped_file_has_phrases_for_every_kind():
    phrases = risk.default_phrases().phrases
    assert set(phrases) == {kind.code for kind in risk.KINDS}
    assert all(len(words) >= 5 for words in phrases.values())
