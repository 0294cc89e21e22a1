"""A supervisor's day (a browser walk, 6 Dec 2026): working 待办结 one ticket after another from the keyboard. The ticket page puts
the cursor in the step it waits for (签收, 派发, 答复, 批准延期, 退回审核, 回访: data-next-step), but a ticket opened
from 待办结 (回访不满意 or 待办结归档) started with the cursor on the page's body: every ticket of the queue needed a
mouse click, or a long run of Tabs past the 办理 panel's other forms, to reach 办结归档."""
from __future__ import annotations

import re
from datetime import timedelta

from tests.factories import make_ticket
from ticketing.models import TicketStatus
from ticketing.services import clock, tickets

S = TicketStatus


def _called_back(db, users, satisfaction, solved):
    ticket = make_ticket(db, users, clock.now_utc() - timedelta(days=3), status=S.REPLIED)
    tickets.record_callback(db.session, ticket, reached=True, satisfaction=satisfaction, solved=solved,
                            actor=users["agent"], now=clock.now_utc())
    db.session.commit()
    return ticket


def _step_form(html: str) -> str:
    forms = re.findall(r"<form[^>]*data-next-step[^>]*>", html)
    assert len(forms) == 1, forms
    return forms[0]


def test_an_unhappy_ticket_opened_from_closing_starts_in_its_archive_form(db, client, users, auth):
    unhappy = _called_back(db, users, "dissatisfied", False)
    auth.login("supervisor")
    html = client.get(f"/tickets/{unhappy.number}?queue=unhappy").get_data(as_text=True)
    assert "/actions/close" in _step_form(html)


def test_a_ticket_opened_from_the_archive_queue_starts_on_its_archive_button(db, client, users, auth):
    happy = _called_back(db, users, "satisfied", True)
    auth.login("supervisor")
    html = client.get(f"/tickets/{happy.number}?queue=closing").get_data(as_text=True)
    assert "/actions/close" in _step_form(html)
