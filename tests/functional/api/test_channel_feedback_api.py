"""办理结果回传: a channel fetches the progress and the reply of the tickets it submitted, and what changed."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from ticketing.models import Ticket
from ticketing.services import tickets

MAIL = {"external_id": "mail-1", "type": "complaint", "title": "住院报销太慢", "content": "住院报销三个月没到账",
        "caller_name": "周先生", "caller_phone": "13912345678"}


def _submitted(api, db, **fields):
    response = api.post("/tickets", {**MAIL, **fields}, as_="mayor")
    assert response.status_code == 201, response.get_json()
    return db.session.scalar(sa.select(Ticket).where(Ticket.number == response.get_json()["number"]))


def _answered(db, users, ticket, now, text="经核实，报销款已于本周发放。"):
    dept = tickets.department_by_code(db.session, "DYBZ")
    tickets.dispatch(db.session, ticket, dept, actor=users["agent"], now=now)
    tickets.accept(db.session, ticket, actor=users["staff_dybz"], now=now)
    tickets.reply(db.session, ticket, text, actor=users["staff_dybz"], now=now)
    db.session.commit()


def test_a_channel_reads_the_progress_and_reply_of_its_own_ticket_only(api, db, users, now):
    ticket = _submitted(api, db)
    body = api.get("/channel/tickets/mail-1", as_="mayor").get_json()
    assert body["number"] == ticket.number and body["state"] == "已受理" and body["reply"] is None
    assert "caller_phone" not in body and "content" not in body  # the citizen's view, nothing internal
    _answered(db, users, ticket, now + timedelta(hours=1))
    for reference in ("mail-1", ticket.number):
        body = api.get(f"/channel/tickets/{reference}", as_="mayor").get_json()
        assert body["state"] == "已答复" and body["reply"] == "经核实，报销款已于本周发放。"
        assert body["department"] == "待遇保障科" and body["replied_at"].endswith("+08:00")
    assert api.get("/channel/tickets/mail-1", as_="transfer").status_code == 404  # another channel's
    response = api.get("/channel/tickets/mail-1", as_="agent")
    assert response.status_code == 403 and "渠道令牌" in response.get_json()["error"]


def test_a_fraud_report_keeps_its_department_and_reply_from_the_channel(api, db, users, now):
    report = _submitted(api, db, external_id="mail-2", type="report", content="举报某药店用医保卡刷生活用品")
    _answered(db, users, report, now + timedelta(hours=1), text="已立案调查，追回基金。")
    body = api.get("/channel/tickets/mail-2", as_="mayor").get_json()
    assert body["state"] == "已答复" and body["reply"] is None and body["reply_note"]
    assert body["department"] == "医疗保障部门"


def test_a_channel_polls_for_what_changed_page_by_page_without_missing_any(api, db, users, now, monkeypatch):
    first = _submitted(api, db, external_id="mail-a")
    second = _submitted(api, db, external_id="mail-b")
    _submitted(api, db, external_id="mail-c")
    api.post("/tickets", {**MAIL, "external_id": "t-1"}, as_="transfer")  # another channel's: never listed
    start = first.updated_at - timedelta(seconds=1)
    db.session.expire_all()
    latest = max(t.updated_at for t in db.session.scalars(sa.select(Ticket)))
    # a change within the current second waits for the next poll (until is whole seconds): ask up to a second later
    monkeypatch.setattr("ticketing.services.clock.now_utc", lambda: latest + timedelta(seconds=1))
    query = f"/channel/updates?since={start.isoformat()}&per_page=2"
    body = api.get(query, as_="mayor").get_json()
    assert [i["external_id"] for i in body["items"]] == ["mail-a", "mail-b"] and body["has_more"]
    until = body["until"]
    page2 = api.get(f"{query}&page=2&until={until}", as_="mayor").get_json()
    assert [i["external_id"] for i in page2["items"]] == ["mail-c"] and not page2["has_more"]
    # the unencoded "+08:00" of next_since arrives as a space and is still understood
    assert api.get(f"/channel/updates?since={body['next_since']}", as_="mayor").status_code == 200

    later = now + timedelta(days=1)
    _answered(db, users, second, later)
    monkeypatch.setattr("ticketing.services.clock.now_utc", lambda: later + timedelta(minutes=5))
    body = api.get(f"/channel/updates?since={(later - timedelta(seconds=1)).isoformat()}", as_="mayor").get_json()
    assert [(i["external_id"], i["state"]) for i in body["items"]] == [("mail-b", "已答复")]


def test_a_merged_ticket_comes_again_when_the_ticket_it_joined_is_answered(api, db, users, now, monkeypatch):
    mine = _submitted(api, db, external_id="mail-m")  # the citizen also rang the hotline about it, first
    main = tickets.register_ticket(db.session, tickets.TicketInput(
        channel="hotline_12393", type="complaint", content=MAIL["content"], caller_phone=MAIL["caller_phone"]),
        actor=users["agent"], now=now - timedelta(hours=1)).ticket
    merged_at = now + timedelta(hours=1)
    tickets.merge(db.session, mine, main, actor=users["agent"], now=merged_at)
    db.session.commit()
    answered_at = now + timedelta(days=2)
    _answered(db, users, main, answered_at)
    assert mine.updated_at == merged_at  # nothing was written on the merged ticket itself
    monkeypatch.setattr("ticketing.services.clock.now_utc", lambda: answered_at + timedelta(minutes=5))
    since = (answered_at - timedelta(seconds=1)).isoformat()
    body = api.get(f"/channel/updates?since={since}", as_="mayor").get_json()
    [item] = body["items"]  # the hotline ticket is not the channel's; its own merged ticket is
    assert (item["external_id"], item["state"], item["reply"]) == ("mail-m", "已答复", "经核实，报销款已于本周发放。")
    assert item["updated_at"] == answered_at.isoformat(timespec="seconds")
    assert api.get("/channel/tickets/mail-m", as_="mayor").get_json()["updated_at"] == item["updated_at"]
    before = (merged_at - timedelta(seconds=1)).isoformat()  # a poll over both changes lists it once
    assert [i["external_id"] for i in api.get(f"/channel/updates?since={before}", as_="mayor").get_json()["items"]] \
        == ["mail-m"]


def test_a_merge_of_a_merge_is_followed_to_the_ticket_that_is_answered(api, db, users, now, monkeypatch):
    mine = _submitted(api, db, external_id="mail-mm")  # merged into a call, which was then merged into an earlier one
    call, first = (tickets.register_ticket(db.session, tickets.TicketInput(
        channel="hotline_12393", type="complaint", content=MAIL["content"], caller_phone=MAIL["caller_phone"]),
        actor=users["agent"], now=now - timedelta(hours=hours)).ticket for hours in (1, 2))
    tickets.merge(db.session, mine, call, actor=users["agent"], now=now + timedelta(hours=1))
    tickets.merge(db.session, call, first, actor=users["agent"], now=now + timedelta(hours=2))
    db.session.commit()
    answered_at = now + timedelta(days=2)
    _answered(db, users, first, answered_at)
    monkeypatch.setattr("ticketing.services.clock.now_utc", lambda: answered_at + timedelta(minutes=5))
    body = api.get(f"/channel/updates?since={(answered_at - timedelta(seconds=1)).isoformat()}", as_="mayor").get_json()
    assert [(i["external_id"], i["state"], i["updated_at"]) for i in body["items"]] == [
        ("mail-mm", "已答复", answered_at.isoformat(timespec="seconds"))]
    assert api.get("/channel/tickets/mail-mm", as_="mayor").get_json()["updated_at"] == body["items"][0]["updated_at"]
    # the second merge itself changed what the citizen sees (the progress of another ticket): it is a change too
    second = now + timedelta(hours=2)
    between = api.get(f"/channel/updates?since={(second - timedelta(seconds=1)).isoformat()}"
                      f"&until={(second + timedelta(seconds=1)).isoformat()}", as_="mayor").get_json()
    assert [i["external_id"] for i in between["items"]] == ["mail-mm"]


def test_a_channel_returns_its_citizens_evaluation_of_the_reply(api, db, users, now, monkeypatch):
    from ticketing.models import Callback

    ticket = _submitted(api, db, external_id="mail-e")
    good = {"satisfaction": "basically_satisfied", "solved": True, "comment": "答复及时，希望以后简化手续"}
    early = api.post("/channel/tickets/mail-e/evaluation", good, as_="mayor")
    assert early.status_code == 409 and "只有已答复、尚未回访的工单接收评价" in early.get_json()["error"]
    answered_at = now + timedelta(days=1)
    _answered(db, users, ticket, answered_at)
    monkeypatch.setattr("ticketing.services.clock.now_utc", lambda: answered_at + timedelta(hours=5))
    missing = api.post("/channel/tickets/mail-e/evaluation", {"satisfaction": "satisfied"}, as_="mayor")
    assert missing.status_code == 422 and "solved" in missing.get_json()["fields"]
    assert api.post("/channel/tickets/mail-e/evaluation", good, as_="staff_dybz").status_code == 403  # a person's token
    assert api.post("/channel/tickets/mail-e/evaluation", good, as_="transfer").status_code == 404  # not its ticket

    response = api.post("/channel/tickets/mail-e/evaluation", good, as_="mayor")
    assert response.status_code == 201 and response.get_json()["number"] == ticket.number
    db.session.expire_all()
    assert ticket.status == "called_back" and ticket.called_back_at == answered_at + timedelta(hours=5)
    [callback] = db.session.scalars(sa.select(Callback).where(Callback.ticket_id == ticket.id)).all()
    assert (callback.agent, callback.reached, callback.satisfaction, callback.solved) == (
        None, True, "basically_satisfied", True)
    assert callback.department_id == ticket.department_id  # counted for the department that answered
    event = ticket.events[-1]
    assert event.action == "callback" and event.actor_label == "系统"
    assert event.note == "基本满意、已解决：市长信箱回传群众评价：答复及时，希望以后简化手续"  # the verdict first, as a callback's
    # the same 评价 again (a retry after a timeout): 200 and kept once (an API review: it was a 409, and the platform
    # could not tell whether its first try was kept); another answer is a 409
    again = api.post("/channel/tickets/mail-e/evaluation", good, as_="mayor")
    assert again.status_code == 200 and again.get_json()["number"] == ticket.number
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Callback).where(
        Callback.ticket_id == ticket.id)) == 1
    other = api.post("/channel/tickets/mail-e/evaluation", {**good, "satisfaction": "dissatisfied"}, as_="mayor")
    assert other.status_code == 409 and "当前已回访" in other.get_json()["error"]


def test_the_centres_internal_work_does_not_come_as_a_change(api, db, users, monkeypatch):
    from ticketing.services.actions import perform_action

    ticket = _submitted(api, db, external_id="mail-i")
    dispatched = ticket.received_at + timedelta(hours=1)
    tickets.dispatch(db.session, ticket, tickets.department_by_code(db.session, "DYBZ"), actor=users["agent"],
                     now=dispatched)
    tickets.accept(db.session, ticket, actor=users["staff_dybz"], now=dispatched)
    internal = dispatched + timedelta(days=1)
    for action, actor, params in (("note", "staff_dybz", {"content": "内部备注"}), ("urge", "supervisor", {"note": "请加快"}),
                                  ("request_assist", "staff_dybz", {"department": "CBZJ", "request": "请核实"}),
                                  ("follow_up", "agent", {"note": "再次来电"})):
        perform_action(db.session, ticket, action, params, actor=users[actor], now=internal)
    db.session.commit()
    assert ticket.updated_at == dispatched  # the citizen sees 办理中 at 待遇保障科 as before
    monkeypatch.setattr("ticketing.services.clock.now_utc", lambda: internal + timedelta(minutes=5))
    since = (internal - timedelta(seconds=1)).isoformat()
    assert api.get(f"/channel/updates?since={since}", as_="mayor").get_json()["items"] == []

    extended = internal + timedelta(hours=1)  # an approved extension moves the deadline the citizen sees
    until = (ticket.reply_due_at + timedelta(days=30)).date().isoformat()
    perform_action(db.session, ticket, "request_extension", {"reason": "需外地医院配合", "until": until},
                   actor=users["staff_dybz"], now=extended)
    perform_action(db.session, ticket, "approve_extension", {}, actor=users["supervisor"], now=extended)
    db.session.commit()
    monkeypatch.setattr("ticketing.services.clock.now_utc", lambda: extended + timedelta(minutes=5))
    [item] = api.get(f"/channel/updates?since={since}", as_="mayor").get_json()["items"]
    assert item["external_id"] == "mail-i" and item["extended"] is True


def test_bad_polling_requests_are_json_errors(api, db):
    assert api.get("/channel/updates", as_="mayor").status_code == 422  # since is required
    response = api.get("/channel/updates?since=昨天", as_="mayor")
    assert response.status_code == 422 and "时间格式不正确" in str(response.get_json()["fields"])
    response = api.get("/channel/updates?since=2026-03-02&until=2026-03-01", as_="mayor")
    assert response.status_code == 422 and "since" in response.get_json()["fields"]
    assert api.get("/channel/updates?since=2026-03-02", as_="agent").status_code == 403
    response = api.get("/channel/updates?since=2026-03-02&afer=x", as_="mayor")  # misspelt: page 1 for ever
    assert response.status_code == 422 and response.get_json()["fields"] == {"afer": "未知的查询参数"}


def test_the_openapi_document_describes_the_return_path(api):
    paths = api.get("/openapi.json").get_json()["paths"]
    assert "/api/v1/channel/tickets/{reference}" in paths and "/api/v1/channel/updates" in paths
    parameters = {p["name"] for p in paths["/api/v1/channel/updates"]["get"]["parameters"]}
    assert {"since", "until", "page", "per_page"} <= parameters


def test_a_channel_is_told_when_an_evaluation_is_taken(api, db, users, now):
    ticket = _submitted(api, db, external_id="mail-e")
    assert api.get("/channel/tickets/mail-e", as_="mayor").get_json()["evaluable"] is False  # not answered yet
    _answered(db, users, ticket, now + timedelta(hours=1))
    assert api.get("/channel/tickets/mail-e", as_="mayor").get_json()["evaluable"] is True
    body = api.post("/channel/tickets/mail-e/evaluation", {"satisfaction": "satisfied", "solved": True},
                    as_="mayor").get_json()
    assert body["state"] == "已答复" and body["evaluable"] is False  # called back now: a second one is a 409
