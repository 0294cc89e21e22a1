"""What a merge or a transfer leaves behind (a final review, 6 Dec 2026): 12345 granting a merged order more time (a
later date) is applied by 撤销合并 as it is for an order not merged; a 督办 to the department does not follow a ticket
taken back from 12345 to the top of 待派发."""
from __future__ import annotations

from datetime import timedelta

from tests.factories import make_ticket
from tests.unit.services.test_source_due_paths import FRI, S, local, order, registered
from tests.unit.services.test_source_due_review import FRI13
from ticketing.services import tickets


def test_12345_granting_a_merged_order_more_time_is_applied_at_unmerge(db, users, now):
    # not merged: 12345 sending FRI13 for an order due FRI moves it to FRI13
    plain = registered(db, now, external_id="GD-9", due_at=FRI)
    tickets.register_ticket(db.session, order(external_id="GD-9", due_at=FRI13), actor=None, now=now + timedelta(hours=2))
    db.session.commit()
    assert plain.reply_due_at == FRI13, local(plain.reply_due_at)
    # merged: the same date is recorded for the order, and 撤销合并 "applies it" (README)
    kept = make_ticket(db, users, now - timedelta(hours=1), status=S.ACCEPTED, caller_phone="13912345678",
                       caller_name="周先生")
    dup = registered(db, now, due_at=FRI)
    tickets.merge(db.session, dup, kept, actor=users["agent"], now=now + timedelta(hours=1))
    tickets.register_ticket(db.session, order(due_at=FRI13), actor=None, now=now + timedelta(hours=2))
    db.session.commit()
    tickets.unmerge(db.session, dup, "另一事项", actor=users["supervisor"], now=now + timedelta(hours=3))
    db.session.commit()
    assert dup.reply_due_at == FRI13, local(dup.reply_due_at)


def test_a_督办_to_the_department_does_not_put_a_ticket_taken_back_atop_待派发(db, users, now):
    from ticketing.services import inbox
    from tests.unit.services.test_source_due_paths import dispatched
    other = registered(db, now + timedelta(days=1), external_id="GD-7", due_at=FRI)  # waiting, due first
    t = registered(db, now, due_at=FRI13)
    dispatched(db, users, t, now, accepted_after=timedelta(minutes=10))
    tickets.urge(db.session, t, "请科室今天答复来电人", actor=users["supervisor"], now=now + timedelta(hours=1))
    tickets.transfer_out(db.session, t, "", actor=users["agent"], now=now + timedelta(hours=2), note="非医保事项")
    tickets.take_back(db.session, t, "12345 退回：属医保事项", actor=None, now=now + timedelta(days=2))
    db.session.commit()
    order_ = [x.id for x in db.session.scalars(inbox.triage_query())]
    # the 督办 was addressed to 待遇保障科, which the ticket has left; nobody urged its dispatch
    assert t.last_urged_at is None and order_.index(other.id) < order_.index(t.id)
