"""修改诉求类型 through POST /api/v1/tickets/{number}/actions."""
from __future__ import annotations

from datetime import timedelta

from tests.factories import make_ticket
from ticketing.models import TicketStatus
from ticketing.services import clock

S = TicketStatus


def test_the_api_changes_the_type(api, db, users, now, monkeypatch):
    ticket = make_ticket(db, users, now, status=S.DISPATCHED, type="consult")
    db.session.commit()
    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(hours=2))
    assert "change_type" in api.get(f"/tickets/{ticket.number}", as_="agent").get_json()["allowed_actions"]
    assert "change_type" not in api.get(f"/tickets/{ticket.number}", as_="staff_dybz").get_json()["allowed_actions"]
    response = api.post(f"/tickets/{ticket.number}/actions", {"action": "change_type", "type": "gossip",
                                                              "reason": "x"}, as_="agent")
    assert response.status_code == 422 and "type" in response.get_json()["fields"]
    before = api.get(f"/tickets/{ticket.number}", as_="agent").get_json()["reply_due_at"]
    response = api.post(f"/tickets/{ticket.number}/actions", {"action": "change_type", "type": "help",
                                                              "reason": "求助"}, as_="agent")
    assert response.status_code == 200 and response.get_json()["type"] == "help"
    assert response.get_json()["reply_due_at"] > before and response.get_json()["events"][-1]["action"] == "change_type"
