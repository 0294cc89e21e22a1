"""来电弹屏: the telephone platform opens the call form with the caller's number and the call's id; both are
filled in (a number it cannot be is left out, with a message), and the id stays with the ticket."""
from __future__ import annotations

import sqlalchemy as sa

from ticketing.models import Ticket


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
    assert "来电弹屏传来的来电流水号格式不正确" in html and "&lt;script&gt;" not in _field(html, "call_reference")
    assert 'value=""' in _field(html, "caller_phone") or "value" not in _field(html, "caller_phone")
    assert "autofocus" in _field(html, "caller_phone")  # nothing filled in: the cursor starts at the number
    html = client.get("/agent/calls/new").get_data(as_text=True)  # an ordinary visit says nothing
    assert "来电弹屏传来" not in html
    too_long = client.post("/agent/calls/new", data={
        "call_reference": "X" * 65, "channel": "hotline_12393", "type": "consult", "urgency": "normal",
        "content": "来电人咨询门诊慢特病", "submit": "save"})
    assert too_long.status_code == 400 and "来电流水号最多 64 个字符" in too_long.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Ticket.id))) == 0

