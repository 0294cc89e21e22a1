"""信访复查、复核 (信访工作条例第三十五、三十六条): the requests a supervisor records on an answered petition, their
30-day windows, the opinions, and the end of the matter after 复核."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from tests.factories import make_ticket
from ticketing.models import PetitionReview, TicketStatus
from ticketing.services import petition_reviews, tickets
from ticketing.services.actions import perform_action
from ticketing.services.errors import InvalidTransition, NotAllowed, ValidationFailed
from ticketing.services.workflow import Action

S = TicketStatus


@pytest.fixture()
def petition(db, users, now):
    """A petition from the 信访局, answered by 待遇保障科 on 2 March 2026 (and closed)."""
    ticket = make_ticket(db, users, now, status=S.CLOSED, channel="petition_bureau", content="反映住院费用报销不合理")
    db.session.flush()
    return ticket


def request(db, users, ticket, at, **fields):
    values = {"reviewing_body": "省医疗保障局", "reason": "不服处理意见，认为报销比例算错",
              "requested_on": None, "answer_received_on": None} | fields
    review = petition_reviews.request_review(db.session, ticket, actor=users["supervisor"], now=at, **values)
    db.session.flush()
    return review


def decide(db, users, ticket, at, decision="upheld", **fields):
    values = {"opinion": "原处理意见认定事实清楚，维持", "decided_on": None} | fields
    review = petition_reviews.decide_review(db.session, ticket, decision=decision, actor=users["supervisor"], now=at,
                                            **values)
    db.session.flush()
    return review


def test_recheck_request_within_thirty_days_is_due_thirty_days_after_it_arrives(db, users, now, petition):
    assert petition_reviews.next_stage(petition) is petition_reviews.Stage.RECHECK
    assert petition_reviews.contested_opinion_date(petition) == date(2026, 3, 2)  # the day it was answered
    review = request(db, users, petition, now + timedelta(days=20), requested_on=date(2026, 3, 20),
                     answer_received_on=date(2026, 3, 5))
    assert (review.stage, review.requested_on, review.answer_received_on) == ("recheck", date(2026, 3, 20),
                                                                              date(2026, 3, 5))
    assert review.due_at.astimezone(petition_reviews.deadlines.LOCAL_TZ).strftime("%Y-%m-%d %H:%M") == "2026-04-19 23:59"
    event = petition.events[-1]
    assert event.action == "request_petition_review" and event.from_status == event.to_status == "closed"
    assert event.data["stage"] == "recheck" and "省医疗保障局" in event.note and "报销比例算错" in event.note
    assert petition.status == "closed"  # the status stays: the matter is looked at again elsewhere
    assert petition_reviews.open_review(petition) is review and petition_reviews.next_stage(petition) is None


def test_a_request_past_thirty_days_is_refused_with_the_last_day(db, users, now, petition):
    with pytest.raises(ValidationFailed) as refused:
        request(db, users, petition, now + timedelta(days=40), requested_on=date(2026, 4, 5),
                answer_received_on=date(2026, 3, 5))
    assert "最迟 2026-04-04 请求" in refused.value.message and "不予受理" in refused.value.message
    assert "requested_on" in refused.value.fields
    review = request(db, users, petition, now + timedelta(days=40), requested_on=date(2026, 4, 4),
                     answer_received_on=date(2026, 3, 5))  # the 30th day is in time
    assert review.requested_on == date(2026, 4, 4)


@pytest.mark.parametrize(("fields", "field", "words"), [
    ({"reviewing_body": " "}, "reviewing_body", "请填写复查机关"),
    ({"reason": ""}, "reason", "请填写信访人请求复查的事项和理由"),
    ({"requested_on": date(2026, 3, 30)}, "requested_on", "不能晚于今天"),
    ({"answer_received_on": date(2026, 3, 1)}, "answer_received_on", "不能早于处理意见出具之日"),
    ({"answer_received_on": date(2026, 3, 10), "requested_on": date(2026, 3, 8)}, "requested_on",
     "不能早于信访人收到处理意见之日"),
    ({"reviewing_body": "局" * 101}, "reviewing_body", "复查机关最多 100 字，现有 101 字"),
])
def test_bad_requests_say_why_and_save_nothing(db, users, now, petition, fields, field, words):
    with pytest.raises(ValidationFailed) as refused:
        request(db, users, petition, now + timedelta(days=10), **fields)
    assert field in refused.value.fields and words in str(refused.value.message) + str(refused.value.fields)
    assert petition.petition_reviews == [] and petition.events[-1].action == "close"


def test_only_an_answered_petition_and_only_a_supervisor(db, users, now, petition):
    ordinary = make_ticket(db, users, now, status=S.CLOSED)
    with pytest.raises(InvalidTransition, match="只有信访件"):
        request(db, users, ordinary, now + timedelta(days=1))
    working = make_ticket(db, users, now, status=S.ACCEPTED, channel="petition_bureau")
    with pytest.raises(InvalidTransition, match="没有书面处理意见"):  # nothing answered yet
        request(db, users, working, now + timedelta(days=1))
    assert Action.REQUEST_PETITION_REVIEW not in tickets.actions_open_now(db.session, users["supervisor"], working,
                                                                          now + timedelta(days=1))
    with pytest.raises(NotAllowed):
        petition_reviews.request_review(db.session, petition, reviewing_body="省医疗保障局", reason="不服",
                                        requested_on=None, answer_received_on=None, actor=users["agent"],
                                        now=now + timedelta(days=1))
    assert Action.REQUEST_PETITION_REVIEW not in tickets.actions_open_now(db.session, users["supervisor"], ordinary,
                                                                          now + timedelta(days=1))
    assert Action.REQUEST_PETITION_REVIEW in tickets.actions_open_now(db.session, users["supervisor"], petition,
                                                                      now + timedelta(days=1))


def test_told_the_legal_channel_has_no_recheck(db, users, now):
    told = make_ticket(db, users, now, channel="petition_bureau")
    tickets.tell_legal_channel(db.session, told, "属劳动争议，请向劳动仲裁委员会申请仲裁", actor=users["agent"],
                               now=now + timedelta(hours=1))
    db.session.flush()
    assert Action.REQUEST_PETITION_REVIEW not in tickets.actions_open_now(db.session, users["supervisor"], told,
                                                                          now + timedelta(days=1))
    with pytest.raises(InvalidTransition, match="没有书面处理意见"):
        request(db, users, told, now + timedelta(days=1))


def test_recheck_then_reexamination_then_the_matter_is_concluded(db, users, now, petition):
    request(db, users, petition, now + timedelta(days=10))
    with pytest.raises(InvalidTransition, match="尚待省医疗保障局出具意见"):
        request(db, users, petition, now + timedelta(days=11))
    with pytest.raises(ValidationFailed, match="请选择复查结论"):
        decide(db, users, petition, now + timedelta(days=20), decision="maybe")
    recheck = decide(db, users, petition, now + timedelta(days=25), decided_on=date(2026, 3, 26))
    assert (recheck.decision, recheck.decided_on, recheck.decided_by) == ("upheld", date(2026, 3, 26),
                                                                          users["supervisor"])
    assert petition.events[-1].action == "decide_petition_review" and "维持原意见" in petition.events[-1].note
    assert not petition_reviews.is_late(recheck, now + timedelta(days=60))
    assert petition_reviews.next_stage(petition) is petition_reviews.Stage.REEXAMINE
    assert petition_reviews.contested_opinion_date(petition) == date(2026, 3, 26)  # the 复查意见's date now

    with pytest.raises(ValidationFailed, match="不能早于复查意见出具之日"):
        request(db, users, petition, now + timedelta(days=30), answer_received_on=date(2026, 3, 20),
                reviewing_body="国家医疗保障局")
    final = request(db, users, petition, now + timedelta(days=30), reviewing_body="国家医疗保障局")
    assert final.stage == "reexamine" and final.answer_received_on == date(2026, 3, 26)
    assert not petition_reviews.is_concluded(petition)
    decide(db, users, petition, now + timedelta(days=70), decision="changed", opinion="撤销原处理意见，责成重新办理")
    assert petition_reviews.is_concluded(petition) and petition_reviews.next_stage(petition) is None
    assert petition_reviews.is_late(final, now)  # given after its 30 days
    assert petition.events[-1].data["late"] is True
    with pytest.raises(InvalidTransition, match="不再受理"):
        request(db, users, petition, now + timedelta(days=71))
    with pytest.raises(InvalidTransition, match="没有待出具意见"):
        decide(db, users, petition, now + timedelta(days=71))


def test_an_opinion_cannot_be_dated_before_the_request_nor_in_the_future(db, users, now, petition):
    request(db, users, petition, now + timedelta(days=10), requested_on=date(2026, 3, 12))
    with pytest.raises(ValidationFailed, match="不能早于收到请求之日"):
        decide(db, users, petition, now + timedelta(days=20), decided_on=date(2026, 3, 11))
    with pytest.raises(ValidationFailed, match="不能晚于今天"):
        decide(db, users, petition, now + timedelta(days=20), decided_on=date(2026, 3, 30))
    with pytest.raises(ValidationFailed, match="请填写复查意见"):
        decide(db, users, petition, now + timedelta(days=20), opinion="  ")
    assert petition_reviews.open_review(petition) is not None


def test_the_opinion_may_come_after_a_reopening(db, users, now, petition):
    """A 复查 that changed the answer is followed by a 重办; one recorded late comes after it."""
    request(db, users, petition, now + timedelta(days=5))
    tickets.reopen(db.session, petition, "复查机关来函要求重新办理", actor=users["supervisor"], now=now + timedelta(days=6))
    db.session.flush()
    assert petition.status == "dispatched"
    decide(db, users, petition, now + timedelta(days=7), decision="changed")
    assert petition.petition_reviews[0].decision == "changed"


def test_the_action_entry_point_parses_dates_and_says_what_was_done(db, users, now, petition):
    perform_action(db.session, petition, "request_petition_review",
                   {"reviewing_body": "省医疗保障局", "reason": "不服", "requested_on": "2026-03-10"},
                   actor=users["supervisor"], now=now + timedelta(days=10))
    assert petition.petition_reviews[0].requested_on == date(2026, 3, 10)
    with pytest.raises(ValidationFailed) as refused:
        perform_action(db.session, petition, "decide_petition_review",
                       {"decision": "upheld", "opinion": "维持", "decided_on": "3月12日"},
                       actor=users["supervisor"], now=now + timedelta(days=12))
    assert refused.value.fields == {"decided_on": "例如 2026-12-31"}
    from ticketing.services.actions import done_message
    assert done_message(petition, "request_petition_review") == (
        f"已登记复查请求：{petition.number}，省医疗保障局应于 2026-04-09 前出具复查意见")


def test_waiting_and_late_queries(db, users, now, petition):
    request(db, users, petition, now + timedelta(days=5), requested_on=date(2026, 3, 7))
    other = make_ticket(db, users, now, status=S.REPLIED, channel="petition_bureau")
    request(db, users, other, now + timedelta(days=5), requested_on=date(2026, 3, 3))
    assert list(db.session.scalars(petition_reviews.waiting_query())) == [other, petition]  # the earliest due first
    assert list(db.session.scalars(petition_reviews.late_query(now + timedelta(days=33)))) == [other.id]
    decide(db, users, other, now + timedelta(days=34))
    assert list(db.session.scalars(petition_reviews.waiting_query())) == [petition]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PetitionReview)) == 2


def test_the_request_is_offered_only_when_it_would_be_taken(db, users, now, petition):
    """A second request while one waits, or any after 复核, was listed in allowed_actions and then refused (409)."""
    def offered(at):
        return Action.REQUEST_PETITION_REVIEW in tickets.actions_open_now(db.session, users["supervisor"], petition, at)

    request(db, users, petition, now + timedelta(days=5))
    assert not offered(now + timedelta(days=6))
    decide(db, users, petition, now + timedelta(days=7))
    assert offered(now + timedelta(days=8))
    request(db, users, petition, now + timedelta(days=8), reviewing_body="国家医疗保障局")
    decide(db, users, petition, now + timedelta(days=9))
    assert not offered(now + timedelta(days=10))


def test_reexamination_is_recorded_while_a_changed_answer_is_redone(db, users, now, petition):
    """复查 changed the answer, the ticket was 重办: the 复核 request's 30 days run all the same (第三十六条)."""
    request(db, users, petition, now + timedelta(days=5))
    decide(db, users, petition, now + timedelta(days=10), decision="changed", opinion="撤销原处理意见")
    tickets.reopen(db.session, petition, "复查撤销原处理意见，重新办理", actor=users["supervisor"],
                   now=now + timedelta(days=11))
    db.session.flush()
    assert petition.status == "dispatched"
    final = request(db, users, petition, now + timedelta(days=15), reviewing_body="国家医疗保障局")
    assert final.stage == "reexamine"


def test_a_waiting_request_on_a_ticket_merged_since_can_still_be_decided(db, users, now, petition):
    """Listed on 督办 as waiting, it must be decidable wherever the ticket went (a merge after a 重办)."""
    earlier = make_ticket(db, users, now - timedelta(days=1), status=S.ACCEPTED, channel="petition_bureau")
    request(db, users, petition, now + timedelta(days=5))
    tickets.reopen(db.session, petition, "重新办理", actor=users["supervisor"], now=now + timedelta(days=6))
    tickets.merge(db.session, petition, earlier, actor=users["supervisor"], now=now + timedelta(days=7))
    db.session.flush()
    assert petition.status == "merged" and petition in db.session.scalars(petition_reviews.waiting_query()).all()
    assert Action.DECIDE_PETITION_REVIEW in tickets.actions_open_now(db.session, users["supervisor"], petition,
                                                                     now + timedelta(days=8))
    decide(db, users, petition, now + timedelta(days=8))
    assert petition not in db.session.scalars(petition_reviews.waiting_query()).all()


def test_a_request_recorded_by_mistake_is_withdrawn_and_recorded_again(db, users, now, petition):
    request(db, users, petition, now + timedelta(days=5), reviewing_body="市医疗保障局")
    with pytest.raises(ValidationFailed, match="请填写撤销复查登记的原因"):
        petition_reviews.withdraw_review(db.session, petition, reason=" ", actor=users["supervisor"],
                                         now=now + timedelta(days=6))
    with pytest.raises(NotAllowed):
        petition_reviews.withdraw_review(db.session, petition, reason="登记错了", actor=users["agent"],
                                         now=now + timedelta(days=6))
    petition_reviews.withdraw_review(db.session, petition, reason="复查机关填错", actor=users["supervisor"],
                                     now=now + timedelta(days=6))
    db.session.flush()
    event = petition.events[-1]
    assert event.action == "withdraw_petition_review" and "复查机关填错" in event.note
    assert "市医疗保障局" in event.note and event.data["stage"] == "recheck"
    (withdrawn,) = petition.petition_reviews  # kept, marked: nothing is ever deleted
    assert withdrawn.is_withdrawn and not withdrawn.is_open and withdrawn.withdraw_reason == "复查机关填错"
    assert withdrawn.decision_title == "已撤销登记" and not petition_reviews.is_late(withdrawn, now + timedelta(days=90))
    assert petition_reviews.next_stage(petition) is petition_reviews.Stage.RECHECK  # not a 复查 that was
    assert list(db.session.scalars(petition_reviews.waiting_query())) == []
    again = request(db, users, petition, now + timedelta(days=6))
    assert again.reviewing_body == "省医疗保障局" and again.stage == "recheck"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PetitionReview)) == 2
    decide(db, users, petition, now + timedelta(days=7))
    with pytest.raises(InvalidTransition, match="没有待出具意见"):  # an opinion given is not withdrawn
        petition_reviews.withdraw_review(db.session, petition, reason="错了", actor=users["supervisor"],
                                         now=now + timedelta(days=8))


def test_the_callers_concluded_petitions(db, users, now, petition):
    assert petition_reviews.concluded_for_phone(db.session, petition.caller_phone) == []
    request(db, users, petition, now + timedelta(days=5))
    decide(db, users, petition, now + timedelta(days=6))
    request(db, users, petition, now + timedelta(days=7), reviewing_body="国家医疗保障局")
    assert petition_reviews.concluded_for_phone(db.session, petition.caller_phone) == []  # 复核 still waiting
    decide(db, users, petition, now + timedelta(days=8))
    assert petition_reviews.concluded_for_phone(db.session, petition.caller_phone) == [petition]
    assert petition_reviews.concluded_for_phone(db.session, petition.caller_phone, except_id=petition.id) == []
    assert petition_reviews.concluded_for_phone(db.session, "13700000000") == []
    assert petition_reviews.concluded_for_phone(db.session, None) == []


def test_the_supervise_badge_counts_a_late_review_on_a_ticket_redone(db, users, now, petition):
    """A 复查 past its 30 days on a petition being redone (重办, accepted again), with no 风险提示: counted (the risk
    part of the sum was NULL for it, and NOT NULL is NULL: a review of the first mend)."""
    from ticketing.services import inbox
    request(db, users, petition, now + timedelta(days=1), requested_on=date(2026, 3, 3))
    tickets.reopen(db.session, petition, "重新办理", actor=users["supervisor"], now=now + timedelta(days=2))
    tickets.accept(db.session, petition, actor=users["staff_dybz"], now=now + timedelta(days=3))
    db.session.flush()
    assert petition.risk_flags is None and petition.reply_due_at > now + timedelta(days=40)
    assert inbox.todo_counts(db.session, users["supervisor"], now + timedelta(days=40))["supervise"] == 1


def test_the_supervise_badge_counts_a_late_review_once(db, users, now, petition):
    """A reopened petition with an undecided 风险提示 and a 复查 past its 30 days is one ticket, not two."""
    from ticketing.services import inbox, risk_alerts
    request(db, users, petition, now + timedelta(days=1), requested_on=date(2026, 3, 3))
    tickets.reopen(db.session, petition, "重新办理", actor=users["supervisor"], now=now + timedelta(days=2))
    petition.risk_flags = "self_harm"
    db.session.flush()
    late = now + timedelta(days=40)
    assert risk_alerts.is_undecided(petition)
    assert inbox.todo_counts(db.session, users["supervisor"], late)["supervise"] == 1


def test_the_months_petition_figures(db, users, now, petition):
    """工单统计's 信访件: the month's petitions by the statute's limits, and the 复查、复核 asked in the month. One
    still owing its 签收 or answer past the deadline is due and late; a late answer after a 重办 is late; the
    bureau's acceptance is the first 签收 (a review of the first version: none of these were so)."""
    from ticketing.services import statistics
    dybz = tickets.department_by_code(db.session, "DYBZ")
    late = make_ticket(db, users, now, channel="petition_bureau")
    tickets.dispatch(db.session, late, dybz, actor=users["agent"], now=now + timedelta(hours=1))
    tickets.accept(db.session, late, actor=users["staff_dybz"], now=now + timedelta(days=20))  # past its 15 days
    told = make_ticket(db, users, now, channel="petition_bureau")
    tickets.tell_legal_channel(db.session, told, "属劳动争议，请申请仲裁", actor=users["agent"], now=now + timedelta(hours=1))
    waiting = make_ticket(db, users, now, status=S.DISPATCHED, channel="petition_bureau")  # never accepted
    redone = make_ticket(db, users, now, status=S.REPLIED, channel="petition_bureau")
    tickets.reopen(db.session, redone, "不满意", actor=users["supervisor"], now=now + timedelta(days=1))
    tickets.accept(db.session, redone, actor=users["staff_dybz"], now=now + timedelta(days=2))
    tickets.reply(db.session, redone, "重新答复", actor=users["staff_dybz"], now=now + timedelta(days=75))  # late
    make_ticket(db, users, now, status=S.CLOSED)  # not a petition
    make_ticket(db, users, now - timedelta(days=5), status=S.CLOSED, channel="petition_bureau")  # February's
    request(db, users, petition, now + timedelta(days=5), requested_on=date(2026, 3, 6))
    decide(db, users, petition, now + timedelta(days=6), decision="changed")
    request(db, users, petition, now + timedelta(days=7), requested_on=date(2026, 3, 9), reviewing_body="国家医疗保障局")
    db.session.flush()

    at = now + timedelta(days=85)
    figures = statistics.petition_month(db.session, "2026-03", now=at)
    assert waiting.accept_due_at < at and figures.received == 5
    # petition and redone accepted in time, late accepted late, waiting never accepted and late; told 不予受理 in
    # time, which is the decision the 15 days are for (信访工作条例第二十二条: 受理 or not, told within them)
    assert (figures.accept_due, figures.accepted_on_time, figures.not_accepted) == (5, 3, 1)
    # petition answered in time; redone's second answer late; late (accepted, unanswered) and waiting owe it
    assert late.reply_due_at < at and (figures.reply_due, figures.answered_on_time) == (4, 1)
    assert (figures.recheck.requested, figures.recheck.decided, figures.recheck.changed, figures.recheck.late) == (
        1, 1, 1, 0)
    assert (figures.reexamine.requested, figures.reexamine.waiting, figures.reexamine.late) == (1, 1, 1)  # 8 April
    rows = dict((title, value) for title, value, _ in figures.rows())
    assert rows["按时受理率"] == 0.6 and rows["按期办结率"] == 0.25
    assert rows["复查改变率"] == 1.0 and rows["复核改变率"] is None
    assert statistics.petition_month(db.session, "2026-04", now=at).shown is False
