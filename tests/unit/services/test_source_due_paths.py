"""A domain audit (6 Dec 2026) of every path that can change a 12345 order's (or another source's) 要求办结时间: the
source's date governs when it is earlier than the centre's own deadline, and holidays never move it. The strict xfails
are what the audit found and this session left undecided or unbuilt: each fails the day it is mended."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from tests.factories import make_ticket
from ticketing.models import TicketStatus
from ticketing.services import administration, progress_lookup, tickets
from ticketing.services.deadlines import LOCAL_TZ

S = TicketStatus
FRI = datetime(2026, 3, 6, 23, 59, 59, tzinfo=LOCAL_TZ)  # 12345's 办理时限: Friday of the first week


def order(**kw):
    base = dict(channel="transfer_12345", type="complaint", content="住院报销三个月未到账", external_id="GD-1",
                transfer_reference="SX-1", caller_phone="13912345678", caller_name="周先生", category_code="DY")
    base.update(kw)
    return tickets.TicketInput(**base)


def registered(db, now, **kw):
    return tickets.register_ticket(db.session, order(**kw), actor=None, now=now, route_now=False).ticket


def dispatched(db, users, t, now, *, accepted_after: timedelta | None = None):
    """``t`` dispatched to 待遇保障科 five minutes after ``now``, and accepted ``accepted_after`` it."""
    tickets.dispatch(db.session, t, dybz(db), actor=users["agent"], now=now + timedelta(minutes=5))
    if accepted_after is not None:
        tickets.accept(db.session, t, actor=users["staff_dybz"], now=now + accepted_after)
    return t


def dybz(db):
    return tickets.department_by_code(db.session, "DYBZ")


def cbzj(db):
    return tickets.department_by_code(db.session, "CBZJ")


def local(value):
    return value.astimezone(LOCAL_TZ) if value else None


# --- registration -------------------------------------------------------------------------------------------

def test_registration_earlier_later_and_before_receipt(db, users, now):
    assert registered(db, now, due_at=FRI).reply_due_at == FRI
    later = datetime(2026, 4, 30, 23, 59, 59, tzinfo=LOCAL_TZ)
    own = registered(db, now, external_id="GD-2", due_at=later)
    assert own.reply_due_at < later
    before = registered(db, now, external_id="GD-3", due_at=now - timedelta(hours=1))
    assert before.reply_due_at > now


# --- 同意退回并改派 -------------------------------------------------------------------------------------------

def test_approved_return_keeps_12345s_due(db, users, now):
    t = registered(db, now, due_at=FRI)
    dispatched(db, users, t, now)
    tickets.return_ticket(db.session, t, "不属于本科", actor=users["staff_dybz"], now=now + timedelta(hours=1))
    tickets.approve_return(db.session, t, cbzj(db), actor=users["supervisor"], now=now + timedelta(hours=2))
    db.session.commit()
    assert t.reply_due_at == FRI, local(t.reply_due_at)


# --- 改派 before the deadline ------------------------------------------------------------------------------

def test_reassign_before_due_keeps_12345s_due(db, users, now):
    t = registered(db, now, due_at=FRI)
    dispatched(db, users, t, now)
    tickets.reassign(db.session, t, cbzj(db), actor=users["supervisor"], now=now + timedelta(days=1),
                     reason="派错")
    assert t.reply_due_at == FRI


def test_reassign_near_due_keeps_12345s_due(db, users, now):
    t = registered(db, now, due_at=FRI)
    dispatched(db, users, t, now)
    tickets.reassign(db.session, t, cbzj(db), actor=users["supervisor"],
                     now=datetime(2026, 3, 6, 20, 0, tzinfo=LOCAL_TZ), reason="派错")
    assert t.reply_due_at == FRI


# --- 派发 / 改派 after 12345's date has passed ---------------------------------------------------------------

@pytest.mark.xfail(strict=True, reason="not decided: after 12345's date has passed, 派发, 改派 and 撤销合并 give the "
                   "order its own fresh time, which replaces 12345's date on the ticket (its feed then says not "
                   "overdue); keeping 12345's date while judging the department by its own time is left to the centre")
def test_dispatch_after_12345s_due_keeps_it(db, users, now):
    t = registered(db, now, due_at=FRI)
    tickets.dispatch(db.session, t, dybz(db), actor=users["agent"], now=datetime(2026, 3, 9, 9, tzinfo=LOCAL_TZ))
    db.session.commit()
    assert t.reply_due_at == FRI, local(t.reply_due_at)


@pytest.mark.xfail(strict=True, reason="not decided: after 12345's date has passed, 派发, 改派 and 撤销合并 give the "
                   "order its own fresh time, which replaces 12345's date on the ticket (its feed then says not "
                   "overdue); keeping 12345's date while judging the department by its own time is left to the centre")
def test_reassign_after_12345s_due_keeps_it(db, users, now):
    t = registered(db, now, due_at=FRI)
    dispatched(db, users, t, now)
    tickets.reassign(db.session, t, cbzj(db), actor=users["supervisor"],
                     now=datetime(2026, 3, 9, 9, tzinfo=LOCAL_TZ), reason="派错")
    db.session.commit()
    assert t.reply_due_at == FRI, local(t.reply_due_at)


# --- 延期 ------------------------------------------------------------------------------------------------

def test_extension_cannot_promise_past_12345s_due(db, users, now):
    t = registered(db, now, due_at=FRI)
    dispatched(db, users, t, now, accepted_after=timedelta(minutes=10))
    until = datetime(2026, 3, 20, 23, 59, 59, tzinfo=LOCAL_TZ)
    try:
        tickets.request_extension(db.session, t, "需外地医院配合", until, actor=users["staff_dybz"],
                                  now=now + timedelta(hours=1))
        tickets.approve_extension(db.session, t, actor=users["supervisor"], now=now + timedelta(hours=2))
    except Exception:
        return  # refused: fine
    db.session.commit()
    assert t.reply_due_at <= FRI, local(t.reply_due_at)


# --- 升为紧急 ---------------------------------------------------------------------------------------------

def test_make_urgent_never_later_than_12345s(db, users, now):
    soon = now + timedelta(hours=10)
    t = registered(db, now, due_at=soon)
    tickets.make_urgent(db.session, t, "风险", actor=users["agent"], now=now + timedelta(hours=1))
    assert t.reply_due_at == soon


# --- 修改诉求类型 --------------------------------------------------------------------------------------------

def test_change_type_consult_to_complaint_takes_12345s(db, users, now):
    due = datetime(2026, 3, 13, 23, 59, 59, tzinfo=LOCAL_TZ)  # later than 3 working days, earlier than 15
    t = registered(db, now, type="consult", due_at=due)
    assert t.reply_due_at < due
    tickets.change_type(db.session, t, "complaint", "实为投诉", actor=users["agent"], now=now + timedelta(hours=1))
    assert t.reply_due_at == due, local(t.reply_due_at)


def test_change_type_after_approved_return_keeps_12345s(db, users, now):
    due = datetime(2026, 3, 13, 23, 59, 59, tzinfo=LOCAL_TZ)
    t = registered(db, now, type="consult", due_at=due)
    dispatched(db, users, t, now)
    tickets.return_ticket(db.session, t, "不属于本科", actor=users["staff_dybz"], now=now + timedelta(hours=1))
    tickets.approve_return(db.session, t, cbzj(db), actor=users["supervisor"], now=now + timedelta(hours=2))
    tickets.change_type(db.session, t, "complaint", "实为投诉", actor=users["agent"], now=now + timedelta(hours=3))
    assert t.reply_due_at <= due, local(t.reply_due_at)


# --- the channel sends the order again --------------------------------------------------------------------

def test_resend_with_earlier_due_only(db, users, now):
    t = registered(db, now, due_at=datetime(2026, 3, 13, 23, 59, 59, tzinfo=LOCAL_TZ))
    dispatched(db, users, t, now)
    db.session.commit()
    tickets.register_ticket(db.session, order(due_at=FRI), actor=None, now=now + timedelta(hours=3))
    db.session.commit()
    assert t.reply_due_at == FRI, local(t.reply_due_at)


def test_resend_with_other_words_and_earlier_due(db, users, now):
    t = registered(db, now, due_at=datetime(2026, 3, 13, 23, 59, 59, tzinfo=LOCAL_TZ))
    dispatched(db, users, t, now)
    db.session.commit()
    tickets.register_ticket(db.session, order(content="群众催办：请于本周五前答复", due_at=FRI), actor=None,
                            now=now + timedelta(hours=3))
    db.session.commit()
    assert t.follow_up_count == 1
    assert t.reply_due_at == FRI, local(t.reply_due_at)


def test_resend_after_answer_with_new_due_then_reopen(db, users, now):
    t = registered(db, now, due_at=FRI)
    dispatched(db, users, t, now, accepted_after=timedelta(minutes=10))
    tickets.reply(db.session, t, "已办理", actor=users["staff_dybz"], now=now + timedelta(hours=1))
    db.session.commit()
    new_due = datetime(2026, 3, 11, 23, 59, 59, tzinfo=LOCAL_TZ)
    tickets.register_ticket(db.session, order(content="回访不满意，退回重办", due_at=new_due), actor=None,
                            now=now + timedelta(days=2))
    tickets.reopen(db.session, t, "12345 回访不满意", actor=users["supervisor"], now=now + timedelta(days=2, hours=1))
    db.session.commit()
    assert t.reply_due_at <= new_due, local(t.reply_due_at)


def test_resend_after_return_to_12345_same_words(db, users, now):
    t = registered(db, now, due_at=FRI, content="咨询养老金")
    tickets.transfer_out(db.session, t, "", actor=users["agent"], now=now + timedelta(minutes=5),
                         note="养老金属人社")
    db.session.commit()
    tickets.register_ticket(db.session, order(content="咨询养老金", due_at=FRI + timedelta(days=3)), actor=None,
                            now=now + timedelta(hours=2))
    db.session.commit()
    assert t.status == S.REGISTERED.value, [e.action for e in t.events]


# --- 合并 / 撤销合并 --------------------------------------------------------------------------------------------

@pytest.mark.xfail(strict=True, reason="not built: a 12345 order merged into an earlier ticket does not hand its "
                   "办理时限 on to the kept ticket (urgency is handed on, the date is not)")
def test_merge_of_a_12345_order_hands_its_due_on(db, users, now):
    kept = make_ticket(db, users, now - timedelta(hours=1), status=S.ACCEPTED, caller_phone="13912345678",
                       caller_name="周先生")  # a 12393 complaint: 15 working days
    dup = registered(db, now, due_at=FRI)
    tickets.merge(db.session, dup, kept, actor=users["agent"], now=now + timedelta(hours=1))
    db.session.commit()
    view = progress_lookup.citizen_view(dup, "13912345678", now=now + timedelta(hours=2))
    assert kept.reply_due_at <= FRI and view.due_at <= FRI, (local(kept.reply_due_at), local(view.due_at))


@pytest.mark.xfail(strict=True, reason="not decided: after 12345's date has passed, 派发, 改派 and 撤销合并 give the "
                   "order its own fresh time, which replaces 12345's date on the ticket (its feed then says not "
                   "overdue); keeping 12345's date while judging the department by its own time is left to the centre")
def test_unmerge_after_12345s_due_passed(db, users, now):
    kept = make_ticket(db, users, now - timedelta(hours=1), caller_phone="13912345678", caller_name="周先生")
    dup = registered(db, now, due_at=FRI)
    tickets.merge(db.session, dup, kept, actor=users["agent"], now=now + timedelta(hours=1))
    tickets.unmerge(db.session, dup, "另一事项", actor=users["supervisor"],
                    now=datetime(2026, 3, 9, 9, tzinfo=LOCAL_TZ))
    db.session.commit()
    assert dup.reply_due_at == FRI, local(dup.reply_due_at)


# --- another source's due_at: a petition ---------------------------------------------------------------------

def test_petition_source_due_survives_acceptance(db, users, now):
    due = datetime(2026, 3, 31, 23, 59, 59, tzinfo=LOCAL_TZ)  # 信访局 asks within the month: earlier than 60 days
    t = registered(db, now, channel="petition_bureau", external_id="XF-1", transfer_reference=None, due_at=due)
    assert t.reply_due_at == due
    dispatched(db, users, t, now, accepted_after=timedelta(hours=1))
    db.session.commit()
    assert t.reply_due_at == due, local(t.reply_due_at)


# --- holidays ------------------------------------------------------------------------------------------------

def test_holiday_never_moves_12345s_date_after_dispatch_and_accept(db, users, now):
    t = registered(db, now, due_at=FRI)
    dispatched(db, users, t, now, accepted_after=timedelta(hours=1))
    db.session.commit()
    administration.add_calendar_day(db.session, date(2026, 3, 4), "holiday", "临时", actor=users["admin"],
                                    now=now + timedelta(hours=2))
    db.session.commit()
    assert t.reply_due_at == FRI


@pytest.mark.xfail(strict=True, reason="not built: a make-up working day entered later can make the centre's own "
                   "deadline the earlier one; the recalculation leaves a ticket on its source's date alone")
def test_make_up_day_brings_own_deadline_before_12345s(db, users, now):
    # 12345 wants Mon 23 March 12:00; our 15 working days from Mon 2 March end Mon 23 March 23:59:59, so 12345's
    # governs. A make-up working day entered on Sat 7 March makes ours Fri 20 March, earlier than 12345's: ours then
    twelve = datetime(2026, 3, 23, 12, 0, tzinfo=LOCAL_TZ)
    t = registered(db, now, due_at=twelve)
    assert t.reply_due_at == twelve
    administration.add_calendar_day(db.session, date(2026, 3, 7), "workday", "调休", actor=users["admin"],
                                    now=now + timedelta(hours=2))
    db.session.commit()
    assert t.reply_due_at == datetime(2026, 3, 20, 23, 59, 59, tzinfo=LOCAL_TZ), local(t.reply_due_at)


def test_holiday_after_approved_return_keeps_12345s(db, users, now):
    t = registered(db, now, due_at=FRI)
    dispatched(db, users, t, now)
    tickets.return_ticket(db.session, t, "不属于本科", actor=users["staff_dybz"], now=now + timedelta(hours=1))
    tickets.approve_return(db.session, t, cbzj(db), actor=users["supervisor"], now=now + timedelta(hours=2))
    db.session.commit()
    administration.add_calendar_day(db.session, date(2026, 3, 4), "holiday", "临时", actor=users["admin"],
                                    now=now + timedelta(hours=3))
    db.session.commit()
    assert t.reply_due_at == FRI, local(t.reply_due_at)


def test_resend_with_later_due_follows_12345_but_never_past_ours(db, users, now):
    t = registered(db, now, due_at=FRI)
    dispatched(db, users, t, now)
    db.session.commit()
    granted = datetime(2026, 3, 13, 23, 59, 59, tzinfo=LOCAL_TZ)  # 12345 granted its own 延期
    tickets.register_ticket(db.session, order(due_at=granted), actor=None, now=now + timedelta(days=1))
    assert t.reply_due_at == granted
    tickets.register_ticket(db.session, order(due_at=datetime(2026, 5, 29, 23, 59, 59, tzinfo=LOCAL_TZ)),
                            actor=None, now=now + timedelta(days=2))
    assert t.reply_due_at == registered(db, now, external_id="GD-8").reply_due_at  # ours: 15 working days
    administration.add_calendar_day(db.session, date(2026, 3, 4), "holiday", "临时", actor=users["admin"],
                                    now=now + timedelta(days=2, hours=1))
    db.session.commit()
    assert t.reply_due_at == registered(db, now, external_id="GD-7").reply_due_at  # ours moves with a holiday


def test_resend_of_the_same_due_is_a_retry(db, users, now):
    t = registered(db, now, due_at=FRI)
    dispatched(db, users, t, now)
    events = len(t.events)
    tickets.register_ticket(db.session, order(due_at=FRI), actor=None, now=now + timedelta(hours=1))
    assert len(t.events) == events
