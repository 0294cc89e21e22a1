"""答复口径 on the ticket page: the reply and on-the-spot forms offer the category's standard answers."""
from __future__ import annotations

import sqlalchemy as sa

from tests.factories import make_ticket
from ticketing.models import Category, StandardAnswer, TicketStatus

S = TicketStatus


def _answer(db, code, title, content, active=True):
    category = db.session.scalar(sa.select(Category).where(Category.code == code))
    db.session.add(StandardAnswer(category_id=category.id, title=title, content=content, active=active))


def test_the_reply_form_offers_the_categorys_answers_only(db, client, users, auth, now):
    _answer(db, "DY", "住院报销比例", "职工医保在统筹区内三级医院住院，起付线以上报销比例为85%。")
    _answer(db, "DY", "停用的口径", "不应出现", active=False)
    _answer(db, "YD", "异地就医备案", "可通过国家医保服务平台APP办理备案。")
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, category="DY")
    db.session.commit()
    auth.login("staff_dybz")
    html = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert 'data-insert-into="reply-content"' in html and "住院报销比例</option>" in html
    assert "起付线以上报销比例为85%" in html and "停用的口径" not in html and "异地就医备案" not in html


def test_an_agent_answering_on_the_spot_gets_them_and_a_page_without_answers_has_no_menu(db, client, users, auth, now):
    _answer(db, "YD", "异地就医备案", "可通过国家医保服务平台APP办理备案。")
    consult = make_ticket(db, users, now, category="YD", type="consult")
    other = make_ticket(db, users, now, category="CB", type="consult")
    cb = db.session.scalar(sa.select(Category).where(Category.code == "CB"))
    db.session.execute(sa.update(StandardAnswer).where(StandardAnswer.category_id == cb.id).values(active=False))
    db.session.commit()
    auth.login("agent")
    assert 'data-insert-into="spot-answer"' in client.get(f"/tickets/{consult.number}").get_data(as_text=True)
    assert "插入答复口径" not in client.get(f"/tickets/{other.number}").get_data(as_text=True)
