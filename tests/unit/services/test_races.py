"""Two people deciding the same thing at the same moment (a race review with four gunicorn workers on PostgreSQL,
4 Dec 2026): the second one waits for the first and is then refused, not recorded beside it.

Each race is played in a fixed order: the first change is made in one transaction and left open, the second
starts in another thread (another worker), and the first commits half a second later. Without a lock the second
read the state from before the first and was recorded too. SQLite's writers take turns for the whole request
(each begins with the write lock), so these need PostgreSQL (TEST_DATABASE_URL)."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests.conftest import LOCAL, make_user
from tests.factories import make_ticket
from ticketing.extensions import db as _db
from ticketing.models import (AssessmentContest, AssessmentReport, Callback, ReviewAppeal, Role, Ticket, TicketEvent,
                              TicketReview, TicketStatus, User)
from ticketing.services import assessment, channel_feedback, reviews, tickets
from ticketing.services.errors import DomainError

S = TicketStatus
OCTOBER = "2026-10"
IN_OCTOBER = datetime(2026, 10, 12, 9, 0, tzinfo=LOCAL)
IN_NOVEMBER = datetime(2026, 11, 3, 10, 0, tzinfo=LOCAL)


@pytest.fixture(autouse=True)
def postgresql_only(db):
    if _db.engine.dialect.name != "postgresql":
        pytest.skip("the race needs two writers at once: PostgreSQL (TEST_DATABASE_URL); SQLite's take turns")


def race(app, first, second) -> dict:
    """``first(session)`` runs and holds its transaction open while ``second(session)`` starts in another thread;
    the first commits after 0.5 s. Returns what the second got: ``result`` or ``error``."""
    outcome: dict = {}

    def other():
        with app.app_context(), Session(_db.engine) as session:
            try:
                outcome["result"] = second(session)
                session.commit()
            except Exception as error:  # noqa: BLE001  (what the second person is told)
                session.rollback()
                outcome["error"] = error

    with app.app_context(), Session(_db.engine) as session:
        first(session)
        session.flush()
        thread = threading.Thread(target=other)
        thread.start()
        thread.join(0.5)
        session.commit()
    thread.join(20)
    assert not thread.is_alive()
    return outcome


def _user(session, name: str) -> User:
    return session.scalar(sa.select(User).where(User.username == name))


def _ticket(session, ticket_id: int) -> Ticket:
    return session.get(Ticket, ticket_id)


def _refused(outcome: dict, words: str) -> None:
    assert "result" not in outcome or outcome.get("error") is not None, "the second change was recorded too"
    assert isinstance(outcome["error"], DomainError), outcome["error"]
    assert words in outcome["error"].message + " ".join((outcome["error"].fields or {}).values())


def test_two_supervisors_deciding_one_contest(app, db, users):
    make_user(db, "supervisor2", Role.SUPERVISOR)
    ticket = make_ticket(db, users, IN_OCTOBER, status=S.DISPATCHED)
    contest = assessment.file_contest(db.session, OCTOBER, ticket, "系统故障导致无法签收", actor=users["staff_dybz"],
                                      now=IN_NOVEMBER)
    db.session.commit()

    def decide(name, accept):
        def run(session):
            return assessment.decide_contest(session, session.get(AssessmentContest, contest.id), accept=accept,
                                             note="" if accept else "理由不成立", actor=_user(session, name),
                                             now=IN_NOVEMBER + timedelta(hours=1))
        return run

    outcome = race(app, decide("supervisor", True), decide("supervisor2", False))
    _refused(outcome, "该申诉已核减")
    assert "已已" not in outcome["error"].message
    db.session.expire_all()
    assert db.session.get(AssessmentContest, contest.id).state == "accepted"
    decisions = db.session.scalars(sa.select(TicketEvent.action).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.action.in_(("contest_accept", "contest_reject")))).all()
    assert decisions == ["contest_accept"]


def test_a_contest_filed_while_the_month_is_issued(app, db, users):
    ticket = make_ticket(db, users, IN_OCTOBER, status=S.DISPATCHED)
    db.session.commit()

    def issue(session):
        assessment.issue_month(session, OCTOBER, actor=_user(session, "supervisor"), now=IN_NOVEMBER)

    def contest(session):
        assessment.file_contest(session, OCTOBER, _ticket(session, ticket.id), "不属于本单位",
                                actor=_user(session, "staff_dybz"), now=IN_NOVEMBER)

    _refused(race(app, issue, contest), "考核结果已发布")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AssessmentContest)) == 0


def test_a_month_issued_twice_at_once(app, db, users):
    make_ticket(db, users, IN_OCTOBER, status=S.DISPATCHED)
    db.session.commit()

    def issue(session):
        assessment.issue_month(session, OCTOBER, actor=_user(session, "supervisor"), now=IN_NOVEMBER)

    _refused(race(app, issue, issue), "考核结果已发布")  # it was a 500 (the month's unique row)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AssessmentReport)) == 1


def test_a_channel_evaluation_sent_twice_at_once(app, db, users):
    ticket = make_ticket(db, users, IN_OCTOBER, status=S.REPLIED, channel="mailbox_mayor", external_id="M-77")
    db.session.commit()

    def evaluate(satisfaction):
        def run(session):
            return channel_feedback.record_evaluation(session, "mailbox_mayor", "M-77", satisfaction=satisfaction,
                                                      solved=True, now=IN_OCTOBER + timedelta(days=2))
        return run

    _refused(race(app, evaluate("satisfied"), evaluate("dissatisfied")), "只有已答复、尚未回访的工单接收评价")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Callback).where(
        Callback.ticket_id == ticket.id)) == 1


def test_a_ticket_merged_into_one_being_merged_elsewhere(app, db, users):
    kept = make_ticket(db, users, IN_OCTOBER, status=S.DISPATCHED, content="异地就医备案怎么办")
    middle = make_ticket(db, users, IN_OCTOBER + timedelta(hours=1), status=S.DISPATCHED, content="异地就医备案怎么办理")
    last = make_ticket(db, users, IN_OCTOBER + timedelta(hours=2), status=S.DISPATCHED, content="异地就医怎么备案")
    db.session.commit()
    at = IN_OCTOBER + timedelta(hours=3)

    def merge(ticket_id, into_id, name):
        def run(session):
            ticket = tickets.find_by_number(session, _ticket(session, ticket_id).number, to_change=True)
            tickets.merge(session, ticket, _ticket(session, into_id), actor=_user(session, name), now=at)
        return run

    _refused(race(app, merge(middle.id, kept.id, "agent"), merge(last.id, middle.id, "supervisor")), "目标工单已被合并")
    db.session.expire_all()
    assert db.session.get(Ticket, last.id).status == S.DISPATCHED.value
    notes = db.session.scalars(sa.select(TicketEvent.note).where(TicketEvent.ticket_id == middle.id)).all()
    assert not any(last.number in (note or "") for note in notes)  # no 合并了重复工单 after its own merge


def test_two_tickets_received_at_the_same_moment_merge_one_way_only(app, db, users):
    """Merged into each other at once, each request held its own ticket and waited for the other's (a deadlock,
    a 500): with the id breaking the tie only the later one can be merged into the earlier."""
    first = make_ticket(db, users, IN_OCTOBER, status=S.DISPATCHED)
    second = make_ticket(db, users, IN_OCTOBER, status=S.DISPATCHED)
    assert first.received_at == second.received_at and first.id < second.id
    with pytest.raises(DomainError, match="只能合并到更早的工单"):
        tickets.merge(db.session, first, second, actor=users["agent"], now=IN_OCTOBER + timedelta(hours=1))
    tickets.merge(db.session, second, first, actor=users["agent"], now=IN_OCTOBER + timedelta(hours=1))
    assert second.status == S.MERGED.value


def test_two_reviewers_deciding_one_appeal(app, db, users):
    make_user(db, "supervisor2", Role.SUPERVISOR)
    make_user(db, "supervisor3", Role.SUPERVISOR)
    ticket = make_ticket(db, users, IN_OCTOBER, status=S.DISPATCHED)
    verdicts = {key: True for key, _, _ in reviews.DEFAULT_ITEMS}
    verdicts["routing"] = False
    review = reviews.record_review(db.session, ticket, verdicts, "应派异地就医结算中心", reviewer=users["supervisor"],
                                   now=IN_OCTOBER + timedelta(hours=1))
    appeal = reviews.file_appeal(db.session, review, "派发是按规则的", agent=users["agent"],
                                 now=IN_OCTOBER + timedelta(hours=2))
    db.session.commit()

    def decide(name):
        def run(session):
            return reviews.decide_appeal(session, session.get(ReviewAppeal, appeal.id), "upheld", "派发确有误",
                                         verdicts={}, comment="", decider=_user(session, name),
                                         now=IN_OCTOBER + timedelta(hours=3))
        return run

    _refused(race(app, decide("supervisor2"), decide("supervisor3")), "该申诉已经复核过")
    db.session.expire_all()
    assert db.session.get(ReviewAppeal, appeal.id).decided_by.username == "supervisor2"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TicketReview)) == 1


def test_one_appeal_sent_from_two_tabs(app, db, users):
    ticket = make_ticket(db, users, IN_OCTOBER, status=S.DISPATCHED)
    verdicts = {key: True for key, _, _ in reviews.DEFAULT_ITEMS}
    verdicts["record"] = False
    review = reviews.record_review(db.session, ticket, verdicts, "漏记就诊医院", reviewer=users["supervisor"],
                                   now=IN_OCTOBER + timedelta(hours=1))
    db.session.commit()

    def appeal(session):
        return reviews.file_appeal(session, session.get(TicketReview, review.id), "记了医院", agent=_user(session, "agent"),
                                   now=IN_OCTOBER + timedelta(hours=2))

    _refused(race(app, appeal, appeal), "该质检结果已经申诉过")  # it was a 500 (the review's unique appeal)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReviewAppeal)) == 1


def test_a_channel_file_sent_while_the_ticket_is_merged(app, db, users, tmp_path):
    """The channel's upload read the ticket without a lock: its file and 上传附件 event landed after the merge, on a
    ticket nobody works any more."""
    from io import BytesIO

    from tests.attachment_files import PDF
    from ticketing.models.ticket import TicketAttachment as Attachment
    from ticketing.services import api_tokens

    kept = make_ticket(db, users, IN_OCTOBER, status=S.DISPATCHED, channel="mailbox_mayor", external_id="M-1")
    joined = make_ticket(db, users, IN_OCTOBER + timedelta(hours=1), status=S.DISPATCHED, channel="mailbox_mayor",
                         external_id="M-2")
    token = api_tokens.issue_token(db.session, now=IN_OCTOBER, channel="mailbox_mayor").token
    db.session.commit()
    before = app.config["ATTACHMENT_DIR"]
    app.config["ATTACHMENT_DIR"] = str(tmp_path)

    def merge(session):
        ticket = tickets.find_by_number(session, joined.number, to_change=True)
        tickets.merge(session, ticket, _ticket(session, kept.id), actor=_user(session, "agent"),
                      now=IN_OCTOBER + timedelta(hours=2))

    def upload(session):
        response = app.test_client().post(f"/api/v1/tickets/{joined.number}/attachments",
                                          headers={"Authorization": f"Bearer {token}"},
                                          data={"file": (BytesIO(PDF), "来信扫描件.pdf")}, content_type="multipart/form-data")
        return response.status_code

    try:
        outcome = race(app, merge, upload)
    finally:
        app.config["ATTACHMENT_DIR"] = before
    assert outcome["result"] == 409
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0


# --- administrators and sign-ins (a second race review, 4 Dec 2026) -------------------------------------------------

def _quiet(function):
    """``function`` as the first of a race, whose refusal is part of the story (a wrong password)."""
    def run(session):
        try:
            function(session)
        except DomainError:
            pass
    return run


def test_two_holidays_entered_at_once_both_move_the_deadlines(app, db, users):
    """Each recounted the deadlines from the calendar without the other: one holiday was lost (8 tickets a working
    day short), and both events told the same change."""
    from datetime import date

    from ticketing.services import administration

    monday = datetime(2026, 12, 28, 9, 0, tzinfo=LOCAL)  # 15 working days on 2027's unconfirmed calendar: 18 Jan
    ticket = make_ticket(db, users, monday, status=S.ACCEPTED)
    db.session.commit()
    assert ticket.reply_due_at.astimezone(LOCAL).date() == date(2027, 1, 18)

    def holiday(day):
        def run(session):
            administration.add_calendar_period(session, day, None, "holiday", "测试", actor=_user(session, "admin"),
                                               now=monday + timedelta(hours=1))
        return run

    outcome = race(app, holiday(date(2027, 1, 5)), holiday(date(2027, 1, 7)))
    assert "error" not in outcome, outcome
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).reply_due_at.astimezone(LOCAL).date() == date(2027, 1, 20)


def test_a_password_reset_lifts_a_lock_made_at_the_same_moment(app, db, users):
    from ticketing.services import administration, sign_in

    victim = users["agent"]
    victim.failed_logins = 4  # one more wrong password locks the account
    db.session.commit()

    def wrong_password(session):
        sign_in.authenticate(session, "agent", "not-the-password", now=IN_OCTOBER)

    def reset(session):
        administration.reset_password(session, _user(session, "agent"), "Brand-new-pass-2026",
                                      actor=_user(session, "admin"))

    outcome = race(app, _quiet(wrong_password), reset)
    assert "error" not in outcome, outcome
    db.session.expire_all()
    assert db.session.get(User, victim.id).locked_until is None  # the lock was kept: the reset did not work


def test_a_department_switched_off_while_a_ticket_is_dispatched_to_it(app, db, users, reference):
    from ticketing.models import Department
    from ticketing.services import administration

    bureau = Department(code="XCQ", name="新城区医疗保障局")
    db.session.add(bureau)
    ticket = make_ticket(db, users, IN_OCTOBER)
    db.session.commit()

    def switch_off(session):
        administration.set_department_active(session, session.get(Department, bureau.id), False,
                                             actor=_user(session, "admin"))

    def dispatch(session):
        tickets.dispatch(session, _ticket(session, ticket.id), session.get(Department, bureau.id),
                         actor=_user(session, "agent"), now=IN_OCTOBER + timedelta(hours=1))

    _refused(race(app, switch_off, dispatch), "已停用")
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status == S.REGISTERED.value


def test_the_same_rule_or_time_limit_added_by_two_administrators_at_once_is_one(app, db, users):
    from ticketing.models import DeadlinePolicy, RoutingRule
    from ticketing.services import administration

    def rule(session):
        administration.save_routing_rule(session, None, administration.RuleInput(
            name="新城区医疗救助", priority=50, department_code="DYBZ", category_code="JZ", region="新城区"),
            actor=_user(session, "admin"))

    _refused(race(app, rule, rule), "已有相同的路由规则")

    def policy(session):
        administration.save_deadline_policy(session, None, administration.PolicyInput(
            ticket_type="suggestion", urgency="urgent", channel="wechat", accept_amount=4, accept_unit="hours",
            reply_amount=2, reply_unit="working_days"), actor=_user(session, "admin"))

    _refused(race(app, policy, policy), "已有相同类型、紧急程度和来源的时限规则")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RoutingRule).where(
        RoutingRule.name == "新城区医疗救助")) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DeadlinePolicy).where(
        DeadlinePolicy.channel == "wechat", DeadlinePolicy.urgency == "urgent")) == 1


def test_a_merge_and_a_batch_over_the_same_two_tickets_lock_them_in_one_order(app, db, users):
    """批量督办 locks in number order; a merge of the later into the earlier locked the later first, and the two met
    in a deadlock (a diff review). The merge now takes the earlier first, so it waits instead."""
    from ticketing.services import api_tokens

    earlier = make_ticket(db, users, IN_OCTOBER, status=S.DISPATCHED)
    later = make_ticket(db, users, IN_OCTOBER + timedelta(hours=1), status=S.DISPATCHED)
    token = api_tokens.issue_token(db.session, now=IN_OCTOBER, user=users["agent"]).token
    db.session.commit()
    assert earlier.number < later.number
    outcome: dict = {}

    def merge():
        response = app.test_client().post(f"/api/v1/tickets/{later.number}/actions",
                                          headers={"Authorization": f"Bearer {token}"},
                                          json={"action": "merge", "into": earlier.number})
        outcome["merge"] = response.status_code

    with app.app_context(), Session(_db.engine) as batch:  # a batch's first row lock, then its second
        tickets.find_by_number(batch, earlier.number, to_change=True)
        thread = threading.Thread(target=merge)
        thread.start()
        thread.join(0.5)
        tickets.find_by_number(batch, later.number, to_change=True)  # deadlocked here when the merge held it
        batch.commit()
    thread.join(20)
    assert outcome["merge"] == 200
    db.session.expire_all()
    assert db.session.get(Ticket, later.id).status == S.MERGED.value


def test_the_same_letter_delivered_twice_at_once_keeps_the_second_deliverys_new_words(app, db, users):
    """Two deliveries of MB-7 race for the unique (channel, external_id); the loser's added words are recorded on the
    winner, as for a later delivery (a merge review: they were dropped)."""
    def letter(content):
        return tickets.TicketInput(channel="mailbox_mayor", type="complaint", content=content, external_id="MB-7",
                                   caller_phone="13912345678", caller_name="周先生")

    def first(session):
        tickets.register_ticket(session, letter("住院报销三个月没到账"), actor=None, now=IN_OCTOBER, route_now=False)

    def second(session):
        registered = tickets.register_ticket(session, letter("住院报销三个月没到账，补充：住院号 A123"), actor=None,
                                             now=IN_OCTOBER + timedelta(seconds=1), route_now=False)
        return registered.created

    assert race(app, first, second) == {"result": False}
    (ticket,) = db.session.scalars(sa.select(Ticket)).all()
    assert any("住院号 A123" in event.note for event in ticket.events)


def test_two_tabs_of_one_agent_claiming_two_callbacks_at_once_do_not_deadlock(app, db, users):
    """Each claim took its own ticket and then gave back the agent's other claim: two tabs at once locked the two
    rows crosswise and PostgreSQL reported a deadlock (a review). The rows are locked in id order first now."""
    from ticketing.services import callback_claims
    first_ticket = make_ticket(db, users, IN_OCTOBER, status=S.REPLIED)
    second_ticket = make_ticket(db, users, IN_OCTOBER, status=S.REPLIED)
    for ticket in (first_ticket, second_ticket):
        ticket.needs_callback = True
    db.session.commit()
    ids, agent_id = (first_ticket.id, second_ticket.id), users["agent"].id
    at = IN_OCTOBER + timedelta(days=1)

    def claim(ticket_id):
        def run(session):
            return callback_claims.claim(session, session.get(Ticket, ticket_id), session.get(User, agent_id), at)
        return run

    outcome = race(app, claim(ids[1]), claim(ids[0]))
    assert "error" not in outcome, outcome.get("error")
    db.session.expire_all()
    held = [t for t in ids if db.session.get(Ticket, t).callback_claimed_by_id == agent_id]
    assert held == [ids[0]]  # the later claim stands, the earlier one given back
