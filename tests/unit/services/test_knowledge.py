"""知识库: standard answers found by the words of a caller's question."""
from __future__ import annotations

import sqlalchemy as sa

from ticketing.models import Category, StandardAnswer
from ticketing.services import knowledge


def _add(db, code, title, content, active=True):
    category = db.session.scalar(sa.select(Category).where(Category.code == code))
    answer = StandardAnswer(category=category, title=title, content=content, active=active)
    db.session.add(answer)
    db.session.flush()
    return answer


def titles(hits):
    return [h.title for h in hits]


def test_every_word_must_occur_and_titles_weigh_more(db, reference):
    # the reference data's answers are there too; these add competition for the same words
    _add(db, "SY", "未就业配偶生育医疗费", "职工的未就业配偶生育时，符合条件的可按规定享受生育医疗费用待遇。")
    _add(db, "SY", "生育津贴的计算", "生育津贴按职工所在用人单位上年度职工月平均工资计发，具体以参保地政策为准。")
    hits = knowledge.search_answers(db.session, "生育津贴怎么申领")  # 怎么 is how people ask, not what
    assert titles(hits) == ["生育津贴申领"] and not hits[0].partial
    hits = knowledge.search_answers(db.session, "生育津贴")
    assert set(titles(hits)) == {"生育津贴申领", "生育津贴的计算"}
    assert "未就业配偶生育医疗费" not in titles(hits)  # 生育 alone is not 生育津贴's two words


def test_when_no_answer_has_every_word_the_closest_are_offered_as_partial(db, reference):
    hits = knowledge.search_answers(db.session, "异地就医备案 火星")
    assert hits and all(h.partial for h in hits) and "异地就医备案渠道" == hits[0].title
    assert knowledge.search_answers(db.session, "火星移民") == []


def test_a_category_alone_lists_its_answers_and_narrows_a_search(db, reference):
    listed = titles(knowledge.search_answers(db.session, "", category_code="YD"))
    assert {"异地就医备案渠道", "未备案的异地就医"} <= set(listed) and len(listed) == len(set(listed))
    assert all(h.category_code == "YD" for h in knowledge.search_answers(db.session, "", category_code="YD"))
    assert titles(knowledge.search_answers(db.session, "备案", category_code="YD"))[0] == "异地就医备案渠道"
    assert knowledge.search_answers(db.session, "备案", category_code="SY") == []
    assert knowledge.search_answers(db.session, "   ") == []


def test_withdrawn_answers_are_not_found_and_punctuation_is_not_a_wildcard(db, reference):
    _add(db, "FW", "窗口办理时间（旧）", "医保服务大厅周六上午办理业务。", active=False)
    assert "窗口办理时间（旧）" not in titles(knowledge.search_answers(db.session, "周六 办理"))
    _add(db, "FW", "报销比例说明", "报销比例不会是100%。")
    assert titles(knowledge.search_answers(db.session, "100%")) == ["报销比例说明"]  # % is punctuation, not a wildcard


def test_a_question_in_traditional_characters_finds_the_answer(db, reference):
    assert titles(knowledge.search_answers(db.session, "異地就醫備案渠道")) == \
        titles(knowledge.search_answers(db.session, "异地就医备案渠道")) != []
