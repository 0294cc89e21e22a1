"""工单质检: supervisors check a sample of each agent's registered tickets against a short checklist, as a
call centre checks its agents' records every month; the agent reads the verdicts and comments, and
工单统计's 话务员工作量 shows each agent's average.

Only tickets an agent (or a supervisor taking calls) registered are reviewed: a channel's submission or
an import has nobody's typing to check. The score is the share of the applicable items passed, out of
100; ``PASS_SCORE`` or more is 合格. A failed item needs a comment saying what was wrong.

质检申诉: within ``APPEAL_DAYS`` of a review with a failed item, its agent may appeal once, saying why.
Someone with the right to review, other than the reviewer, decides: 维持原结果 with the reason, or 改判,
which is a new review of the ticket (so it counts as the latest) linked to the appeal.
"""
from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ticketing.models import ClosureKind, ReviewAppeal, ReviewItem, Ticket, TicketReview, TicketStatus, User
from ticketing.services import audit, locks
from ticketing.services.assessment import month_bounds
from ticketing.services.deadlines import LOCAL_TZ
from ticketing.services.errors import InvalidTransition, NotAllowed, ValidationFailed
from ticketing.services.validation import within_limit
from ticketing.services.permissions import Permission, has_permission
from ticketing.services.workflow import RESUBMITTED_WITHIN

PASS_SCORE = 80
SAMPLE_SIZES = (5, 10, 20)
APPEAL_DAYS = 7  # calendar days after a review in which its agent may appeal

#: the checklist a new installation starts with (key, what is checked, which tickets); 系统管理 → 质检项目 edits it
DEFAULT_ITEMS = (
    ("record", "诉求记录完整准确（人、事、地、时、诉求）", "all"),
    ("caller", "来电人信息规范（姓名、号码、区县）", "all"),
    ("classification", "诉求类型与业务分类正确", "all"),
    ("routing", "承办单位选择正确", "dispatched"),
    ("answer", "当场答复口径准确", "on_the_spot"),
)
APPLIES_TO = {"all": "每件工单", "dispatched": "派往承办单位的工单", "on_the_spot": "当场答复办结的咨询"}


def ensure_checklist(session: Session) -> int:
    """Add the default checklist to an installation that has none; the number of items created."""
    if session.scalar(sa.select(sa.func.count(ReviewItem.id))):
        return 0
    for position, (key, title, applies_to) in enumerate(DEFAULT_ITEMS):
        session.add(ReviewItem(key=key, title=title, applies_to=applies_to, position=position))
    session.flush()
    return len(DEFAULT_ITEMS)


def save_item(session: Session, item: ReviewItem | None, title: str, applies_to: str, *, actor: User) -> ReviewItem:
    """Add (``item`` None) or reword a checklist item. A new one gets a key of its own; earlier reviews, which
    hold keys, then show the new wording."""
    title = (title or "").strip()
    errors = {}
    if not title:
        errors["title"] = "请填写检查内容"
    elif len(title) > 100:
        errors["title"] = "检查内容最多 100 字"
    elif session.scalar(sa.select(ReviewItem.id).where(ReviewItem.title == title,
                                                       ReviewItem.id != (item.id if item else None))) is not None:
        errors["title"] = "已有相同的质检项目"
    if applies_to not in APPLIES_TO:
        errors["applies_to"] = "请选择适用的工单"
    if errors:
        raise ValidationFailed("质检项目有误", fields=errors)
    created = item is None
    if item is None:
        position = session.scalar(sa.select(sa.func.max(ReviewItem.position))) or 0
        item = ReviewItem(key=f"x{secrets.token_hex(4)}", position=position + 1, active=True)
        session.add(item)
    item.title, item.applies_to = title, applies_to
    session.flush()
    audit.record(session, actor, "review item created" if created else "review item changed", title=title,
                 applies_to=APPLIES_TO[applies_to])
    return item


def set_item_active(session: Session, item: ReviewItem, active: bool, *, actor: User) -> None:
    """Switch an item on or off; off, it is no longer checked, and earlier reviews still name it."""
    if not active and session.scalar(sa.select(sa.func.count(ReviewItem.id)).where(
            ReviewItem.active.is_(True), ReviewItem.applies_to == "all", ReviewItem.id != item.id)) == 0:
        raise ValidationFailed("至少要保留一项适用于每件工单的质检项目")
    item.active = active
    session.flush()
    audit.record(session, actor, "review item enabled" if active else "review item disabled", title=item.title)


def checklist(session: Session) -> list[ReviewItem]:
    """Every item, switched off ones too (earlier reviews name them), in the order they are checked."""
    return list(session.scalars(sa.select(ReviewItem).order_by(ReviewItem.position, ReviewItem.id)))


def item_titles(session: Session) -> dict[str, str]:
    """key → what is checked, for showing reviews old and new."""
    return {item.key: item.title for item in checklist(session)}


def applicable_items(session: Session, ticket: Ticket) -> list[str]:
    """The keys of the items switched on that apply to ``ticket``: those for every ticket; those for a ticket the
    centre sent to a department; those for a consultation it answered on the spot."""
    on_the_spot = ticket.closure_kind == ClosureKind.ON_THE_SPOT.value
    kind = "on_the_spot" if on_the_spot else "dispatched" if ticket.department_id is not None else None
    return [item.key for item in checklist(session) if item.active and item.applies_to in ("all", kind)]


def registered_month(ticket: Ticket) -> str:
    return ticket.registered_at.astimezone(LOCAL_TZ).strftime("%Y-%m")


def record_review(session: Session, ticket: Ticket, verdicts: dict[str, bool | None], comment: str, *,
                  reviewer: User, now: datetime) -> TicketReview:
    """Check ``ticket`` against the applicable items; every one needs a verdict, and a failure a comment."""
    agent = ticket.created_by
    if agent is None or agent.role not in ("agent", "supervisor"):
        raise ValidationFailed("该工单不是话务员登记的（渠道推送或文件导入），无需质检")
    items = applicable_items(session, ticket)
    missing = {key: "请选择合格或不合格" for key in items if verdicts.get(key) is None}
    if missing:
        raise ValidationFailed("请逐项选择合格或不合格", fields=missing)
    comment = within_limit((comment or "").strip(), "comment")
    failed = [key for key in items if not verdicts[key]]
    if failed and not comment:
        raise ValidationFailed("有不合格项时请写明问题", fields={"comment": "请写明不合格的原因"})
    checks = {key: bool(verdicts[key]) for key in items}
    same = session.scalar(sa.select(TicketReview).where(  # the same review sent twice (我的质检 listed it twice)
        TicketReview.ticket_id == ticket.id, TicketReview.reviewer_id == reviewer.id, TicketReview.comment == comment,
        TicketReview.created_at >= now - RESUBMITTED_WITHIN, TicketReview.created_at <= now).limit(1))
    if same is not None and same.checks == checks:
        return same
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


# --------------------------------------------------------------------------- 质检申诉


def appeal_refusal(session: Session, review: TicketReview, agent: User, now: datetime) -> str | None:
    """Why ``agent`` may not appeal ``review`` now, or None when they may."""
    if review.agent_id != agent.id:
        return "只能对自己登记的工单的质检结果申诉"
    if review.appeal is not None:
        return "该质检结果已经申诉过"
    if all(review.checks.values()):
        return "该质检结果全部合格，无需申诉"
    newer = session.scalar(sa.select(sa.func.max(TicketReview.id)).where(TicketReview.ticket_id == review.ticket_id))
    if newer != review.id:
        return "该工单已有更新的质检结果，请对最新结果申诉"
    if now - review.created_at > timedelta(days=APPEAL_DAYS):
        return f"质检结果出来 {APPEAL_DAYS} 天内可以申诉，已超过期限"
    return None


def file_appeal(session: Session, review: TicketReview, reason: str, *, agent: User, now: datetime) -> ReviewAppeal:
    """质检申诉: the agent disputes a review of one of their tickets, once, saying why."""
    locks.lock_for_change(session, review)  # the same appeal sent from two tabs is one
    session.expire(review, ["appeal"])
    refusal = appeal_refusal(session, review, agent, now)
    if refusal:
        raise (NotAllowed if review.agent_id != agent.id else InvalidTransition)(refusal)
    reason = within_limit((reason or "").strip(), "reason")
    if not reason:
        raise ValidationFailed("请写明申诉理由", fields={"reason": "请写明哪一项判错了、为什么"})
    appeal = ReviewAppeal(review=review, agent=agent, reason=reason, created_at=now, decision_note="")
    session.add(appeal)
    session.flush()
    return appeal


def decide_appeal(session: Session, appeal: ReviewAppeal, decision: str, note: str, *, verdicts: dict[str, bool | None],
                  comment: str, decider: User, now: datetime) -> ReviewAppeal:
    """复核: ``upheld`` keeps the review (the note says why); ``revised`` records a new review of the ticket with
    ``verdicts`` and ``comment``, which must differ from the one appealed."""
    locks.lock_for_change(session, appeal)  # another reviewer may have decided it a moment ago
    if appeal.decided_at is not None:
        raise InvalidTransition("该申诉已经复核过")
    if not has_permission(decider, Permission.REVIEW):
        raise NotAllowed("没有复核质检申诉的权限")
    if decider.id == appeal.review.reviewer_id:
        raise NotAllowed("申诉须由原质检人以外的人员复核")
    if decider.id == appeal.agent_id:  # a supervisor who takes calls is reviewed too
        raise NotAllowed("不能复核自己的申诉")
    note = within_limit((note or "").strip(), "note")
    if decision == "upheld":
        if not note:
            raise ValidationFailed("请写明维持原结果的理由", fields={"note": "请写明维持的理由"})
    elif decision == "revised":
        ticket = appeal.review.ticket
        if {key: verdicts.get(key) for key in applicable_items(session, ticket)} == appeal.review.checks:
            raise ValidationFailed("改判后的检查结果与原结果相同；如维持原结果，请选择“维持原结果”",
                                   fields={"decision": "检查结果未改变"})
        appeal.revised_review = record_review(session, ticket, verdicts, comment, reviewer=decider, now=now)
    else:
        raise ValidationFailed("请选择维持原结果或改判", fields={"decision": "请选择复核结论"})
    appeal.decision, appeal.decision_note = decision, note
    appeal.decided_by, appeal.decided_at = decider, now
    session.flush()
    return appeal


def pending_appeals_query() -> sa.Select:
    """Appeals waiting for a decision, oldest first (the menu badge of 工单质检 counts them)."""
    return sa.select(ReviewAppeal).where(ReviewAppeal.decided_at.is_(None)).order_by(ReviewAppeal.created_at,
                                                                                   ReviewAppeal.id)
