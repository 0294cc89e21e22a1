"""The one place the code base reads the wall clock."""
from datetime import UTC, datetime


def now_utc() -> datetime:
    return datetime.now(UTC)
