"""其他 (QT: outside medical insurance, to be transferred out) goes to 12393热线中心 by default (domain.md), whose
staff could not transfer it out, and nobody could once it was accepted (a domain review)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import make_user
from tests.factories import make_ticket
from ticketing.models import Department, Role, TicketStatus
from ticketing.services import tickets
from ticketing.services.errors import NotAllowed
from ticketing.services.workflow import Action

S = TicketStatus


def test_the_hotline_centres_staff_transfer_out_what_is_not_medical_insurance(db, users, now):
    rxzx = db.session.scalar(sa.select(Department).where(Department.code == "RXZX"))
    staff = make_user(db, "staff_rxzx", Role.STAFF, department=rxzx)
    pension = make_ticket(db, users, now, status=S.DISPATCHED, category="QT", department="RXZX", content="问养老金怎么领")
    tickets.accept(db.session, pension, actor=staff, now=now)
    assert Action.TRANSFER_OUT in tickets.actions_open_now(db.session, staff, pension, now)
    tickets.transfer_out(db.session, pension, "12345-2026-0001", actor=staff, now=now, note="养老保险，转人社")
    assert pension.status == "transferred_out" and pension.events[-1].data["from"] == "RXZX"


def test_another_department_asks_to_return_and_the_centre_transfers_an_accepted_ticket(db, users, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)  # DY, 待遇保障科
    staff = users["staff_dybz"]
    assert Action.TRANSFER_OUT not in tickets.actions_open_now(db.session, staff, ticket, now)
    with pytest.raises(NotAllowed, match="申请退回"):
        tickets.transfer_out(db.session, ticket, "12345-2026-0002", actor=staff, now=now)
    assert Action.TRANSFER_OUT in tickets.actions_open_now(db.session, users["supervisor"], ticket, now)
    tickets.transfer_out(db.session, ticket, "12345-2026-0002", actor=users["supervisor"], now=now, note="非医保")
    assert ticket.status == "transferred_out"


def test_a_petition_once_accepted_is_not_sent_back_to_the_petition_office(db, users, now):
    """信访工作条例: one not the bureau's matter goes back within the days to decide; once accepted it is the bureau's
    to finish (a review: it was counted accepted and returned both)."""
    from ticketing.services.errors import InvalidTransition
    rxzx = db.session.scalar(sa.select(Department).where(Department.code == "RXZX"))
    staff = make_user(db, "staff_rxzx", Role.STAFF, department=rxzx)
    petition = make_ticket(db, users, now, status=S.DISPATCHED, category="QT", department="RXZX",
                           channel="petition_bureau")
    assert Action.TRANSFER_OUT in tickets.actions_open_now(db.session, staff, petition, now)  # before 受理
    tickets.accept(db.session, petition, actor=staff, now=now)
    for actor in (staff, users["supervisor"]):
        assert Action.TRANSFER_OUT not in tickets.actions_open_now(db.session, actor, petition, now)
        with pytest.raises(InvalidTransition, match="信访事项已受理"):
            tickets.transfer_out(db.session, petition, "信退〔2026〕1号", actor=actor, now=now, note="非医保职责")


def test_an_accepted_petition_stays_after_a_return_asked_or_a_reassignment(db, users, now):
    """The check read only the state 已签收: a return asked after 签收 offered 退回信访部门 again (a review)."""
    from ticketing.services.errors import InvalidTransition
    petition = make_ticket(db, users, now, status=S.ACCEPTED, channel="petition_bureau")
    tickets.return_ticket(db.session, petition, "不属于本单位", actor=users["staff_dybz"], now=now)
    assert petition.status == "return_requested"
    assert Action.TRANSFER_OUT not in tickets.actions_open_now(db.session, users["supervisor"], petition, now)
    with pytest.raises(InvalidTransition, match="信访事项已受理"):
        tickets.transfer_out(db.session, petition, "信退〔2026〕2号", actor=users["supervisor"], now=now, note="非医保")
