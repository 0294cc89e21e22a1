"""更正来电人信息 through POST /api/v1/tickets/{number}/actions."""
from __future__ import annotations

from datetime import timedelta

from tests.factories import make_ticket
from ticketing.models import TicketStatus
from ticketing.services import clock

S = TicketStatus


def test_the_api_corrects_only_what_it_is_sent(api, db, users, now, monkeypatch):
    ticket = make_ticket(db, users, now, status=S.REPLIED, caller_id_number="11010519491231002X")
    db.session.commit()
    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(days=1))
    assert "correct_caller" in api.get(f"/tickets/{ticket.number}", as_="agent").get_json()["allowed_actions"]
    assert "correct_caller" not in api.get(f"/tickets/{ticket.number}", as_="staff_dybz").get_json()["allowed_actions"]
    response = api.post(f"/tickets/{ticket.number}/actions",
                        {"action": "correct_caller", "caller_phone": "0471-661234", "reason": "核实"}, as_="agent")
    assert response.status_code == 422 and set(response.get_json()["fields"]) == {"caller_phone"}
    response = api.post(f"/tickets/{ticket.number}/actions",
                        {"action": "correct_caller", "caller_phone": "(0471)6612345", "reason": "核实"}, as_="agent")
    assert response.status_code == 200 and response.get_json()["events"][-1]["action"] == "correct_caller"
    body = api.get(f"/tickets/{ticket.number}", as_="agent").get_json()  # whole, the view logged, as GET gives it
    assert body["caller_phone"] == "0471-6612345" and body["events"][-1]["note"] == "更正联系电话：核实"
    assert body["caller_id_number"] == "11010519491231002X" and body["status"] == "replied"  # not sent: kept
