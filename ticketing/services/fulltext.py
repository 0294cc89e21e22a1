"""Full-text search over ticket titles and contents.

A ticket number or a phone number is looked up exactly; other text matches
title and content (to be replaced by the jieba-tokenised index of the search issue).
"""
from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ticketing.models import Ticket

NUMBER = re.compile(r"^12393-\d{8}-\d{6}$")


def restrict(session: Session, query: sa.Select, text: str) -> sa.Select:
    text = text.strip()
    if NUMBER.match(text):
        return query.where(Ticket.number == text)
    conditions = []
    for word in text.split():
        pattern = f"%{word}%"
        conditions.append(sa.or_(Ticket.title.like(pattern), Ticket.content.like(pattern), Ticket.number == word))
    return query.where(sa.and_(*conditions))
