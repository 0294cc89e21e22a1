"""答复口径 found and offered during a call (an on-the-spot review): a compound term keeps what tells answers apart,
the call form's answers follow the caller's words, two answers of one name are refused, and an edit keeps what the
answer said before."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from ticketing.models import AdminEvent, Category, StandardAnswer
from ticketing.services import administration, intake_assist, knowledge
from ticketing.services.errors import ValidationFailed


def test_a_compound_term_keeps_its_distinguishing_characters(db, reference):
    # 医保码 was cut to 医保 alone: nearly every answer of a 医保 centre matched, 医保码亲情账户 sixth
    assert knowledge.search_answers(db.session, "医保码")[0].title == "医保码亲情账户"
    assert len(knowledge.search_answers(db.session, "医保卡", limit=None)) < 10


def test_the_suggested_answers_follow_the_callers_words(db, reference):
    yd = db.session.scalar(sa.select(Category).where(Category.code == "YD"))
    for title in ("异地长期居住人员备案", "临时外出就医备案", "异地就医直接结算失败"):
        db.session.add(StandardAnswer(category=yd, title=title, content=f"{title}：具体以参保地政策为准。"))
    db.session.flush()
    shown = intake_assist.standard_answers(db.session, "异地就医直接结算失败了，医院让我自己垫钱", ["YD", "DY"])
    assert shown[0]["title"] == "异地就医直接结算失败" and len(shown) == 6
    assert all(a["category"] in ("YD", "DY") for a in shown)


def test_two_active_answers_of_one_category_cannot_share_a_title(db, reference, users):
    answer = db.session.scalar(sa.select(StandardAnswer).where(StandardAnswer.title == "异地就医备案渠道"))
    with pytest.raises(ValidationFailed) as refused:
        administration.add_standard_answer(db.session, category_code="YD", title=answer.title, content="另一种说法",
                                           actor=users["admin"])
    assert "同名" in refused.value.fields["title"]


def test_changing_an_answer_keeps_what_it_said_before_in_the_log(db, reference, users):
    answer = db.session.scalar(sa.select(StandardAnswer).where(StandardAnswer.title == "异地就医备案渠道"))
    old = answer.content
    administration.save_standard_answer(db.session, answer, category_code="YD", title=answer.title,
                                        content="新口径", actor=users["admin"])
    event = db.session.scalars(sa.select(AdminEvent).order_by(AdminEvent.id.desc())).first()
    assert event.details["was_content"] == old and event.details["content"] == "新口径"


def test_question_words_kept_whole_do_not_make_a_full_match_partial(db, reference):
    assert knowledge.query_words("医保卡丢了怎么办") == ["医保", "医保卡", "丢"]  # 怎么办 is how, not what
