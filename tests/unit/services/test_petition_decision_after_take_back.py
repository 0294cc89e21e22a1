"""A petition returned to the 信访部门 and sent back (重新受理) has 15 days from that receipt to be decided, in 待派发
too: 工单统计 and 不予受理 judged it by its first receipt (a diff review, 6 Dec 2026)."""
from __future__ import annotations

from datetime import date, datetime

from tests.factories import make_ticket
from ticketing.models import TicketStatus
from ticketing.services import statistics, tickets
from ticketing.services.deadlines import LOCAL_TZ

S = TicketStatus


def at(d, h=10, m=0, month=3):
    return datetime(2026, month, d, h, m, tzinfo=LOCAL_TZ)


def _taken_back_petition(db, users):
    """A petition received 2 March, returned to the 信访部门 on 3 March, sent back by it (重新受理) on 30 March."""
    p = make_ticket(db, users, at(2, 9), channel="petition_bureau", external_id="XF-R25", status=S.DISPATCHED)
    tickets.transfer_out(db.session, p, "信访函〔2026〕1号", actor=users["agent"], now=at(3), note="属人社部门职责")
    tickets.take_back(db.session, p, "信访部门坚持属医保部门职责", actor=users["agent"], now=at(30, 9))
    return p


def test_taken_back_petition_dispatched_counts_its_15_days_from_the_take_back(db, users):
    # what dispatch does (tickets._petition_received): the baseline the two tests below differ from
    p = _taken_back_petition(db, users)
    tickets.dispatch(db.session, p, tickets.department_by_code(db.session, "DYBZ"), actor=users["agent"], now=at(31))
    assert p.accept_due_at.astimezone(LOCAL_TZ).date() >= date(2026, 4, 13)


def test_taken_back_petition_refused_from_the_dispatch_queue_next_day_is_on_time(db, users):
    p = _taken_back_petition(db, users)
    # the next day the agent tells 不予受理 from 待派发: one day after the 信访部门 sent it again
    tickets.tell_legal_channel(db.session, p, "属劳动争议，请申请劳动仲裁（不予受理）", actor=users["agent"], now=at(31))
    assert p.events[-1].data["deadline"] == "accept"
    assert p.events[-1].data["on_time"] is True  # judged from 2 March (received_at): False


def test_taken_back_petition_waiting_one_day_in_the_dispatch_queue_is_not_late(db, users):
    _taken_back_petition(db, users)
    db.session.commit()
    figures = statistics.petition_month(db.session, "2026-03", now=at(31, 12))
    # received again on 30 March: its 15 days to decide have not passed; it is no 应受理 yet
    assert (figures.received, figures.accept_due, figures.accepted_on_time) == (1, 0, 0)
