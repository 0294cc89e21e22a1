"""按月考核: contests of one ticket's counting, and the frozen report of an issued month.

The live figures are computed from tickets, events and callbacks (services/assessment.py);
these tables hold only what people decide (contests) and what an issue freezes.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ticketing.extensions import db
from ticketing.models.base import UTCDateTime
from ticketing.models.department import Department
from ticketing.models.enums import TitledEnum
from ticketing.models.ticket import Ticket
from ticketing.models.user import User

MONTH_CHECK = "length({col}) = 7 AND substr({col}, 5, 1) = '-'"


class ContestState(TitledEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"

    __titles__ = {"pending": "待审核", "accepted": "已核减", "rejected": "已驳回"}


class AssessmentContest(db.Model):
    """申诉/核减: a department asks that one ticket not count against it in one month."""

    __tablename__ = "assessment_contest"
    __table_args__ = (
        sa.UniqueConstraint("month", "department_id", "ticket_id", name="uq_assessment_contest_month_department_ticket"),
        sa.CheckConstraint(f"state IN ({ContestState.sql_in()})", name="state_known"),
        sa.CheckConstraint("(state = 'pending') = (decided_at IS NULL)", name="decided_at_iff_decided"),
        sa.CheckConstraint(MONTH_CHECK.format(col="month"), name="month_format"),
        sa.Index("ix_assessment_contest_month_state", "month", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(sa.String(7))  # "2026-03", local calendar month
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("department.id"))
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    state: Mapped[str] = mapped_column(sa.String(20), default=ContestState.PENDING.value)
    filed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(sa.Text, default="")

    department: Mapped[Department] = relationship()
    ticket: Mapped[Ticket] = relationship()
    filed_by: Mapped[User] = relationship(foreign_keys=[filed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def state_title(self) -> str:
        return ContestState(self.state).title


class AssessmentReport(db.Model):
    """An issued (frozen) month: the weights used and every department's figures as shown then."""

    __tablename__ = "assessment_report"
    __table_args__ = (sa.CheckConstraint(MONTH_CHECK.format(col="month"), name="month_format"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(sa.String(7), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    weights: Mapped[dict] = mapped_column(sa.JSON)
    # one dict per department: counts, rates, score and rank (see services/assessment.Figures)
    figures: Mapped[list] = mapped_column(sa.JSON)

    issued_by: Mapped[User] = relationship()


class AssessmentItem(db.Model):
    """One counted ticket of an issued report, with the flags it contributed (for the drill-down)."""

    __tablename__ = "assessment_item"
    __table_args__ = (sa.Index("ix_assessment_item_report_department", "report_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("assessment_report.id"))
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("department.id"))
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    contested: Mapped[int] = mapped_column(sa.SmallInteger)
    accept_due: Mapped[int] = mapped_column(sa.SmallInteger)
    accept_on_time: Mapped[int] = mapped_column(sa.SmallInteger)
    reply_due: Mapped[int] = mapped_column(sa.SmallInteger)
    reply_on_time: Mapped[int] = mapped_column(sa.SmallInteger)
    overdue: Mapped[int] = mapped_column(sa.SmallInteger)
    returned: Mapped[int] = mapped_column(sa.SmallInteger)
    extended: Mapped[int] = mapped_column(sa.SmallInteger)
    reopened: Mapped[int] = mapped_column(sa.SmallInteger)
    handling_hours: Mapped[float | None] = mapped_column(sa.Float)
    reached: Mapped[int] = mapped_column(sa.SmallInteger)
    satisfied: Mapped[int] = mapped_column(sa.SmallInteger)
    solved: Mapped[int] = mapped_column(sa.SmallInteger)

    ticket: Mapped[Ticket] = relationship()


class AssessmentLiveCache(db.Model):
    """A month not yet issued, computed a moment ago: every worker shows it for a few minutes.

    Computing a month of a province's tickets takes seconds; supervisors open the page, its
    drill-downs and its export many times in a review. Only counts are kept: scores and ranks
    are recomputed from them with the weights in force when the page is read.
    """

    __tablename__ = "assessment_live_cache"
    __table_args__ = (sa.CheckConstraint(MONTH_CHECK.format(col="month"), name="month_format"),)

    month: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    figures: Mapped[list] = mapped_column(sa.JSON)
