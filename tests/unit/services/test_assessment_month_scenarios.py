"""A supervisor's hand count of 月度考核 and the petition figures against domain.md's rules, in scenarios a real month holds
(a domain audit, 6 Dec 2026): a holiday entered after a ticket left its department, a reply in the last second, a
petition left in 待派发 or refused on day 28, 重新受理 then 告知法定途径, merges after a take-back or an undone merge,
改派 on the last evening."""
from __future__ import annotations

from datetime import date, datetime

from tests.factories import make_ticket
from ticketing.models import TicketStatus
from ticketing.services import administration, assessment, tickets
from ticketing.services.deadlines import LOCAL_TZ

S = TicketStatus
MARCH = "2026-03"


def at(d, h=10, m=0, s=0, month=3, us=0):
    return datetime(2026, month, d, h, m, s, us, tzinfo=LOCAL_TZ)


def rows(db, as_of, month=MARCH):
    return {r.department_code: r for r in assessment.live_figures(db.session, month, as_of,
                                                                   assessment.get_weights(db.session))}


def dept(db, code):
    return tickets.department_by_code(db.session, code)


def test_s4_left_late_flag_on_reassign_recounted_after_holiday(db, users):
    # Mon 2 March dispatched; accept by Tue 3 March 23:59:59
    t = make_ticket(db, users, at(2, 9), status=S.DISPATCHED)
    assert t.accept_due_at.astimezone(LOCAL_TZ).date() == date(2026, 3, 3)
    # Wed 4 March 10:00, never signed, reassigned: DYBZ left it late (its deadline passed on Tue)
    tickets.reassign(db.session, t, dept(db, "CBZJ"), actor=users["supervisor"], now=at(4), reason="应由参保征缴科办理")
    assert t.events[-1].data.get("left_accept_late") is True
    db.session.commit()
    # Tue 3 March was a local closure (typhoon), entered on Thu 5 March: DYBZ had until Wed 4 March 23:59:59
    administration.add_calendar_day(db.session, date(2026, 3, 3), "holiday", "台风停工", actor=users["admin"], now=at(5))
    db.session.commit()
    dybz = rows(db, at(31, 12))["DYBZ"]
    # hand count: the 1 working day after Mon 2 March, with Tue 3 March a holiday, ends Wed 4 March 23:59:59;
    # it left at 10:00 Wed before its deadline: not a late 签收, no denominator
    assert (dybz.accept_due, dybz.accept_on_time) == (0, 0)


def test_s4b_transfer_out_late_recounted_after_holiday(db, users):
    t = make_ticket(db, users, at(2, 9), status=S.DISPATCHED)
    tickets.transfer_out(db.session, t, "SX-1", actor=users["agent"], now=at(4), note="属12345")
    assert t.events[-1].data.get("left_accept_late") is True
    db.session.commit()
    administration.add_calendar_day(db.session, date(2026, 3, 3), "holiday", "台风停工", actor=users["admin"], now=at(5))
    db.session.commit()
    assert t.accept_due_at.astimezone(LOCAL_TZ).date() == date(2026, 3, 4)
    dybz = rows(db, at(31, 12))["DYBZ"]
    assert (dybz.accept_due, dybz.accept_on_time) == (0, 0)


def test_s2_legal_channel_by_agent_after_take_back_is_not_the_departments(db, users):
    t = make_ticket(db, users, at(2, 9), status=S.DISPATCHED)
    tickets.transfer_out(db.session, t, "SX-2", actor=users["agent"], now=at(2, 11), note="属12345")
    tickets.take_back(db.session, t, "12345 退回", actor=users["agent"], now=at(3))
    tickets.tell_legal_channel(db.session, t, "请向人民法院起诉", actor=users["agent"], now=at(3, 11))
    db.session.commit()
    dybz = rows(db, at(31, 12))["DYBZ"]
    assert (dybz.reply_due, dybz.reply_on_time, dybz.handled) == (0, 0, 0)


def test_s3_reply_in_the_last_second_of_the_last_day(db, users):
    t = make_ticket(db, users, at(2, 9), status=S.ACCEPTED, type="consult")
    due = t.reply_due_at.astimezone(LOCAL_TZ)
    assert (due.date(), due.hour, due.minute) == (date(2026, 3, 5), 23, 59)
    tickets.reply(db.session, t, "已答复", actor=users["staff_dybz"], now=at(5, 23, 59, 59, us=500000))
    db.session.commit()
    dybz = rows(db, at(31, 12))["DYBZ"]
    assert (dybz.reply_due, dybz.reply_on_time, dybz.overdue) == (1, 1, 0)


def test_p1_petition_left_in_dispatch_queue_past_15_days_counts_as_not_accepted_in_time(db, users):
    from ticketing.services import statistics
    make_ticket(db, users, at(2, 9), channel="petition_bureau", external_id="XF-1", status=S.ACCEPTED)
    forgotten = make_ticket(db, users, at(2, 9), channel="petition_bureau", external_id="XF-2",
                            content="反映医院乱收费问题", caller_phone="13900001111", caller_name="李先生")
    assert forgotten.status == S.REGISTERED.value
    db.session.commit()
    figures = statistics.petition_month(db.session, MARCH, now=at(31, 12))
    # hand count (信访工作条例 §22, domain.md): both received 2 March; by 31 March the 15 days to decide have passed
    # for both; one accepted on day 0, one never decided: 应受理 2, 其中 15 日内受理 1
    assert (figures.received, figures.accept_due, figures.accepted_on_time) == (2, 2, 1)


def test_m1_merge_after_take_back_and_redispatch_left_unaccepted(db, users):
    kept = make_ticket(db, users, at(2, 9), status=S.ACCEPTED)
    t = make_ticket(db, users, at(2, 9, 30), status=S.DISPATCHED)
    tickets.transfer_out(db.session, t, "SX-3", actor=users["agent"], now=at(2, 11), note="属12345")
    tickets.take_back(db.session, t, "12345 退回：属医保", actor=users["agent"], now=at(3, 9))
    tickets.dispatch(db.session, t, dept(db, "DYBZ"), actor=users["agent"], now=at(3, 9, 10))
    assert t.accept_due_at.astimezone(LOCAL_TZ).date() == date(2026, 3, 4)
    # DYBZ never signs; on Tue 10 March the agent merges it into the earlier ticket of the same caller
    tickets.merge(db.session, t, kept, actor=users["agent"], now=at(10))
    db.session.commit()
    flags = {c.ticket.id: c.flags for c in assessment.counted_tickets(db.session, MARCH, dept(db, "DYBZ"),
                                                                       now=at(31, 12))[0]}
    # hand count: merged after its accept deadline (4 March) without a 签收: as late as it was when merged
    assert (flags[t.id]["accept_due"], flags[t.id]["accept_on_time"]) == (1, 0)


def test_m2_unmerged_then_merged_again_late_stays_a_receipt(db, users):
    kept = make_ticket(db, users, at(2, 9), status=S.ACCEPTED)
    other = make_ticket(db, users, at(2, 9, 5), status=S.ACCEPTED, content="门诊慢特病认定")
    t = make_ticket(db, users, at(2, 9, 30), status=S.DISPATCHED)
    tickets.merge(db.session, t, kept, actor=users["agent"], now=at(2, 11))  # in time, by mistake
    tickets.unmerge(db.session, t, "不是同一事项", actor=users["supervisor"], now=at(5, 9))
    # left unaccepted past its fresh accept deadline, then merged into the right ticket on 12 March
    tickets.merge(db.session, t, other, actor=users["agent"], now=at(12))
    db.session.commit()
    flags = {c.ticket.id: c.flags for c in assessment.counted_tickets(db.session, MARCH, dept(db, "DYBZ"),
                                                                       now=at(31, 12))[0]}
    assert t.id in flags and (flags[t.id]["accept_due"], flags[t.id]["accept_on_time"]) == (1, 0)


def test_r1_reassigned_at_20h_on_the_last_day_answered_next_morning(db, users):
    t = make_ticket(db, users, at(2, 9), status=S.ACCEPTED, type="consult")  # DYBZ: reply by Thu 5 March 23:59:59
    assert t.reply_due_at.astimezone(LOCAL_TZ).date() == date(2026, 3, 5)
    tickets.reassign(db.session, t, dept(db, "CBZJ"), actor=users["supervisor"], now=at(5, 20), reason="应由参保征缴科办理")
    tickets.accept(db.session, t, actor=users["staff_cbzj"], now=at(6, 9))   # within its 签收 time
    tickets.reply(db.session, t, "已答复", actor=users["staff_cbzj"], now=at(6, 10))
    db.session.commit()
    figures = rows(db, at(31, 12))
    # CBZJ signed within its time to sign and answered an hour later: it had no time to answer in; the 3 working
    # days ran out with DYBZ, as for a ticket dispatched at 20:00 on its last day (docs/assessment.md, 5 Dec 2026)
    assert figures["CBZJ"].overdue == 0


def test_p2_petition_refused_acceptance_after_its_15_days_counts_as_late(db, users):
    from ticketing.services import statistics
    p = make_ticket(db, users, at(2, 9), channel="petition_bureau", external_id="XF-3", status=S.DISPATCHED)
    tickets.tell_legal_channel(db.session, p, "属诉讼事项，请向人民法院起诉（不予受理）", actor=users["staff_dybz"],
                               now=at(30, 10))  # day 28: the 15 days to decide ended on 17 March
    assert p.events[-1].data["on_time"] is False and p.events[-1].data["deadline"] == "accept"
    db.session.commit()
    figures = statistics.petition_month(db.session, MARCH, now=at(31, 12))
    # the decision on acceptance (受理 or 不予受理) came on day 28: 应受理 1, 其中 15 日内 0
    assert (figures.not_accepted, figures.accept_due, figures.accepted_on_time) == (1, 1, 0)
