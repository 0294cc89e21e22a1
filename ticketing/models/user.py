from __future__ import annotations

import enum
import hashlib
import hmac
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ticketing.extensions import db
from ticketing.models.base import UTCDateTime
from ticketing.models.department import Department


class Role(enum.StrEnum):
    AGENT = "agent"
    STAFF = "staff"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def title(self) -> str:
        return ROLE_TITLES[self]


ROLE_TITLES = {
    Role.AGENT: "话务员",
    Role.STAFF: "承办人员",
    Role.SUPERVISOR: "督办班长",
    Role.ADMIN: "系统管理员",
}


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (
        sa.CheckConstraint("role IN ('agent','staff','supervisor','admin')", name="role_known"),
        sa.CheckConstraint("role <> 'staff' OR department_id IS NOT NULL", name="staff_has_department"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(50), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(50))
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    role: Mapped[str] = mapped_column(sa.String(20))
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("department.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # 登录失败处理: consecutive wrong passwords, and until when the account refuses sign-in after too many
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    # counted up when the account is disabled: a session from before does not come back with re-enabling
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # a password an administrator chose (a new account's, or a reset): its owner changes it before anything else
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    department: Mapped[Department | None] = relationship()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def session_token(self) -> str:
        """Changes with the password, so a new password signs out every other session and remember cookie, and
        when the account is disabled (an administrator review: re-enabling it brought the old cookie back in)."""
        seed = self.password_hash if not self.session_epoch else f"{self.password_hash}#{self.session_epoch}"
        return hashlib.sha256(seed.encode()).hexdigest()[:16]

    def get_id(self) -> str:  # what Flask-Login keeps in the session and the remember cookie
        return f"{self.id}.{self.session_token}"

    def holds_session(self, session_id: str) -> bool:
        """Whether a session id from `get_id` belongs to this user as they are now."""
        return hmac.compare_digest(session_id, self.get_id())

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"
