"""12345 sending its new 要求办结时间 twice at once (a retry after a timeout, two workers) records it once: the order
it delivers again is locked until the delivery is saved (a review of the 12345-date change, 6 Dec 2026)."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from tests.unit.services.test_races import postgresql_only, race  # noqa: F401  (PostgreSQL only)
from tests.unit.services.test_source_due_paths import FRI, order
from ticketing.models import Ticket
from ticketing.services import tickets
from ticketing.services.deadlines import LOCAL_TZ

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=LOCAL_TZ)


def test_12345_sending_its_new_date_twice_at_once_records_it_once(app, db, users):
    """12345 retries a delivery after a timeout while the first is still being saved (two gunicorn workers): one
    change of its 要求办结时间, recorded once."""
    tickets.register_ticket(db.session, order(due_at=datetime(2026, 3, 13, 23, 59, 59, tzinfo=LOCAL_TZ)),
                            actor=None, now=NOW, route_now=False)
    db.session.commit()

    def first(session):
        tickets.register_ticket(session, order(due_at=FRI), actor=None, now=NOW + timedelta(hours=1))

    def second(session):
        return tickets.register_ticket(session, order(due_at=FRI), actor=None,
                                       now=NOW + timedelta(hours=1, seconds=1)).created

    assert race(app, first, second) == {"result": False}
    db.session.expire_all()
    (ticket,) = db.session.scalars(sa.select(Ticket)).all()
    changes = [e.note for e in ticket.events if (e.data or {}).get("source_due_at") and e.action == "follow_up"]
    assert len(changes) == 1, changes
