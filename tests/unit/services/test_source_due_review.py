"""A review of the 12345-date change (929c58d): 12345's 要求办结时间 against extensions, merges and a holiday after 重办."""
from __future__ import annotations

from datetime import date, datetime, timedelta


from tests.factories import make_ticket
from tests.unit.services.test_source_due_paths import FRI, S, dybz, local, order, registered
from ticketing.services import administration, progress_lookup, tickets
from ticketing.services.deadlines import LOCAL_TZ

THU12 = datetime(2026, 3, 12, 23, 59, 59, tzinfo=LOCAL_TZ)
TUE10 = datetime(2026, 3, 10, 23, 59, 59, tzinfo=LOCAL_TZ)
FRI13 = datetime(2026, 3, 13, 23, 59, 59, tzinfo=LOCAL_TZ)


def consult_accepted(db, users, now):
    """A 12345 咨询 order: the centre's 3 working days (Thu 5 March) before 12345's Friday 13 March."""
    t = registered(db, now, type="consult", due_at=FRI13)
    tickets.dispatch(db.session, t, dybz(db), actor=users["agent"], now=now + timedelta(minutes=5))
    tickets.accept(db.session, t, actor=users["staff_dybz"], now=now + timedelta(minutes=10))
    return t


def test_an_extension_approved_after_12345_shortened_its_date_never_reaches_past_it(db, users, now):
    t = consult_accepted(db, users, now)
    tickets.request_extension(db.session, t, "需外地医院配合", THU12, actor=users["staff_dybz"],
                              now=now + timedelta(hours=1))
    tickets.register_ticket(db.session, order(type="consult", due_at=TUE10), actor=None, now=now + timedelta(hours=2))
    try:
        tickets.approve_extension(db.session, t, actor=users["supervisor"], now=now + timedelta(hours=3))
    except Exception:  # noqa: BLE001  refused: fine
        pass
    db.session.commit()
    assert t.reply_due_at <= TUE10, local(t.reply_due_at)


def test_12345_shortening_its_date_after_an_approved_extension_governs(db, users, now):
    t = consult_accepted(db, users, now)
    tickets.request_extension(db.session, t, "需外地医院配合", THU12, actor=users["staff_dybz"],
                              now=now + timedelta(hours=1))
    tickets.approve_extension(db.session, t, actor=users["supervisor"], now=now + timedelta(hours=2))
    tickets.register_ticket(db.session, order(type="consult", due_at=TUE10), actor=None, now=now + timedelta(days=1))
    db.session.commit()
    assert t.reply_due_at == TUE10, local(t.reply_due_at)


def test_a_late_answer_to_12345s_date_stays_late_when_a_holiday_is_entered_after_reopen(db, users, now):
    """Answered on Saturday, after 12345's Friday: late. 12345's date is its own, whatever our holidays; a holiday
    entered after 重办 made the answer on time in 月度考核."""
    t = registered(db, now, due_at=FRI)
    tickets.dispatch(db.session, t, dybz(db), actor=users["agent"], now=now + timedelta(minutes=5))
    tickets.accept(db.session, t, actor=users["staff_dybz"], now=now + timedelta(minutes=10))
    tickets.reply(db.session, t, "已办理", actor=users["staff_dybz"], now=datetime(2026, 3, 7, 10, tzinfo=LOCAL_TZ))
    tickets.reopen(db.session, t, "12345 回访不满意", actor=users["supervisor"],
                   now=datetime(2026, 3, 9, 9, tzinfo=LOCAL_TZ))
    db.session.commit()
    administration.add_calendar_day(db.session, date(2026, 3, 4), "holiday", "临时", actor=users["admin"],
                                    now=datetime(2026, 3, 9, 10, tzinfo=LOCAL_TZ))
    db.session.commit()
    (answer,) = [e for e in t.events if e.action == "reply"]
    assert answer.data["on_time"] is False, answer.data


def test_12345s_new_date_for_an_order_merged_away_is_kept_for_it(db, users, now):
    kept = make_ticket(db, users, now - timedelta(hours=1), status=S.ACCEPTED, caller_phone="13912345678",
                       caller_name="周先生")
    dup = registered(db, now, due_at=FRI13)
    tickets.merge(db.session, dup, kept, actor=users["agent"], now=now + timedelta(hours=1))
    db.session.commit()
    recorded = len(kept.events) + len(dup.events)
    tickets.register_ticket(db.session, order(due_at=FRI), actor=None, now=now + timedelta(hours=2))
    db.session.commit()
    assert len(kept.events) + len(dup.events) > recorded, "12345's new date was recorded nowhere"
    assert kept.events[-1].note.endswith("本工单答复时限不变）")
    tickets.unmerge(db.session, dup, "另一事项", actor=users["supervisor"], now=now + timedelta(hours=3))
    db.session.commit()
    assert dup.reply_due_at == FRI, local(dup.reply_due_at)


def test_12345_granting_its_own_extension_after_its_date_passed_is_recorded_not_taken(db, users, now):
    t = registered(db, now, due_at=FRI)
    tickets.dispatch(db.session, t, dybz(db), actor=users["agent"], now=now + timedelta(minutes=5))
    tickets.accept(db.session, t, actor=users["staff_dybz"], now=now + timedelta(minutes=10))
    db.session.commit()
    monday = datetime(2026, 3, 9, 9, tzinfo=LOCAL_TZ)
    tickets.register_ticket(db.session, order(due_at=FRI13), actor=None, now=monday)
    db.session.commit()
    # decided: a deadline already passed stays (as the centre's own extension must be asked before it ends), and
    # the event says so
    view = progress_lookup.citizen_view(t, "13912345678", now=monday + timedelta(hours=1))
    assert t.reply_due_at == FRI and view.overdue, local(t.reply_due_at)
    assert t.events[-1].note.endswith("已届满，不随之延后）") and "要求办结时间改为 2026-03-13" in t.events[-1].note
