"""附件 through /api/v1: upload (multipart), list in the ticket's JSON, download, and JSON errors."""
from __future__ import annotations

import sys

import hashlib
from datetime import timedelta
from io import BytesIO

import pytest

from tests.attachment_files import JPEG, PDF, PROGRAM
from tests.factories import make_ticket
from tests.virus_scanner import EICAR
from tests.virus_scanner import __file__ as SCANNER_SCRIPT
from ticketing.models import TicketStatus
from ticketing.services import clock

S = TicketStatus


@pytest.fixture(autouse=True)
def attachment_dir(app, tmp_path):
    before = {k: app.config[k] for k in ("ATTACHMENT_DIR", "ATTACHMENT_MAX_MB")}
    app.config.update(ATTACHMENT_DIR=str(tmp_path), ATTACHMENT_MAX_MB=1)
    yield tmp_path
    app.config.update(before)


def _upload(api, ticket, as_, name, content, **form):
    number = ticket if isinstance(ticket, str) else ticket.number
    return api.client.post(f"/api/v1/tickets/{number}/attachments", headers=api._headers(as_),
                           data={"file": (BytesIO(content), name), **form}, content_type="multipart/form-data")


def test_a_file_uploaded_through_the_api_is_listed_and_downloads_unchanged(api, db, users, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    db.session.commit()
    response = _upload(api, ticket, "staff_dybz", "办结材料.pdf", PDF)
    assert response.status_code == 201, response.get_json()
    (listed,) = response.get_json()["attachments"]
    assert listed["name"] == "办结材料.pdf" and listed["size"] == len(PDF) and listed["uploaded_by"] == "staff_dybz"
    assert listed["sha256"] == hashlib.sha256(PDF).hexdigest() and not listed["identifies_caller"]
    assert response.get_json()["events"][-1]["action"] == "attach"
    with api.client.get(listed["url"], headers=api._headers("agent")) as download:
        assert download.status_code == 200 and download.data == PDF
        assert download.headers["Content-Disposition"].startswith("attachment")
    assert api.get(f"/tickets/{ticket.number}", as_="supervisor").get_json()["attachments"][0]["id"] == listed["id"]


def test_refusals_are_json_errors_in_chinese(api, db, users, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    db.session.commit()
    response = _upload(api, ticket, "staff_dybz", "发票.pdf", PROGRAM)
    assert response.status_code == 422
    assert "内容不是PDF文件" in response.get_json()["fields"]["file"]
    response = api.client.post(f"/api/v1/tickets/{ticket.number}/attachments", headers=api._headers("staff_dybz"),
                               data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and response.get_json()["fields"]["file"] == "必填"
    assert _upload(api, ticket, "staff_cbzj", "a.pdf", PDF).status_code == 404  # another department's ticket
    assert _upload(api, ticket, "transfer", "a.pdf", PDF).status_code == 404  # not a ticket that channel sent
    assert api.get(f"/tickets/{ticket.number}", as_="agent").get_json()["attachments"] == []


def test_an_identity_file_is_counted_but_not_listed_for_the_department_handling_a_report(api, db, users, now):
    report = make_ticket(db, users, now, status=S.ACCEPTED, category="JJ", type="report")
    db.session.commit()
    body = _upload(api, report, "agent", "身份证.jpg", JPEG, identifies_caller="true").get_json()
    (identity,) = body["attachments"]
    seen_by_staff = api.get(f"/tickets/{report.number}", as_="staff_dybz").get_json()
    assert seen_by_staff["attachments"] == [] and seen_by_staff["hidden_attachments"] == 1
    response = api.client.get(identity["url"], headers=api._headers("staff_dybz"))
    assert response.status_code == 403 and "含来电人身份信息" in response.get_json()["error"]


def test_the_openapi_document_describes_the_upload(api):
    spec = api.get("/openapi.json").get_json()
    upload = spec["paths"]["/api/v1/tickets/{number}/attachments"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert "/api/v1/tickets/{number}/attachments/{attachment_id}" in spec["paths"]


def test_a_channel_sends_the_files_of_the_tickets_it_submitted(api, db, users, now):
    body = api.post("/tickets", {"external_id": "SZ-2026-0001", "type": "complaint",
                                 "content": "市长信箱来信：反映县医院住院报销比例偏低，附来信扫描件"}, as_="mayor").get_json()
    number = body["number"]
    response = _upload(api, number, "mayor", "来信扫描.pdf", PDF)
    assert response.status_code == 201, response.get_json()
    sent = response.get_json()
    assert [a["name"] for a in sent["attachments"]] == ["来信扫描.pdf"] and sent["attachments"][0]["uploaded_by"] is None
    assert sent["events"] == [] and sent["allowed_actions"] == []  # a channel only submits
    assert _upload(api, number, "transfer", "b.pdf", PDF + b"1").status_code == 404
    seen = api.get(f"/tickets/{number}", as_="agent").get_json()
    assert [a["name"] for a in seen["attachments"]] == ["来信扫描.pdf"]
    assert seen["events"][-1]["action"] == "attach" and seen["events"][-1]["actor"] == "系统"
    assert seen["events"][-1]["note"].endswith(f"；接口令牌 #{_token_id(db, api.tokens['mayor'])}（channel:mailbox_mayor）")
    with api.client.get(seen["attachments"][0]["url"], headers=api._headers("agent")) as download:
        assert download.data == PDF


def test_a_body_over_the_overall_limit_is_a_json_413(api, app, db, users, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    db.session.commit()
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 2048
    try:
        response = _upload(api, ticket, "staff_dybz", "大.pdf", PDF + b"0" * 4096)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert response.status_code == 413 and response.get_json()["error"] == "请求体过大"


def test_the_virus_scanners_verdict_is_a_json_error(api, app, db, users, now, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_SCAN_COMMAND", f"{sys.executable} {SCANNER_SCRIPT}")
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    db.session.commit()
    response = _upload(api, ticket, "staff_dybz", "发票.pdf", PDF + EICAR)
    assert response.status_code == 422 and "未通过病毒检查" in response.get_json()["fields"]["file"]
    response = _upload(api, ticket, "staff_dybz", "说明.pdf", PDF + b"SCANNER-FAULT")
    assert response.status_code == 503 and "请稍后重试" in response.get_json()["fields"]["file"]
    assert _upload(api, ticket, "staff_dybz", "说明.pdf", PDF).status_code == 201


def _token_id(db, token: str) -> int:
    import sqlalchemy as sa

    from ticketing.models.intake import ApiToken, hash_token

    return db.session.scalar(sa.select(ApiToken.id).where(ApiToken.token_sha256 == hash_token(token)))


def _answered_with_files(api, db, users, now, *, external_id="SZ-2026-0101", type="complaint",
                         content="市长信箱来信：住院报销三个月没到账"):
    """A mayor's-mailbox letter answered by 待遇保障科 with a 答复函, an internal note and the writer's ID card on file."""
    number = api.post("/tickets", {"external_id": external_id, "type": type, "content": content,
                                   "caller_phone": "13912340101"}, as_="mayor").get_json()["number"]
    assert api.post(f"/tickets/{number}/actions", {"action": "dispatch", "department": "DYBZ"}, as_="agent").status_code == 200
    assert api.post(f"/tickets/{number}/actions", {"action": "accept"}, as_="staff_dybz").status_code == 200
    letter = _upload(api, number, "staff_dybz", "答复函.pdf", PDF).get_json()["attachments"][-1]
    internal = _upload(api, number, "staff_dybz", "核查记录.jpg", JPEG).get_json()["attachments"][-1]
    identity = _upload(api, number, "staff_dybz", "身份证.pdf", PDF + b"id", identifies_caller="1")
    assert identity.status_code == 201, identity.get_json()
    identity = identity.get_json()["attachments"][-1]
    return number, letter, internal, identity


def test_files_sent_with_a_reply_are_fetched_by_the_channel_and_no_other_file_is(api, db, users, now, monkeypatch):
    """12345 and the mailboxes got a 答复函 only as typed words; now a reply carries the files its department ticks."""
    number, letter, internal, identity = _answered_with_files(api, db, users, now)
    refused = api.post(f"/tickets/{number}/actions", {"action": "reply", "content": "已核实，报销款本周发放。",
                                                      "attachments": [identity["id"]]}, as_="staff_dybz")
    assert refused.status_code == 422 and "身份信息" in refused.get_json()["error"]
    assert api.get(f"/tickets/{number}", as_="agent").get_json()["status"] == "accepted"  # nothing half done
    replied = api.post(f"/tickets/{number}/actions", {"action": "reply", "content": "已核实，报销款本周发放。",
                                                      "attachments": [letter["id"]]}, as_="staff_dybz").get_json()
    assert replied["replies"][-1]["attachments"] == [letter["id"]]
    assert replied["events"][-1]["note"] == "随答复发送：答复函.pdf"
    seen = api.get("/channel/tickets/SZ-2026-0101", as_="mayor").get_json()
    (sent,) = seen["reply_attachments"]
    assert sent["name"] == "答复函.pdf" and sent["sha256"] == hashlib.sha256(PDF).hexdigest()
    with api.client.get(sent["url"], headers=api._headers("mayor")) as download:
        assert download.status_code == 200 and download.data == PDF
    for other in (internal, identity):  # on the ticket, not sent: as absent as a file of another ticket
        assert api.get(f"/channel/tickets/SZ-2026-0101/attachments/{other['id']}", as_="mayor").status_code == 404
    assert api.get(f"/channel/tickets/SZ-2026-0101/attachments/{letter['id']}", as_="transfer").status_code == 404
    assert api.get(f"/channel/tickets/SZ-2026-0101/attachments/{letter['id']}", as_="agent").status_code == 403
    # the updates feed carries them too (a change within the current second comes at the next poll: ask a second on)
    later = clock.now_utc() + timedelta(seconds=2)
    monkeypatch.setattr("ticketing.services.clock.now_utc", lambda: later)
    updates = api.get("/channel/updates", as_="mayor", query_string={"since": "2000-01-01T00:00:00+08:00"}).get_json()
    assert [a["id"] for a in updates["items"][0]["reply_attachments"]] == [letter["id"]]


def test_a_fraud_reports_reply_files_are_withheld_like_its_reply(api, db, users, now):
    number, letter, _, _ = _answered_with_files(api, db, users, now, external_id="SZ-2026-0102", type="report",
                                                content="举报某药店用医保卡刷生活用品")
    api.post(f"/tickets/{number}/actions", {"action": "reply", "content": "已立案调查。", "attachments": [letter["id"]]},
             as_="staff_dybz")
    seen = api.get("/channel/tickets/SZ-2026-0102", as_="mayor").get_json()
    assert seen["reply"] is None and seen["reply_attachments"] == []
    assert api.get(f"/channel/tickets/SZ-2026-0102/attachments/{letter['id']}", as_="mayor").status_code == 404


def test_a_file_of_another_ticket_or_not_a_number_is_refused(api, db, users, now):
    number, letter, _, _ = _answered_with_files(api, db, users, now)
    other = make_ticket(db, users, now, status=S.ACCEPTED)
    db.session.commit()
    foreign = _upload(api, other, "staff_dybz", "别的.pdf", PDF + b"x").get_json()["attachments"][-1]
    for attachments in ([foreign["id"]], ["答复函"]):
        response = api.post(f"/tickets/{number}/actions", {"action": "reply", "content": "已核实。",
                                                           "attachments": attachments}, as_="staff_dybz")
        assert response.status_code == 422, response.get_json()


def test_the_link_to_a_reply_file_works_whatever_the_channels_own_id_holds(api, db, users, now):
    number, letter, _, _ = _answered_with_files(api, db, users, now, external_id="SZ/2026/0101")
    api.post(f"/tickets/{number}/actions", {"action": "reply", "content": "已核实。", "attachments": [letter["id"]]},
             as_="staff_dybz")
    (sent,) = api.get(f"/channel/tickets/{number}", as_="mayor").get_json()["reply_attachments"]
    with api.client.get(sent["url"], headers=api._headers("mayor")) as download:  # SZ/2026/0101 cannot be a path part
        assert download.status_code == 200 and download.data == PDF


def test_who_may_reply_and_when_is_checked_before_the_files(api, db, users, now):
    """An agent's reply naming files got a 422 about the files (and learnt which held the caller's identity)."""
    number, letter, _, identity = _answered_with_files(api, db, users, now)
    response = api.post(f"/tickets/{number}/actions", {"action": "reply", "content": "已核实。",
                                                       "attachments": [identity["id"]]}, as_="agent")
    assert response.status_code == 403
    api.post(f"/tickets/{number}/actions", {"action": "reply", "content": "已核实。"}, as_="staff_dybz")
    response = api.post(f"/tickets/{number}/actions", {"action": "reply", "content": "再次答复。",
                                                       "attachments": [999]}, as_="staff_dybz")
    assert response.status_code == 409


def test_a_sent_file_removed_later_leaves_the_channels_view_and_the_feed_says_so(api, db, users, now, monkeypatch,
                                                                                   auth):
    number, letter, _, _ = _answered_with_files(api, db, users, now)
    api.post(f"/tickets/{number}/actions", {"action": "reply", "content": "已核实。", "attachments": [letter["id"]]},
             as_="staff_dybz")
    replied_at = api.get("/channel/tickets/SZ-2026-0101", as_="mayor").get_json()["updated_at"]
    later = clock.now_utc() + timedelta(minutes=5)
    monkeypatch.setattr("ticketing.services.clock.now_utc", lambda: later)
    auth.login("staff_dybz")
    page = api.client.get(f"/tickets/{number}").get_data(as_text=True)
    assert "已随答复发送</span>" in page and "删除后不能再随答复取回" in page  # the clerk is warned
    api.client.post(f"/tickets/{number}/attachments/{letter['id']}/remove", data={"reason": "发错文件"})
    seen = api.get("/channel/tickets/SZ-2026-0101", as_="mayor").get_json()
    assert seen["reply_attachments"] == [] and seen["updated_at"] > replied_at
    monkeypatch.setattr("ticketing.services.clock.now_utc", lambda: later + timedelta(seconds=2))
    since = (later - timedelta(seconds=1)).isoformat()
    feed = api.get("/channel/updates", as_="mayor", query_string={"since": since}).get_json()
    assert [i["number"] for i in feed["items"]] == [number]


def test_a_wrongly_typed_list_of_files_is_told_in_chinese(api, db, users, now):
    number, _, _, _ = _answered_with_files(api, db, users, now)
    for wrong in (["x"], "6"):
        response = api.post(f"/tickets/{number}/actions", {"action": "reply", "content": "已核实。", "attachments": wrong},
                            as_="staff_dybz")
        assert response.status_code == 422 and "附件编号" in str(response.get_json()["fields"]), response.get_json()
