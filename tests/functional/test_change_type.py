"""修改诉求类型 on the ticket page and in the API."""
from __future__ import annotations

from datetime import timedelta

from tests.factories import make_ticket
from ticketing.models import TicketStatus
from ticketing.services import clock

S = TicketStatus


def test_an_agent_corrects_the_type_on_the_ticket_page(db, client, users, auth, now, monkeypatch):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, type="consult")
    db.session.commit()
    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(hours=2))
    auth.login("staff_dybz")
    assert 'id="change-type-form"' not in client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    auth.logout()
    auth.login("agent")
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    form = page[page.index('id="change-type-form"'):]
    form = form[:form.index("</form>")]
    assert '<option value="consult" selected>咨询</option>' in form and "时限按新类型重算" in form
    html = client.post(f"/tickets/{ticket.number}/actions/change_type", data={"type": "complaint", "reason": ""},
                       follow_redirects=True).get_data(as_text=True)
    assert "请填写修改诉求类型的原因" in html and '<option value="consult" selected>' in html  # nothing changed
    html = client.post(f"/tickets/{ticket.number}/actions/change_type", follow_redirects=True,
                       data={"type": "complaint", "reason": "来电人投诉窗口态度"}).get_data(as_text=True)
    assert f"已修改诉求类型：{ticket.number}" in html and '<option value="complaint" selected>' in html
    assert "咨询 → 投诉：来电人投诉窗口态度（答复时限" in html  # in the history, with the deadlines
