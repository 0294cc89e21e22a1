"""A change PostgreSQL refused because another was made at the same moment (a deadlock between two merges, a
serialization failure, the same unique row inserted twice) is a 409 with a Chinese message, in the API and on the
pages, not a 500; anything else the database refuses stays a 500 (a race review, 4 Dec 2026)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.factories import make_ticket
from ticketing.models import TicketStatus
from ticketing.services import tickets
from ticketing.views import CONFLICT_MESSAGE


class Refused(Exception):
    def __init__(self, sqlstate):
        super().__init__(f"refused ({sqlstate})")
        self.sqlstate = sqlstate


def refuse_notes(monkeypatch, sqlstate):
    def refused(*args, **kwargs):
        raise sa.exc.OperationalError("UPDATE ticket …", {}, Refused(sqlstate))

    monkeypatch.setattr(tickets, "add_note", refused)


@pytest.mark.parametrize("sqlstate", ["40P01", "40001", "23505"])
def test_a_change_refused_as_concurrent_is_a_409_in_the_api(api, db, users, now, monkeypatch, sqlstate):
    ticket = make_ticket(db, users, now, status=TicketStatus.DISPATCHED)
    db.session.commit()
    refuse_notes(monkeypatch, sqlstate)
    response = api.post(f"/tickets/{ticket.number}/actions", {"action": "note", "content": "已联系医院"}, as_="agent")
    assert response.status_code == 409
    assert response.get_json() == {"error": CONFLICT_MESSAGE}


def test_a_change_refused_as_concurrent_goes_back_to_the_page_with_the_reason(db, users, now, auth, client,
                                                                               monkeypatch):
    ticket = make_ticket(db, users, now, status=TicketStatus.DISPATCHED)
    db.session.commit()
    refuse_notes(monkeypatch, "40P01")
    auth.login("agent")
    page = f"/tickets/{ticket.number}"
    response = client.post(f"{page}/actions/note", data={"content": "已联系医院"}, headers={"Referer": "http://localhost" + page})
    assert response.status_code == 302 and response.headers["Location"].endswith(page)
    assert CONFLICT_MESSAGE in client.get(page).get_data(as_text=True)


def test_any_other_database_error_stays_a_500(app, api, db, users, now, monkeypatch):
    ticket = make_ticket(db, users, now, status=TicketStatus.DISPATCHED)
    db.session.commit()
    refuse_notes(monkeypatch, "53100")  # disk full
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        response = api.post(f"/tickets/{ticket.number}/actions", {"action": "note", "content": "x"}, as_="agent")
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    assert response.status_code == 500 and "error" in response.get_json()
