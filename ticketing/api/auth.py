"""Bearer-token authentication of /api/v1."""
from __future__ import annotations

from functools import wraps

from flask import g, request

from ticketing.extensions import db
from ticketing.models import ApiToken, User
from ticketing.services import api_tokens, clock
from ticketing.services.errors import DomainError, NotAllowed

SECURITY = "BearerAuth"
SECURITY_SCHEME = {"type": "http", "scheme": "bearer",
                   "description": "flask create-token --channel CODE（只能提交该渠道的工单）或 --user USERNAME（按该用户的权限操作）"}


class Unauthorized(DomainError):
    http_status = 401


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def token_required(*, channel_tokens: bool = False):
    """Authenticate the bearer token; channel tokens are refused unless the endpoint takes them."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            token = api_tokens.authenticate(db.session, bearer_token(), now=clock.now_utc())
            if token is None:
                raise Unauthorized("缺少或无效的访问令牌（Authorization: Bearer …）")
            if token.channel is not None and not channel_tokens:
                raise NotAllowed("渠道令牌只能提交本渠道的工单")
            g.api_token = token
            return view(*args, **kwargs)

        return wrapper

    return decorator


def current_token() -> ApiToken:
    return g.api_token


def current_api_user() -> User | None:
    return g.api_token.user
