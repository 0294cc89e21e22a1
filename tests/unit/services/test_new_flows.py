"""The new transitions reviewed (重新受理, 撤销合并, 退回12345, 12345's due_at, an urgent re-send): 月度考核, the calendar,
the scan and the channel feed treat them right; and what a second review of them found."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from tests.factories import make_ticket
from ticketing.models import TicketStatus
from ticketing.services import administration, assessment, channel_feedback, scanning, tickets
from ticketing.services.deadlines import LOCAL_TZ

S = TicketStatus


def order(**kw):
    base = dict(channel="transfer_12345", type="complaint", content="住院报销三个月未到账", external_id="GD-1",
                transfer_reference="SX-1", caller_phone="13912345678", caller_name="周先生")
    base.update(kw)
    return tickets.TicketInput(**base)


def test_12345_due_at_is_not_recounted_by_a_holiday(db, users, now):
    # Mon 2 March; 12345 wants it by Fri 6 March (a date: 23:59:59), earlier than the 15 working days
    due = datetime(2026, 3, 6, 23, 59, 59, tzinfo=LOCAL_TZ)
    ticket = tickets.register_ticket(db.session, order(due_at=due), actor=None, now=now, route_now=False).ticket
    db.session.commit()
    assert ticket.reply_due_at == due
    administration.add_calendar_day(db.session, date(2026, 3, 4), "holiday", "临时", actor=users["admin"],
                                    now=now + timedelta(hours=1))
    db.session.commit()
    assert ticket.reply_due_at == due, ticket.reply_due_at.astimezone(LOCAL_TZ)  # 12345's date, not ours


def test_take_back_clock_is_not_recounted_from_receipt(db, users, now):
    ticket = make_ticket(db, users, now)  # Mon 2 March, complaint: 15 working days
    tickets.transfer_out(db.session, ticket, "SX-9", actor=users["agent"], now=now)
    back = datetime(2026, 3, 10, 9, 0, tzinfo=LOCAL_TZ)
    tickets.take_back(db.session, ticket, "12345 退回：属医保", actor=users["agent"], now=back)
    db.session.commit()
    due = ticket.reply_due_at  # 15 working days from 10 March: 31 March
    # a local closure on 5 March, before the clock started again, entered later
    administration.add_calendar_day(db.session, date(2026, 3, 5), "holiday", "临时闭馆", actor=users["admin"],
                                    now=back + timedelta(hours=1))
    db.session.commit()
    assert ticket.reply_due_at == due, (due.astimezone(LOCAL_TZ), ticket.reply_due_at.astimezone(LOCAL_TZ))


def test_urgent_resend_of_a_returned_12345_order_keeps_the_urgency(db, users, now):
    ticket = tickets.register_ticket(db.session, order(content="咨询养老金领取"), actor=None, now=now,
                                     route_now=False).ticket
    tickets.transfer_out(db.session, ticket, "", actor=users["agent"], now=now, note="养老金属人社")
    db.session.commit()
    tickets.register_ticket(db.session, order(content="退回12393：属医保，请加急", urgency="urgent"), actor=None,
                            now=now + timedelta(hours=1))
    db.session.commit()
    assert ticket.status == S.REGISTERED.value
    assert ticket.urgency == "urgent", [e.action for e in ticket.events]


def test_petition_taken_back_is_not_late_to_accept_on_dispatch(db, users, now):
    petition = make_ticket(db, users, now, channel="petition_bureau", external_id="XF-1")
    tickets.transfer_out(db.session, petition, "X函〔2026〕1号", actor=users["agent"], now=now,
                         note="不属医保部门职责")
    back = now + timedelta(days=20)
    tickets.take_back(db.session, petition, "信访部门坚持：属医保", actor=users["agent"], now=back)
    tickets.dispatch(db.session, petition, tickets.department_by_code(db.session, "DYBZ"), actor=users["agent"],
                     now=back + timedelta(minutes=5))
    assert petition.accept_due_at > back, petition.accept_due_at.astimezone(LOCAL_TZ)


def test_take_back_does_not_erase_a_late_accept(db, users, now):
    ticket = make_ticket(db, users, now, status=S.DISPATCHED)  # DYBZ must accept by Tue 3 March
    later = now + timedelta(days=3)  # Thu 5 March: not accepted, transferred out late
    tickets.transfer_out(db.session, ticket, "SX-9", actor=users["agent"], now=later)
    db.session.commit()
    month = "2026-03"
    as_of = datetime(2026, 3, 31, 12, tzinfo=LOCAL_TZ)

    def dybz():
        row = next(r for r in assessment.live_figures(db.session, month, as_of, assessment.get_weights(db.session))
                   if r.department_code == "DYBZ")
        return row.received, row.accept_due, row.accept_on_time

    assert dybz() == (1, 1, 0)  # late when it left
    tickets.take_back(db.session, ticket, "12345 退回：属医保", actor=users["agent"], now=later + timedelta(hours=1))
    db.session.commit()
    assert dybz() == (1, 1, 0)  # still late: taking it back later excuses nothing


def test_unmerge_restoring_a_later_deadline_lets_the_scan_mark_it_again(db, users, now):
    kept = make_ticket(db, users, now, status=S.ACCEPTED, type="consult")  # due Thu 5 March
    dup = make_ticket(db, users, now + timedelta(minutes=30), urgency="urgent", type="consult")
    normal_due = kept.reply_due_at
    tickets.merge(db.session, dup, kept, actor=users["agent"], now=now + timedelta(hours=1))
    assert kept.urgency == "urgent"
    db.session.commit()
    scanning.scan_deadlines(db.session, now + timedelta(hours=26))  # urgent 24 h passed: marked
    db.session.commit()
    assert kept.overdue_marked_at is not None
    tickets.unmerge(db.session, dup, "另一事项", actor=users["supervisor"], now=now + timedelta(hours=27))
    db.session.commit()
    assert kept.urgency == "normal" and kept.reply_due_at == normal_due
    after = normal_due + timedelta(hours=1)
    result = scanning.scan_deadlines(db.session, after)  # the restored deadline has passed now
    db.session.commit()
    assert kept.number in result.marked, [e.action for e in kept.events]


def test_unmerge_restored_deadline_reaches_the_kept_tickets_channel(db, users, now):
    kept = tickets.register_ticket(db.session, order(type="consult"), actor=None, now=now, route_now=False).ticket
    tickets.dispatch(db.session, kept, tickets.department_by_code(db.session, "DYBZ"), actor=users["agent"], now=now)
    dup = make_ticket(db, users, now + timedelta(minutes=30), urgency="urgent", type="consult",
                      caller_phone="13912345678", caller_name="周先生")
    tickets.merge(db.session, dup, kept, actor=users["agent"], now=now + timedelta(hours=1))
    db.session.commit()
    urgent_due = kept.reply_due_at
    since = now + timedelta(hours=2)
    tickets.unmerge(db.session, dup, "另一事项", actor=users["supervisor"], now=now + timedelta(hours=3))
    db.session.commit()
    assert kept.reply_due_at != urgent_due
    page = channel_feedback.changed(db.session, "transfer_12345", since=since, until=None,
                                    now=now + timedelta(hours=4))
    assert kept.number in [i.number for i in page.items]


def test_unmerge_restored_deadline_is_escalated_when_it_passes(db, users, now):
    kept = make_ticket(db, users, now, status=S.ACCEPTED, type="consult")  # due Thu 5 March 23:59
    dup = make_ticket(db, users, now + timedelta(minutes=30), urgency="urgent", type="consult")
    normal_due = kept.reply_due_at
    tickets.merge(db.session, dup, kept, actor=users["agent"], now=now + timedelta(hours=1))  # urgent: Tue 10:00
    db.session.commit()
    first = scanning.scan_deadlines(db.session, now + timedelta(days=3))  # Thu 09:00: 2 working days late
    db.session.commit()
    assert kept.number in first.escalated
    tickets.unmerge(db.session, dup, "另一事项", actor=users["supervisor"], now=now + timedelta(days=3, hours=1))
    db.session.commit()
    assert kept.reply_due_at == normal_due
    late = scanning.scan_deadlines(db.session, datetime(2026, 3, 10, 9, tzinfo=LOCAL_TZ))  # 3 working days late
    db.session.commit()
    assert kept.number in late.marked + late.escalated


def test_unmerge_clock_is_not_recounted_from_receipt(db, users, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, type="consult")  # due Thu 5 March
    kept = make_ticket(db, users, now - timedelta(hours=1), type="consult")
    tickets.merge(db.session, ticket, kept, actor=users["agent"], now=now + timedelta(hours=1))
    back = datetime(2026, 3, 10, 9, 0, tzinfo=LOCAL_TZ)
    tickets.unmerge(db.session, ticket, "另一事项", actor=users["supervisor"], now=back)  # fresh: Fri 13 March
    db.session.commit()
    due = ticket.reply_due_at
    administration.add_calendar_day(db.session, date(2026, 3, 4), "holiday", "临时闭馆", actor=users["admin"],
                                    now=back + timedelta(hours=1))
    db.session.commit()
    assert ticket.reply_due_at == due, (due.astimezone(LOCAL_TZ), ticket.reply_due_at.astimezone(LOCAL_TZ))


# a second review of this session's diff

def test_holiday_pushes_deadline_past_12345_due(db, users, now):
    # centre: 15 working days from Mon 2 March -> ~20/23 March; 12345 wants 24 March
    due = datetime(2026, 3, 24, 23, 59, 59, tzinfo=LOCAL_TZ)
    t = tickets.register_ticket(db.session, order(external_id="GD-2", due_at=due), actor=None, now=now,
                                route_now=False).ticket
    db.session.commit()
    assert t.reply_due_at < due
    administration.add_calendar_period(db.session, date(2026, 3, 4), date(2026, 3, 10), "holiday", "临时",
                                       actor=users["admin"], now=now + timedelta(hours=1))
    db.session.commit()
    assert t.reply_due_at <= due, t.reply_due_at.astimezone(LOCAL_TZ)


def test_source_due_after_reload(db, users, now):
    due = datetime(2026, 3, 6, 23, 59, 59, tzinfo=LOCAL_TZ)
    t = tickets.register_ticket(db.session, order(due_at=due), actor=None, now=now, route_now=False).ticket
    db.session.commit()
    db.session.expire_all()
    administration.add_calendar_day(db.session, date(2026, 3, 4), "holiday", "临时", actor=users["admin"],
                                    now=now + timedelta(hours=1))
    db.session.commit()
    db.session.expire_all()
    assert t.reply_due_at == due, t.reply_due_at.astimezone(LOCAL_TZ)


def test_resend_after_return_with_new_due_at(db, users, now):
    t = tickets.register_ticket(db.session, order(content="咨询养老金"), actor=None, now=now, route_now=False).ticket
    tickets.transfer_out(db.session, t, "", actor=users["agent"], now=now, note="养老金属人社")
    db.session.commit()
    due = datetime(2026, 3, 6, 23, 59, 59, tzinfo=LOCAL_TZ)
    tickets.register_ticket(db.session, order(content="退回：属医保", due_at=due), actor=None,
                            now=now + timedelta(hours=1))
    db.session.commit()
    assert t.status == S.REGISTERED.value
    assert t.reply_due_at <= due, t.reply_due_at.astimezone(LOCAL_TZ)


def test_retry_after_due_passed_is_refused(db, users, now):
    due = datetime(2026, 3, 6, 23, 59, 59, tzinfo=LOCAL_TZ)
    t = tickets.register_ticket(db.session, order(due_at=due), actor=None, now=now, route_now=False).ticket
    tickets.transfer_out(db.session, t, "", actor=users["agent"], now=now, note="养老金属人社")
    db.session.commit()
    # 12345 sends it back a week later, the original order's fields (due_at included)
    r = tickets.register_ticket(db.session, order(content="退回：属医保", due_at=due), actor=None,
                                now=now + timedelta(days=7))
    assert r.ticket.status == S.REGISTERED.value


def test_urgent_resend_of_merged_duplicate(db, users, now):
    kept = make_ticket(db, users, now, status=S.ACCEPTED, type="consult")
    dup = tickets.register_ticket(db.session, order(type="consult", caller_phone="13800138000"), actor=None,
                                  now=now + timedelta(minutes=30), route_now=False).ticket
    tickets.merge(db.session, dup, kept, actor=users["agent"], now=now + timedelta(hours=1))
    db.session.commit()
    tickets.register_ticket(db.session, order(type="consult", caller_phone="13800138000", urgency="urgent"),
                            actor=None, now=now + timedelta(hours=2))
    db.session.commit()
    tickets.unmerge(db.session, dup, "另一事项", actor=users["supervisor"], now=now + timedelta(hours=3))
    db.session.commit()
    assert dup.urgency == "urgent" and kept.urgency == "normal"


def test_citizen_addition_to_a_mailbox_letter_transferred_to_12345(db, users, now):
    t = tickets.register_ticket(db.session, order(channel="mailbox_mayor", external_id="SZ-1", transfer_reference=None,
                                                  content="咨询养老金"), actor=None, now=now, route_now=False).ticket
    tickets.transfer_out(db.session, t, "12345-REF-9", actor=users["agent"], now=now)
    db.session.commit()
    tickets.register_ticket(db.session, order(channel="mailbox_mayor", external_id="SZ-1", transfer_reference=None,
                                              content="咨询养老金。补充：我是退休职工"), actor=None,
                            now=now + timedelta(hours=1))
    db.session.commit()
    assert t.status == S.TRANSFERRED_OUT.value, [e.action for e in t.events]


def rows(db):
    as_of = datetime(2026, 3, 31, 12, tzinfo=LOCAL_TZ)
    return {r.department_code: (r.received, r.accept_due, r.accept_on_time, r.reply_due, r.reply_on_time, r.overdue)
            for r in assessment.live_figures(db.session, "2026-03", as_of, assessment.get_weights(db.session))
            if r.received}


def test_transfer_late_take_back_dispatch_elsewhere(db, users, now):
    t = make_ticket(db, users, now, status=S.DISPATCHED)  # DYBZ, accept by Tue 3 March
    later = now + timedelta(days=3)
    tickets.transfer_out(db.session, t, "SX-9", actor=users["agent"], now=later)
    tickets.take_back(db.session, t, "12345 退回", actor=users["agent"], now=later + timedelta(hours=1))
    tickets.dispatch(db.session, t, tickets.department_by_code(db.session, "CBZJ"), actor=users["agent"],
                     now=later + timedelta(hours=2))
    tickets.accept(db.session, t, actor=users["staff_cbzj"], now=later + timedelta(hours=3))
    tickets.reply(db.session, t, "已办理", actor=users["staff_cbzj"], now=later + timedelta(hours=4))
    db.session.commit()
    r = rows(db)
    assert r["DYBZ"][:3] == (1, 1, 0)
    assert r["CBZJ"] == (1, 1, 1, 1, 1, 0)


def test_transfer_twice(db, users, now):
    t = make_ticket(db, users, now, status=S.DISPATCHED)
    tickets.transfer_out(db.session, t, "SX-9", actor=users["agent"], now=now + timedelta(hours=1))  # on time
    tickets.take_back(db.session, t, "12345 退回", actor=users["agent"], now=now + timedelta(hours=2))
    tickets.dispatch(db.session, t, tickets.department_by_code(db.session, "CBZJ"), actor=users["agent"],
                     now=now + timedelta(hours=3))
    tickets.transfer_out(db.session, t, "SX-10", actor=users["agent"], now=now + timedelta(days=4))  # late
    db.session.commit()
    r = rows(db)
    assert r["DYBZ"][:3] == (1, 0, 0)
    assert r["CBZJ"][:3] == (1, 1, 0)


def test_return_requested_late_then_transfer_then_take_back(db, users, now):
    t = make_ticket(db, users, now, status=S.DISPATCHED)  # DYBZ, accept by Tue 3 March
    later = now + timedelta(days=3)
    tickets.return_ticket(db.session, t, "不属于本单位", actor=users["staff_dybz"], now=later)
    tickets.transfer_out(db.session, t, "SX-9", actor=users["agent"], now=later + timedelta(hours=1))
    db.session.commit()
    before = rows(db)["DYBZ"]
    tickets.take_back(db.session, t, "12345 退回", actor=users["agent"], now=later + timedelta(hours=2))
    db.session.commit()
    after = rows(db)["DYBZ"]
    assert after == before
