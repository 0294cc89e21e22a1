"""工单质检: supervisors check a sample of each agent's registered tickets against a short checklist, as a
call centre checks its agents' records every month; the agent reads the verdicts and comments, and
工单统计's 话务员工作量 shows each agent's average.

Only tickets an agent (or a supervisor taking calls) registered are reviewed: a channel's submission or
an import has nobody's typing to check. The score is the share of the applicable items passed, out of
100; ``PASS_SCORE`` or more is 合格. A failed item needs a comment saying what was wrong.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ticketing.models import ClosureKind, Ticket, TicketReview, TicketStatus, User
from ticketing.services.assessment import month_bounds
from ticketing.services.deadlines import LOCAL_TZ
from ticketing.services.errors import ValidationFailed
from ticketing.services.permissions import Permission, has_permission

PASS_SCORE = 80
SAMPLE_SIZES = (5, 10, 20)

#: the checklist: key → what is checked
ITEMS = {
    "record": "诉求记录完整准确（人、事、地、时、诉求）",
    "caller": "来电人信息规范（姓名、号码、区县）",
    "classification": "诉求类型与业务分类正确",
    "routing": "承办单位选择正确",
    "answer": "当场答复口径准确",
}


def applicable_items(ticket: Ticket) -> list[str]:
    """The items that apply: routing when the centre sent it somewhere, the answer when it answered on the spot."""
    items = ["record", "caller", "classification"]
    if ticket.closure_kind == ClosureKind.ON_THE_SPOT.value:
        items.append("answer")
    elif ticket.department_id is not None:
        items.append("routing")
    return items


def registered_month(ticket: Ticket) -> str:
    return ticket.registered_at.astimezone(LOCAL_TZ).strftime("%Y-%m")


def record_review(session: Session, ticket: Ticket, verdicts: dict[str, bool | None], comment: str, *,
                  reviewer: User, now: datetime) -> TicketReview:
    """Check ``ticket`` against the applicable items; every one needs a verdict, and a failure a comment."""
    agent = ticket.created_by
    if agent is None or agent.role not in ("agent", "supervisor"):
        raise ValidationFailed("该工单不是话务员登记的（渠道推送或文件导入），无需质检")
    items = applicable_items(ticket)
    missing = {key: "请选择合格或不合格" for key in items if verdicts.get(key) is None}
    if missing:
        raise ValidationFailed("请逐项选择合格或不合格", fields=missing)
    comment = (comment or "").strip()
    failed = [key for key in items if not verdicts[key]]
    if failed and not comment:
        raise ValidationFailed("有不合格项时请写明问题", fields={"comment": "请写明不合格的原因"})
    checks = {key: bool(verdicts[key]) for key in items}
    review = TicketReview(ticket=ticket, agent=agent, reviewer=reviewer, month=registered_month(ticket),
                          checks=checks, score=round(100 * (len(items) - len(failed)) / len(items)),
                          comment=comment, created_at=now)
    session.add(review)
    session.flush()
    return review


def reviewable_query(agent: User, month: str) -> sa.Select:
    """The agent's tickets registered in the month (Beijing time), merged duplicates left out."""
    start, end = month_bounds(month)
    return (sa.select(Ticket).where(Ticket.created_by_id == agent.id, Ticket.registered_at >= start,
                                    Ticket.registered_at < end, Ticket.status != TicketStatus.MERGED.value)
            .order_by(Ticket.id))


def sample(session: Session, agent: User, month: str, size: int, *, seed: str) -> list[Ticket]:
    """抽检: ``size`` of the agent's tickets of the month not yet reviewed, drawn at random. The same
    ``seed`` draws the same ones (the page seeds with the day, so the list holds while it is worked)."""
    reviewed = sa.select(TicketReview.ticket_id)
    ids = list(session.scalars(reviewable_query(agent, month).where(Ticket.id.not_in(reviewed))
                               .with_only_columns(Ticket.id)))
    chosen = sorted(random.Random(f"{seed}-{agent.id}-{month}").sample(ids, min(size, len(ids))))
    return list(session.scalars(sa.select(Ticket).where(Ticket.id.in_(chosen)).order_by(Ticket.id))) if chosen else []


def visible_reviews(session: Session, ticket: Ticket, user: User) -> tuple[list[TicketReview], bool]:
    """A ticket's reviews, for those who review and for the agent who registered it; and whether ``user``
    may review it now (a reviewer, and the ticket registered by the call centre)."""
    may_review = has_permission(user, Permission.REVIEW)
    if not may_review and ticket.created_by_id != user.id:
        return [], False
    found = list(session.scalars(sa.select(TicketReview).where(TicketReview.ticket_id == ticket.id)
                                 .order_by(TicketReview.id.desc())))
    agent = ticket.created_by
    return found, may_review and agent is not None and agent.role in ("agent", "supervisor")


def reviews_of(session: Session, agent: User, month: str) -> list[TicketReview]:
    """The agent's reviews for the month, newest first."""
    return list(session.scalars(sa.select(TicketReview).where(TicketReview.agent_id == agent.id,
                                                               TicketReview.month == month)
                                .order_by(TicketReview.id.desc())))


@dataclass
class AgentScore:
    reviewed: int  # tickets reviewed (a ticket reviewed twice counts once, with its latest score)
    average: float | None
    failed: int  # reviewed tickets below PASS_SCORE


def agent_scores(session: Session, month: str) -> dict[int, AgentScore]:
    """Per agent id: the month's reviewed tickets, their average score and how many fell short; each ticket
    by its latest review."""
    latest = (sa.select(sa.func.max(TicketReview.id)).where(TicketReview.month == month)
              .group_by(TicketReview.ticket_id))
    rows = session.execute(
        sa.select(TicketReview.agent_id, sa.func.count(), sa.func.avg(TicketReview.score),
                  sa.func.sum(sa.case((TicketReview.score < PASS_SCORE, 1), else_=0)))
        .where(TicketReview.id.in_(latest)).group_by(TicketReview.agent_id)
    ).all()
    return {agent_id: AgentScore(int(n), None if avg is None else round(float(avg), 1), int(failed or 0))
            for agent_id, n, avg, failed in rows}

