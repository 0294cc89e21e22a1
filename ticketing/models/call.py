from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ticketing.extensions import db
from ticketing.models.base import UTCDateTime
from ticketing.models.user import User


class InvalidCall(db.Model):
    """无效来电: a call an agent answered that is no ticket (silence, a wrong number, a nuisance caller, a matter
    for another hotline), kept so that the agent's work counts it and a nuisance number is recognised when it
    rings again (services/invalid_calls.py)."""

    __tablename__ = "invalid_call"
    __table_args__ = (
        sa.Index("ix_invalid_call_phone_created", "caller_phone", "created_at"),
        sa.Index("ix_invalid_call_agent_created", "agent_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    caller_phone: Mapped[str | None] = mapped_column(sa.String(20))
    call_reference: Mapped[str | None] = mapped_column(sa.String(64), index=True)  # a retried record is found by it
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    agent_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    agent: Mapped[User] = relationship()
