"""Deadline policies and the working-day calendar as the administrator configured them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from ticketing.models import CalendarYear, DeadlinePolicy, Holiday, Ticket
from ticketing.services import deadlines
from ticketing.services.deadlines import Deadline, WorkCalendar
from ticketing.services.reference_cache import cached


def load_work_calendar(session: Session) -> WorkCalendar:
    return cached(session, "work_calendar", lambda: _read_work_calendar(session))


def _read_work_calendar(session: Session) -> WorkCalendar:
    rows = session.execute(sa.select(Holiday.day, Holiday.kind)).all()
    confirmed = session.scalars(sa.select(CalendarYear.year).where(CalendarYear.confirmed.is_(True))).all()
    return WorkCalendar(
        extra_holidays=frozenset(day for day, kind in rows if kind == "holiday"),
        extra_workdays=frozenset(day for day, kind in rows if kind == "workday"),
        confirmed_years=frozenset(confirmed),
    )


def find_policy(session: Session, ticket_type: str, urgency: str, channel: str) -> dict:
    """The most specific active policy that matches; the built-in defaults if none does."""
    candidates = [
        p
        for p in cached(session, "deadline_policies", lambda: session.scalars(
            sa.select(DeadlinePolicy).where(DeadlinePolicy.active.is_(True))).all())
        if p.ticket_type in (None, ticket_type) and p.urgency in (None, urgency) and p.channel in (None, channel)
    ]
    if candidates:
        best = max(candidates, key=lambda p: (*deadlines.policy_precedence(p.ticket_type, p.urgency, p.channel), -p.id))
        return {
            "accept_amount": best.accept_amount,
            "accept_unit": best.accept_unit,
            "reply_amount": best.reply_amount,
            "reply_unit": best.reply_unit,
            "max_extension_days": best.max_extension_days,
        }
    return deadlines.default_policy_for(ticket_type, urgency, channel)


def accept_deadline(session: Session, ticket: Ticket, start: datetime) -> Deadline:
    policy = find_policy(session, ticket.type, ticket.urgency, ticket.channel)
    return deadlines.compute_due(start, policy["accept_amount"], policy["accept_unit"], load_work_calendar(session))


def decision_due(session: Session, ticket: Ticket) -> datetime:
    """When a petition must be accepted or refused (信访工作条例第二十二条: 15 days from receipt): its 签收 deadline
    once dispatched; one still in 待派发 has none yet, and is judged from its receipt all the same: its last one, a
    重新受理 when the 信访部门 sent it back (as 派发 counts it)."""
    if ticket.accept_due_at is not None:
        return ticket.accept_due_at
    return accept_deadline(session, ticket, last_received(ticket)).due_at


def last_received(ticket: Ticket) -> datetime:
    """When the bureau last received the ticket: its receipt, or its 重新受理 after it was returned (a petition's 15
    days to decide ran from the first receipt, so a petition taken back was late before it was dispatched)."""
    return max([ticket.received_at, *(e.created_at for e in ticket.events if e.action == "take_back")])


def reply_deadline(session: Session, ticket: Ticket, start: datetime) -> Deadline:
    policy = find_policy(session, ticket.type, ticket.urgency, ticket.channel)
    return deadlines.compute_due(start, policy["reply_amount"], policy["reply_unit"], load_work_calendar(session))


OPEN_FOR_DEADLINES = ("registered", "dispatched", "accepted", "return_requested")
# actions that start the reply clock again (升为紧急 starts the urgent one)
FRESH_REPLY_CLOCK = ("approve_return", "reopen", "make_urgent", "take_back")


def recalculate_deadlines(session: Session, *, now: datetime, before: WorkCalendar,
                          changed_from: date | None = None) -> int:
    """After an administrator changed holidays or confirmed a year: count again, on the calendar as it is now, the
    deadlines counted on the calendar before the change (``before``), recording each change as an event. A day
    entered or removed (``changed_from``) moves every deadline from that day on, in a year already confirmed too
    (a local holiday, a holiday entered by mistake: an administrator review found open tickets kept the old date);
    confirming a year (no ``changed_from``) touches only the tickets counted on an unconfirmed calendar.

    A deadline keeps its number of working days from its clock's start (receipt, or the last approved return,
    reopen or 升为紧急; for 签收 the dispatch or a later 升为紧急): the policy as edited since (办理时限) applies to
    tickets dispatched after the edit, not to these. A deadline that is not so many working days (hours, calendar
    days, an approved extension's date, a 协办 cut to the ticket's own deadline) does not depend on the calendar and
    stays. Tickets already answered, closed, merged or transferred are recomputed too: a 签收 or 答复 given after a
    deadline counted without the year's holidays (1 January taken for a working day) but by the recomputed one is
    on time, and its event's flag, which the monthly assessment reads, is corrected. A deadline already met never
    moves earlier (a make-up working day entered late): the department went by the one it was shown. Returns how
    many tickets changed. ``changed_from``: the first day the change touches; a deadline before it cannot move,
    so only the tickets with one on or after it are read (with their events, in one more query).
    """
    from ticketing.services.workflow import Action, transition

    after = load_work_calendar(session)
    since = datetime.combine(changed_from, time.min, deadlines.LOCAL_TZ) if changed_from else None
    counted = sa.select(Ticket).options(selectinload(Ticket.events))
    if since is None:
        counted = counted.where(Ticket.calendar_confirmed.is_(False))
    else:
        counted = counted.where(sa.or_(Ticket.reply_due_at >= since, Ticket.accept_due_at >= since))
    changed = 0
    for ticket in session.scalars(counted):
        shown = (ticket.accept_due_at, ticket.reply_due_at)
        confirmed = True
        reply_clock = _reply_clock_start(ticket)
        # an extension approved on an earlier clock (before a return approved, 重办 or a late 改派) set no date on
        # this one: the fresh deadline is working days again (a diff review: never counted again)
        extensions = [e for e in ticket.events if e.action == "approve_extension" and e.created_at >= reply_clock]
        answered = ticket.status not in OPEN_FOR_DEADLINES
        if extensions:  # an approved extension's date is the one promised, whatever was asked after it
            unextended = _unextended_deadline(extensions[0], reply_clock, before, after)
            if unextended is not None and not answered and unextended.due_at > ticket.reply_due_at:
                # holidays entered after the approval put the deadline the ticket had without it later than the
                # promised date (a year-end review: extended to 12 Feb, due 18 Feb without the extension)
                ticket.reply_due_at = unextended.due_at
        elif (source_due := _source_due_on(ticket, reply_clock)) != ticket.reply_due_at:
            # (the date the source asked for, 12345's 要求办结时间, is its own whatever our holidays: not counted again)
            reply = counted_again(reply_clock, ticket.reply_due_at, before, after)
            if reply is not None:
                ticket.reply_due_at = (_met(reply.due_at, shown[1]) if answered
                                       else _not_into_the_past(reply.due_at, shown[1], now))
                confirmed = reply.calendar_confirmed
                if source_due is not None and not answered and ticket.reply_due_at > source_due >= shown[1]:
                    ticket.reply_due_at = source_due  # never past the date the source asked for
        if ticket.dispatched_at is not None:
            accept = counted_again(_accept_clock_start(ticket), ticket.accept_due_at, before, after)
            if accept is not None:
                accepted = ticket.status not in ("registered", "dispatched")
                ticket.accept_due_at = (_met(accept.due_at, shown[0]) if accepted
                                        else _not_into_the_past(accept.due_at, shown[0], now))
                confirmed = confirmed and accept.calendar_confirmed
        ticket.calendar_confirmed = confirmed
        now_on_time = _late_but_by_the_new_deadline(ticket, reply_clock, before, after)
        if (ticket.accept_due_at, ticket.reply_due_at) == shown and not now_on_time:
            continue
        note = f"答复时限 {local_text(shown[1])} → {local_text(ticket.reply_due_at)}"
        if now_on_time:
            note += "；" + "、".join(RECALCULATED_TITLES.get(action, action) for action in now_on_time) + "按重算后的时限为按时"
        data = {"reply_due_at": [iso_text(shown[1]), iso_text(ticket.reply_due_at)],
                "accept_due_at": [iso_text(shown[0]), iso_text(ticket.accept_due_at)]}
        transition(ticket, Action.RECALCULATE_DEADLINE, actor=None, now=now, note=note,
                   data={**data, "now_on_time": now_on_time} if now_on_time else data)
        due = ticket.current_due_at
        if ticket.overdue_marked_at is not None and not (due is not None and deadlines.is_overdue(due, now)):
            ticket.overdue_marked_at = None  # the scan marks it again if the new deadline passes
        changed += 1
    _recalculate_assists(session, before, after, since, now)
    session.flush()
    return changed


RECALCULATED_TITLES = {"accept": "签收", "reply": "答复", "legal_channel": "告知法定途径"}
#: a department that let a deadline pass before the ticket left it (改派, 转出: tickets._left_late): the flag, the
#: deadline it let pass, which clock that deadline was on, and how the recalculation's note names it
LEFT_LATE = {"left_accept_late": ("left_accept_due", "accept_due_from", "改派或转出前的签收"),
             "left_reply_late": ("left_reply_due", "reply_due_from", "改派或转出前的答复")}


def counted_again(start: datetime, due: datetime | None, before: WorkCalendar, after: WorkCalendar) -> Deadline | None:
    """``due``, when it is the end of the N-th working day after ``start`` on ``before``: the N-th on ``after``.
    None for a deadline that is not (hours, calendar days, a date chosen), which no calendar moves."""
    if due is None:
        return None
    days = deadlines.working_days_between(start, due, before)
    if deadlines.add_working_days(start, days, before).due_at != due:
        return None
    return deadlines.add_working_days(start, days, after)


def _recalculate_assists(session: Session, before: WorkCalendar, after: WorkCalendar, since: datetime | None,
                         now: datetime) -> None:
    """协办 deadlines counted on the calendar before the change, counted again (``counted_again``: the working days they were
    given, whatever 协办反馈时限 says now); one already answered never moves earlier. Whether an opinion came on
    time is read from the two columns. A moved one is an event of its ticket (an event review: it moved unrecorded
    when the ticket's own deadlines stayed)."""
    from ticketing.models import AssistRequest
    from ticketing.models.enums import AssistState
    from ticketing.services.workflow import Action, record_fact

    counted = sa.select(AssistRequest)
    if since is None:
        counted = counted.where(AssistRequest.calendar_confirmed.is_(False))
    else:
        counted = counted.where(AssistRequest.due_at >= since)
    for assist in session.scalars(counted):
        due = counted_again(assist.requested_at, assist.due_at, before, after)
        if due is None:  # cut to the ticket's own deadline
            assist.calendar_confirmed = assist.ticket.calendar_confirmed
            continue
        answered = assist.state != AssistState.OPEN.value
        shown = assist.due_at
        assist.due_at = _met(due.due_at, assist.due_at) if answered else due.due_at
        assist.calendar_confirmed = due.calendar_confirmed
        if assist.due_at != shown:
            # an event that changes no state and that the citizen and the channel do not see (record_fact leaves
            # updated_at alone, as a 协办 is not in SEEN_BY_THE_CITIZEN)
            record_fact(assist.ticket, Action.RECALCULATE_DEADLINE, actor=None, now=now,
                        note=f"{assist.department.name}协办反馈时限 {local_text(shown)} → {local_text(assist.due_at)}",
                        data={"assist": assist.id, "assist_due_at": [iso_text(shown), iso_text(assist.due_at)]})


def _met(recomputed: datetime, shown: datetime | None) -> datetime:
    """The deadline of a clock already stopped (signed for, answered): never earlier than the one shown then."""
    return recomputed if shown is None or recomputed > shown else shown


def deadlines_for_its_type(session: Session, ticket: Ticket, now: datetime) -> tuple[datetime | None, datetime | None,
                                                                                  bool]:
    """The (accept, reply) deadlines the ticket would have had under its type's policy (办理时限) as it is now, and
    whether the calendar they were counted on is confirmed: each from its clock's start (receipt or the last restart;
    for 签收 the dispatch), never into the past (the department worked to the one it was shown). What stays: a
    deadline already passed (the department was late by it, and a type corrected afterwards must not undo that, as an
    extension asked that late is refused), an extension approved on the reply's clock (the date promised), and the
    accept deadline once accepted. The 要求办结时间 its source gave still governs while the clock is the receipt's
    and it is the earlier."""
    accept, reply, confirmed = ticket.accept_due_at, ticket.reply_due_at, True
    clock = _reply_clock_start(ticket)
    if not extension_approved_on_the_reply_clock(ticket) and (reply is None or now <= reply):
        counted = reply_deadline(session, ticket, clock)
        due, source = counted.due_at, _source_due_on(ticket, clock)
        if source is not None and clock < source < due:  # the source's, on this clock, when the earlier
            due = source
        reply, confirmed = _not_into_the_past(due, reply, now), counted.calendar_confirmed
    if ticket.status == "dispatched" and ticket.dispatched_at is not None and (accept is None or now <= accept):
        counted = accept_deadline(session, ticket, _accept_clock_start(ticket))
        accept = _not_into_the_past(counted.due_at, accept, now)
        confirmed = confirmed and counted.calendar_confirmed
    return accept, reply, confirmed


def _not_into_the_past(recomputed: datetime, shown: datetime | None, now: datetime) -> datetime:
    """The deadline of a clock still running: earlier only to a moment still ahead. A make-up working day entered
    after it passed (Sunday 31 January entered on Monday 1 February) would make a ticket due on Monday overdue at
    once by a deadline nobody was shown (a year-end review); it keeps the one shown."""
    if shown is not None and recomputed < shown and recomputed <= now:
        return shown
    return recomputed


def _source_due_on(ticket: Ticket, clock: datetime) -> datetime | None:
    """The 要求办结时间 its source gave for the reply clock that started at ``clock``, if any: the one given with the
    order (at registration, or with its order sent back after a return: 重新受理), or sent again since with another
    date (12345 shortening it, or granting its own 延期). It goes on governing a clock the centre restarted itself (a
    return approved, a 改派, 撤销合并) while it is still ahead of that restart: moving the order between departments
    gives the centre no more time towards 12345 (a domain audit: 同意退回并改派 turned 12345's Friday into 15 working
    days). A new round (重办) ends it, unless the source sent a date for it."""
    given = _source_due_given(ticket)
    if given is None:
        return None
    start, due = given
    return due if clock == start or start < clock < due else None


#: what starts a round of the source's order: its registration, its 重新受理, a 重办
SOURCE_ROUND = ("register", "take_back", "reopen")


def _source_due_given(ticket: Ticket) -> tuple[datetime, datetime] | None:
    """(the reply clock the round began with, the 要求办结时间 the source gave last for it): the date of the round's
    own event (registration, 重新受理) or of a later delivery of the order with another date (``source_due_at`` on
    the 来电催办 it recorded)."""
    latest = None
    for event in reversed(ticket.events):
        due = (event.data or {}).get("source_due_at")
        if event.action in SOURCE_ROUND:
            due = latest or due
            if not due:
                return None
            return (ticket.received_at if event.action == "register" else event.created_at), datetime.fromisoformat(due)
        if due and latest is None:
            latest = due
    return None


def source_due_now(ticket: Ticket) -> datetime | None:
    """The 要求办结时间 its source gave for the reply clock running now, if any."""
    return _source_due_on(ticket, _reply_clock_start(ticket))


def extension_approved_on_the_reply_clock(ticket: Ticket) -> bool:
    """An extension approved since the reply deadline's clock last started: its date is the one promised."""
    clock = _reply_clock_start(ticket)
    return any(e.action == "approve_extension" and e.created_at >= clock for e in ticket.events)


def _unextended_deadline(extension, reply_clock: datetime, before: WorkCalendar,
                         after: WorkCalendar) -> Deadline | None:
    """The deadline the ticket had when its first extension on this clock was approved, counted again on ``after``;
    None when it was not so many working days."""
    was = (extension.data or {}).get("from")
    return counted_again(reply_clock, datetime.fromisoformat(was), before, after) if was else None


def _accept_clock_start(ticket: Ticket) -> datetime:
    """The dispatch, or a later 升为紧急 that set the time to accept (counted from its own moment), or a 撤销合并 that
    gave it a fresh one (accept_due_from in its data)."""
    restarted = [e.created_at for e in ticket.events if e.created_at >= ticket.dispatched_at and (
        (e.action == "make_urgent" and _moved(e, "accept_due_at"))
        or (e.action == "unmerge" and "accept_due_from" in (e.data or {})))]
    return max([ticket.dispatched_at, *restarted])


def _reply_clock_start(ticket: Ticket) -> datetime:
    """Receipt, or the last approved return, reopen, or 升为紧急 that set the reply deadline (one made on the
    deadline's own day keeps the earlier deadline, which still counts from receipt), or 改派 after the deadline."""
    restarts = [e.created_at for e in ticket.events if _restarts_reply_clock(e)]
    return max(restarts) if restarts else ticket.received_at


def _restarts_reply_clock(event) -> bool:
    if event.action == "make_urgent":
        return _moved(event, "reply_due_at")
    if event.action in ("reassign", "dispatch", "unmerge"):  # one after the deadline had passed gave a fresh one
        return "reply_due_from" in (event.data or {})
    return event.action in FRESH_REPLY_CLOCK


def _moved(event, name: str) -> bool:
    """Whether 升为紧急's event says it changed the deadline ``name`` ([before, after] in its data)."""
    before_after = (event.data or {}).get(name)
    return not before_after or before_after[0] != before_after[1]


def _late_but_by_the_new_deadline(ticket: Ticket, reply_clock: datetime, before: WorkCalendar,
                                  after: WorkCalendar) -> list[str]:
    """The accept and completion events recorded late that the recomputed deadlines show were on time; their
    on_time flag is set. Returns their actions. On the ticket's present clocks the deadline is the ticket's; on an
    earlier clock (a 签收 before a later 改派, a reply before 重办) it is the deadline the event was judged by
    (``due``, recorded since 5 December 2026), counted again from its clock's start: before, those stayed late
    (an assessment review)."""
    corrected = []
    for event in ticket.events:
        if event.action in ("reassign", "transfer_out"):
            corrected += _left_in_time_after_all(ticket, event, before, after)
            continue
        if (event.data or {}).get("on_time") is not False or event.action not in RECALCULATED_TITLES:
            continue
        if event.action == "accept" or (event.data or {}).get("deadline") == "accept":  # or a petition's 不予受理
            current = ticket.dispatched_at is not None and event.created_at >= ticket.dispatched_at
            by = ticket.accept_due_at if current else _judged_by_counted_again(
                event, _clock_start_before(ticket, event, _starts_accept_clock), before, after)
        else:
            current = event.created_at >= reply_clock
            start = reply_clock if current else _clock_start_before(ticket, event, _restarts_reply_clock)
            if not current and any(e.action == "approve_extension" and start <= e.created_at <= event.created_at
                                   for e in ticket.events):
                continue  # judged by an extension's promised date, which no calendar moves
            if not current and _a_source_date(ticket, (event.data or {}).get("due")):
                continue  # judged by the date its source asked for (12345's 办理时限), which no calendar moves
            by = ticket.reply_due_at if current else _judged_by_counted_again(event, start, before, after)
        if by is not None and event.created_at <= by:
            event.data = {**event.data, "on_time": True, "late_before_recalculation": True}
            corrected.append(event.action)
    return corrected


def _left_in_time_after_all(ticket: Ticket, event, before: WorkCalendar, after: WorkCalendar) -> list[str]:
    """The deadlines a department was recorded as having let pass when the ticket left it (改派, 转出) that the
    recomputed calendar shows had not passed yet: the flag is cleared, so 月度考核 no longer counts them late (a domain
    audit: a typhoon closure entered afterwards left the 签收 late). The deadline is the one the event recorded, or,
    for a 改派 recorded before those were, the one it replaced; counted again from its clock's start."""
    cleared = []
    for flag, (recorded, replaced, title) in LEFT_LATE.items():
        data = event.data or {}
        passed = data.get(recorded) or (data.get(replaced) if event.action == "reassign" else None)
        if data.get(flag) is not True or not passed:
            continue
        starts = _starts_accept_clock if flag == "left_accept_late" else _restarts_reply_clock
        due = counted_again(_clock_start_before(ticket, event, starts), datetime.fromisoformat(passed), before, after)
        if due is not None and event.created_at <= due.due_at:
            event.data = {**event.data, flag: False, f"{flag}_before_recalculation": True}
            cleared.append(title)
    return cleared


def _starts_accept_clock(event) -> bool:
    if event.action == "make_urgent":
        return _moved(event, "accept_due_at")
    return event.action in ("dispatch", "reassign", "approve_return", "reopen")


def _clock_start_before(ticket: Ticket, event, starts) -> datetime:
    """When the clock that ``event`` was judged on started: the last event before it that ``starts`` one, or the
    receipt."""
    begun = [e.created_at for e in ticket.events if e.created_at <= event.created_at and e is not event and starts(e)]
    return max(begun) if begun else ticket.received_at


def _a_source_date(ticket: Ticket, judged_by: str | None) -> bool:
    """Whether ``judged_by`` is a 要求办结时间 its source gave (at registration, 重新受理, sent again, for a 重办)."""
    if not judged_by:
        return False
    moment = datetime.fromisoformat(judged_by)
    return any(datetime.fromisoformat(given) == moment for e in ticket.events
               for given in [(e.data or {}).get("source_due_at")] if given)


def _judged_by_counted_again(event, start: datetime, before: WorkCalendar, after: WorkCalendar) -> datetime | None:
    judged_by = (event.data or {}).get("due")
    if not judged_by:
        return None  # recorded before the events kept their deadline
    due = counted_again(start, datetime.fromisoformat(judged_by), before, after)
    return due.due_at if due is not None else None


#: from this month on, next year's 放假安排 is due: the State Council's notice usually comes out in late October or November
NEXT_YEAR_REMINDED_FROM_MONTH = 11


@dataclass(frozen=True)
class CalendarReminder:
    """A year whose holidays an administrator has still to enter and confirm, for the administrators' pages."""

    year: int
    open_tickets: int  # open tickets whose deadline was counted on a calendar not yet confirmed

    @property
    def message(self) -> str:
        counted = (f"已有 {self.open_tickets} 件在办工单的时限只扣除了周末和已录入的节假日，录入或确认后自动重算"
                   if self.open_tickets else "跨入该年度的时限将只扣除周末")
        return f"{self.year} 年节假日安排尚未确认：{counted}。请按国务院办公厅通知录入放假和调休上班日期，并确认该年度。"


def calendar_reminder(session: Session, *, now: datetime) -> CalendarReminder | None:
    """This year when it is not confirmed, or next year from November when it is not; None when nothing is due."""
    calendar = load_work_calendar(session)
    today = deadlines.local_date(now)
    years = [today.year] + ([today.year + 1] if today.month >= NEXT_YEAR_REMINDED_FROM_MONTH else [])
    year = next((y for y in years if not calendar.is_year_confirmed(y)), None)
    if year is None:
        return None
    waiting = session.scalar(sa.select(sa.func.count()).select_from(Ticket).where(
        Ticket.status.in_(OPEN_FOR_DEADLINES), Ticket.calendar_confirmed.is_(False)))
    return CalendarReminder(year, waiting)


def iso_text(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def local_text(value: datetime | None) -> str:
    return value.astimezone(deadlines.LOCAL_TZ).strftime("%Y-%m-%d %H:%M") if value else "—"
