"""按月考核: every figure on hand-built tickets, contests, issuing (frozen), ranking and month-over-month change."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import LOCAL
from tests.factories import make_ticket
from ticketing.models import AssessmentItem, TicketEvent, TicketStatus
from ticketing.services import assessment, tickets
from ticketing.services.assessment import Figures, composite_score, rank
from ticketing.services.errors import InvalidTransition, NotAllowed, ValidationFailed

S = TicketStatus
MARCH = "2026-03"
AS_OF = datetime(2026, 4, 5, 12, 0, tzinfo=LOCAL)
WEIGHTS = {"accept": 20, "on_time": 30, "satisfaction": 30, "resolution": 20}


def day(d: int, hour: int = 10, month: int = 3) -> datetime:
    return datetime(2026, month, d, hour, 0, tzinfo=LOCAL)


def dispatched(db, users, at: datetime, department="DYBZ", category="DY"):
    return make_ticket(db, users, at, status=S.DISPATCHED, department=department, category=category)


def callback(db, ticket, users, at, *, reached=True, satisfaction="satisfied", solved=True):
    tickets.record_callback(db.session, ticket, reached=reached, satisfaction=satisfaction if reached else None,
                            solved=solved if reached else None, actor=users["agent"], now=at)


@pytest.fixture()
def march(db, users):
    """Five tickets dispatched to 待遇保障科 in March 2026, each telling one story."""
    staff, supervisor = users["staff_dybz"], users["supervisor"]
    made = {}
    # on time throughout; reached, satisfied, solved; closed
    t = made["good"] = dispatched(db, users, day(2))
    tickets.accept(db.session, t, actor=staff, now=day(2, 11))
    tickets.reply(db.session, t, "已报销", actor=staff, now=day(4))
    callback(db, t, users, day(5))
    tickets.close(db.session, t, actor=users["agent"], now=day(5, 11))
    # accepted late (a week after), replied after its deadline; basically satisfied, not solved
    t = made["late"] = dispatched(db, users, day(3))
    tickets.accept(db.session, t, actor=staff, now=day(10))
    t.reply_due_at = day(11)
    tickets.reply(db.session, t, "已答复", actor=staff, now=day(12))
    callback(db, t, users, day(13), satisfaction="basically_satisfied", solved=False)
    # never accepted: past both deadlines as of 5 April
    made["idle"] = dispatched(db, users, day(4))
    # returned to 参保征缴科 before accepting
    t = made["returned"] = dispatched(db, users, day(5))
    tickets.return_ticket(db.session, t, "属于参保征缴", actor=staff, now=day(5, 14))
    tickets.approve_return(db.session, t, tickets.department_by_code(db.session, "CBZJ"), actor=users["agent"],
                           now=day(6))
    # extended, replied on time; citizen dissatisfied → reopened, then accepted and replied on time again;
    # one callback not reached
    t = made["reopened"] = dispatched(db, users, day(9))
    tickets.accept(db.session, t, actor=staff, now=day(9, 11))
    tickets.request_extension(db.session, t, "需调取病历", t.reply_due_at + timedelta(days=10), actor=staff,
                              now=day(10))
    tickets.approve_extension(db.session, t, actor=supervisor, now=day(10, 11))
    tickets.reply(db.session, t, "已答复", actor=staff, now=day(16))
    callback(db, t, users, day(17), satisfaction="dissatisfied", solved=False)
    tickets.reopen(db.session, t, "群众不满意", actor=supervisor, now=day(17, 11))
    tickets.accept(db.session, t, actor=staff, now=day(17, 12))
    tickets.reply(db.session, t, "再次答复", actor=staff, now=day(18))
    callback(db, t, users, day(19), reached=False)
    db.session.commit()
    return made


def figures(db, month=MARCH, as_of=AS_OF) -> dict[str, Figures]:
    return {row.department_code: row for row in assessment.live_figures(db.session, month, as_of, WEIGHTS)}


def test_every_figure_of_a_department(db, users, march):
    dybz = figures(db)["DYBZ"]
    assert dybz.received == 5
    # accept: good, late, idle (past its deadline), reopened (both accepts on time); returned never accepted
    assert (dybz.accept_due, dybz.accept_on_time) == (4, 2)
    # reply: good and reopened on time; late replied late; idle open past its deadline
    assert (dybz.reply_due, dybz.reply_on_time, dybz.overdue) == (4, 2, 2)
    assert (dybz.return_base, dybz.returned) == (5, 1)
    assert (dybz.extended, dybz.reopened, dybz.contested) == (1, 1, 0)
    # callbacks: good (satisfied, solved), late (basically satisfied, not solved), reopened (last reached: dissatisfied)
    assert (dybz.reached, dybz.satisfied, dybz.solved) == (3, 2, 1)
    assert dybz.accept_rate == 0.5 and dybz.on_time_rate == 0.5 and dybz.return_rate == 0.2
    assert dybz.satisfaction_rate == pytest.approx(2 / 3) and dybz.resolution_rate == pytest.approx(1 / 3)
    # first reply minus dispatch: good 2 days −10 min, late 9 days −10 min, reopened 7 days −10 min
    assert dybz.handled == 3
    assert dybz.handling_hours == pytest.approx(round((48 + 216 + 168) / 3 - 1 / 6, 1))
    expected = (0.5 * 20 + 0.5 * 30 + 2 / 3 * 30 + 1 / 3 * 20)
    assert dybz.score == pytest.approx(round(expected, 2))


def test_a_returned_ticket_is_received_by_the_new_department(db, users, march):
    cbzj = figures(db)["CBZJ"]
    assert cbzj.received == 1
    # not accepted yet, dispatched 6 March: past its accept deadline on 5 April, and its reply deadline
    assert (cbzj.accept_due, cbzj.accept_on_time, cbzj.reply_due, cbzj.overdue) == (1, 0, 1, 1)
    assert cbzj.returned == 0


def test_zero_denominators_are_none_not_zero_or_hundred(db, users):
    dispatched(db, users, day(30))  # not yet due on 31 March
    db.session.commit()
    rows = figures(db, as_of=day(31))
    dybz, yljz = rows["DYBZ"], rows["YLJZ"]
    assert dybz.received == 1 and dybz.accept_due == 0
    for rate in (dybz.accept_rate, dybz.on_time_rate, dybz.satisfaction_rate, dybz.resolution_rate):
        assert rate is None
    assert dybz.return_rate == 0.0
    assert yljz.received == 0 and yljz.return_rate is None and yljz.handling_hours is None
    assert dybz.score is None and dybz.rank is None and yljz.rank is None


def test_months_are_local_calendar_months(db, users):
    dispatched(db, users, datetime(2026, 3, 31, 23, 30, tzinfo=LOCAL))   # 15:40 UTC on the 31st
    dispatched(db, users, datetime(2026, 4, 1, 0, 5, tzinfo=LOCAL))      # still 31 March in UTC
    db.session.commit()
    assert figures(db, "2026-03")["DYBZ"].received == 1
    assert figures(db, "2026-04")["DYBZ"].received == 1


def test_score_leaves_out_rates_without_denominator():
    assert composite_score({"accept": 1.0, "on_time": 0.5, "satisfaction": None, "resolution": None}, WEIGHTS) == 70.0
    assert composite_score({"accept": None, "on_time": None, "satisfaction": None, "resolution": None}, WEIGHTS) is None
    assert composite_score({"accept": 0.0, "on_time": 0.0, "satisfaction": 0.0, "resolution": 0.0}, WEIGHTS) == 0.0


def test_ranking_shares_ties_and_puts_unscored_last():
    rows = [Figures(i, code, code, score=score) for i, (code, score) in
            enumerate([("A", 80.0), ("B", None), ("C", 90.0), ("D", 80.0), ("E", 70.0)])]
    ranked = rank(rows)
    assert [(r.department_code, r.rank) for r in ranked] == [("C", 1), ("A", 2), ("D", 2), ("E", 4), ("B", None)]


def test_weights_are_validated_and_stored(db, users):
    with pytest.raises(ValidationFailed) as error:
        assessment.set_weights(db.session, {"accept": 50, "on_time": 50, "satisfaction": 10, "resolution": 0})
    assert "total" in error.value.fields
    assessment.set_weights(db.session, {"accept": 25, "on_time": 25, "satisfaction": 25, "resolution": 25})
    assert assessment.get_weights(db.session) == {"accept": 25, "on_time": 25, "satisfaction": 25, "resolution": 25}


# ----------------------------------------------------------------------------- contests

def test_an_accepted_contest_leaves_the_ticket_out_of_timeliness_and_returns(db, users, march):
    contest = assessment.file_contest(db.session, MARCH, march["late"], "系统故障导致无法签收",
                                      actor=users["staff_dybz"], now=day(2, month=4))
    assessment.decide_contest(db.session, contest, accept=True, note="情况属实", actor=users["supervisor"],
                              now=day(3, month=4))
    db.session.commit()
    dybz = figures(db)["DYBZ"]
    assert dybz.received == 5 and dybz.contested == 1
    assert (dybz.accept_due, dybz.accept_on_time) == (3, 2)
    assert (dybz.reply_due, dybz.reply_on_time, dybz.overdue) == (3, 2, 1)
    assert (dybz.return_base, dybz.returned) == (4, 1)
    # the citizen's voice still counts: callbacks, extensions and reopens are unchanged
    assert (dybz.reached, dybz.satisfied, dybz.solved, dybz.extended, dybz.reopened) == (3, 2, 1, 1, 1)
    actions = [e.action for e in march["late"].events][-2:]
    assert actions == ["contest", "contest_accept"]


def test_a_rejected_contest_changes_nothing_and_needs_a_reason(db, users, march):
    contest = assessment.file_contest(db.session, MARCH, march["idle"], "不是我们的", actor=users["staff_dybz"],
                                      now=day(2, month=4))
    with pytest.raises(ValidationFailed):
        assessment.decide_contest(db.session, contest, accept=False, note="", actor=users["supervisor"],
                                  now=day(3, month=4))
    assessment.decide_contest(db.session, contest, accept=False, note="派发正确", actor=users["supervisor"],
                              now=day(3, month=4))
    db.session.commit()
    assert figures(db)["DYBZ"].contested == 0
    event = march["idle"].events[-1]
    assert (event.action, event.note, event.to_status) == ("contest_reject", "派发正确", "dispatched")
    with pytest.raises(InvalidTransition):
        assessment.decide_contest(db.session, contest, accept=True, note="", actor=users["supervisor"],
                                  now=day(3, month=4))


def test_only_a_counted_ticket_of_ones_own_department_can_be_contested(db, users, march):
    other = dispatched(db, users, day(3), department="CBZJ", category="CB")
    with pytest.raises(ValidationFailed):
        assessment.file_contest(db.session, MARCH, other, "理由", actor=users["staff_dybz"], now=day(2, month=4))
    with pytest.raises(ValidationFailed):
        assessment.file_contest(db.session, "2026-02", march["good"], "理由", actor=users["staff_dybz"],
                                now=day(2, month=4))
    with pytest.raises(NotAllowed):
        assessment.file_contest(db.session, MARCH, march["good"], "理由", actor=users["supervisor"],
                                now=day(2, month=4))
    with pytest.raises(ValidationFailed):
        assessment.file_contest(db.session, MARCH, march["good"], "  ", actor=users["staff_dybz"], now=day(2, month=4))
    # a department contests a ticket it returned, though the ticket is now another department's
    assessment.file_contest(db.session, MARCH, march["returned"], "确属参保征缴", actor=users["staff_dybz"],
                            now=day(2, month=4))
    with pytest.raises(InvalidTransition):
        assessment.file_contest(db.session, MARCH, march["returned"], "再次申诉", actor=users["staff_dybz"],
                                now=day(2, month=4))


# ----------------------------------------------------------------------------- issuing

def test_issue_freezes_figures_and_counted_tickets(db, users, march):
    before = figures(db)["DYBZ"]
    report = assessment.issue_month(db.session, MARCH, actor=users["supervisor"], now=AS_OF)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AssessmentItem)) == 6  # 5 DYBZ + 1 CBZJ
    # later: the idle ticket is finally accepted and replied, a new March dispatch appears by correction
    idle = march["idle"]
    tickets.accept(db.session, idle, actor=users["staff_dybz"], now=AS_OF + timedelta(days=1))
    tickets.reply(db.session, idle, "终于答复", actor=users["staff_dybz"], now=AS_OF + timedelta(days=2))
    db.session.commit()
    assert figures(db, as_of=AS_OF + timedelta(days=3))["DYBZ"].accept_due == 4  # live changed…
    frozen = assessment.month_report(db.session, MARCH, now=AS_OF + timedelta(days=3))
    assert frozen.is_issued and frozen.issued.id == report.id
    dybz = frozen.row_for(before.department_id)
    assert dybz.stored() == before.stored()  # …the issued report did not
    counted, total = assessment.counted_tickets(db.session, MARCH, idle.department, now=AS_OF + timedelta(days=3))
    assert total == 5
    idle_flags = next(c.flags for c in counted if c.ticket.id == idle.id)
    assert idle_flags["accept_due"] == 1 and idle_flags["accept_on_time"] == 0 and idle_flags["overdue"] == 1
    first_two, total = assessment.counted_tickets(db.session, MARCH, idle.department, now=AS_OF, limit=2)
    assert [c.ticket.id for c in first_two] == [c.ticket.id for c in counted[:2]] and total == 5  # total ignores the limit


def test_issue_refuses_a_running_month_a_second_issue_and_pending_contests(db, users, march):
    with pytest.raises(InvalidTransition):
        assessment.issue_month(db.session, MARCH, actor=users["supervisor"], now=day(31))
    contest = assessment.file_contest(db.session, MARCH, march["idle"], "理由", actor=users["staff_dybz"],
                                      now=day(1, month=4))
    with pytest.raises(InvalidTransition, match="待审核"):
        assessment.issue_month(db.session, MARCH, actor=users["supervisor"], now=AS_OF)
    assessment.decide_contest(db.session, contest, accept=True, note="", actor=users["supervisor"], now=AS_OF)
    assessment.issue_month(db.session, MARCH, actor=users["supervisor"], now=AS_OF)
    with pytest.raises(InvalidTransition):
        assessment.issue_month(db.session, MARCH, actor=users["supervisor"], now=AS_OF)
    with pytest.raises(InvalidTransition):  # no contest once issued
        assessment.file_contest(db.session, MARCH, march["good"], "理由", actor=users["staff_dybz"], now=AS_OF)


def test_an_issued_report_is_ranked_and_compared_with_the_previous_issued_month(db, users):
    def handled(month, department, accepted_at):
        staff = users["staff_dybz" if department == "DYBZ" else "staff_cbzj"]
        ticket = dispatched(db, users, day(2, month=month), department=department,
                            category="DY" if department == "DYBZ" else "CB")
        tickets.accept(db.session, ticket, actor=staff, now=accepted_at)
        tickets.reply(db.session, ticket, "已答复", actor=staff, now=accepted_at + timedelta(hours=1))

    # February: DYBZ accepts a week late (score 60 = on time 30 of 50), CBZJ on time (100)
    handled(2, "DYBZ", day(9, month=2))
    handled(2, "CBZJ", day(2, 11, month=2))
    assessment.issue_month(db.session, "2026-02", actor=users["supervisor"], now=day(3, month=3))
    # March: the other way round
    handled(3, "DYBZ", day(2, 11))
    handled(3, "CBZJ", day(9))
    db.session.commit()
    live = assessment.month_report(db.session, MARCH, now=day(20))
    assert not live.is_issued and live.previous is not None
    assessment.issue_month(db.session, MARCH, actor=users["supervisor"], now=AS_OF)
    db.session.commit()
    report = assessment.month_report(db.session, MARCH, now=AS_OF)
    ranked = [(r.department_code, r.rank, r.score) for r in report.rows if r.rank is not None]
    assert ranked == [("DYBZ", 1, 100.0), ("CBZJ", 2, 60.0)]
    dybz, cbzj = report.rows[0], report.rows[1]
    assert (dybz.previous_rank, dybz.rank_change, dybz.score_change) == (2, 1, 40.0)
    assert (cbzj.previous_rank, cbzj.rank_change, cbzj.score_change) == (1, -1, -40.0)
    assert report.rows[-1].score_change is None  # departments with no tickets either month


def test_a_ticket_that_counts_nothing_against_the_department_is_not_contested(db, users, march):
    """Contests on tickets accepted and answered on time only gave the supervisor more to read (a supervisor's day);
    the contests page says what each pending one contests."""
    with pytest.raises(ValidationFailed, match="无需申诉"):
        assessment.file_contest(db.session, MARCH, march["good"], "理由", actor=users["staff_dybz"], now=AS_OF)
    dybz = tickets.department_by_code(db.session, "DYBZ")
    against = assessment.counted_against(db.session, MARCH, dybz.id, [march["late"].id, march["good"].id], AS_OF)
    assert against == {march["late"].id: ["签收不及时", "超期"], march["good"].id: []}
    # a dissatisfied callback alone is nothing a contest can take away (满意率 and 解决率 do not change): 核减 only
    # took an on-time ticket out of the department's rates (a review of the change)
    unhappy = dispatched(db, users, day(20))
    tickets.accept(db.session, unhappy, actor=users["staff_dybz"], now=day(20, 11))
    tickets.reply(db.session, unhappy, "已答复", actor=users["staff_dybz"], now=day(20, 12))
    callback(db, unhappy, users, day(21), satisfaction="dissatisfied", solved=False)
    with pytest.raises(ValidationFailed, match="无需申诉"):
        assessment.file_contest(db.session, MARCH, unhappy, "群众诉求不合理", actor=users["staff_dybz"], now=AS_OF)
    from ticketing.services import inbox

    assert inbox.todo_counts(db.session, users["supervisor"], AS_OF)["contests"] == 0
    contest = assessment.file_contest(db.session, MARCH, march["late"], "系统故障", actor=users["staff_dybz"], now=AS_OF)
    assert assessment.what_pending_contests_contest(db.session, MARCH, [contest], AS_OF) == {
        contest.id: ["签收不及时", "超期"]}
    # the supervisor's 月度考核 menu counts it (it showed only on the page, and 发布 then refused)
    counts = inbox.todo_counts(db.session, users["supervisor"], AS_OF)
    assert counts["contests"] == 1 and "contests" not in inbox.todo_counts(db.session, users["staff_dybz"], AS_OF)


def test_contest_events_are_recorded_on_the_ticket_with_who_and_why(db, users, march):
    contest = assessment.file_contest(db.session, MARCH, march["late"], "重复工单", actor=users["staff_dybz"],
                                      now=day(1, month=4))
    assessment.decide_contest(db.session, contest, accept=True, note="同意核减", actor=users["supervisor"],
                              now=day(2, month=4))
    db.session.commit()
    events = db.session.scalars(sa.select(TicketEvent).where(TicketEvent.ticket_id == march["late"].id,
                                                             TicketEvent.action.like("contest%"))).all()
    assert [(e.action_title, e.actor_label, e.note, e.data["month"]) for e in events] == [
        ("考核申诉", "staff_dybz", "重复工单", MARCH), ("考核申诉通过（核减）", "supervisor", "同意核减", MARCH)]


def test_live_figures_are_reused_for_max_age_then_computed_again(db, users, march):
    age = timedelta(minutes=5)
    first = assessment.month_report(db.session, MARCH, now=AS_OF, max_age=age)
    db.session.commit()
    assert first.cached is False and first.row_for(first.rows[0].department_id) is not None
    received = {row.department_code: row.received for row in first.rows}
    dispatched(db, users, day(20))  # one more March ticket for 待遇保障科
    db.session.commit()

    again = assessment.month_report(db.session, MARCH, now=AS_OF + timedelta(minutes=4), max_age=age)
    assert again.cached is True and again.as_of == AS_OF
    assert {row.department_code: row.received for row in again.rows} == received  # not yet
    fresh = assessment.month_report(db.session, MARCH, now=AS_OF + timedelta(minutes=6), max_age=age)
    assert fresh.cached is False and {r.department_code: r.received for r in fresh.rows}["DYBZ"] == received["DYBZ"] + 1
    forced = assessment.month_report(db.session, MARCH, now=AS_OF + timedelta(minutes=7), max_age=age, refresh=True)
    assert forced.cached is False and forced.as_of == AS_OF + timedelta(minutes=7)
    # without max_age nothing is read or stored
    assert assessment.month_report(db.session, MARCH, now=AS_OF + timedelta(minutes=8)).cached is False


def test_reused_figures_are_scored_with_the_weights_in_force(db, users, march):
    age = timedelta(minutes=5)
    before = {r.department_code: r.score for r in assessment.month_report(db.session, MARCH, now=AS_OF, max_age=age).rows}
    assessment.set_weights(db.session, {"accept": 100, "on_time": 0, "satisfaction": 0, "resolution": 0})
    db.session.commit()
    after = assessment.month_report(db.session, MARCH, now=AS_OF + timedelta(minutes=1), max_age=age)
    assert after.cached is True
    dybz = after.row_for(next(r.department_id for r in after.rows if r.department_code == "DYBZ"))
    assert dybz.score == round(100 * dybz.accept_rate, 2) != before["DYBZ"]
    assert [r.rank for r in after.rows] == [r.rank for r in assessment.rank(list(after.rows))]


def test_a_decided_contest_and_issuing_drop_the_reused_figures(db, users, march):
    age = timedelta(minutes=5)
    assessment.month_report(db.session, MARCH, now=AS_OF, max_age=age)
    contest = assessment.file_contest(db.session, MARCH, march["late"], "系统故障", actor=users["staff_dybz"],
                                      now=AS_OF)
    assessment.decide_contest(db.session, contest, accept=True, note="属实", actor=users["supervisor"], now=AS_OF)
    db.session.commit()
    report = assessment.month_report(db.session, MARCH, now=AS_OF + timedelta(minutes=1), max_age=age)
    assert report.cached is False
    assert {r.department_code: r.contested for r in report.rows}["DYBZ"] == 1
    assessment.issue_month(db.session, MARCH, actor=users["supervisor"], now=AS_OF + timedelta(minutes=2))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(assessment.AssessmentLiveCache)) == 0
    issued = assessment.month_report(db.session, MARCH, now=AS_OF + timedelta(minutes=3), max_age=age)
    assert issued.is_issued and issued.cached is False


def test_live_counted_tickets_count_every_receipt_whatever_the_limit(db, users, march):
    dybz = figures(db)["DYBZ"]
    department = march["idle"].department
    every, total = assessment.counted_tickets(db.session, MARCH, department, now=AS_OF)
    first_two, total_of_two = assessment.counted_tickets(db.session, MARCH, department, now=AS_OF, limit=2)
    assert total == total_of_two == dybz.received == len(every) == 5
    assert [c.ticket.id for c in first_two] == [c.ticket.id for c in every[:2]]


def test_a_duplicate_merged_into_another_is_received_once(db, users):
    first = dispatched(db, users, day(2))
    duplicate = dispatched(db, users, day(3))
    tickets.merge(db.session, duplicate, first, actor=users["supervisor"], now=day(3, 11), note="同一来电人同一事项")
    db.session.commit()
    dybz = figures(db)["DYBZ"]
    assert dybz.received == 1 and dybz.return_base == 1
    counted, total = assessment.counted_tickets(db.session, MARCH, first.department, now=AS_OF)
    assert [c.ticket.id for c in counted] == [first.id] and total == 1


def test_a_late_legal_channel_stays_late_after_a_reopen_moves_the_deadline(db, users):
    ticket = dispatched(db, users, day(2))
    tickets.accept(db.session, ticket, actor=users["staff_dybz"], now=day(2, 11))
    late = ticket.reply_due_at + timedelta(days=1)
    tickets.tell_legal_channel(db.session, ticket, "请向人民法院起诉", actor=users["staff_dybz"], now=late)
    assert ticket.events[-1].data["on_time"] is False
    db.session.commit()
    assert (figures(db)["DYBZ"].reply_on_time, figures(db)["DYBZ"].overdue) == (0, 1)
    tickets.reopen(db.session, ticket, "群众要求重新答复", actor=users["supervisor"], now=day(20))
    db.session.commit()  # the fresh deadline is after the old completion: that did not make it on time
    assert figures(db)["DYBZ"].overdue == 1


def test_a_duplicate_merged_after_its_accept_deadline_still_counts_late(db, users):
    """A month-end merge of a ticket left unaccepted would otherwise erase an overdue ticket from the month."""
    first = dispatched(db, users, day(2))
    neglected = dispatched(db, users, day(3))
    tickets.merge(db.session, neglected, first, actor=users["supervisor"], now=day(20), note="同一来电人同一事项")
    db.session.commit()
    dybz = figures(db)["DYBZ"]
    assert dybz.received == 2 and dybz.accept_due == 2 and dybz.accept_on_time == 0  # both left unaccepted
    assert dybz.reply_due == 1  # the merged one was not yet due to be answered when merged; the other one is


def test_a_ticket_transferred_to_12345_counts_late_only_for_what_was_late_when_it_left(db, users):
    """转出 leaves the department without counting as late, but a month-end transfer of a ticket left unaccepted
    past its deadline does not take that lateness away (as a late merge does not)."""
    early = dispatched(db, users, day(2))
    tickets.transfer_out(db.session, early, "12345-1", actor=users["agent"], now=day(2, 11), note="属12345受理范围")
    neglected = dispatched(db, users, day(3))
    left_at = neglected.reply_due_at + timedelta(hours=1)
    tickets.transfer_out(db.session, neglected, "12345-2", actor=users["supervisor"], now=left_at, note="属12345受理范围")
    db.session.commit()
    dybz = figures(db)["DYBZ"]
    assert dybz.received == 2 and (dybz.accept_due, dybz.accept_on_time) == (1, 0)
    assert dybz.reply_due == 1 and dybz.overdue == 1  # its reply deadline had passed too when it left
    flags = {c.ticket.id: c.flags for c in assessment.counted_tickets(db.session, MARCH, early.department, now=AS_OF)[0]}
    assert flags[early.id]["accept_due"] == 0 and flags[neglected.id]["accept_due"] == 1


def test_a_kept_ticket_transferred_late_is_late_though_a_duplicate_joined_it_earlier(db, users):
    """The kept ticket gets a merge event too (data.merged): taken as its own leaving, it hid the late transfer."""
    kept = dispatched(db, users, day(3))
    duplicate = dispatched(db, users, day(3, 12))
    tickets.merge(db.session, duplicate, kept, actor=users["agent"], now=day(3, 13))
    tickets.transfer_out(db.session, kept, "12345-3", actor=users["supervisor"],
                         now=kept.reply_due_at + timedelta(hours=1), note="属12345受理范围")
    db.session.commit()
    flags = {c.ticket.id: c.flags for c in assessment.counted_tickets(db.session, MARCH, kept.department, now=AS_OF)[0]}
    assert (flags[kept.id]["accept_due"], flags[kept.id]["reply_due"], flags[kept.id]["overdue"]) == (1, 1, 1)
    assert duplicate.id not in flags  # merged in time: no receipt


def test_a_reassignment_after_a_deadline_leaves_the_lateness_with_the_department_that_let_it_pass(db, users):
    """改派 kept the reply deadline and no "left late" rule covered it: the department that held a ticket 23 days
    unanswered scored 0/0, and the one that answered it the day after receiving it was overdue (an assessment
    review). Now the one it left counts late, and the one it went to gets a fresh reply deadline."""
    cbzj = tickets.department_by_code(db.session, "CBZJ")
    supervisor, staff_cbzj = users["supervisor"], users["staff_cbzj"]
    held = dispatched(db, users, day(2))
    tickets.accept(db.session, held, actor=users["staff_dybz"], now=day(2, 11))
    passed = held.reply_due_at
    moved_at = passed + timedelta(days=2)
    tickets.reassign(db.session, held, cbzj, actor=supervisor, now=moved_at, reason="应由参保征缴科办理")
    assert held.events[-1].data["left_reply_late"] is True and held.reply_due_at > moved_at + timedelta(days=14)
    tickets.accept(db.session, held, actor=staff_cbzj, now=moved_at + timedelta(hours=1))
    tickets.reply(db.session, held, "已办理", actor=staff_cbzj, now=moved_at + timedelta(days=1))
    unaccepted = dispatched(db, users, day(3))  # left unaccepted past its accept deadline, before the reply one
    tickets.reassign(db.session, unaccepted, cbzj, actor=supervisor, now=unaccepted.accept_due_at + timedelta(days=1),
                     reason="应由参保征缴科办理")
    assert unaccepted.events[-1].data.get("left_accept_late") and "left_reply_late" not in unaccepted.events[-1].data
    in_time = dispatched(db, users, day(4))
    tickets.reassign(db.session, in_time, cbzj, actor=supervisor, now=day(4, 11), reason="应由参保征缴科办理")
    db.session.commit()
    dybz_department = tickets.department_by_code(db.session, "DYBZ")
    flags = {c.ticket.id: c.flags for c in assessment.counted_tickets(db.session, MARCH, dybz_department, now=AS_OF)[0]}
    assert (flags[held.id]["reply_due"], flags[held.id]["overdue"]) == (1, 1)
    assert (flags[unaccepted.id]["accept_due"], flags[unaccepted.id]["accept_on_time"]) == (1, 0)
    assert flags[unaccepted.id]["reply_due"] == 0
    assert (flags[in_time.id]["accept_due"], flags[in_time.id]["reply_due"]) == (0, 0)
    dybz = figures(db)["DYBZ"]
    assert (dybz.received, dybz.overdue, dybz.accept_due, dybz.accept_on_time) == (3, 1, 2, 1)
    cb_flags = {c.ticket.id: c.flags for c in assessment.counted_tickets(db.session, MARCH, cbzj, now=AS_OF)[0]}
    assert (cb_flags[held.id]["reply_due"], cb_flags[held.id]["reply_on_time"], cb_flags[held.id]["overdue"]) == (1, 1, 0)


def test_live_figures_computed_around_a_decision_are_shown_but_not_stored(db, users, march):
    """A view that computed the month while a contest was decided stored figures without the decision for every
    worker (a race review); the month's lock is taken only for the check, not for the computation, which made views
    queue one behind another (a lock review)."""
    from ticketing.models import AssessmentLiveCache

    contest = assessment.file_contest(db.session, MARCH, march["late"], "系统故障导致无法签收",
                                      actor=users["staff_dybz"], now=day(2, month=4))
    decided = day(3, month=4)
    assessment.decide_contest(db.session, contest, accept=True, note="情况属实", actor=users["supervisor"], now=decided)
    db.session.commit()
    five_minutes = timedelta(minutes=5)
    assessment.month_report(db.session, MARCH, now=decided + timedelta(minutes=1), max_age=five_minutes)
    assert db.session.get(AssessmentLiveCache, MARCH) is None
    report = assessment.month_report(db.session, MARCH, now=decided + timedelta(minutes=3), max_age=five_minutes)
    assert db.session.get(AssessmentLiveCache, MARCH) is not None and not report.cached


def test_a_department_that_let_a_ticket_go_late_stays_late_when_it_is_then_merged(db, users):
    """改派 after CBZJ left it unaccepted, then merged into DYBZ's earlier ticket the same day: the merge takes DYBZ's
    receipt of the duplicate away, not CBZJ's late one (a merge review: CBZJ went from 1 late to nothing)."""
    kept = dispatched(db, users, day(2))
    duplicate = dispatched(db, users, day(3), department="CBZJ", category="CB")  # CBZJ never accepts it
    tickets.reassign(db.session, duplicate, tickets.department_by_code(db.session, "DYBZ"),
                     actor=users["supervisor"], now=day(10), reason="应由待遇保障科办理")
    tickets.merge(db.session, duplicate, kept, actor=users["supervisor"], now=day(10, 11))
    db.session.commit()
    counted = figures(db)
    assert (counted["CBZJ"].received, counted["CBZJ"].accept_due, counted["CBZJ"].accept_on_time) == (1, 1, 0)
    assert counted["DYBZ"].received == 1  # the kept ticket only
