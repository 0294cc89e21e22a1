"""Data an administrator edits: routing rules, deadline policies, holidays."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ticketing.extensions import db
from ticketing.models.category import Category
from ticketing.models.department import Department


class RoutingRule(db.Model):
    """Sends tickets matching every given condition to a department; highest priority wins."""

    __tablename__ = "routing_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    priority: Mapped[int] = mapped_column(default=100)
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("category.id"))
    region: Mapped[str | None] = mapped_column(sa.String(50))
    channel: Mapped[str | None] = mapped_column(sa.String(30))
    ticket_type: Mapped[str | None] = mapped_column(sa.String(20))
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("department.id"))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    category: Mapped[Category | None] = relationship()
    department: Mapped[Department] = relationship()


class DeadlinePolicy(db.Model):
    """办理时限 per ticket type, urgency and channel (None matches any)."""

    __tablename__ = "deadline_policy"
    __table_args__ = (
        sa.CheckConstraint("accept_unit IN ('working_days','hours','calendar_days')", name="accept_unit_known"),
        sa.CheckConstraint("reply_unit IN ('working_days','hours','calendar_days')", name="reply_unit_known"),
        sa.CheckConstraint("accept_amount > 0 AND reply_amount > 0", name="amounts_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_type: Mapped[str | None] = mapped_column(sa.String(20))
    urgency: Mapped[str | None] = mapped_column(sa.String(10))
    channel: Mapped[str | None] = mapped_column(sa.String(30))
    accept_amount: Mapped[int]
    accept_unit: Mapped[str] = mapped_column(sa.String(20))
    reply_amount: Mapped[int]
    reply_unit: Mapped[str] = mapped_column(sa.String(20))
    max_extension_days: Mapped[int | None]
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())


class Holiday(db.Model):
    """A day an administrator marks as holiday or make-up working day (调休)."""

    __tablename__ = "holiday"
    __table_args__ = (sa.CheckConstraint("kind IN ('holiday','workday')", name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, unique=True)
    kind: Mapped[str] = mapped_column(sa.String(10), default="holiday")
    name: Mapped[str] = mapped_column(sa.String(50), default="")


class CalendarYear(db.Model):
    """A year whose holidays an administrator has entered and confirmed."""

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    confirmed: Mapped[bool] = mapped_column(default=False)


class AppSetting(db.Model):
    """A setting an administrator changes at run time (callback sampling, thresholds, windows)."""

    __tablename__ = "app_setting"

    key: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    value: Mapped[dict] = mapped_column(sa.JSON)


class StandardAnswer(db.Model):
    """标准答复口径: an answer agents give on the spot to a common consultation."""

    __tablename__ = "standard_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("category.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(100))
    content: Mapped[str] = mapped_column(sa.Text)
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    category: Mapped[Category] = relationship()
