"""Sign-in with 登录失败处理: after too many wrong passwords in a row, an account refuses sign-in for a while.

The count and the lock live on the user row, so every gunicorn worker sees them. A correct
password resets the count; an administrator's password reset lifts a lock at once. An unknown
user name, a wrong password and a wrong password on a locked account all get the same message, which
states the rule, so the form does not tell which names exist; only the right password on a locked
account is told of the lock.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ticketing.models import User
from ticketing.services import audit
from ticketing.services.deadlines import LOCAL_TZ
from ticketing.services.errors import DomainError

log = logging.getLogger("ticketing.auth")

WRONG = "用户名或密码错误。"


class SignInRefused(DomainError):
    http_status = 401


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int = 5  # wrong passwords in a row before the account is locked
    lock_minutes: int = 15

    @classmethod
    def from_config(cls, config) -> LockoutPolicy:
        return cls(int(config.get("LOGIN_MAX_FAILURES", cls.max_failures)),
                   int(config.get("LOGIN_LOCK_MINUTES", cls.lock_minutes)))


def is_locked(user: User, now: datetime) -> bool:
    return user.locked_until is not None and user.locked_until > now


MIN_PASSWORD_LENGTH = 8
#: shown beside every password field (a new-staff review: 12345678, aaaaaaaa and the user name were taken)
PASSWORD_RULE = f"至少 {MIN_PASSWORD_LENGTH} 位，含字母、数字、符号中的两类，不能包含用户名"


def password_error(password: str | None, username: str | None = None) -> str | None:
    if not password or len(password) < MIN_PASSWORD_LENGTH:
        return f"密码至少 {MIN_PASSWORD_LENGTH} 位"
    if len(password) > 128:
        return "密码最多 128 位"
    kinds = (any(c.isalpha() for c in password) + any(c.isdigit() for c in password)
             + any(not c.isalnum() for c in password))
    if kinds < 2 or len(set(password)) < 4:
        return "密码太简单：请含字母、数字、符号中的两类，不要全是同一个字符"
    if username and (username.lower() == password.lower()
                     or len(username) >= 4 and username.lower() in password.lower()):  # "he" is in many words
        return "密码不能包含用户名"
    return None



def authenticate(session: Session, username: str, password: str, *, now: datetime,
                 policy: LockoutPolicy = LockoutPolicy()) -> User:
    """The user with this name and password; otherwise SignInRefused with the Chinese reason."""
    wrong = f"{WRONG}连续输错 {policy.max_failures} 次，账号将锁定 {policy.lock_minutes} 分钟。"
    # the account's row is held until the sign-in is saved: an administrator's 重置密码 at that moment waits, and then
    # ends the session (it was signed in with the new password's token) and lifts the lock (it was lost)
    user = session.scalar(sa.select(User).where(User.username == (username or "").strip())
                          .with_for_update(of=User).execution_options(populate_existing=True))
    if user is None:
        log.info("sign-in refused: unknown user name")
        raise SignInRefused(wrong)
    if is_locked(user, now):
        log.info("sign-in refused: %s is locked until %s", user.username, user.locked_until.isoformat())
        # only the right password learns of the lock: a wrong one reads as for a name that does not exist
        raise SignInRefused(_locked_message(user, now) if user.check_password(password or "") else wrong)
    if not user.check_password(password or ""):
        # one statement, so two workers refusing the same name at once both count
        failures = session.execute(sa.update(User).where(User.id == user.id)
                                   .values(failed_logins=User.failed_logins + 1)
                                   .returning(User.failed_logins)).scalar_one()
        if failures >= policy.max_failures:
            user.locked_until = now + timedelta(minutes=policy.lock_minutes)
            user.failed_logins = 0
            audit.record(session, None, "account locked", now=now, username=user.username,
                         failures=policy.max_failures, until=user.locked_until.astimezone(LOCAL_TZ).strftime("%H:%M"))
            session.flush()
            log.warning("%s locked for %d minutes after %d wrong passwords", user.username, policy.lock_minutes,
                        policy.max_failures)
            raise SignInRefused(wrong)
        log.info("sign-in refused: wrong password for %s (%d tries left)", user.username,
                 policy.max_failures - failures)
        # the same words as for an unknown name: counting down tries told which names exist
        raise SignInRefused(wrong)
    if not user.active:
        raise SignInRefused("该账号已停用，请联系系统管理员。")
    user.failed_logins, user.locked_until = 0, None
    if not user.must_change_password and password_error(password, user.username):
        # a password set before the rule (12345678, the user name): changed at this sign-in, as one an
        # administrator chose is (the rule applied to new passwords only)
        user.must_change_password = True
        audit.record(session, user, "password below the rule", now=now, username=user.username)
    session.flush()
    return user


def unlock(user: User) -> None:
    """An administrator's reset: the count starts again and any lock is lifted."""
    user.failed_logins, user.locked_until = 0, None


def _locked_message(user: User, now: datetime) -> str:
    minutes = max(1, -(-int((user.locked_until - now).total_seconds()) // 60))  # rounded up
    return f"密码连续输错次数过多，账号已锁定，请 {minutes} 分钟后再试，或联系系统管理员重置密码。"
