"""A second diff review: 12345's due_at against holidays and re-sends, an urgent re-send of a merged duplicate, a
letter transferred on to 12345 and added to by its writer."""
from __future__ import annotations

from datetime import date, datetime, timedelta


from tests.factories import make_ticket
from ticketing.models import TicketStatus
from ticketing.services import administration, tickets
from ticketing.services.deadlines import LOCAL_TZ

S = TicketStatus


def order(**kw):
    base = dict(channel="transfer_12345", type="complaint", content="住院报销三个月未到账", external_id="GD-1",
                transfer_reference="SX-1", caller_phone="13912345678", caller_name="周先生")
    base.update(kw)
    return tickets.TicketInput(**base)


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
