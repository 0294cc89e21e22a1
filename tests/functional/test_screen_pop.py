"""来电弹屏: the telephone platform opens the call form with the caller's number and the call's id; both are
filled in (a number it cannot be is left out, with a message), and the id stays with the ticket. A repeat
caller's name and district are offered from their last ticket, and that is logged as a view of the caller."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tests.factories import make_ticket
from ticketing.models import PersonalDataView, Ticket


def _field(html: str, name: str) -> str:
    """The whole <input> tag of the field."""
    before, after = html.split(f'name="{name}"', 1)
    return before[before.rindex("<input"):] + after.split(">", 1)[0]


def test_the_pop_fills_in_the_number_and_the_call_id_and_the_ticket_keeps_the_id(db, users, auth, client):
    auth.login("agent")
    html = client.get("/agent/calls/new?phone=013912345678&call_id=CTI-20261203-000815").get_data(as_text=True)
    assert 'value="13912345678"' in _field(html, "caller_phone")  # the exchange's 0 before another area's mobile
    assert 'value="CTI-20261203-000815"' in _field(html, "call_reference")
    assert "autofocus" in _field(html, "caller_name") and "autofocus" not in _field(html, "caller_phone")
    response = client.post("/agent/calls/new", data={
        "caller_phone": "13912345678", "call_reference": "CTI-20261203-000815", "channel": "hotline_12393",
        "type": "consult", "urgency": "normal", "content": "来电人咨询异地就医备案怎么办理", "submit": "save"})
    assert response.status_code == 302
    ticket = db.session.scalar(sa.select(Ticket).order_by(Ticket.id.desc()))
    assert ticket.call_reference == "CTI-20261203-000815" and ticket.caller_phone == "13912345678"
    assert "来电流水号 CTI-20261203-000815" in ticket.events[0].note
    assert "来电流水号 CTI-20261203-000815" in client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    # 工单查询 finds the ticket by the call's id (a recording in hand, the ticket wanted)
    found = client.get("/tickets/?q=CTI-20261203-000815").get_data(as_text=True)
    assert ticket.number in found
    assert ticket.number not in client.get("/tickets/?q=CTI-20261203-000816").get_data(as_text=True)


def test_what_cannot_be_a_number_or_an_id_is_left_out_with_a_message(db, users, auth, client):
    auth.login("agent")
    html = client.get("/agent/calls/new?phone=12ab&call_id=<script>").get_data(as_text=True)
    assert "来电弹屏传来的号码“12ab”未带入：电话号码格式不正确" in html
    assert "来电弹屏传来的来电流水号未带入：来电流水号应为 1–64 位字母、数字或 -_.:" in html
    assert "&lt;script&gt;" not in _field(html, "call_reference")
    assert 'value=""' in _field(html, "caller_phone") or "value" not in _field(html, "caller_phone")
    assert "autofocus" in _field(html, "caller_phone")  # nothing filled in: the cursor starts at the number
    html = client.get("/agent/calls/new").get_data(as_text=True)  # an ordinary visit says nothing
    assert "来电弹屏传来" not in html
    too_long = client.post("/agent/calls/new", data={
        "call_reference": "X" * 65, "channel": "hotline_12393", "type": "consult", "urgency": "normal",
        "content": "来电人咨询门诊慢特病", "submit": "save"})
    assert too_long.status_code == 400 and "来电流水号最多 64 个字符" in too_long.get_data(as_text=True)
    odd = client.post("/agent/calls/new", data={
        "call_reference": "通话 77", "channel": "hotline_12393", "type": "consult", "urgency": "normal",
        "content": "来电人咨询门诊慢特病", "submit": "save"})
    assert odd.status_code == 400 and "来电流水号应为 1–64 位字母、数字或 -_.:" in odd.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Ticket.id))) == 0



def test_a_repeat_callers_name_and_district_are_offered_once_and_the_view_is_logged(db, users, auth, client, now):
    older = make_ticket(db, users, now - timedelta(days=20), caller_phone="13912345678", caller_name="王秀英",
                        region="赛罕区")
    make_ticket(db, users, now - timedelta(days=2), caller_phone="13912345678", caller_name=None)  # the latest: no name
    make_ticket(db, users, now, caller_phone="13800000000", caller_name="别人")
    db.session.commit()
    auth.login("agent")
    plain = client.post("/agent/assist", json={"text": "", "phone": "13912345678"}).get_json()
    assert "caller" not in plain and len(plain["history"]) == 2  # typing the content asks nothing of the caller
    assert db.session.scalar(sa.select(sa.func.count(PersonalDataView.id))) == 0
    asked = client.post("/agent/assist", json={"text": "", "phone": "139 1234 5678", "caller": True}).get_json()
    assert asked["caller"] == {"name": "王秀英", "region": "赛罕区", "number": older.number}
    view = db.session.scalar(sa.select(PersonalDataView))
    assert (view.ticket_id, view.user_id, view.via_title) == (older.id, users["agent"].id, "来电登记带出")
    assert "caller" not in client.post("/agent/assist", json={"phone": "13700000001", "caller": True}).get_json()
    auth.logout()
    auth.login("admin")
    assert "来电登记带出" in client.get("/admin/audit?tab=views").get_data(as_text=True)
