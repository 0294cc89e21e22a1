from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ticketing.extensions import db
from ticketing.models.base import UTCDateTime
from ticketing.models.user import User


class PersonalDataView(db.Model):
    """Someone saw a caller's name, phone or ID number unmasked (个人信息保护法)."""

    __tablename__ = "personal_data_view"
    __table_args__ = (sa.Index("ix_personal_data_view_ticket_created", "ticket_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    via: Mapped[str] = mapped_column(sa.String(20), default="page")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
    ticket: Mapped["Ticket"] = relationship()  # noqa: F821 (ticketing.models.ticket, resolved by name)

    VIA_TITLES = {"page": "页面", "api": "接口", "call_form": "来电登记带出"}

    @property
    def via_title(self) -> str:
        return self.VIA_TITLES.get(self.via, self.via)


class ReporterIdentityGrant(db.Model):
    """A supervisor let a department see who reported fraud on one ticket (基金监督管理条例 §35)."""

    __tablename__ = "reporter_identity_grant"
    __table_args__ = (sa.UniqueConstraint("ticket_id", "department_id", name="uq_reporter_identity_grant_ticket_department"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket.id"))
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("department.id"))
    granted_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    granted_by: Mapped[User] = relationship()
