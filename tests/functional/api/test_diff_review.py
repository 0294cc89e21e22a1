"""This session's change reviewed (a diff review): 撤销合并 keeps lateness, a petition's clock, a handler still there
and the kept ticket's urgency right; 直接办结 needs a category everywhere; a real county given stays; an ID number
with spaces; the password rule as shown."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tests.factories import make_ticket
from ticketing.models import Ticket, TicketStatus
from ticketing.services import administration, clock, tickets

S = TicketStatus


def test_unmerge_gives_a_ticket_late_before_the_merge_a_fresh_deadline(db, users):
    now = clock.now_utc()
    base = now - timedelta(days=40)
    kept = make_ticket(db, users, base, status=S.ACCEPTED)
    late = make_ticket(db, users, base + timedelta(hours=1), status=S.ACCEPTED)
    due = late.reply_due_at
    assert due < now - timedelta(days=5)  # already late when merged
    tickets.merge(db.session, late, kept, actor=users["agent"], now=now - timedelta(hours=1))
    tickets.unmerge(db.session, late, "另一件事", actor=users["supervisor"], now=now)
    assert late.reply_due_at == due


def test_unmerge_of_a_petition_restarts_its_statutory_accept_deadline(db, users):
    now = clock.now_utc()
    base = now - timedelta(days=40)
    caller = {"caller_phone": "13912345678", "caller_name": "周先生"}
    kept = make_ticket(db, users, base, status=S.ACCEPTED, channel="petition_bureau", **caller)
    pet = make_ticket(db, users, base + timedelta(hours=1), status=S.DISPATCHED, channel="petition_bureau", **caller)
    due = pet.accept_due_at
    tickets.merge(db.session, pet, kept, actor=users["agent"], now=base + timedelta(days=1))
    tickets.unmerge(db.session, pet, "另一件事", actor=users["supervisor"], now=now)
    assert pet.accept_due_at == due


def test_answer_on_the_spot_without_category_via_api(api, db, users):
    j = api.post("/tickets", {"channel": "hotline_12393", "external_id": "C1", "type": "consult", "content": "问一下怎么办",
                              "caller_phone": "13800138000"}, as_="agent").get_json()
    r = api.post(f"/tickets/{j['number']}/actions", {"action": "answer_on_the_spot", "answer": "已当场解答"}, as_="agent")
    t = db.session.scalar(sa.select(Ticket).where(Ticket.number == j["number"]))
    # the call form refuses the same ("当场办结的工单须有业务分类")
    assert r.status_code == 422 and "业务分类" in r.get_json()["error"] and t.status != S.CLOSED.value


def test_answer_on_the_spot_without_category_on_ticket_page(db, users, auth, client):
    t = tickets.register_ticket(db.session, tickets.TicketInput(channel="hotline_12393", type="consult",
                                content="问一下怎么办", caller_phone="13800138000"),
                                actor=users["agent"], now=clock.now_utc(), route_now=False).ticket
    db.session.commit()
    auth.login("agent")
    client.post(f"/tickets/{t.number}/actions/answer_on_the_spot", data={"answer": "已当场解答"})
    db.session.expire_all()
    assert t.status != S.CLOSED.value


def test_handler_moved_while_merged_comes_back_as_handler(db, users):
    now = clock.now_utc()
    base = now - timedelta(days=3)
    kept = make_ticket(db, users, base, status=S.ACCEPTED)
    dup = make_ticket(db, users, base + timedelta(hours=1), status=S.ACCEPTED)
    tickets.merge(db.session, dup, kept, actor=users["agent"], now=now - timedelta(hours=2))
    # the kept ticket goes to a colleague, so that staff_dybz holds only the merged one
    from tests.conftest import make_user
    from ticketing.models import Role
    other = make_user(db, "staff_dybz2", Role.STAFF, users["staff_dybz"].department)
    tickets.hand_over(db.session, kept, other, actor=users["staff_dybz"], now=now - timedelta(hours=1))
    db.session.flush()
    administration.update_user(db.session, users["staff_dybz"], display_name="staff_dybz", role="staff",
                               department_code="CBZJ", actor=users["admin"])  # allowed: the merged one is not counted
    tickets.unmerge(db.session, dup, "另一件事", actor=users["supervisor"], now=now)
    assert dup.handler is None and dup.status == S.DISPATCHED.value and dup.accept_due_at > now


def test_given_county_overridden_by_a_county_named_in_the_text(api, db, users):
    j = api.post("/tickets", {"channel": "transfer_12345", "external_id": "Q1", "type": "complaint", "region": "玉泉区",
                              "content": "我家住玉泉区，在赛罕区的医院住院，报销比例太低"}, as_="transfer").get_json()
    assert j["region"] == "玉泉区"


def test_given_county_overridden_routes(api, db, users, use_classifier):
    use_classifier(0.9)
    j = api.post("/tickets", {"channel": "transfer_12345", "external_id": "Q2", "type": "complaint", "region": "玉泉区",
                              "content": "我家住玉泉区，在赛罕区的医院住院，报销比例太低"}, as_="transfer").get_json()
    assert j["department"] != "SHQ"


def test_unmerge_leaves_the_kept_ticket_urgent_with_no_way_back(db, users):
    now = clock.now_utc()
    base = now - timedelta(hours=5)
    kept = make_ticket(db, users, base, status=S.ACCEPTED)
    due = kept.reply_due_at
    other = make_ticket(db, users, base + timedelta(hours=1), content="另一件急事", urgency="urgent")
    tickets.merge(db.session, other, kept, actor=users["agent"], now=now - timedelta(hours=1))
    tickets.unmerge(db.session, other, "另一件事", actor=users["supervisor"], now=now)
    assert kept.urgency == "normal" and kept.reply_due_at == due
    assert "紧急程度恢复为一般" in kept.events[-1].note


def test_id_number_with_spaces_refused_before_normalising(api, db, users):
    r = api.post("/tickets", {"channel": "mailbox_mayor", "external_id": "ID1", "type": "consult", "content": "住院报销",
                              "caller_id_number": "110105 19491231 002X"}, as_="mayor")
    assert r.status_code == 201


def test_password_rule_says_is_but_checks_contains(db, users):
    from ticketing.services.sign_in import password_error as _password_error
    assert _password_error("Shenzhen#2026", "he") is None
