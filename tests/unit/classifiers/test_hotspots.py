"""热点诉求 grouping: the same matter told by several callers is one group; unrelated texts sharing common
words are none; neighbours of neighbours are not chained; members come most typical first."""
from __future__ import annotations

import pytest

from classifiers.hotspots import find_groups, weighted_rows

PHARMACY = [
    "在康佳大药房用医保电子凭证扫码结算，提示参保状态异常，无法使用医保",
    "康佳大药房扫医保电子凭证结算时提示参保状态异常，只能自费买药",
    "今天去康佳大药房买药，医保电子凭证结算显示参保状态异常，要求核实",
    "康佳大药房医保电子凭证结算提示参保状态异常，连续两天不能用医保",
]
OTHERS = [
    "咨询异地就医备案需要哪些材料，在哪里办理",
    "生育津贴什么时候发放到账，单位说已经申报",
    "门诊慢特病认定申请交了一个月还没有结果",
    "医保个人账户的钱能不能给父母用",
    "反映某医院住院期间多收检查费用，要求核查",
    "灵活就业人员医保缴费基数怎么确定",
    "长护险失能评估要多久出结果",
    "大病保险报销比例是多少，起付线多少",
]


def test_the_same_matter_in_different_words_is_one_group_and_the_rest_none():
    groups = find_groups(OTHERS[:4] + PHARMACY + OTHERS[4:], min_similarity=0.35, min_size=3)
    assert len(groups) == 1
    assert sorted(groups[0].members) == [4, 5, 6, 7]
    assert list(groups[0].similarities) == sorted(groups[0].similarities, reverse=True)  # most typical first
    assert all(0.35 <= s <= 1 for s in groups[0].similarities)


def test_a_group_needs_its_size_and_small_inputs_have_none():
    assert find_groups(PHARMACY[:2] + OTHERS, min_size=3) == []
    assert find_groups(PHARMACY[:2], min_size=3) == []
    # texts sharing a single common word (结果, 医保) are not alike: only the two pharmacy texts pair up
    assert [sorted(g.members) for g in find_groups(PHARMACY[:2] + OTHERS, min_size=2)] == [[0, 1]]


def test_neighbours_of_neighbours_are_not_chained_into_one_group():
    # five texts in a chain: each shares a block of words with the next only
    blocks = ["甲乙丙丁戊己庚辛", "壬癸子丑寅卯辰巳", "午未申酉戌亥天地", "玄黄宇宙洪荒日月", "盈昃辰宿列张寒来", "暑往秋收冬藏闰余"]
    chain = [blocks[i] + "，" + blocks[i + 1] for i in range(5)]
    rows = weighted_rows(chain, max_share=1.0)
    similarity = (rows @ rows.T).toarray()
    assert all(similarity[i, i + 1] > 0.4 for i in range(4))
    assert all(similarity[i, j] == pytest.approx(0) for i in range(5) for j in range(i + 2, 5))
    # chaining would make one group of five; a centre takes its own neighbours only
    assert sorted(len(g) for g in find_groups(chain, min_similarity=0.4, min_size=2)) == [2, 3]
