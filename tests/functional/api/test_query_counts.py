"""The API's lists read what they show for a page at once: the number of SQL statements does not grow with the
tickets listed (a scale review: /hotspots and an assessment drill-down ran one query per ticket, /tickets and
/callbacks one per category, department and handler on the page)."""
from __future__ import annotations

import re

from contextlib import contextmanager
from datetime import timedelta

import sqlalchemy as sa

from tests.factories import make_ticket
from tests.unit.classifiers.test_hotspots import PHARMACY
from ticketing.models import TicketStatus
from ticketing.services import clock
from ticketing.services.deadlines import LOCAL_TZ

S = TicketStatus


@contextmanager
def counted(db):
    statements = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", seen)


def _statements(db, api, path, as_) -> int:
    """The SELECTs a request ran."""
    with counted(db) as statements:
        response = api.get(path, as_=as_)
    assert response.status_code == 200, response.get_json()
    return len([s for s in statements if s.lstrip().upper().startswith("SELECT")])  # each full view is logged


def _varied(db, users, now, n):
    """Tickets of several categories and departments, some with a handler."""
    made = []
    for i in range(n):
        category, department = (("CB", "CBZJ") if i % 2 else ("DY", "DYBZ"))
        made.append(make_ticket(db, users, now + timedelta(minutes=i), status=S.ACCEPTED if i % 3 else S.REPLIED,
                                category=category, department=department, content=f"第{i}件：住院报销比例是多少"))
    db.session.commit()
    return made


def test_the_ticket_list_and_the_callback_queue_read_a_page_in_the_same_statements_however_long(api, db, users,
                                                                                                 now, monkeypatch):
    _varied(db, users, now, 12)
    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(days=2))
    for path in ("/tickets?per_page={}", "/callbacks?per_page={}"):
        short, long = (_statements(db, api, path.format(n), "supervisor") for n in (2, 12))
        assert long <= short, (path, short, long)  # the short page has a next page to point to


def test_hotspots_and_a_drill_down_do_not_read_each_ticket_again(api, db, users, now, monkeypatch):
    for i, text in enumerate(PHARMACY[:3] * 2):
        make_ticket(db, users, now + timedelta(hours=i), status=S.DISPATCHED, content=text,
                    caller_phone=f"1390000001{i}", category="DD", region="赛罕区")
    db.session.commit()
    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(days=1))
    with counted(db) as statements:
        assert api.get("/hotspots?fresh=true", as_="supervisor").status_code == 200
    assert [s for s in statements if "FROM ticket" in s and re.search(r"WHERE ticket\.id = (\?|%\()", s)] == []

    month = now.astimezone(LOCAL_TZ).strftime("%Y-%m")
    short, long = (_statements(db, api, f"/assessment/{month}/departments/YYFW/tickets?limit={n}", "supervisor")
                   for n in (1, 6))
    assert long <= short, (short, long)
