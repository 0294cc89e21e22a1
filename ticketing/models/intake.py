"""Intake from other systems: API bearer tokens and saved import column mappings."""
from __future__ import annotations

import hashlib
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ticketing.extensions import db
from ticketing.models.base import UTCDateTime
from ticketing.models.enums import Channel
from ticketing.models.user import User


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class ApiToken(db.Model):
    """A bearer token for /api/v1: either one channel's (may only create that channel's tickets)
    or a user's (acts with that user's permissions). Only the SHA-256 of the token is stored."""

    __tablename__ = "api_token"
    __table_args__ = (
        sa.CheckConstraint("(channel IS NULL) <> (user_id IS NULL)", name="channel_xor_user"),
        sa.CheckConstraint(f"channel IS NULL OR channel IN ({Channel.sql_in()})", name="channel_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    token_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    channel: Mapped[str | None] = mapped_column(sa.String(30))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: valid until revoked
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    user: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<ApiToken {self.name} {self.channel or self.user_id}>"


class ImportMapping(db.Model):
    """The column mapping last used to import a channel's spreadsheet export: {source header: ticket field}."""

    __tablename__ = "import_mapping"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(30), unique=True)
    mapping: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
