"""The ticket page's 申请延期 form offers no day past the 12345 order's own 办理时限, which the service refuses (a review
of the 12345-date change, 6 Dec 2026: it offered a year)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta


from tests.conftest import LOCAL
from ticketing.services import tickets


def test_the_extension_form_offers_no_day_past_12345s_date(db, client, users, auth, now, on):
    """A 12345 咨询 order due in 3 working days by the centre, Friday 13 March by 12345: the department may extend
    to 12345's date, not past it; the form's last day is the one the service takes."""
    due = datetime(2026, 3, 13, 23, 59, 59, tzinfo=LOCAL)
    ticket = tickets.register_ticket(db.session, tickets.TicketInput(
        channel="transfer_12345", type="consult", content="咨询异地就医备案", external_id="GD-9", due_at=due,
        caller_phone="13912345678", caller_name="周先生"), actor=None, now=now, route_now=False).ticket
    tickets.dispatch(db.session, ticket, tickets.department_by_code(db.session, "DYBZ"), actor=users["agent"],
                     now=now + timedelta(minutes=5))
    tickets.accept(db.session, ticket, actor=users["staff_dybz"], now=now + timedelta(minutes=10))
    db.session.commit()
    assert ticket.reply_due_at < due
    on(now + timedelta(hours=1))
    auth.login("staff_dybz")
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    latest = re.search(r'name="until" required max="([0-9-]+)"', page).group(1)
    html = client.post(f"/tickets/{ticket.number}/actions/request_extension",
                       data={"until": latest, "reason": "需外地医院配合"}, follow_redirects=True).get_data(as_text=True)
    db.session.refresh(ticket)
    assert latest <= "2026-03-13" and ticket.extension_state == "requested", (latest, re.findall(r"不得晚于[^<]*", html))
