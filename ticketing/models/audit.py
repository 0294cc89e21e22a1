from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ticketing.extensions import db
from ticketing.models.base import UTCDateTime
from ticketing.models.user import User


class AdminEvent(db.Model):
    """Append-only record of a change to how the centre works (操作日志): rules, time limits, the calendar,
    settings, users, departments, categories, answers, classifier versions, assessment weights, account locks."""

    __tablename__ = "admin_event"
    __table_args__ = (sa.Index("ix_admin_event_action_created", "action", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    actor_label: Mapped[str] = mapped_column(sa.String(50))
    action: Mapped[str] = mapped_column(sa.String(50))
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    actor: Mapped[User | None] = relationship()
