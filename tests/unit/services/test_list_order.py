"""What lists show and in which order, where the database alone would leave it open."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import make_ticket
from ticketing.models import TicketStatus
from ticketing.services import inbox

S = TicketStatus


@pytest.mark.parametrize("query", [inbox.returns_query, inbox.extension_requests_query])
def test_tickets_of_equal_deadline_keep_one_order_across_pages(query):
    """PostgreSQL returns rows of equal sort key in any order, so 退回审核's pages repeated some tickets and never
    showed others (a list review on PostgreSQL, 4 Dec 2026): the id decides between them."""
    order = [str(clause) for clause in query()._order_by_clauses]
    assert order == ["ticket.reply_due_at", "ticket.id"]


def test_a_dispatched_ticket_past_its_reply_deadline_shows_that_deadline(db, users, now):
    """Dispatched a day before its reply deadline: overdue once that passes, as the scan and 已超期 say, although
    the time to accept runs on; the lists and the ticket page showed time left and no red."""
    ticket = make_ticket(db, users, now, status=S.DISPATCHED)
    assert ticket.current_due_at == ticket.accept_due_at and ticket.current_due_kind == "签收"
    ticket.reply_due_at = ticket.accept_due_at - timedelta(hours=5)
    assert ticket.current_due_at == ticket.reply_due_at and ticket.current_due_kind == "答复"
    ticket.status = S.ACCEPTED.value
    assert ticket.current_due_at == ticket.reply_due_at and ticket.current_due_kind == "答复"
