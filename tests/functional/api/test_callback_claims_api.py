"""GET /api/v1/callbacks leaves out the tickets another agent is calling back now (正在回访)."""
from __future__ import annotations

from datetime import timedelta

from tests.factories import make_ticket
from ticketing.models import TicketStatus
from ticketing.services import callback_claims, clock

S = TicketStatus


def test_the_callback_queue_leaves_out_another_agents_call(api, db, users, now, monkeypatch):
    ticket = make_ticket(db, users, now, status=S.REPLIED)
    ticket.needs_callback = True
    db.session.commit()
    at = now + timedelta(days=1)
    monkeypatch.setattr(clock, "now_utc", lambda: at)
    callback_claims.claim(db.session, ticket, users["supervisor"], at)
    db.session.commit()
    assert [t["number"] for t in api.get("/callbacks", as_="agent").get_json()["items"]] == []
    assert [t["number"] for t in api.get("/callbacks", as_="supervisor").get_json()["items"]] == [ticket.number]
    monkeypatch.setattr(clock, "now_utc", lambda: at + callback_claims.CLAIM + timedelta(seconds=1))
    assert [t["number"] for t in api.get("/callbacks", as_="agent").get_json()["items"]] == [ticket.number]
