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
from ticketing.services.calendar import local_text
from ticketing.services.errors import DomainError, ValidationFailed

TOKEN_PREFIX = "t12393_"
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is written at most once a minute per token
LONGEST_VALIDITY_DAYS = 3650
EXPIRY_WARNED = timedelta(days=14)  # administrators are reminded this long before a token in use ends


class TokenExpired(DomainError):
    """The token is known and not revoked, but its validity ended: the integrator needs a new one."""

    http_status = 401


@dataclass(frozen=True)
class IssuedToken:
    token: str  # shown once, never stored
    record: ApiToken


def issue_token(session: Session, *, now: datetime, channel: str | None = None, user: User | None = None,
                name: str | None = None, valid_days: int | None = None) -> IssuedToken:
    """A new token scoped to exactly one channel or one user, valid for valid_days (None: until revoked)."""
    if (channel is None) == (user is None):
        raise ValidationFailed("令牌须指定渠道或用户之一", fields={"scope": "请指定 --channel 或 --user 之一"})
    if valid_days is not None and not 1 <= valid_days <= LONGEST_VALIDITY_DAYS:
        raise ValidationFailed("有效天数无效",
                               fields={"days": f"有效天数须在 1 到 {LONGEST_VALIDITY_DAYS} 之间"})
    if channel is not None and channel not in Channel.__members__.values():
        raise ValidationFailed("来源渠道无效", fields={"channel": f"没有编码为 {channel} 的来源渠道"})
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(
        name=name or (f"channel:{channel}" if channel else f"user:{user.username}"),
        token_sha256=hash_token(token), channel=channel, user=user, created_at=now, active=True,
        expires_at=now + timedelta(days=valid_days) if valid_days is not None else None,
    )
    session.add(record)
    session.flush()
    audit.record(session, None, "api token issued", now=now, id=record.id, name=record.name, channel=channel,
                 username=user.username if user else None,
                 expires_at=local_text(record.expires_at) if record.expires_at else None)
    return IssuedToken(token, record)


def authenticate(session: Session, token: str | None, *, now: datetime) -> ApiToken | None:
    """The active token record for this bearer token (and an active user for user tokens), else None;
    TokenExpired when its validity has ended."""
    if not token:
        return None
    record = session.scalar(sa.select(ApiToken).where(ApiToken.token_sha256 == hash_token(token),
                                                      ApiToken.active.is_(True)))
    if record is None or (record.user_id is not None and not record.user.active):
        return None
    if record.expires_at is not None and now >= record.expires_at:
        raise TokenExpired(f"访问令牌已于 {local_text(record.expires_at)} 过期，请管理员签发新令牌（flask create-token）")
    if record.last_used_at is None or now - record.last_used_at >= TOUCH_EVERY:
        record.last_used_at = now
    return record


def expiring_soon(session: Session, *, now: datetime) -> list[ApiToken]:
    """Active tokens whose validity ends within EXPIRY_WARNED or has just ended (within as long): a channel's feed
    would start getting 401s without anyone at the centre knowing."""
    return list(session.scalars(sa.select(ApiToken).where(
        ApiToken.active.is_(True), ApiToken.expires_at.is_not(None),
        ApiToken.expires_at.between(now - EXPIRY_WARNED, now + EXPIRY_WARNED)).order_by(ApiToken.expires_at)))


def expiry_reminder(tokens: list[ApiToken], *, now: datetime) -> str:
    """The administrators' banner for expiring_soon()'s tokens."""
    parts = [f"#{t.id}（{t.name}）{'已于' if now >= t.expires_at else '将于'} {local_text(t.expires_at)} 过期" for t in tokens]
    return ("访问令牌" + "；".join(parts) + "。过期后该渠道或用户的接口请求将被拒绝（401），"
            "请用 flask create-token 签发新令牌交给对方，再吊销旧令牌。")


def revoke(session: Session, token_id: int) -> ApiToken | None:
    record = session.get(ApiToken, token_id)
    if record is not None:
        record.active = False
        audit.record(session, None, "api token revoked", id=record.id, name=record.name)
    return record
