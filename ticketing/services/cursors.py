"""``next_after``: where a list an outside system pages through goes on, as a moment and a ticket id.

A page number counts rows from the start, so a row that leaves the list while it is read (a ticket reassigned
out of a department, or changed again after the window) moves every later row one place up and one is never
read. A cursor continues after the last row read, whatever left before it.
"""
from __future__ import annotations

from datetime import UTC, datetime

from ticketing.services.errors import ValidationFailed


def cursor_after(moment: datetime, ticket_id: int) -> str:
    """The cursor of a row: its moment in UTC, to the microsecond, and its id."""
    return f"{moment.astimezone(UTC).isoformat()}~{ticket_id}"


def parse_cursor(text: str) -> tuple[datetime, int]:
    """The moment and id of a ``next_after``; a clear refusal for anything else."""
    try:
        moment, ticket_id = text.rsplit("~", 1)
        at = datetime.fromisoformat(moment.replace(" ", "+"))  # a "+" sent unencoded in a query string
        if at.tzinfo is None:
            raise ValueError(text)
        return at, int(ticket_id)
    except ValueError:
        raise ValidationFailed("after 无效", fields={"after": "应为上一页返回的 next_after，原样带上"}) from None
