"""督办 on a ticket still in 待派发 reached nobody (a supervisor's day, 6 Dec 2026): the agents' 待派发 lists an urged
ticket right after those with a 风险提示, marked 督 with the supervisor's words."""
from __future__ import annotations

from datetime import timedelta

from tests.factories import make_ticket
from ticketing.services import clock, inbox, tickets


def test_an_urged_ticket_waiting_for_dispatch_comes_first_and_says_so(db, client, users, auth):
    now = clock.now_utc()
    earlier = make_ticket(db, users, now - timedelta(hours=3), category=None, content="门诊报销比例是多少")
    urged = make_ticket(db, users, now - timedelta(hours=1), category=None, content="异地就医备案怎么办")
    tickets.urge(db.session, urged, "请立即派发并联系家属", actor=users["supervisor"], now=now)
    db.session.commit()
    order = [t.id for t in db.session.scalars(inbox.triage_query())]
    assert order.index(urged.id) < order.index(earlier.id)
    auth.login("agent")
    html = client.get("/agent/triage").get_data(as_text=True)
    row = html[html.index(urged.number):]
    row = row[:row.index("</tr>")]
    assert "督" in row and "请立即派发并联系家属" in row
