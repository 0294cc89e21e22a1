"""Per-address limits (Flask-Limiter), one limiter per application, kept in app.extensions["rate_limiter"].

- The citizens' progress lookup: every POST to the public blueprint counts,
  PROGRESS_LOOKUP_LIMIT (default "10 per minute;100 per day"); the downloads of a reply's files by
  the lookup's links count the same limit apart (a lookup listing three files is not four lookups),
  so a forged or old link cannot be tried without end either.
- Sign-in: only refused sign-ins count (wrong password, unknown name, locked or stopped account),
  LOGIN_FAILURE_LIMIT per client address (default "30 per 15 minutes"). The per-account lock
  (LOGIN_MAX_FAILURES) stops guessing one password; this stops one machine trying a few passwords
  on every account name, which the per-account lock never sees. Correct sign-ins do not count, so
  colleagues behind one address are not locked out by each other's successful sign-ins; once the
  limit is reached, that address's sign-ins are refused until the window has passed.

Limits use the limits library's syntax (several separated by ";") and are read per request, so an
operator's setting or a test's change applies at once. RATELIMIT_STORAGE_URI, default "memory://",
keeps the counts in each gunicorn worker (with N workers a client gets up to N times a limit);
several workers or servers should share a storage such as "redis://host:6379/0". Behind a reverse
proxy, set PROXY_COUNT so the client address is the user's, not the proxy's.
"""
from __future__ import annotations

import math
import time

from flask import Flask, current_app, g
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

SIGN_IN_VIEW = "auth.login"
REPLY_FILE_VIEW = "public.reply_file"


def note_refused_sign_in() -> None:
    """Called by the sign-in view when it refuses: this request then counts against the address."""
    g.sign_in_refused = True


def _sign_in_was_refused(response) -> bool:
    return bool(g.get("sign_in_refused"))


def retry_minutes() -> int:
    """Whole minutes until the limit this request broke lets the address try again (at least 1).
    reset_at is a whole second rounded up, hence the two seconds' allowance."""
    limit = current_app.extensions["rate_limiter"].current_limit
    return max(1, math.ceil((limit.reset_at - time.time() - 2) / 60)) if limit else 1


def init_rate_limits(app: Flask) -> Limiter:
    from ticketing.views import public

    limiter = Limiter(get_remote_address, app=app, key_prefix="ticketing", headers_enabled=True)
    limiter.limit(lambda: current_app.config["PROGRESS_LOOKUP_LIMIT"], methods=["POST"])(public.bp)
    app.view_functions[REPLY_FILE_VIEW] = limiter.limit(
        lambda: current_app.config["PROGRESS_LOOKUP_LIMIT"], scope="progress-files")(app.view_functions[REPLY_FILE_VIEW])
    app.view_functions[SIGN_IN_VIEW] = limiter.limit(
        lambda: current_app.config["LOGIN_FAILURE_LIMIT"], methods=["POST"], scope="sign-in",
        deduct_when=_sign_in_was_refused)(app.view_functions[SIGN_IN_VIEW])
    app.extensions["rate_limiter"] = limiter
    return limiter
