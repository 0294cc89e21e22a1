import pytest

from classifiers.similarity import SimilarityIndex

TICKETS = {
    "t1": "赛罕区某大药房拒绝刷医保卡，只收现金，电话13812345678",
    "t2": "异地就医备案怎么办理，需要什么材料",
    "t3": "举报某医院挂床住院骗取医保基金",
    "t4": "门诊慢特病认定两个月没有结果",
}


@pytest.fixture
def index():
    ix = SimilarityIndex(min_buffer=2)
    ix.add_many(TICKETS.items())
    return ix


def test_near_duplicate_ranks_first(index):
    hits = index.query("赛罕区某大药房拒绝刷医保卡只收现金，我的电话13900001111", min_similarity=0.5)
    assert hits[0][0] == "t1" and hits[0][1] > 0.8
    assert [key for key, _ in hits] == ["t1"]


def test_ranking_and_threshold(index):
    index.add("t5", "异地就医备案怎么办理")
    hits = index.query("异地就医备案怎么办理", min_similarity=0.3)
    assert [k for k, _ in hits][:2] == ["t5", "t2"]
    assert hits[0][1] == pytest.approx(1.0)
    assert all(a[1] >= b[1] for a, b in zip(hits, hits[1:]))
    assert index.query("完全无关的内容：养老金发放", min_similarity=0.6) == []


def test_k_and_exclude(index):
    index.add_many([(f"dup{i}", "举报某医院挂床住院骗取医保基金") for i in range(6)])
    hits = index.query("举报某医院挂床住院骗取医保基金", k=3)
    assert len(hits) == 3
    hits = index.query("举报某医院挂床住院骗取医保基金", k=10, exclude={"t3", "dup0"})
    assert {k for k, _ in hits} == {f"dup{i}" for i in range(1, 6)}
    assert index.query("举报某医院挂床住院骗取医保基金", k=10, exclude="t3")[0][0] != "t3"


def test_remove_and_readd(index):
    assert index.remove("t3") and not index.remove("t3")
    assert "t3" not in index and len(index) == 3
    assert index.query("举报某医院挂床住院骗取医保基金") == []
    index.add("t3", "门诊慢特病认定两个月没有结果")
    index.compact()
    assert {k for k, _ in index.query("门诊慢特病认定两个月没有结果")} == {"t3", "t4"}
    index.add("t4", "别的内容")  # re-adding a key replaces its text
    assert [k for k, _ in index.query("门诊慢特病认定两个月没有结果")] == ["t3"]


def test_empty_index_and_empty_query():
    ix = SimilarityIndex()
    assert ix.query("任何内容") == []
    ix.add("a", "异地就医")
    assert ix.query("") == [] and ix.query("。。。") == []
