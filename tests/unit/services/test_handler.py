"""经办人: who accepted a ticket works it; 转交 hands it to a colleague; a new department starts afresh."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import make_user
from tests.factories import make_ticket
from ticketing.models import Role, TicketStatus
from ticketing.services import tickets
from ticketing.services.actions import perform_action
from ticketing.services.errors import InvalidTransition, NotFound, ValidationFailed

S = TicketStatus


@pytest.fixture()
def colleague(db, users, reference):
    user = make_user(db, "staff_dybz_2", Role.STAFF, reference["DYBZ"])
    user.display_name = "李科员"
    db.session.commit()
    return user


def test_the_person_who_accepts_works_the_ticket_and_a_new_department_starts_afresh(db, users, now, reference):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    assert ticket.handler == users["staff_dybz"]
    tickets.reassign(db.session, ticket, reference["CBZJ"], actor=users["supervisor"], now=now + timedelta(hours=1),
                     reason="属参保征缴")
    assert ticket.handler is None
    tickets.accept(db.session, ticket, actor=users["staff_cbzj"], now=now + timedelta(hours=2))
    assert ticket.handler == users["staff_cbzj"]
    replied = make_ticket(db, users, now, status=S.REPLIED)
    tickets.reopen(db.session, replied, "群众不满意", actor=users["agent"], now=now + timedelta(hours=3))
    assert replied.handler is None and replied.status == S.DISPATCHED.value


def test_a_ticket_is_handed_over_to_a_colleague_with_its_deadlines_unchanged(db, users, now, colleague):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    due = ticket.reply_due_at
    assert tickets.colleagues(db.session, ticket) == [colleague]
    perform_action(db.session, ticket, "hand_over", {"to": "staff_dybz_2", "note": "休假，请代办"},
                   actor=users["staff_dybz"], now=now + timedelta(hours=1))
    assert ticket.handler == colleague and ticket.reply_due_at == due and ticket.status == S.ACCEPTED.value
    event = ticket.events[-1]
    assert event.action == "hand_over" and event.note == "staff_dybz → 李科员：休假，请代办"
    assert event.data == {"from": "staff_dybz", "to": "staff_dybz_2"}
    assert tickets.colleagues(db.session, ticket) == [users["staff_dybz"]]
    # a supervisor may hand it back
    tickets.hand_over(db.session, ticket, users["staff_dybz"], actor=users["supervisor"], now=now + timedelta(hours=2))
    assert ticket.handler == users["staff_dybz"]


def test_only_active_staff_of_the_same_department_can_take_it_over(db, users, now, colleague):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    for to in (users["staff_cbzj"], users["agent"], None):
        with pytest.raises(ValidationFailed, match="请选择本单位的在岗承办人员"):
            tickets.hand_over(db.session, ticket, to, actor=users["staff_dybz"], now=now)
    with pytest.raises(ValidationFailed, match="该工单已由此人经办"):
        tickets.hand_over(db.session, ticket, users["staff_dybz"], actor=users["staff_dybz"], now=now)
    colleague.active = False
    assert tickets.colleagues(db.session, ticket) == []
    with pytest.raises(ValidationFailed):
        tickets.hand_over(db.session, ticket, colleague, actor=users["staff_dybz"], now=now)
    with pytest.raises(NotFound):  # another department's ticket is not there for them
        tickets.hand_over(db.session, ticket, users["staff_dybz"], actor=users["staff_cbzj"], now=now)
    waiting = make_ticket(db, users, now, status=S.DISPATCHED)
    colleague.active = True
    with pytest.raises(InvalidTransition):  # accepted first: 签收 makes the first handler
        tickets.hand_over(db.session, waiting, colleague, actor=users["staff_dybz"], now=now)
    with pytest.raises(ValidationFailed, match="请选择本单位的在岗承办人员"):
        perform_action(db.session, ticket, "hand_over", {"to": "nobody"}, actor=users["staff_dybz"], now=now)
