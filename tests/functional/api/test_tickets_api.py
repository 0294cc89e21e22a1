"""POST/GET /api/v1/tickets, GET /api/v1/tickets/{number}: intake, idempotence, scopes, masking."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.factories import make_ticket
from ticketing.models import PersonalDataView, Ticket, TicketStatus
from ticketing.models.intake import ApiToken
from ticketing.services import api_tokens, clock, tickets
from ticketing.services.errors import ValidationFailed

S = TicketStatus

LETTER = {
    "channel": "mailbox_mayor",
    "external_id": "ML-2026-0001",
    "type": "complaint",
    "title": "住院报销比例过低",
    "content": "我父亲在市中心医院住院花费3万元，只报销了1万元，请核实。",
    "caller_name": "李建国",
    "caller_phone": "13912345678",
    "caller_id_number": "11010519491231002X",
    "received_at": "2026-03-01T20:15:00+08:00",
}


def test_create_ticket_returns_201_with_the_ticket(api, db):
    response = api.post("/tickets", LETTER, as_="mayor")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["number"].startswith("12393-")
    assert body["status"] == "registered"
    assert body["channel"] == "mailbox_mayor" and body["type"] == "complaint" and body["urgency"] == "normal"
    assert body["title"] == "住院报销比例过低"
    assert body["category"] is None and body["department"] is None and body["confidence"] is None
    assert body["received_at"] == "2026-03-01T20:15:00+08:00"
    assert body["reply_due_at"].endswith("+08:00")
    datetime.fromisoformat(body["reply_due_at"])
    assert body["calendar_confirmed"] is True  # March 2026: a year chinesecalendar covers
    assert body["caller_phone"] == "139****5678" and body["caller_masked"] is True
    ticket = db.session.scalar(sa.select(Ticket).where(Ticket.number == body["number"]))
    assert ticket.created_by is None and ticket.events[0].actor_label == "系统"


def test_same_external_id_again_returns_200_and_the_same_ticket(api, db):
    first = api.post("/tickets", LETTER, as_="mayor")
    again = api.post("/tickets", LETTER | {"content": "重复推送"}, as_="mayor")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["number"] == first.get_json()["number"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 1
    # the new words are kept on the ticket, once however often sent (an API review: they were dropped)
    api.post("/tickets", LETTER | {"content": "重复推送"}, as_="mayor")
    api.post("/tickets", LETTER, as_="mayor")  # the first text again: nothing new
    for resent in ("重复推送\r\n", " 重复 推送", LETTER["content"] + "\n\n"):  # line ends and spaces aside (a diff review)
        api.post("/tickets", LETTER | {"content": resent}, as_="mayor")
    ticket = db.session.scalar(sa.select(Ticket))
    db.session.refresh(ticket)
    added = [e for e in ticket.events if (e.data or {}).get("resubmitted")]
    assert [e.note for e in added] == ["市长信箱再次推送同一编号（ML-2026-0001），内容有变化：重复推送"]
    assert ticket.follow_up_count == 1 and added[0].action == "follow_up"


def test_same_external_id_on_another_channel_is_another_ticket(api, db):
    api.post("/tickets", LETTER, as_="mayor")
    other = api.post("/tickets", LETTER | {"channel": "hotline_12393"}, as_="agent")
    assert other.status_code == 201


def test_channel_token_may_leave_out_the_channel(api):
    payload = {k: v for k, v in LETTER.items() if k != "channel"}
    response = api.post("/tickets", payload, as_="mayor")
    assert response.status_code == 201
    assert response.get_json()["channel"] == "mailbox_mayor"


def test_user_token_needs_the_channel(api):
    payload = {k: v for k, v in LETTER.items() if k != "channel"}
    response = api.post("/tickets", payload, as_="agent")
    assert response.status_code == 422
    assert "channel" in response.get_json()["fields"]


def test_confident_classifier_dispatches_at_once(api, use_classifier):
    use_classifier(0.9)
    body = api.post("/tickets", LETTER, as_="mayor").get_json()
    assert body["status"] == "dispatched"
    assert (body["category"], body["department"]) == ("DY", "DYBZ")
    assert body["confidence"] == 0.9
    assert body["accept_due_at"].endswith("+08:00")


def test_unsure_classifier_leaves_the_ticket_for_an_agent(api, use_classifier):
    use_classifier(0.3)
    body = api.post("/tickets", LETTER, as_="mayor").get_json()
    assert body["status"] == "registered"
    assert body["category"] is None and body["suggested_category"] == "DY" and body["confidence"] == 0.3


@pytest.mark.parametrize(("change", "field"), [
    ({"type": "gripe"}, "type"),
    ({"urgency": "very"}, "urgency"),
    ({"channel": "fax"}, "channel"),
    ({"content": None}, "content"),
    ({"external_id": ""}, "external_id"),
    ({"received_at": "yesterday"}, "received_at"),
    ({"caller_phone": "139123"}, "caller_phone"),
    ({"caller_id_number": "110105194912310021"}, "caller_id_number"),
    ({"content": "   "}, "content"),
    ({"title": "标" * 201}, "title"),
    ({"colour": "red"}, "colour"),
])
def test_bad_input_is_422_with_chinese_field_messages(api, db, change, field):
    payload = {k: v for k, v in (LETTER | change).items() if v is not None}
    response = api.post("/tickets", payload, as_="mayor")
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] and field in body["fields"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["fields"][field])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 0


def test_missing_required_fields(api):
    response = api.post("/tickets", {}, as_="mayor")
    assert response.status_code == 422
    assert {"external_id", "type", "content"} <= set(response.get_json()["fields"])


def test_malformed_json_is_400(api, tokens):
    response = api.client.post("/api/v1/tickets", data="{not json", content_type="application/json",
                               headers={"Authorization": f"Bearer {tokens['mayor']}"})
    assert response.status_code in (400, 422)
    assert "error" in response.get_json()


@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic abc", "Bearer "])
def test_missing_or_wrong_token_is_401(client, tokens, no_classifier, header):
    headers = {"Authorization": header} if header else {}
    response = client.post("/api/v1/tickets", json=LETTER, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_revoked_token_is_401(api, db):
    db.session.execute(sa.update(ApiToken).values(active=False))
    db.session.commit()
    assert api.post("/tickets", LETTER, as_="mayor").status_code == 401


def test_expired_token_is_401_and_says_so(api, client, db, no_classifier):
    issued = api_tokens.issue_token(db.session, now=clock.now_utc() - timedelta(days=3), channel="mailbox_mayor",
                                    valid_days=2)
    still = api_tokens.issue_token(db.session, now=clock.now_utc() - timedelta(days=3), channel="mailbox_mayor",
                                   valid_days=4)
    db.session.commit()
    response = client.post("/api/v1/tickets", json=LETTER, headers={"Authorization": f"Bearer {issued.token}"})
    assert response.status_code == 401 and response.headers["WWW-Authenticate"] == "Bearer"
    assert "已于" in response.get_json()["error"] and "过期" in response.get_json()["error"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 0
    response = client.post("/api/v1/tickets", json=LETTER, headers={"Authorization": f"Bearer {still.token}"})
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize("days", [0, -1, 3651])
def test_token_validity_out_of_range_is_refused(db, now, days):
    with pytest.raises(ValidationFailed) as refused:
        api_tokens.issue_token(db.session, now=now, channel="mailbox_mayor", valid_days=days)
    assert "1 到 3650" in refused.value.fields["days"]


def test_channel_token_for_another_channel_is_403(api, db):
    response = api.post("/tickets", LETTER | {"channel": "people_daily"}, as_="mayor")
    assert response.status_code == 403
    assert "mailbox_mayor" in response.get_json()["error"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 0


def test_staff_token_cannot_register(api):
    assert api.post("/tickets", LETTER, as_="staff_dybz").status_code == 403


def test_token_use_is_recorded(api, db):
    api.post("/tickets", LETTER, as_="mayor")
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.channel == "mailbox_mayor"))
    assert token.last_used_at is not None


def test_transfer_from_12345_keeps_the_reference(api, db):
    payload = LETTER | {"channel": "transfer_12345", "external_id": "12345-778899", "transfer_reference": "SX12345-778899"}
    response = api.post("/tickets", payload, as_="transfer")
    assert response.status_code == 201
    body = response.get_json()
    assert body["channel"] == "transfer_12345" and body["transfer_reference"] == "SX12345-778899"
    detail = api.get(f"/tickets/{body['number']}", as_="agent").get_json()
    assert "SX12345-778899" in detail["events"][0]["note"]


# ---- reading ----

def test_get_ticket_with_full_history(api, db, users, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    db.session.commit()
    response = api.get(f"/tickets/{ticket.number}", as_="supervisor")
    assert response.status_code == 200
    body = response.get_json()
    assert [e["action"] for e in body["events"]] == ["register", "recategorise", "dispatch", "accept"] or \
        [e["action"] for e in body["events"]][-2:] == ["dispatch", "accept"]
    accept = body["events"][-1]
    assert (accept["from_status"], accept["to_status"], accept["actor"]) == ("dispatched", "accepted", "staff_dybz")
    assert accept["created_at"].endswith("+08:00")
    assert set(body["allowed_actions"]) >= {"urge"}


def test_get_ticket_unmasked_for_those_who_work_it_and_logged(api, db, users, now):
    ticket = make_ticket(db, users, now, status=S.DISPATCHED, caller_phone="13912345678")
    db.session.commit()
    body = api.get(f"/tickets/{ticket.number}", as_="staff_dybz").get_json()
    assert body["caller_phone"] == "13912345678" and body["caller_masked"] is False
    views = db.session.scalars(sa.select(PersonalDataView)).all()
    assert [(v.user_id, v.via) for v in views] == [(users["staff_dybz"].id, "api")]


def test_get_ticket_masked_for_admin_and_not_logged(api, db, users, now):
    ticket = make_ticket(db, users, now, status=S.DISPATCHED, caller_phone="13912345678")
    db.session.commit()
    body = api.get(f"/tickets/{ticket.number}", as_="admin").get_json()
    assert body["caller_phone"] == "139****5678" and body["caller_masked"] is True
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PersonalDataView)) == 0


def test_fraud_reporter_stays_masked_for_the_department(api, db, users, now):
    ticket = make_ticket(db, users, now, status=S.DISPATCHED, type="report", caller_phone="13912345678")
    db.session.commit()
    body = api.get(f"/tickets/{ticket.number}", as_="staff_dybz").get_json()
    assert body["caller_masked"] is True and body["caller_phone"] == "139****5678"


def test_another_departments_ticket_is_404(api, db, users, now):
    ticket = make_ticket(db, users, now, status=S.DISPATCHED)
    db.session.commit()
    response = api.get(f"/tickets/{ticket.number}", as_="staff_cbzj")
    assert response.status_code == 404 and response.get_json()["error"]


def test_unknown_ticket_is_404(api):
    assert api.get("/tickets/12393-20260302-999999", as_="agent").status_code == 404


def test_channel_token_cannot_read(api, db, users, now):
    ticket = make_ticket(db, users, now)
    db.session.commit()
    assert api.get(f"/tickets/{ticket.number}", as_="mayor").status_code == 403
    assert api.get("/tickets", as_="mayor").status_code == 403


def test_list_filters_and_masks(api, db, users, now, monkeypatch):
    monkeypatch.setattr(clock, "now_utc", lambda: now)
    a = make_ticket(db, users, now, status=S.DISPATCHED, caller_phone="13912345678", caller_id_number="11010519491231002X")
    make_ticket(db, users, now, status=S.DISPATCHED, category="CB", department="CBZJ", content="断缴了怎么补缴")
    make_ticket(db, users, now, channel="mailbox_mayor", content="市长信箱里的报销问题")
    db.session.commit()
    body = api.get("/tickets?department=DYBZ", as_="supervisor").get_json()
    assert [t["number"] for t in body["items"]] == [a.number]
    item = body["items"][0]
    assert item["caller_phone"] == "139****5678" and item["caller_id_number"] == "110105********002X"
    assert api.get("/tickets?channel=mailbox_mayor", as_="agent").get_json()["total"] == 1
    assert api.get("/tickets?status=dispatched&category=CB", as_="agent").get_json()["total"] == 1
    assert api.get("/tickets?q=补缴", as_="agent").get_json()["total"] == 1
    assert api.get("/tickets?type=complaint&overdue=false", as_="agent").get_json()["total"] == 3
    assert api.get("/tickets?overdue=true", as_="agent").get_json()["total"] == 0
    assert api.get("/tickets?received_from=2026-03-02&received_to=2026-03-02", as_="agent").get_json()["total"] == 3
    assert api.get("/tickets?received_to=2026-03-01", as_="agent").get_json()["total"] == 0


def test_list_for_staff_shows_only_their_department(api, db, users, now):
    make_ticket(db, users, now, status=S.DISPATCHED)
    make_ticket(db, users, now, status=S.DISPATCHED, category="CB", department="CBZJ")
    db.session.commit()
    body = api.get("/tickets", as_="staff_cbzj").get_json()
    assert body["total"] == 1 and body["items"][0]["department"] == "CBZJ"


def test_list_pages(api, db, users, now):
    for _ in range(3):
        make_ticket(db, users, now)
    db.session.commit()
    body = api.get("/tickets?per_page=2&page=2", as_="agent").get_json()
    assert (body["total"], body["pages"], body["page"], len(body["items"])) == (3, 2, 2, 1)


@pytest.mark.parametrize("query", ["status=lost", "per_page=1000", "page=0", "overdue=maybe", "received_from=soon"])
def test_list_bad_filters_are_422(api, query):
    response = api.get(f"/tickets?{query}", as_="agent")
    assert response.status_code == 422
    assert response.get_json()["fields"]


def test_the_api_takes_and_returns_the_call_id(api, db):
    response = api.post("/tickets", {"channel": "hotline_12393", "external_id": "CALL-1", "type": "consult",
                                     "content": "来电咨询生育津贴", "call_reference": "CTI-42"}, as_="agent")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["call_reference"] == "CTI-42"
    refused = api.post("/tickets", {"channel": "hotline_12393", "external_id": "CALL-2", "type": "consult",
                                    "content": "来电咨询", "call_reference": "C" * 65}, as_="agent")
    assert refused.status_code == 422 and "call_reference" in refused.get_json()["fields"]
    odd = api.post("/tickets", {"channel": "hotline_12393", "external_id": "CALL-3", "type": "consult",
                                "content": "来电咨询", "call_reference": "通话 77"}, as_="agent")
    assert odd.status_code == 422 and "字母、数字" in odd.get_json()["fields"]["call_reference"]


def test_an_outbound_dialler_takes_the_callbacks_due_with_their_numbers(api, db, users, now, monkeypatch):
    due = make_ticket(db, users, now, status=S.REPLIED, caller_phone="13912345678", title="该回访的")
    tried = make_ticket(db, users, now, status=S.REPLIED, caller_phone="13912340000", title="刚打过的")
    for ticket in (due, tried):
        ticket.needs_callback = True
    tickets.record_callback(db.session, tried, reached=False, satisfaction=None, solved=None,
                            actor=users["agent"], now=now + timedelta(days=1))
    db.session.commit()
    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(days=1, minutes=30))
    body = api.get("/callbacks", as_="agent").get_json()
    assert [(i["number"], i["caller_phone"], i["failed_tries"]) for i in body["items"]] == [
        (due.number, "13912345678", 0)] and body["total"] == 1  # the one tried half an hour ago waits
    assert db.session.scalar(sa.select(sa.func.count(PersonalDataView.id)).where(
        PersonalDataView.ticket_id == due.id, PersonalDataView.via == "api")) == 1
    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(days=1, hours=3))
    body = api.get("/callbacks?per_page=1", as_="agent").get_json()
    assert body["total"] == 2 and body["pages"] == 2 and body["items"][0]["number"] == due.number
    assert api.get("/callbacks?page=2&per_page=1", as_="agent").get_json()["items"][0]["failed_tries"] == 1
    masked = api.get("/callbacks", as_="admin").get_json()["items"]  # administrators may not see callers
    assert masked and all(i["caller_masked"] and "****" in i["caller_phone"] for i in masked)
    assert api.get("/callbacks", as_="staff_dybz").status_code == 403
    assert api.get("/callbacks", as_="mayor").status_code == 403
    assert api.get("/callbacks?per_page=500", as_="agent").status_code == 422


def test_the_ticket_gives_its_replies_and_callbacks_as_the_page_does(api, db, users, now):
    """A callback review: the API gave neither the reply nor the callback's answers, which the page shows."""
    ticket = make_ticket(db, users, now, status=S.CALLED_BACK, caller_phone="13912345678")
    db.session.commit()
    body = api.get(f"/tickets/{ticket.number}", as_="supervisor").get_json()
    assert [(r["kind"], r["content"], r["department"], r["by"]) for r in body["replies"]] == \
        [("handled", "已办理", "DYBZ", "staff_dybz")]
    [callback] = body["callbacks"]
    assert (callback["reached"], callback["declined"], callback["satisfaction"], callback["solved"]) == \
        (True, False, "satisfied", True)
    assert callback["outcome_title"] == "已联系上，满意，已解决" and callback["by"] == "agent"
    assert callback["created_at"].endswith("+08:00")


def test_a_declined_callback_through_the_api(api, db, users, now):
    ticket = make_ticket(db, users, now, status=S.REPLIED)
    db.session.commit()
    response = api.post(f"/tickets/{ticket.number}/actions", as_="agent",
                        json={"action": "callback", "reached": "declined", "note": "不需要回访"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "called_back"
    assert body["callbacks"][-1]["declined"] is True and body["callbacks"][-1]["reached"] is False
    assert body["callbacks"][-1]["note"] == "来电人不接受回访：不需要回访"


def test_allowed_actions_leave_out_what_there_is_nothing_to_act_on(api, db, users, now):
    """An API review: on an ordinary accepted ticket a supervisor was offered approve_extension, refuse_extension,
    clear_risk, urge_assist and withdraw_assist, and make_urgent on an urgent one; each then answered 409/422."""
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    db.session.commit()
    listed = set(api.get(f"/tickets/{ticket.number}", as_="supervisor").get_json()["allowed_actions"])
    assert not listed & {"approve_extension", "refuse_extension", "clear_risk", "urge_assist", "withdraw_assist"}
    assert {"urge", "make_urgent"} <= listed
    tickets.request_extension(db.session, ticket, "需外地医院配合", ticket.reply_due_at + timedelta(days=5),
                              actor=users["staff_dybz"], now=now)
    tickets.make_urgent(db.session, ticket, "来电人情绪激动", actor=users["supervisor"], now=now)
    db.session.commit()
    listed = set(api.get(f"/tickets/{ticket.number}", as_="supervisor").get_json()["allowed_actions"])
    assert {"approve_extension", "refuse_extension"} <= listed and "make_urgent" not in listed
