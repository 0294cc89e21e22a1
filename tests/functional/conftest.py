"""Fixtures shared by the page and API tests: 月度考核's month, and the pages' clock set to a moment."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.conftest import LOCAL
from tests.factories import make_ticket
from ticketing.models import TicketStatus
from ticketing.services import clock, tickets

S = TicketStatus
TODAY = datetime(2026, 4, 5, 10, 0, tzinfo=LOCAL)


@pytest.fixture()
def today(monkeypatch):
    monkeypatch.setattr(clock, "now_utc", lambda: TODAY)
    return TODAY


@pytest.fixture()
def march(db, users, today):
    """待遇保障科: one ticket handled on time, one accepted late; 参保征缴科: one handled on time."""
    start = datetime(2026, 3, 2, 9, 0, tzinfo=LOCAL)
    good = make_ticket(db, users, start, status=S.REPLIED, title="住院报销按时办结")
    late = make_ticket(db, users, start, status=S.DISPATCHED, title="门诊慢特病签收超时")
    tickets.accept(db.session, late, actor=users["staff_dybz"], now=start + timedelta(days=7))
    tickets.reply(db.session, late, "已答复", actor=users["staff_dybz"], now=start + timedelta(days=8))
    other = make_ticket(db, users, start, status=S.REPLIED, category="CB", department="CBZJ", title="断缴补缴")
    db.session.commit()
    return {"good": good, "late": late, "other": other}


@pytest.fixture()
def on(monkeypatch):
    """The pages' clock set to a moment (deadlines, overdue marks and the year shown depend on it)."""
    def set_clock(moment):
        monkeypatch.setattr(clock, "now_utc", lambda: moment)
        return moment
    return set_clock
