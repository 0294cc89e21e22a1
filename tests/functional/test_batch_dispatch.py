"""批量派发 on 待派发: the ticked tickets go where the classifier suggested, each as if confirmed by hand."""
from __future__ import annotations

import sqlalchemy as sa

from tests.factories import make_ticket
from ticketing.models import Category, CategoryLabel, TicketStatus
from ticketing.services import clock
from ticketing.services.actions import perform_action

S = TicketStatus


def _waiting(db, users, suggestion: str | None, confidence: float = 0.42, **fields):
    ticket = make_ticket(db, users, clock.now_utc(), category=None, **fields)
    if suggestion:
        ticket.suggested_category = db.session.scalar(sa.select(Category).where(Category.code == suggestion))
        ticket.classifier_confidence = confidence
    return ticket


def test_the_triage_list_shows_each_suggestion_and_where_it_would_go(db, client, users, auth):
    _waiting(db, users, "YD", content="父亲在外省住院想办异地备案", title="异地备案")
    _waiting(db, users, None, content="说不清楚的来电", title="说不清")
    db.session.commit()
    auth.login("agent")
    html = client.get("/agent/triage").get_data(as_text=True)
    assert "（异地就医 <span class=\"small muted\">0.42</span>）" in html and "异地就医结算中心" in html
    assert html.count('name="numbers"') == 1  # only a ticket with a category or a suggestion can be ticked
    assert "按分类/建议派发所选" in html
    assert "没有分类也没有系统建议" in html  # why the other cannot be ticked

    # a code review: a suggestion of a category switched off since showed a department, then the batch refused it
    db.session.scalar(sa.select(Category).where(Category.code == "YD")).active = False
    db.session.commit()
    html = client.get("/agent/triage").get_data(as_text=True)
    assert 'name="numbers"' not in html and "分类“异地就医”已停用，请在工单页另选分类" in html


def test_ticked_tickets_are_dispatched_as_suggested_and_the_others_say_why(db, client, users, auth):
    yd = _waiting(db, users, "YD", content="父亲在外省住院想办异地备案")
    cb = _waiting(db, users, "CB", content="单位断缴医保")
    unsure = _waiting(db, users, None, content="说不清楚的来电")
    db.session.commit()
    auth.login("agent")
    response = client.post("/agent/triage/dispatch", data={"numbers": [yd.number, cb.number, unsure.number]},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "已派发 2 件。" in html
    assert f"未派发 1 件（没有分类也没有系统建议，请在工单页选择分类和承办单位）：{unsure.number}" in html
    for ticket, department in ((yd, "YDJS"), (cb, "CBZJ")):
        db.session.refresh(ticket)
        assert ticket.status == S.DISPATCHED.value and ticket.department.code == department
        assert ticket.category_source == "person"  # a person confirmed it
        assert ticket.events[-1].note.startswith("按系统建议派发")
    labels = db.session.scalars(sa.select(CategoryLabel).order_by(CategoryLabel.id)).all()
    assert [label.accepted_suggestion for label in labels] == [True, True]  # counted as accepted suggestions
    db.session.refresh(unsure)
    assert unsure.status == S.REGISTERED.value


def test_nothing_ticked_and_staff_are_refused(db, client, users, auth):
    auth.login("agent")
    html = client.post("/agent/triage/dispatch", data={}, follow_redirects=True).get_data(as_text=True)
    assert "请先勾选工单" in html
    auth.logout()
    auth.login("staff_dybz")
    assert client.post("/agent/triage/dispatch", data={"numbers": ["x"]}).status_code == 403


def test_a_category_set_at_registration_wins_over_the_suggestion(db, client, users, auth):
    ticket = make_ticket(db, users, clock.now_utc(), category="CB", content="单位断缴医保")  # chosen by the agent
    ticket.suggested_category = db.session.scalar(sa.select(Category).where(Category.code == "YD"))
    db.session.commit()
    auth.login("agent")
    assert "参保缴费</td>" in client.get("/agent/triage").get_data(as_text=True)
    client.post("/agent/triage/dispatch", data={"numbers": [ticket.number]})
    db.session.refresh(ticket)
    assert ticket.department.code == "CBZJ" and ticket.events[-1].note.startswith("按分类派发")


def test_the_api_dispatches_as_suggested_too(db, users):
    ticket = _waiting(db, users, "MT", content="门诊慢特病怎么认定")
    perform_action(db.session, ticket, "dispatch", {"as_suggested": True}, actor=users["agent"], now=clock.now_utc())
    assert ticket.department.code == "DYBZ" and ticket.category.code == "MT"
