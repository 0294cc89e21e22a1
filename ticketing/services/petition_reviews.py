"""信访复查、复核 (信访工作条例第三十五、三十六条).

A petitioner who does not accept a petition's written 处理意见 may ask, within 30 days of receiving it, the body
above the one that handled it to look at the matter again (复查); that body gives its written 复查意见 within 30
days of receiving the request. A petitioner who does not accept the 复查意见 may ask the body above that one (复核),
again within 30 days, and it answers within 30 days. After 复核 the matter is concluded: a petition on the same
facts and reasons is not accepted again.

The centre keeps the matter's record, so a supervisor records each request as it arrives (the day it came, which
body was asked, what is contested and why, the day the petitioner received the opinion contested), follows its 30
days on 督办, and records the opinion when it comes; one recorded by mistake is withdrawn (撤销登记), kept and
marked. A request made after the 30 days is refused with the date it was due:
the centre tells the petitioner it is out of time rather than keeping a request nobody will answer. The ticket's
status does not change; a 复查 that changes the 处理意见 is followed by a 重办 of the ticket, which is the
supervisor's separate decision (the page offers it).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ticketing.models import Channel, ClosureKind, PetitionReview, Ticket, User
from ticketing.models.enums import PetitionReviewDecision, PetitionReviewStage
from ticketing.services import deadlines
from ticketing.services.errors import InvalidTransition, ValidationFailed
from ticketing.services.validation import required_text
from ticketing.services.workflow import Action, check, transition

Stage, Decision = PetitionReviewStage, PetitionReviewDecision

#: 自收到书面答复之日起 30 日内 the petitioner asks (第三十五、三十六条)
REQUEST_WITHIN_DAYS = 30
#: 自收到请求之日起 30 日内 the body asked gives its written opinion
OPINION_WITHIN_DAYS = 30
#: what each stage contests, and the article that gives it
CONTESTS = {Stage.RECHECK: "处理意见", Stage.REEXAMINE: "复查意见"}
ARTICLE = {Stage.RECHECK: "信访工作条例第三十五条", Stage.REEXAMINE: "信访工作条例第三十六条"}
REVIEWING_BODY_LIMIT, OPINION_LIMIT = 100, 20000
CONCLUDED = "该信访事项已经复核，信访人仍以同一事实和理由提出的信访请求不再受理（信访工作条例第三十六条）"
#: the written answers a 复查 may contest: a department's 办结 reply, an answer given on the spot. A 告知法定途径 is
#: not a 处理意见 on the matter (it goes to a court, an arbitration or a review), so it has no 复查.
CONTESTABLE_REPLIES = (ClosureKind.HANDLED.value, ClosureKind.ON_THE_SPOT.value)


def is_petition(ticket: Ticket) -> bool:
    return ticket.channel == Channel.PETITION_BUREAU.value


def standing(ticket: Ticket) -> list[PetitionReview]:
    """The ticket's requests, less those withdrawn (撤销登记), in the order they came."""
    return [r for r in ticket.petition_reviews if not r.is_withdrawn]


def open_review(ticket: Ticket) -> PetitionReview | None:
    return next((r for r in ticket.petition_reviews if r.is_open), None)


def is_concluded(ticket: Ticket) -> bool:
    """复核 gave its opinion: the matter is closed for good (信访终结)."""
    return any(r.stage == Stage.REEXAMINE.value and r.decision is not None for r in ticket.petition_reviews)


def next_stage(ticket: Ticket) -> PetitionReviewStage | None:
    """What a request now would ask for: 复查 first, 复核 once the 复查意见 is given; None while one waits for its
    opinion or once 复核 has given its own."""
    if open_review(ticket) is not None or is_concluded(ticket):
        return None
    return Stage.REEXAMINE if standing(ticket) else Stage.RECHECK


def may_request(ticket: Ticket) -> bool:
    """Whether a request may be recorded now (the page's form and the API's allowed actions): there is a written
    opinion to contest, and no request waiting nor the matter concluded."""
    return next_stage(ticket) is not None and contested_opinion_date(ticket) is not None


def contested_opinion_date(ticket: Ticket) -> date | None:
    """The date of the written opinion a request now would contest (the earliest the petitioner can have received
    it): the latest 处理意见 for 复查, the 复查意见 for 复核."""
    stage = next_stage(ticket)
    if stage is None:
        return None
    if stage is Stage.REEXAMINE:
        return standing(ticket)[-1].decided_on
    answers = [r for r in ticket.replies if r.kind in CONTESTABLE_REPLIES]
    return deadlines.local_date(answers[-1].created_at) if answers else None


def request_review(session: Session, ticket: Ticket, *, reviewing_body: str, reason: str, requested_on: date | None,
                   answer_received_on: date | None, actor: User, now: datetime) -> PetitionReview:
    """登记复查（复核）请求: the petitioner's request, received on ``requested_on``, for ``reviewing_body`` to look
    again at the opinion they received on ``answer_received_on`` (by default the day it was written)."""
    check(actor, ticket, Action.REQUEST_PETITION_REVIEW)
    stage = next_stage(ticket)
    if stage is None:
        waiting = open_review(ticket)
        raise InvalidTransition(CONCLUDED if waiting is None else
                                f"{waiting.stage_title}请求尚待{waiting.reviewing_body}出具意见，出具后才能请求复核")
    written_on = contested_opinion_date(ticket)
    if written_on is None:
        raise InvalidTransition("该工单没有书面处理意见（告知法定途径的不适用复查），不能请求复查")
    above = "原办理机关" if stage is Stage.RECHECK else "复查机关"
    reviewing_body = required_text(reviewing_body, "reviewing_body", what=f"{stage.title}机关",
                                   missing=f"请填写{stage.title}机关（{above}的上一级机关）", limit=REVIEWING_BODY_LIMIT)
    reason = required_text(reason, "reason", what="请求的事项和理由",
                           missing=f"请填写信访人请求{stage.title}的事项和理由")
    today = deadlines.local_date(now)
    requested_on = requested_on or today
    answer_received_on = answer_received_on or written_on
    contested = CONTESTS[stage]
    if requested_on > today:
        raise ValidationFailed("收到请求的日期不能晚于今天", fields={"requested_on": f"今天是 {today:%Y-%m-%d}"})
    if answer_received_on < written_on:
        raise ValidationFailed(f"收到{contested}的日期不能早于{contested}出具之日",
                               fields={"answer_received_on": f"{contested}于 {written_on:%Y-%m-%d} 出具"})
    if requested_on < answer_received_on:
        raise ValidationFailed(f"收到请求的日期不能早于信访人收到{contested}之日",
                               fields={"requested_on": f"信访人 {answer_received_on:%Y-%m-%d} 收到{contested}"})
    last_day = answer_received_on + timedelta(days=REQUEST_WITHIN_DAYS)
    if requested_on > last_day:
        message = (f"已超过请求{stage.title}的期限：信访人 {answer_received_on:%Y-%m-%d} 收到{contested}，应在 "
                   f"{REQUEST_WITHIN_DAYS} 日内、最迟 {last_day:%Y-%m-%d} 请求（{ARTICLE[stage]}）；逾期的请求不予受理，请告知信访人")
        raise ValidationFailed(message, fields={"requested_on": message})
    due = deadlines.add_calendar_days(datetime.combine(requested_on, time(12), deadlines.LOCAL_TZ),
                                      OPINION_WITHIN_DAYS)
    review = PetitionReview(ticket=ticket, stage=stage.value, reviewing_body=reviewing_body, reason=reason,
                            answer_received_on=answer_received_on, requested_on=requested_on, due_at=due.due_at,
                            recorded_by=actor, recorded_at=now)
    session.add(review)
    transition(ticket, Action.REQUEST_PETITION_REVIEW, actor=actor, now=now,
               note=f"信访人请求{stage.title}（{reviewing_body}）：{reason}",
               data={"stage": stage.value, "requested_on": requested_on.isoformat(),
                     "answer_received_on": answer_received_on.isoformat(), "due_at": due.due_at.isoformat()})
    return review


def decide_review(session: Session, ticket: Ticket, *, decision: str, opinion: str, decided_on: date | None,
                  actor: User, now: datetime) -> PetitionReview:
    """录入复查（复核）意见: the body's written opinion, dated ``decided_on`` (by default today)."""
    check(actor, ticket, Action.DECIDE_PETITION_REVIEW)
    review = open_review(ticket)
    if review is None:
        raise InvalidTransition("该工单没有待出具意见的复查、复核请求")
    stage = Stage(review.stage)
    if decision not in {d.value for d in Decision}:
        raise ValidationFailed(f"请选择{stage.title}结论",
                               fields={"decision": f"{Decision.UPHELD.title}，或{Decision.CHANGED.title}"})
    opinion = required_text(opinion, "opinion", what=f"{stage.title}意见", missing=f"请填写{stage.title}意见",
                            limit=OPINION_LIMIT)
    today = deadlines.local_date(now)
    decided_on = decided_on or today
    if decided_on > today:
        raise ValidationFailed(f"{stage.title}意见的日期不能晚于今天", fields={"decided_on": f"今天是 {today:%Y-%m-%d}"})
    if decided_on < review.requested_on:
        raise ValidationFailed(f"{stage.title}意见的日期不能早于收到请求之日",
                               fields={"decided_on": f"{review.requested_on:%Y-%m-%d} 收到{stage.title}请求"})
    review.decision, review.opinion, review.decided_on = decision, opinion, decided_on
    review.decided_by, review.decided_at = actor, now
    late = decided_on > deadlines.local_date(review.due_at)
    transition(ticket, Action.DECIDE_PETITION_REVIEW, actor=actor, now=now,
               note=f"{review.reviewing_body}{stage.title}意见（{Decision(decision).title}）：{opinion}",
               data={"stage": stage.value, "decision": decision, "decided_on": decided_on.isoformat(),
                     **({"late": True} if late else {})})
    return review


def withdraw_review(session: Session, ticket: Ticket, *, reason: str, actor: User, now: datetime) -> None:
    """撤销登记: a request recorded by mistake (the wrong ticket, a request the petitioner took back before any
    opinion) stops being the request, so that the right one can be recorded; it stays, marked, with who and why
    (nothing is ever deleted)."""
    check(actor, ticket, Action.WITHDRAW_PETITION_REVIEW)
    review = open_review(ticket)
    if review is None:
        raise InvalidTransition("该工单没有待出具意见的复查、复核请求")
    reason = required_text(reason, "reason", what="撤销登记的原因",
                           missing=f"请填写撤销{review.stage_title}登记的原因")
    review.withdrawn_at, review.withdrawn_by, review.withdraw_reason = now, actor, reason
    transition(ticket, Action.WITHDRAW_PETITION_REVIEW, actor=actor, now=now,
               note=f"撤销{review.stage_title}登记（{review.reviewing_body}）：{reason}",
               data={"stage": review.stage, "review_id": review.id})


def concluded_for_phone(session: Session, phone: str | None, *, except_id: int | None = None,
                        limit: int = 5) -> list[Ticket]:
    """The caller's petitions already concluded by 复核, the latest first: a new petition on the same facts and
    reasons is not accepted (第三十六条), which the agent and the supervisor should know when it comes."""
    if not phone:
        return []
    return list(session.scalars(
        sa.select(Ticket).join(PetitionReview, PetitionReview.ticket_id == Ticket.id)
        .where(Ticket.caller_phone == phone, PetitionReview.stage == Stage.REEXAMINE.value,
               PetitionReview.decided_at.is_not(None), Ticket.id != except_id)
        .order_by(PetitionReview.decided_at.desc()).limit(limit)))


def is_late(review: PetitionReview, now: datetime) -> bool:
    """Past its 30 days: still without an opinion, or given after them (never one withdrawn)."""
    if review.is_withdrawn:
        return False
    if review.is_open:
        return deadlines.is_overdue(review.due_at, now)
    return review.decided_on > deadlines.local_date(review.due_at)


def waiting_query() -> sa.Select:
    """Tickets with a 复查 or 复核 request still waiting for its opinion, the earliest due first (督办)."""
    return (sa.select(Ticket).join(PetitionReview, PetitionReview.ticket_id == Ticket.id)
            .where(PetitionReview.decided_at.is_(None), PetitionReview.withdrawn_at.is_(None))
            .order_by(PetitionReview.due_at, Ticket.id))


def late_query(now: datetime) -> sa.Select:
    """The ids of tickets whose 复查 or 复核 is past its 30 days without an opinion (督办's count)."""
    return (sa.select(Ticket.id).join(PetitionReview, PetitionReview.ticket_id == Ticket.id)
            .where(PetitionReview.decided_at.is_(None), PetitionReview.withdrawn_at.is_(None),
                   PetitionReview.due_at < now))
