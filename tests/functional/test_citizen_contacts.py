"""联系来电人 on the pages and in the API: the owed notice on the ticket page, the inbox's 待告知 tab,
the supervisor's 待告知来电人 section, and the contact action."""
from __future__ import annotations

import sys


from tests.factories import extend, make_ticket
from tests.sms_gateway import __file__ as GATEWAY
from ticketing.models import TicketStatus
from ticketing.services import api_tokens
from ticketing.services.deadlines import LOCAL_TZ

S = TicketStatus


def approved_extension(db, users, now, **fields):
    ticket = extend(db, users, make_ticket(db, users, now, status=S.ACCEPTED, **fields), now)
    db.session.commit()
    return ticket


def test_staff_see_the_owed_notice_and_record_it_on_the_ticket_page(db, client, users, auth, now):
    ticket = approved_extension(db, users, now, title="延期的那件")
    make_ticket(db, users, now, status=S.ACCEPTED, title="不欠告知的")
    db.session.commit()
    auth.login("staff_dybz")
    owed_tab = client.get("/inbox/?state=notify").get_data(as_text=True)
    assert "待告知" in owed_tab and "延期的那件" in owed_tab and "不欠告知的" not in owed_tab
    assert 'title="待告知来电人：延期告知"><span aria-hidden="true">告</span>' in owed_tab
    assert 'data-counter="notices">待告知<span class="badge" title="待处理">1</span>' in owed_tab  # the tab counts
    assert client.get("/todo.json").get_json()["counts"]["notices"] == 1

    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "待告知来电人：延期已批准" in page and 'id="contact-form"' in page
    assert '<option value="extension" selected>延期告知</option>' in page

    response = client.post(f"/tickets/{ticket.number}/actions/contact",
                           data={"purpose": "extension", "method": "phone", "note": "电话告知新的时限"},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "请选择是否已告知来电人" in html and "联系来电人记录" not in html  # nothing saved without the outcome

    response = client.post(f"/tickets/{ticket.number}/actions/contact",
                           data={"purpose": "extension", "method": "phone", "reached": "1", "note": "电话告知新的时限"},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert f"已记录联系来电人（已告知）：{ticket.number}" in html and "联系来电人记录" in html and "电话告知新的时限" in html
    assert "待告知来电人：延期已批准" not in html and "延期告知（电话，已告知）：电话告知新的时限" in html
    assert "延期的那件" not in client.get("/inbox/?state=notify").get_data(as_text=True)
    assert client.get("/todo.json").get_json()["counts"]["notices"] == 0


def test_the_supervisor_sees_every_notice_owed(db, client, users, auth, now):
    extension = approved_extension(db, users, now, title="延期待告知")
    petition = make_ticket(db, users, now, status=S.ACCEPTED, channel="petition_bureau", title="信访待告知受理")
    db.session.commit()
    auth.login("supervisor")
    html = client.get("/supervise/").get_data(as_text=True)
    section = html[html.index('id="notices"'):html.index('id="urged"')]
    assert "待告知来电人（2）" in section and extension.number in section and petition.number in section
    assert "尚未延期告知" in section and "尚未受理告知" in section and "记录告知" in section

    page = client.get(f"/tickets/{petition.number}").get_data(as_text=True)
    assert "尚未书面告知信访人" in page and '<option value="letter" selected>书面</option>' in page
    due = petition.accept_due_at.astimezone(LOCAL_TZ).date().isoformat()
    assert f"即 {due} 前" in page  # by when (a petition review: the notice had no date and was never late)


def test_the_department_of_a_fraud_report_cannot_contact_the_reporter(db, client, users, auth, now):
    report = approved_extension(db, users, now, type="report", category="JJ", caller_phone="13912345678")
    auth.login("staff_dybz")
    page = client.get(f"/tickets/{report.number}").get_data(as_text=True)
    assert "联系举报人由热线中心办理" in page and 'id="contact-form"' not in page
    response = client.post(f"/tickets/{report.number}/actions/contact",
                           data={"purpose": "extension", "method": "phone", "reached": "1", "note": "已告知"},
                           follow_redirects=True)
    assert "举报人身份保密" in response.get_data(as_text=True) and report.contacts == []

    auth.logout()
    auth.login("agent")
    response = client.post(f"/tickets/{report.number}/actions/contact", follow_redirects=True,
                           data={"purpose": "extension", "method": "phone", "reached": "1", "note": "已告知，回电 13912345678"})
    assert f"已记录联系来电人（已告知）：{report.number}" in response.get_data(as_text=True)
    auth.logout()
    auth.login("staff_dybz")
    page = client.get(f"/tickets/{report.number}").get_data(as_text=True)
    assert "联系来电人记录" in page and "139****5678" in page and "13912345678" not in page


def test_contacts_through_the_api(db, client, users, now):
    ticket = approved_extension(db, users, now)
    token = api_tokens.issue_token(db.session, now=now, user=users["staff_dybz"]).token
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    body = client.get(f"/api/v1/tickets/{ticket.number}", headers=headers).get_json()
    assert body["pending_notices"] == ["extension"] and body["contacts"] == [] and "contact" in body["allowed_actions"]

    response = client.post(f"/api/v1/tickets/{ticket.number}/actions", headers=headers,
                           json={"action": "contact", "purpose": "extension", "method": "fax", "reached": True})
    assert response.status_code == 422 and "method" in response.get_json()["fields"]
    response = client.post(f"/api/v1/tickets/{ticket.number}/actions", headers=headers,
                           json={"action": "contact", "purpose": "extension", "method": "sms", "reached": True,
                                 "note": "短信已发送"})
    assert response.status_code == 200
    body = client.get(f"/api/v1/tickets/{ticket.number}", headers=headers).get_json()
    assert body["pending_notices"] == []
    assert [(c["purpose"], c["method"], c["reached"], c["note"], c["by"]) for c in body["contacts"]] == [
        ("extension", "sms", True, "短信已发送", "staff_dybz")]


def test_with_an_sms_gateway_the_notice_is_sent_from_the_ticket_page(app, db, client, users, auth, now, tmp_path,
                                                                     monkeypatch):
    outbox = tmp_path / "outbox.txt"
    ticket = approved_extension(db, users, now)
    auth.login("staff_dybz")
    assert "发短信告知" not in client.get(f"/tickets/{ticket.number}").get_data(as_text=True)  # no gateway set
    monkeypatch.setitem(app.config, "SMS_COMMAND", f"{sys.executable} {GATEWAY} {outbox} {{phone}}")
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "发短信告知（138****8000）" in page
    html = client.post(f"/tickets/{ticket.number}/notices/extension/sms", follow_redirects=True).get_data(as_text=True)
    assert f"已发送延期告知短信：{ticket.number}" in html and "待告知来电人：延期已批准" not in html
    assert "延期告知（短信，已告知）：【12393医保服务热线】" in html and outbox.read_text(encoding="utf-8").startswith("13800138000\t")
    html = client.post(f"/tickets/{ticket.number}/notices/extension/sms", follow_redirects=True).get_data(as_text=True)
    assert "没有待延期告知" in html  # sent once: nothing owed any more
