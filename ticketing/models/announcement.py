from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ticketing.extensions import db
from ticketing.models.base import UTCDateTime
from ticketing.models.user import User


class Announcement(db.Model):
    """通知公告: what a supervisor or administrator tells the centre's people (a policy's new 口径, a hospital's
    settlement outage, a change of shift), to the roles in ``audience`` (",agent,staff," with a comma on each
    side, so that one role is one LIKE), until it expires or is withdrawn (services/announcements.py)."""

    __tablename__ = "announcement"
    __table_args__ = (sa.Index("ix_announcement_published", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(100))
    content: Mapped[str] = mapped_column(sa.Text)
    audience: Mapped[str] = mapped_column(sa.String(60))
    # the departments whose staff it is for (",3,7," ids, as ``audience``); None: every department's. Other roles
    # in the audience read it whatever this says
    departments: Mapped[str | None] = mapped_column(sa.String(400))
    # 重要: shown atop every page of its readers until each has marked it read
    important: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    withdrawn_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])

    @property
    def roles(self) -> list[str]:
        return [role for role in self.audience.split(",") if role]

    @property
    def department_ids(self) -> list[int]:
        return [int(part) for part in (self.departments or "").split(",") if part]

    def is_for(self, user: User) -> bool:
        """Addressed to this user: their role, and for department staff their department when one is named."""
        if user.role not in self.roles:
            return False
        return user.role != "staff" or not self.departments or user.department_id in self.department_ids


class AnnouncementRead(db.Model):
    """已阅回执: one reader marked one announcement read (once; the first time counts)."""

    __tablename__ = "announcement_read"
    __table_args__ = (sa.UniqueConstraint("announcement_id", "user_id", name="uq_announcement_read_once"),
                      sa.Index("ix_announcement_read_user", "user_id", "announcement_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    announcement_id: Mapped[int] = mapped_column(sa.ForeignKey("announcement.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    read_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
