"""The ticket page and the API offer the same actions: both ask ``tickets.actions_open_now`` (a code review found
the API listing 直接办结 on a complaint and 申请延期 while one waited, each then answered 409, while the page's own
template conditions hid them)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.factories import extend, make_ticket
from ticketing.models import TicketStatus
from ticketing.services import clock, tickets
from ticketing.services.actions import API_ACTIONS

S = TicketStatus
USERS = ("agent", "supervisor", "staff_dybz", "staff_cbzj", "admin")


@pytest.fixture()
def at_work(monkeypatch, now):
    later = now + timedelta(days=1)
    monkeypatch.setattr(clock, "now_utc", lambda: later)
    return later


def offered_on_the_page(html: str) -> set[str]:
    offered = set(re.findall(r'/actions/(\w+)', html)) & API_ACTIONS
    if "dispatch" in offered and re.search(r'/actions/dispatch[^>]*>.*?name="category"', html, re.S):
        offered.add("recategorise")  # 派发's form sets the category: no second form for it
    return offered


def test_every_role_is_offered_on_the_page_what_the_api_lists(app, db, users, auth, client, api, now, at_work):
    made = {f"{status.value}/{kind}": make_ticket(db, users, now, status=status, type=kind)
            for status in (S.REGISTERED, S.DISPATCHED, S.ACCEPTED, S.RETURN_REQUESTED, S.REPLIED, S.CALLED_BACK,
                           S.CLOSED)
            for kind in ("consult", "complaint")}
    made["extension asked"] = extend(db, users, make_ticket(db, users, now, status=S.ACCEPTED), now, approved=None)
    made["extension refused"] = extend(db, users, make_ticket(db, users, now, status=S.ACCEPTED), now, approved=False)
    overdue = make_ticket(db, users, now - timedelta(days=40), status=S.ACCEPTED)
    made["overdue"] = overdue
    urgent = make_ticket(db, users, now, status=S.DISPATCHED)
    tickets.make_urgent(db.session, urgent, "来电人情绪激动", actor=users["supervisor"], now=now)
    made["urgent"] = urgent
    db.session.commit()

    differences = []
    for name in USERS:
        auth.login(name)
        for what, ticket in made.items():
            with app.app_context():
                shown = client.get(f"/tickets/{ticket.number}")
            with app.app_context():
                detail = api.get(f"/tickets/{ticket.number}", as_=name)
            assert shown.status_code == detail.status_code, (name, what)
            if detail.status_code != 200:  # another department's ticket: neither shows it
                continue
            page = offered_on_the_page(shown.get_data(as_text=True))
            listed = set(detail.get_json()["allowed_actions"])
            if page != listed:
                differences.append((name, what, sorted(page - listed), sorted(listed - page)))
        auth.logout()
    assert differences == [], "\n".join(map(str, differences))
