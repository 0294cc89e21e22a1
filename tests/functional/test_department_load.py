"""督办's 各承办单位在办: per department, the tickets it holds now (to accept, in hand, returning), how many are overdue
or near their deadline, extensions to approve and the 协办 it owes, with links to the lists behind them."""
from __future__ import annotations

from datetime import timedelta

from tests.factories import extend, make_ticket, page_section
from ticketing.models import TicketStatus
from ticketing.services import clock, inbox
from ticketing.services.actions import perform_action

S = TicketStatus


def test_each_departments_load_now(db, client, users, auth, now, monkeypatch):
    make_ticket(db, users, now, status=S.DISPATCHED)
    accepted = make_ticket(db, users, now, status=S.ACCEPTED)
    extend(db, users, make_ticket(db, users, now, status=S.ACCEPTED), now, approved=None)  # an extension to approve
    make_ticket(db, users, now, status=S.RETURN_REQUESTED)
    make_ticket(db, users, now, status=S.CLOSED)  # done: not in hand
    make_ticket(db, users, now)  # registered: no department yet
    make_ticket(db, users, now - timedelta(days=30), status=S.DISPATCHED, department="CBZJ", category="CB")  # overdue
    perform_action(db.session, accepted, "request_assist", {"department": "CBZJ", "request": "请核实"},
                   actor=users["staff_dybz"], now=now)
    db.session.commit()

    load = inbox.department_load(db.session, now + timedelta(hours=2), near_hours=24)
    dybz, cbzj = load[users["staff_dybz"].department_id], load[users["staff_cbzj"].department_id]
    assert (dybz.total, dybz.to_accept, dybz.in_hand, dybz.returning, dybz.overdue, dybz.extensions, dybz.assists) == (
        4, 1, 2, 1, 0, 1, 0)
    assert (cbzj.total, cbzj.to_accept, cbzj.overdue, cbzj.assists) == (1, 1, 1, 1)
    assert len(load) == 2
    consult = make_ticket(db, users, now, status=S.ACCEPTED, type="consult")  # to be answered by Thursday's end
    db.session.commit()
    thursday_noon = now + timedelta(days=3, hours=3)
    assert consult.reply_due_at - thursday_noon < timedelta(hours=24)
    assert inbox.department_load(db.session, thursday_noon, near_hours=24)[users["staff_dybz"].department_id].near == 1

    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(hours=2))
    auth.login("supervisor")
    html = client.get("/supervise/").get_data(as_text=True)
    table = page_section(html, "load")
    assert "各承办单位在办" in table and "待遇保障科" in table and "参保征缴科" in table
    assert 'href="/tickets/?department=CBZJ&amp;overdue=1">1</a>' in table
    assert 'href="/tickets/?department=DYBZ&amp;status=accepted">3</a>' in table
    assert "医疗救助科" not in table  # nothing in hand: not listed


def test_near_its_deadline_counts_the_time_to_accept_of_a_dispatched_ticket(db, users, now):
    """24 小时内到期 read the reply deadline only: a ticket about to miss its 签收 never showed there, and one whose
    签收 was overdue did (a staff-day review); it now reads the deadline every page shows (current_due_at)."""
    waiting = make_ticket(db, users, now, status=S.DISPATCHED)  # 签收 within a working day, reply in 15
    db.session.commit()
    dybz = users["staff_dybz"].department_id
    before_accept_due = waiting.accept_due_at - timedelta(hours=3)
    assert waiting.reply_due_at - before_accept_due > timedelta(days=5)
    assert inbox.department_load(db.session, before_accept_due, near_hours=24)[dybz].near == 1
    sections = {s.key: s for s in inbox.supervision_sections(db.session, before_accept_due, near_hours=24)}
    assert [t.id for t in sections["near"].items] == [waiting.id]

    after_accept_due = waiting.accept_due_at + timedelta(hours=1)
    load = inbox.department_load(db.session, after_accept_due, near_hours=24)[dybz]
    assert (load.overdue, load.near) == (1, 0)  # overdue, not near
