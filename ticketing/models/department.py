from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ticketing.extensions import db


class Department(db.Model):
    """承办单位: a section of the bureau, a county bureau or the hotline centre."""

    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("department.id"))
    region: Mapped[str | None] = mapped_column(sa.String(50))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # 值班手机: texted when an urgent ticket is dispatched here (scan-deadlines, where SMS_COMMAND is set)
    duty_phone: Mapped[str | None] = mapped_column(sa.String(20))

    parent: Mapped[Department | None] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<Department {self.code}>"
