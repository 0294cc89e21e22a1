"""The later part of this session's change reviewed (a second diff review): 转出 and 重新受理 in 月度考核, 12345's
due_at against holidays and re-sends, an urgent re-send of a merged duplicate, a letter transferred on."""


from datetime import datetime, timedelta

from tests.factories import make_ticket
from ticketing.models import TicketStatus
from ticketing.services import assessment, tickets
from ticketing.services.deadlines import LOCAL_TZ

S = TicketStatus


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
