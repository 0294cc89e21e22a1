"""Bearer tokens for /api/v1: made by the CLI, checked on each request. Only a SHA-256 is stored."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ticketing.models import ApiToken, Channel, User
from ticketing.models.intake import hash_token
from ticketing.services import audit
from ticketing.services.errors import ValidationFailed

TOKEN_PREFIX = "t12393_"
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is written at most once a minute per token


@dataclass(frozen=True)
class IssuedToken:
    token: str  # shown once, never stored
    record: ApiToken


def issue_token(session: Session, *, now: datetime, channel: str | None = None, user: User | None = None,
                name: str | None = None) -> IssuedToken:
    """A new token scoped to exactly one channel or one user."""
    if (channel is None) == (user is None):
        raise ValidationFailed("令牌须指定渠道或用户之一", fields={"scope": "请指定 --channel 或 --user 之一"})
    if channel is not None and channel not in Channel.__members__.values():
        raise ValidationFailed("来源渠道无效", fields={"channel": f"没有编码为 {channel} 的来源渠道"})
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(
        name=name or (f"channel:{channel}" if channel else f"user:{user.username}"),
        token_sha256=hash_token(token), channel=channel, user=user, created_at=now, active=True,
    )
    session.add(record)
    session.flush()
    audit.record(session, None, "api token issued", now=now, id=record.id, name=record.name, channel=channel,
                 username=user.username if user else None)
    return IssuedToken(token, record)


def authenticate(session: Session, token: str | None, *, now: datetime) -> ApiToken | None:
    """The active token record for this bearer token (and an active user for user tokens), else None."""
    if not token:
        return None
    record = session.scalar(sa.select(ApiToken).where(ApiToken.token_sha256 == hash_token(token),
                                                      ApiToken.active.is_(True)))
    if record is None or (record.user_id is not None and not record.user.active):
        return None
    if record.last_used_at is None or now - record.last_used_at >= TOUCH_EVERY:
        record.last_used_at = now
    return record


def revoke(session: Session, token_id: int) -> ApiToken | None:
    record = session.get(ApiToken, token_id)
    if record is not None:
        record.active = False
        audit.record(session, None, "api token revoked", id=record.id, name=record.name)
    return record
