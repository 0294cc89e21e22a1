"""Full-text search over ticket titles and contents, for Chinese.

Text is cut with jieba (classifiers.tokenize.search_terms, the model's own
dictionary) into `Ticket.search_text` when a ticket is registered; the words
are indexed by PostgreSQL full text (a stored tsvector column with a GIN index) or by an
SQLite FTS5 table. A query is cut the same way and every word must match.
A ticket number is looked up exactly.
"""
from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ticketing.models import Ticket
from ticketing.services.validation import CALL_REFERENCE

NUMBER = re.compile(r"^12393-\d{8}-\d{6}$")
# a 来电流水号 (validation.CALL_REFERENCE) has a digit: a word alone is searched as text only
HAS_DIGIT = re.compile(r"\d")


def document_text(title: str | None, content: str | None) -> str:
    from classifiers.tokenize import search_terms

    return " ".join(search_terms(f"{title or ''}\n{content or ''}"))


def index_ticket(session: Session, ticket: Ticket) -> None:
    """Set the ticket's search words; on SQLite also add them to the FTS5 table (the ticket must have an id)."""
    ticket.search_text = document_text(ticket.title, ticket.content)
    if session.get_bind().dialect.name != "postgresql":
        session.execute(sa.text("INSERT INTO ticket_fts(rowid, search_text) VALUES (:id, :text)"),
                        {"id": ticket.id, "text": ticket.search_text})


def matching(session: Session, text: str):
    """A WHERE condition on Ticket for the words of `text` (all must occur); None when nothing to search."""
    from classifiers.tokenize import search_terms

    words = search_terms(text, for_query=True)
    if not words:
        return None
    if session.get_bind().dialect.name == "postgresql":
        # ticket.search_vector: a stored generated tsvector made by the migration (PostgreSQL only)
        vector = sa.literal_column("ticket.search_vector")
        return vector.op("@@")(sa.func.plainto_tsquery("simple", " ".join(words)))
    expression = " ".join('"' + word.replace('"', '""') + '"' for word in words)
    return Ticket.id.in_(sa.text("SELECT rowid FROM ticket_fts WHERE ticket_fts MATCH :match")
                         .bindparams(match=expression).columns(rowid=sa.Integer))


def restrict(session: Session, query: sa.Select, text: str, *, call_visible=sa.true()) -> sa.Select:
    """``call_visible``: where the searcher may find a ticket by its 来电流水号 (it fetches the caller's recording)."""
    text = text.strip()
    if NUMBER.match(text):
        return query.where(Ticket.number == text)
    condition = matching(session, text)
    if CALL_REFERENCE.fullmatch(text) and HAS_DIGIT.search(text):  # the call's id finds its ticket, or the words do
        # and so do 12345's 转办编号 and a channel's own id: 12345 staff phoning about "SX12345-…" found nothing
        # (a 12345 interop review)
        by_call = sa.or_(sa.and_(Ticket.call_reference == text, call_visible), Ticket.transfer_reference == text,
                         Ticket.external_id == text)
        return query.where(by_call if condition is None else sa.or_(by_call, condition))
    return query if condition is None else query.where(condition)
