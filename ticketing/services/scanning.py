"""The deadline scan (`flask --app wsgi scan-deadlines`): mark overdue tickets, raise escalations, and, where
the centre has an SMS gateway, text a department's duty phone (值班手机) once per dispatch of an urgent ticket,
which must be accepted within hours (domain.md); a text the gateway refused is tried again by the next scans.

Safe to run from cron every few minutes on several servers at once: every
ticket is *claimed* atomically before an event is written for it, so two scans
running at the same moment write each event exactly once.

* PostgreSQL: candidate rows are locked with ``FOR UPDATE SKIP LOCKED``; a row
  another scan holds is skipped (that scan is handling it), and the claim
  condition (``overdue_marked_at IS NULL``, no escalation yet) is evaluated
  after the lock, on the latest committed row.
* SQLite: the scan takes the database's write lock first (``BEGIN IMMEDIATE``),
  so scans run one after the other and the second sees what the first wrote.

Only flushes: the command (or test) that calls `scan_deadlines` commits once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from collections.abc import Sequence

from ticketing.extensions import no_transaction_held, take_the_write_lock
from ticketing.models import Department, Ticket, TicketEvent, TicketStatus, Urgency
from ticketing.services import calendar, deadlines, sms
from ticketing.services.errors import Unavailable
from ticketing.services.validation import mask_phone
from ticketing.services.inbox import overdue_condition
from ticketing.services.workflow import WORKING, Action, transition

S = TicketStatus

#: escalate when a ticket is overdue by more than this many working days
ESCALATE_AFTER_WORKING_DAYS = 1
#: at most this many tickets of each kind per run; the next run takes the rest
BATCH_SIZE = 500
#: texts tried per dispatch of an urgent ticket: one the gateway refused is tried again by the next scans
ALERT_TRIES = 3

WORKING_VALUES = tuple(s.value for s in WORKING)


@dataclass
class ScanResult:
    marked: list[str] = field(default_factory=list)  # ticket numbers marked overdue by this run
    escalated: list[str] = field(default_factory=list)  # ticket numbers escalated by this run
    alerted: list[str] = field(default_factory=list)  # urgent tickets whose department was texted
    alert_failed: list[str] = field(default_factory=list)  # … whose text the gateway did not take

    def __str__(self) -> str:
        text = f"标记超期 {len(self.marked)} 件，超期升级 {len(self.escalated)} 件"
        if self.alerted or self.alert_failed:
            text += f"，紧急工单短信提醒 {len(self.alerted)} 件" + (
                f"（{len(self.alert_failed)} 件未发出）" if self.alert_failed else "")
        return text


def scan_deadlines(session: Session, now: datetime, *, batch_size: int = BATCH_SIZE,
                   sms_command: Sequence[str] = (), sms_timeout: float = 20) -> ScanResult:
    """Mark each open ticket past its accept or reply deadline once, and escalate the serious ones; with
    ``sms_command``, text each urgent ticket's department once per dispatch. The texts are sent with no transaction
    open: what came before each is committed (``no_transaction_held``); the caller commits the rest."""
    _serialise_on_sqlite(session)
    result = ScanResult()
    work_calendar = calendar.load_work_calendar(session)
    for ticket in _claim_overdue(session, now, batch_size):
        kind, due = _missed_deadline(ticket, now)
        transition(ticket, Action.MARK_OVERDUE, actor=None, now=now,
                   note=f"超过{'签收' if kind == 'accept' else '答复'}时限（{_local(due)}）",
                   data={"deadline": kind, "due_at": due.isoformat()})
        result.marked.append(ticket.number)
    session.flush()
    for ticket in _claim_escalations(session, now, batch_size, work_calendar):
        reason = _escalation_reason(ticket, now, work_calendar)
        kind, due = _missed_deadline(ticket, now)
        transition(ticket, Action.ESCALATE, actor=None, now=now, note=reason,
                   data={"deadline": kind, "due_at": due.isoformat(), "urge_count": ticket.urge_count})
        result.escalated.append(ticket.number)
    session.flush()
    if sms_command:
        # one ticket at a time: claimed and committed just before its text, recorded as soon as it is sent. The
        # gateway was called inside the run's one transaction, holding SQLite's write lock (every page waited, then
        # failed) or the claimed rows on PostgreSQL for the whole run, and a run stopped half way had texted duty
        # phones it had not recorded, which the next run texted again (a resilience review); claimed all at once
        # before the first text, the tickets after a stop were left claimed and never texted (a diff review)
        tried: set[int] = set()  # a refused text is claimed again by the next run, not by this one
        for _ in range(batch_size):
            claimed = _claim_urgent_dispatches(session, now, 1, skip=tried)
            if not claimed:
                break
            ticket = claimed[0]
            ticket_id, number = ticket.id, ticket.number
            tried.add(ticket_id)
            phone, text = ticket.department.duty_phone, alert_text(ticket)
            refused = None
            with no_transaction_held(session):
                try:
                    sms.deliver(sms_command, phone, text, timeout=sms_timeout, about=number,
                                fallback="请电话通知承办单位")
                except Unavailable as error:
                    refused = error
            _record_alert(session.get(Ticket, ticket_id), now, phone, refused)
            (result.alert_failed if refused else result.alerted).append(number)
        session.flush()
    return result


def alert_text(ticket: Ticket) -> str:
    """The duty phone's message: which ticket, for whom, and by when to accept it; nothing about the caller."""
    due = f"{deadlines.spoken_date(ticket.accept_due_at, clock_time=True)}前" if ticket.accept_due_at else "尽快"
    return (f"{sms.SIGNATURE}紧急工单{ticket.number}（{ticket.type_title}）已派至{ticket.department.name}，"
            f"请于{due}签收办理。")


def _record_alert(ticket: Ticket, now: datetime, phone: str, refused: Unavailable | None) -> None:
    """The text to the department's duty phone, an event whether sent or ``refused``. A refused text leaves the
    ticket unclaimed for the next scan until ALERT_TRIES texts of this dispatch were refused; the last says to
    phone."""
    if refused is not None:
        tries = 1 + sum(1 for e in ticket.events if e.action == Action.ALERT_DEPARTMENT.value
                        and ticket.dispatched_at is not None and e.created_at >= ticket.dispatched_at)
        again = tries < ALERT_TRIES
        note = refused.message if not again else f"{refused.message}（第 {tries} 次，下次扫描时再发）"
        transition(ticket, Action.ALERT_DEPARTMENT, actor=None, now=now, note=note,
                   data={"sent": False, "phone": mask_phone(phone), "try": tries, "again": again})
        if again:
            ticket.department_alerted_at = None  # the next scan claims it again
        return
    transition(ticket, Action.ALERT_DEPARTMENT, actor=None, now=now,
               note=f"已短信提醒{ticket.department.name}值班手机 {mask_phone(phone)}",
               data={"sent": True, "phone": mask_phone(phone)})


def _claim_urgent_dispatches(session: Session, now: datetime, batch_size: int,
                             skip: set[int] = frozenset()) -> list[Ticket]:
    """Urgent tickets waiting to be accepted by a department with a duty phone, not yet texted since their
    latest dispatch; set department_alerted_at and return only the ones this run claimed."""
    not_alerted = sa.or_(Ticket.department_alerted_at.is_(None), Ticket.department_alerted_at < Ticket.dispatched_at)
    wanted = (sa.select(Ticket.id).join(Department, Department.id == Ticket.department_id)
              .where(Ticket.status == S.DISPATCHED.value, Ticket.urgency == Urgency.URGENT.value,
                     Ticket.dispatched_at.is_not(None), Department.duty_phone.is_not(None), not_alerted)
              .order_by(Ticket.id).limit(batch_size).correlate(None))
    if skip:
        wanted = wanted.where(Ticket.id.not_in(skip))
    if _is_postgres(session):
        wanted = wanted.with_for_update(skip_locked=True, of=Ticket)
    claimed = session.execute(
        sa.update(Ticket)
        .where(Ticket.id.in_(wanted.scalar_subquery()), not_alerted)
        .values(department_alerted_at=now)
        .returning(Ticket.id)
        .execution_options(synchronize_session=False)
    ).scalars().all()
    return _load(session, claimed)


def _serialise_on_sqlite(session: Session) -> None:
    """SQLite has no row locks: take the write lock now, so concurrent scans queue up.

    A session that has not started yet begins with BEGIN IMMEDIATE (see extensions.configure_sqlite);
    one already in a transaction takes the lock with its first write instead.
    """
    take_the_write_lock(session)


def _is_postgres(session: Session) -> bool:
    return session.connection().dialect.name == "postgresql"


def _claim_overdue(session: Session, now: datetime, batch_size: int) -> list[Ticket]:
    """Set overdue_marked_at on unmarked overdue tickets; return only the ones this run claimed."""
    wanted = sa.select(Ticket.id).where(
        Ticket.status.in_(WORKING_VALUES), Ticket.overdue_marked_at.is_(None), overdue_condition(now)
    ).order_by(Ticket.id).limit(batch_size).correlate(None)
    if _is_postgres(session):
        wanted = wanted.with_for_update(skip_locked=True)
    claimed = session.execute(
        sa.update(Ticket)
        .where(Ticket.id.in_(wanted.scalar_subquery()), Ticket.overdue_marked_at.is_(None))
        .values(overdue_marked_at=now)
        .returning(Ticket.id)
        .execution_options(synchronize_session=False)
    ).scalars().all()
    return _load(session, claimed)


def _escalated_since_marked():
    return sa.exists().where(
        TicketEvent.ticket_id == Ticket.id,
        TicketEvent.action == Action.ESCALATE.value,
        TicketEvent.created_at >= Ticket.overdue_marked_at,
    )


def _claim_escalations(session: Session, now: datetime, batch_size: int, work_calendar) -> list[Ticket]:
    """Overdue tickets due for an escalation this overdue episode and not yet escalated, locked for us."""
    query = sa.select(Ticket.id).where(
        Ticket.status.in_(WORKING_VALUES), Ticket.overdue_marked_at.is_not(None), overdue_condition(now),
        ~_escalated_since_marked(),
    ).order_by(Ticket.id).limit(batch_size)
    candidates = [t for t in _load(session, session.scalars(query).all())
                  if _escalation_reason(t, now, work_calendar)]
    if not candidates:
        return []
    ids = [t.id for t in candidates]
    if _is_postgres(session):
        # lock, skipping rows another scan holds; then re-check in a new statement (fresh snapshot)
        ids = session.scalars(
            sa.select(Ticket.id).where(Ticket.id.in_(ids)).order_by(Ticket.id).with_for_update(skip_locked=True)
        ).all()
        if not ids:
            return []
        ids = session.scalars(sa.select(Ticket.id).where(Ticket.id.in_(ids), ~_escalated_since_marked())).all()
    return [t for t in candidates if t.id in set(ids)]


def _load(session: Session, ids) -> list[Ticket]:
    if not ids:
        return []
    return list(session.scalars(
        sa.select(Ticket).where(Ticket.id.in_(list(ids))).order_by(Ticket.id)
        .execution_options(populate_existing=True)
    ))


def _missed_deadline(ticket: Ticket, now: datetime) -> tuple[str, datetime]:
    """Which deadline the ticket missed: to accept while dispatched, else to reply."""
    if ticket.status == S.DISPATCHED.value and ticket.accept_due_at is not None and ticket.accept_due_at < now:
        return "accept", ticket.accept_due_at
    return "reply", ticket.reply_due_at


def _escalation_reason(ticket: Ticket, now: datetime, work_calendar) -> str:
    """Why the ticket is escalated, or "" when it is not (yet) serious enough."""
    kind, due = _missed_deadline(ticket, now)
    if due is None or not deadlines.is_overdue(due, now):
        return ""
    late_days = deadlines.working_days_between(due, now, work_calendar)
    if late_days > ESCALATE_AFTER_WORKING_DAYS:
        return f"{'签收' if kind == 'accept' else '答复'}超期 {late_days} 个工作日，提请督办"
    if ticket.last_urged_at is not None:
        return f"已督办 {ticket.urge_count} 次仍超期，提请督办"
    return ""


def _local(moment: datetime) -> str:
    return moment.astimezone(deadlines.LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
