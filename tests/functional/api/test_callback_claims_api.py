"""GET /api/v1/callbacks leaves out the tickets another agent is calling back now (正在回访)."""
from __future__ import annotations

from datetime import timedelta

from tests.factories import make_ticket
from ticketing.models import TicketStatus
from ticketing.services import callback_claims, clock

S = TicketStatus


def _waiting_the_next_day(db, users, now, monkeypatch):
    """A ticket waiting for its callback, and the clock a day later: (ticket, at)."""
    ticket = make_ticket(db, users, now, status=S.REPLIED)
    ticket.needs_callback = True
    db.session.commit()
    at = now + timedelta(days=1)
    monkeypatch.setattr(clock, "now_utc", lambda: at)
    return ticket, at


def test_the_callback_queue_leaves_out_another_agents_call(api, db, users, now, monkeypatch):
    ticket, at = _waiting_the_next_day(db, users, now, monkeypatch)
    callback_claims.claim(db.session, ticket, users["supervisor"], at)
    db.session.commit()
    assert [t["number"] for t in api.get("/callbacks", as_="agent").get_json()["items"]] == []
    assert [t["number"] for t in api.get("/callbacks", as_="supervisor").get_json()["items"]] == [ticket.number]
    monkeypatch.setattr(clock, "now_utc", lambda: at + callback_claims.CLAIM + timedelta(seconds=1))
    assert [t["number"] for t in api.get("/callbacks", as_="agent").get_json()["items"]] == [ticket.number]


def test_a_supervisor_takes_over_another_agents_call(api, db, users, now, monkeypatch):
    ticket, at = _waiting_the_next_day(db, users, now, monkeypatch)
    assert "take_over_callback" not in api.get(f"/tickets/{ticket.number}", as_="supervisor").get_json()["allowed_actions"]
    refused = api.post(f"/tickets/{ticket.number}/actions", {"action": "take_over_callback"}, as_="supervisor")
    assert refused.status_code == 409 and "没有他人正在回访" in refused.get_json()["error"]
    callback_claims.claim(db.session, ticket, users["agent"], at)
    db.session.commit()
    assert "take_over_callback" in api.get(f"/tickets/{ticket.number}", as_="supervisor").get_json()["allowed_actions"]
    assert api.post(f"/tickets/{ticket.number}/actions", {"action": "take_over_callback"}, as_="agent").status_code == 403
    taken = api.post(f"/tickets/{ticket.number}/actions", {"action": "take_over_callback"}, as_="supervisor")
    assert taken.status_code == 200, taken.get_json()
    assert [t["number"] for t in api.get("/callbacks", as_="agent").get_json()["items"]] == []  # the supervisor's now
