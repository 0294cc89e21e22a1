"""批量督办: a supervisor urges the ticked tickets with one note; each gets its own event, refusals are listed."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tests.factories import make_ticket
from ticketing.models import TicketEvent, TicketStatus
from ticketing.services import actions

S = TicketStatus


def _overdue_tickets(db, users, now):
    long_ago = now - timedelta(days=40)
    made = [make_ticket(db, users, long_ago, status=S.DISPATCHED),
            make_ticket(db, users, long_ago, status=S.ACCEPTED),
            make_ticket(db, users, long_ago, status=S.CLOSED)]
    db.session.commit()
    return made


def test_the_supervisor_urges_the_ticked_tickets_at_once(db, client, users, auth, now):
    dispatched, accepted, closed = _overdue_tickets(db, users, now)
    auth.login("supervisor")
    page = client.get("/supervise/").get_data(as_text=True)
    assert 'id="bulk-overdue"' in page and f'value="{dispatched.number}" form="bulk-overdue"' in page
    assert f'value="{closed.number}" form="bulk-overdue"' not in page  # closed: not in the list to tick

    response = client.post("/supervise/urge", data={
        "numbers": [dispatched.number, accepted.number, closed.number, "12393-19990101-000001"],
        "note": "请于今日内答复", "next": "/supervise/?#overdue"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/supervise/") and response.headers["Location"].endswith("#overdue")
    html = client.get("/supervise/").get_data(as_text=True)
    assert "已督办 2 件" in html
    assert "未督办 1 件" in html and closed.number in html and "12393-19990101-000001" in html
    for ticket in (dispatched, accepted):
        db.session.refresh(ticket)
        assert ticket.urge_count == 1 and ticket.last_urge_note == "请于今日内答复"
        events = db.session.scalars(sa.select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.action == "urge")).all()
        assert len(events) == 1 and events[0].actor_id == users["supervisor"].id
    db.session.refresh(closed)
    assert closed.urge_count == 0


def test_a_batch_without_a_note_or_without_tickets_urges_nothing(db, client, users, auth, now):
    dispatched, accepted, _ = _overdue_tickets(db, users, now)
    auth.login("supervisor")
    client.post("/supervise/urge", data={"numbers": [dispatched.number, accepted.number], "note": " "})
    html = client.get("/supervise/").get_data(as_text=True)
    assert "请填写督办意见，未督办任何工单。" in html and "未督办 2 件" not in html
    client.post("/supervise/urge", data={"note": "请尽快"})
    assert "请先勾选工单" in client.get("/supervise/").get_data(as_text=True)
    db.session.refresh(dispatched)
    assert dispatched.urge_count == 0


def test_only_supervisors_urge_in_batches(db, client, users, auth, now):
    dispatched, _, _ = _overdue_tickets(db, users, now)
    for who in ("agent", "staff_dybz"):
        auth.login(who)
        assert client.post("/supervise/urge", data={"numbers": [dispatched.number], "note": "x"}).status_code == 403
        auth.logout()


def test_a_batch_is_capped(db, users, now):
    import pytest

    from ticketing.services.errors import ValidationFailed
    with pytest.raises(ValidationFailed, match="一次最多处理 200 件"):
        actions.perform_on_many(db.session, [f"12393-20260101-{i:06d}" for i in range(201)], "urge",
                                {"note": "x"}, actor=users["supervisor"], now=now)
