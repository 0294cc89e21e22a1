"""A form sent twice (a double click, a browser's retry) is one submission: the call form made two tickets of one
call, 来电催办 counted 催2, 督办 said 第 2 次, a notice counted twice unread. The same words by the same person within
workflow.RESUBMITTED_WITHIN are taken once; different words, or the same ones later, are new."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.factories import make_ticket
from ticketing.models import Announcement, InvalidCall, Ticket, TicketReview, TicketStatus
from ticketing.services import administration, announcements, clock, invalid_calls, reviews, tickets
from ticketing.services.actions import perform_action
from ticketing.services.errors import ValidationFailed
from ticketing.services.workflow import RESUBMITTED_WITHIN

S = TicketStatus
CALL = {"caller_phone": "13912345678", "caller_name": "张先生", "channel": "hotline_12393", "type": "consult",
        "urgency": "normal", "content": "住院报销比例是多少", "category": "DY", "call_reference": "CALL-1",
        "submit": "save"}


def test_the_call_form_sent_twice_makes_one_ticket(db, users, auth, client, monkeypatch, now):
    monkeypatch.setattr(clock, "now_utc", lambda: now)
    auth.login("agent")
    first = client.post("/agent/calls/new", data=CALL)
    again = client.post("/agent/calls/new", data=CALL, follow_redirects=True).get_data(as_text=True)
    assert first.status_code == 302 and "该来电刚才已登记为" in again
    assert db.session.scalar(sa.select(sa.func.count(Ticket.id))) == 1
    client.post("/agent/calls/new", data=CALL | {"content": "另外问一下门诊慢特病怎么申请"})  # the same call's second matter
    monkeypatch.setattr(clock, "now_utc", lambda: now + RESUBMITTED_WITHIN + timedelta(seconds=1))
    client.post("/agent/calls/new", data=CALL)  # the same words later: another call
    assert db.session.scalar(sa.select(sa.func.count(Ticket.id))) == 3


@pytest.mark.parametrize("action, params", [
    ("follow_up", {"note": "来电人再次询问进度"}),
    ("urge", {"note": "请尽快办理"}),
    ("note", {"content": "已电话联系医院医保办"}),
    ("contact", {"purpose": "progress", "method": "phone", "reached": "1", "note": "告知正在核实"}),
])
def test_a_ticket_action_sent_twice_is_recorded_once(db, users, now, action, params):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    actor = users["supervisor"] if action == "urge" else users["agent"] if action == "follow_up" else users["staff_dybz"]
    events = len(ticket.events)
    for _ in range(2):
        perform_action(db.session, ticket, action, params, actor=actor, now=now + timedelta(seconds=5))
    db.session.commit()
    assert len(ticket.events) == events + 1
    assert (ticket.follow_up_count, ticket.urge_count, len(ticket.notes), len(ticket.contacts)) == {
        "follow_up": (1, 0, 0, 0), "urge": (0, 1, 0, 0), "note": (0, 0, 1, 0), "contact": (0, 0, 0, 1)}[action]
    perform_action(db.session, ticket, action, params, actor=actor, now=now + RESUBMITTED_WITHIN + timedelta(seconds=6))
    assert len(ticket.events) == events + 2  # the same words later are said again


def test_an_invalid_call_without_a_call_id_sent_twice_is_one_call(db, users, now):
    for seconds in (0, 3):
        invalid_calls.record(db.session, kind="silent", phone="13912345678", call_reference=None, note="",
                             actor=users["agent"], now=now + timedelta(seconds=seconds))
    invalid_calls.record(db.session, kind="silent", phone="13912345678", call_reference=None, note="",
                         actor=users["agent"], now=now + timedelta(minutes=2))  # the next silent call
    assert db.session.scalar(sa.select(sa.func.count(InvalidCall.id))) == 2


def test_a_notice_and_a_review_sent_twice_are_one(db, users, now):
    for _ in range(2):
        announcements.publish(db.session, title="医院结算系统升级", content="今晚 22 点至 24 点暂停结算", roles=["agent"],
                              important=False, expires_on=None, actor=users["supervisor"], now=now)
    assert db.session.scalar(sa.select(sa.func.count(Announcement.id))) == 1
    ticket = make_ticket(db, users, now, status=S.DISPATCHED)
    verdicts = {key: True for key in reviews.applicable_items(db.session, ticket)}
    for _ in range(2):
        reviews.record_review(db.session, ticket, verdicts, "", reviewer=users["supervisor"], now=now)
    assert db.session.scalar(sa.select(sa.func.count(TicketReview.id))) == 1


def test_the_same_routing_rule_or_standard_answer_is_not_added_twice(db, users, reference):
    rule = administration.RuleInput(name="异地就医转结算中心", priority=200, department_code="YDJS", category_code="YD",
                                    region=None, channel=None, ticket_type=None)
    administration.save_routing_rule(db.session, None, rule, actor=users["admin"])
    with pytest.raises(ValidationFailed) as twice:
        administration.save_routing_rule(db.session, None, rule, actor=users["admin"])
    assert "已有相同的路由规则" in twice.value.fields["name"]
    administration.add_standard_answer(db.session, category_code="YD", title="备案渠道", content="可通过国家医保服务平台备案",
                                       actor=users["admin"])
    with pytest.raises(ValidationFailed) as again:
        administration.add_standard_answer(db.session, category_code="YD", title="备案渠道",
                                           content="可通过国家医保服务平台备案", actor=users["admin"])
    assert "已有相同的答复口径" in again.value.fields["title"]


def test_a_reply_posted_after_the_ticket_was_reassigned_says_so_and_gives_the_words_back(db, users, auth, client, now):
    """It was a bare 404 (页面或工单不存在), and the reply typed was lost."""
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    tickets.reassign(db.session, ticket, tickets.department_by_code(db.session, "CBZJ"), actor=users["supervisor"],
                     now=now, reason="应由参保征缴科办理")
    db.session.commit()
    auth.login("staff_dybz")
    long_reply = "经核实，您的报销已按政策结算。" + "具体情况如下：" * 400  # 2,800 characters: too long for a cookie
    response = client.post(f"/tickets/{ticket.number}/actions/reply", data={"content": long_reply})
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "已不在本单位办理" in html and long_reply in html
    assert len(response.headers.get("Set-Cookie", "")) < 4000
    auth.logout()
    auth.login("staff_cbzj")
    other = make_ticket(db, users, now, status=S.ACCEPTED)  # never CBZJ's: still as absent as before
    db.session.commit()
    assert client.post(f"/tickets/{other.number}/actions/reply", data={"content": "x"}).status_code == 404


def test_a_disabled_standard_answer_does_not_block_adding_it_again(db, users, reference):
    from ticketing.models import StandardAnswer

    first = administration.add_standard_answer(db.session, category_code="YD", title="备案渠道",
                                               content="可通过国家医保服务平台备案", actor=users["admin"])
    administration.set_standard_answer_active(db.session, first, False, actor=users["admin"])
    administration.add_standard_answer(db.session, category_code="YD", title="备案渠道", content="可通过国家医保服务平台备案",
                                       actor=users["admin"])
    assert db.session.scalar(sa.select(sa.func.count(StandardAnswer.id)).where(StandardAnswer.active.is_(True),
                                                                               StandardAnswer.title == "备案渠道")) == 1
