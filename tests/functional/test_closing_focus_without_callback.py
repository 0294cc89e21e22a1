"""A ticket without a phone, answered with no callback due (待办结归档's second kind), opened from 待办结 starts in
办结归档, not in the 回访 form (a final review, 6 Dec 2026)."""
from __future__ import annotations

from datetime import timedelta

from tests.factories import make_ticket
from tests.functional.test_closing_queue_focus import _step_form
from ticketing.models import TicketStatus
from ticketing.services import clock, inbox

S = TicketStatus


def test_an_answer_with_no_callback_due_opened_from_closing_starts_on_its_archive_button(db, client, users, auth):
    t = make_ticket(db, users, clock.now_utc() - timedelta(days=3), status=S.REPLIED, caller_phone=None)
    t.needs_callback = False  # no phone: never called back (README)
    db.session.commit()
    assert t.id in [x.id for x in db.session.scalars(inbox.to_close_query())]
    auth.login("supervisor")
    html = client.get(f"/tickets/{t.number}?queue=closing").get_data(as_text=True)
    assert "/actions/close" in _step_form(html)
