"""GET /api/v1/tickets?changed_since=: a department's system keeps its copy up to date by asking only for the
tickets with any event (办理记录) since its last fetch, whatever kind of change it was."""
from __future__ import annotations

from datetime import timedelta

from tests.factories import make_ticket
from ticketing.models import TicketStatus
from ticketing.services import tickets

S = TicketStatus


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [item["number"] for item in response.get_json()["items"]]


def test_only_tickets_changed_since_are_listed(api, db, users, now):
    quiet = make_ticket(db, users, now, status=S.ACCEPTED, title="一直没动的")
    noted = make_ticket(db, users, now, status=S.ACCEPTED, title="后来加了备注的")
    new = make_ticket(db, users, now + timedelta(days=2), status=S.DISPATCHED, title="后来派发的")
    other = make_ticket(db, users, now + timedelta(days=2), status=S.DISPATCHED, category="CB", department="CBZJ")
    tickets.add_note(db.session, noted, "已电话联系医院", actor=users["staff_dybz"], now=now + timedelta(days=2))
    db.session.commit()
    since = (now + timedelta(days=1)).isoformat()
    listed = numbers(api.get(f"/tickets?changed_since={since}", as_="staff_dybz"))
    assert sorted(listed) == sorted([noted.number, new.number])  # not the quiet one, nor another department's
    assert quiet.number not in listed and other.number not in listed
    assert len(numbers(api.get("/tickets", as_="staff_dybz"))) == 3
    later = (now + timedelta(days=3)).isoformat()
    assert numbers(api.get(f"/tickets?changed_since={later}", as_="staff_dybz")) == []
    assert api.get("/tickets?changed_since=yesterday", as_="staff_dybz").status_code == 422
