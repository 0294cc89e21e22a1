"""更正来电人信息 on the ticket page and in the API."""
from __future__ import annotations

from datetime import timedelta

from tests.factories import make_ticket
from ticketing.models import TicketStatus
from ticketing.services import clock

S = TicketStatus


def form_of(page: str) -> str:
    form = page[page.index('id="correct-caller-form"'):]
    return form[:form.index("</form>")]


def test_an_agent_corrects_a_mistyped_phone_on_the_ticket_page(db, client, users, auth, now, monkeypatch):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, caller_phone="13800138001")
    db.session.commit()
    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(hours=2))
    auth.login("staff_dybz")
    assert 'id="correct-caller-form"' not in client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    auth.logout()
    auth.login("agent")
    form = form_of(client.get(f"/tickets/{ticket.number}").get_data(as_text=True))
    assert 'value="13800138001"' in form and 'value="王女士"' in form and "更正原因" in form
    url = f"/tickets/{ticket.number}/actions/correct_caller"
    fields = {"caller_name": "王女士", "caller_phone": "1380013800", "caller_id_number": "", "region": ""}
    html = client.post(url, data=fields | {"reason": ""}, follow_redirects=True).get_data(as_text=True)
    assert "电话号码格式不正确" in html and "请填写更正的原因" in html
    assert 'value="13800138001"' in form_of(html)  # nothing saved
    html = client.post(url, data=fields | {"caller_phone": "13800138000", "reason": "来电人再次来电核实号码"},
                       follow_redirects=True).get_data(as_text=True)
    assert f"已更正来电人信息：{ticket.number}" in html and 'value="13800138000"' in form_of(html)
    history = html[html.index("办理记录"):]
    assert "更正联系电话：来电人再次来电核实号码" in history and "联系电话：13800138001 → 13800138000" in history


def test_the_department_reads_which_details_changed_but_not_a_fraud_reporters_values(db, client, users, auth, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, type="report", category="JJ", caller_name="李某某")
    db.session.commit()
    auth.login("agent")
    client.post(f"/tickets/{ticket.number}/actions/correct_caller",
                data={"caller_name": "李建国", "caller_phone": "13900139000", "reason": "举报人补充真实姓名"})
    auth.logout()
    auth.login("staff_dybz")
    html = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "更正姓名、联系电话：举报人补充真实姓名" in html
    assert "李建国" not in html and "13900139000" not in html and "李某某" not in html
