"""The deadline scan: marks overdue tickets once, escalates once, even when two scans run at the same moment."""
from __future__ import annotations

import threading
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests.factories import make_ticket
from ticketing.models import Ticket, TicketEvent, TicketStatus
from ticketing.services import tickets
from ticketing.services.scanning import scan_deadlines
from ticketing.services.workflow import Action

S = TicketStatus


def events(db, action: Action, ticket=None) -> list[TicketEvent]:
    query = sa.select(TicketEvent).where(TicketEvent.action == action.value).order_by(TicketEvent.id)
    if ticket is not None:
        query = query.where(TicketEvent.ticket_id == ticket.id)
    return list(db.session.scalars(query))


def test_nothing_to_do_before_the_deadline(db, users, now):
    make_ticket(db, users, now, status=S.DISPATCHED)
    db.session.commit()
    result = scan_deadlines(db.session, now + timedelta(hours=2))
    assert result.marked == [] and result.escalated == []


def test_marks_a_ticket_past_its_accept_deadline_once(db, users, now):
    ticket = make_ticket(db, users, now, status=S.DISPATCHED)  # accept by Tuesday 23:59:59
    db.session.commit()
    wednesday = now + timedelta(days=2, hours=1)
    result = scan_deadlines(db.session, wednesday)
    db.session.commit()
    assert result.marked == [ticket.number]
    assert result.escalated == []  # less than one full working day late
    assert ticket.overdue_marked_at == wednesday
    [event] = events(db, Action.MARK_OVERDUE, ticket)
    assert event.actor_id is None and event.actor_label == "系统"
    assert event.data["deadline"] == "accept" and event.to_status == S.DISPATCHED.value

    again = scan_deadlines(db.session, wednesday + timedelta(minutes=5))
    db.session.commit()
    assert again.marked == [] and len(events(db, Action.MARK_OVERDUE, ticket)) == 1


def test_reply_deadline_and_escalation_after_more_than_one_working_day(db, users, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, type="consult")  # reply within 3 working days
    db.session.commit()
    thursday_late = now + timedelta(days=3, hours=14)  # due Thursday 23:59:59
    assert scan_deadlines(db.session, thursday_late).marked == []
    friday = now + timedelta(days=4, hours=1)
    result = scan_deadlines(db.session, friday)
    db.session.commit()
    assert result.marked == [ticket.number] and result.escalated == []
    assert events(db, Action.MARK_OVERDUE, ticket)[0].data["deadline"] == "reply"
    # Friday and the weekend: one working day late; Tuesday: two
    assert scan_deadlines(db.session, now + timedelta(days=6, hours=1)).escalated == []
    tuesday = now + timedelta(days=8, hours=1)
    result = scan_deadlines(db.session, tuesday)
    db.session.commit()
    assert result.escalated == [ticket.number]
    assert scan_deadlines(db.session, tuesday + timedelta(hours=1)).escalated == []
    assert len(events(db, Action.ESCALATE, ticket)) == 1


def test_an_urged_ticket_still_overdue_is_escalated_at_once(db, users, now):
    ticket = make_ticket(db, users, now, status=S.DISPATCHED)
    tickets.urge(db.session, ticket, "请尽快签收", actor=users["supervisor"], now=now + timedelta(hours=3))
    db.session.commit()
    result = scan_deadlines(db.session, now + timedelta(days=2, hours=1))
    db.session.commit()
    assert result.marked == [ticket.number] and result.escalated == [ticket.number]
    assert "督办" in events(db, Action.ESCALATE, ticket)[0].note


def test_closed_and_replied_tickets_are_left_alone(db, users, now):
    make_ticket(db, users, now, status=S.REPLIED)
    make_ticket(db, users, now, status=S.CLOSED)
    db.session.commit()
    result = scan_deadlines(db.session, now + timedelta(days=60))
    assert result.marked == [] and result.escalated == []


def test_an_approved_extension_resets_the_mark_and_the_ticket_can_be_overdue_again(db, users, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, type="consult")
    db.session.commit()
    friday = now + timedelta(days=4, hours=1)
    scan_deadlines(db.session, friday)
    tickets.request_extension(db.session, ticket, "需要调取外地病历", ticket.reply_due_at + timedelta(days=7),
                              actor=users["staff_dybz"], now=friday)
    tickets.approve_extension(db.session, ticket, actor=users["supervisor"], now=friday)
    db.session.commit()
    assert ticket.overdue_marked_at is None
    assert scan_deadlines(db.session, friday + timedelta(hours=1)).marked == []
    later = ticket.reply_due_at + timedelta(days=1)
    assert scan_deadlines(db.session, later).marked == [ticket.number]
    db.session.commit()
    assert len(events(db, Action.MARK_OVERDUE, ticket)) == 2


def _scan_in_thread(engine, moment, barrier, results, errors):
    try:
        with Session(engine) as session:
            barrier.wait(timeout=10)
            result = scan_deadlines(session, moment)
            session.commit()
            results.append(result)
    except Exception as error:  # pragma: no cover - reported by the assertion below
        errors.append(error)


def test_two_scans_at_the_same_moment_do_the_work_once(db, users, now):
    made = [make_ticket(db, users, now, status=S.DISPATCHED) for _ in range(8)]
    made += [make_ticket(db, users, now, status=S.ACCEPTED, type="consult") for _ in range(4)]
    db.session.commit()
    moment = now + timedelta(days=9)  # everything overdue by more than one working day
    for _ in range(2):  # first round marks and escalates, the second finds nothing to do
        barrier, results, errors = threading.Barrier(2), [], []
        threads = [threading.Thread(target=_scan_in_thread, args=(db.engine, moment, barrier, results, errors))
                   for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert errors == [] and len(results) == 2
        moment += timedelta(minutes=5)

    db.session.expire_all()
    for ticket in made:
        assert len(events(db, Action.MARK_OVERDUE, ticket)) == 1
        assert len(events(db, Action.ESCALATE, ticket)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket).where(
        Ticket.overdue_marked_at.is_(None))) == 0


def test_scan_deadlines_command(app, db, users, now, monkeypatch):
    ticket = make_ticket(db, users, now, status=S.DISPATCHED)
    db.session.commit()
    monkeypatch.setattr("ticketing.services.clock.now_utc", lambda: now + timedelta(days=9))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["scan-deadlines"])
    assert first.exit_code == 0, first.output
    assert "标记超期 1 件" in first.output and "超期升级 1 件" in first.output
    second = runner.invoke(args=["scan-deadlines", "--quiet"])
    assert second.exit_code == 0 and second.output == ""
    db.session.expire_all()
    assert len(events(db, Action.MARK_OVERDUE, ticket)) == 1


def test_a_ticket_redispatched_after_a_return_gets_a_fresh_clock_and_can_be_marked_again(db, users, now):
    ticket = make_ticket(db, users, now, status=S.DISPATCHED, category="CB")
    db.session.commit()
    wednesday = now + timedelta(days=2, hours=1)
    assert scan_deadlines(db.session, wednesday).marked == [ticket.number]
    tickets.return_ticket(db.session, ticket, "不属于本单位", actor=users["staff_dybz"], now=wednesday)
    tickets.approve_return(db.session, ticket, tickets.department_by_code(db.session, "CBZJ"),
                           actor=users["supervisor"], now=wednesday)
    db.session.commit()
    assert ticket.overdue_marked_at is None
    assert scan_deadlines(db.session, wednesday + timedelta(hours=1)).marked == []
    assert scan_deadlines(db.session, wednesday + timedelta(days=2)).marked == [ticket.number]
