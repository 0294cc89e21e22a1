from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
