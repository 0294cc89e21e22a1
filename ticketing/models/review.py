from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from ticketing.extensions import db
from ticketing.models.base import UTCDateTime
from ticketing.models.ticket import Ticket
from ticketing.models.user import User


class TicketReview(db.Model):
    """工单质检: a supervisor's check of how the call centre registered one ticket (services/reviews.py).

    ``checks`` holds each item's verdict (True passed, False failed; an item that does not apply is absent);
    ``month`` is the month the ticket was registered (Beijing time), by which an agent's work is scored.
    A review is never changed: a second look at the same ticket is another row, and the latest counts."""

    __tablename__ = "ticket_review"
    __table_args__ = (
        sa.CheckConstraint("score BETWEEN 0 AND 100", name="score_in_range"),
        sa.Index("ix_ticket_review_agent_month", "agent_id", "month"),
        sa.Index("ix_ticket_review_month_ticket", "month", "ticket_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket.id"), index=True)
    agent_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    month: Mapped[str] = mapped_column(sa.String(7))
    checks: Mapped[dict] = mapped_column(sa.JSON)
    score: Mapped[int]
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    ticket: Mapped[Ticket] = relationship()
    agent: Mapped[User] = relationship(foreign_keys=[agent_id])
    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])


class ReviewAppeal(db.Model):
    """质检申诉: the agent disputes a review, once, within ``services.reviews.APPEAL_DAYS``; someone other than
    the reviewer decides: ``upheld`` (维持原结果, with the reason) or ``revised`` (改判: a new review, which
    then counts as the ticket's latest). Filed and decided once each; never edited otherwise."""

    __tablename__ = "review_appeal"
    __table_args__ = (
        sa.CheckConstraint("decision IS NULL OR decision IN ('upheld', 'revised')", name="decision_known"),
        sa.Index("ix_review_appeal_pending", "decided_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket_review.id"), unique=True)
    agent_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decision: Mapped[str | None] = mapped_column(sa.String(10))
    decision_note: Mapped[str] = mapped_column(sa.Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revised_review_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ticket_review.id"))

    review: Mapped[TicketReview] = relationship(foreign_keys=[review_id],
                                                backref=backref("appeal", uselist=False))
    revised_review: Mapped[TicketReview | None] = relationship(foreign_keys=[revised_review_id])
    agent: Mapped[User] = relationship(foreign_keys=[agent_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def state_title(self) -> str:
        if self.decision is None:
            return "申诉待复核"
        return "维持原结果" if self.decision == "upheld" else "已改判"


class ReviewItem(db.Model):
    """One item of the 工单质检 checklist, which a centre sets for itself (系统管理 → 质检项目).

    ``applies_to`` says which tickets it is checked on: ``all``, ``dispatched`` (sent to a department by the
    centre) or ``on_the_spot`` (a consultation answered and closed during the call). An item is never deleted,
    only switched off, so that earlier reviews keep its title; ``key`` is what a review's ``checks`` hold."""

    __tablename__ = "review_item"
    __table_args__ = (
        sa.CheckConstraint("applies_to IN ('all', 'dispatched', 'on_the_spot')", name="applies_to_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(30), unique=True)
    title: Mapped[str] = mapped_column(sa.String(100))
    applies_to: Mapped[str] = mapped_column(sa.String(20), default="all")
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
