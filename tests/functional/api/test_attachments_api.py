"""附件 through /api/v1: upload (multipart), list in the ticket's JSON, download, and JSON errors."""
from __future__ import annotations

import sys

import hashlib
from io import BytesIO

import pytest

from tests.attachment_files import JPEG, PDF, PROGRAM
from tests.factories import make_ticket
from tests.virus_scanner import EICAR
from tests.virus_scanner import __file__ as SCANNER_SCRIPT
from ticketing.models import TicketStatus

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
