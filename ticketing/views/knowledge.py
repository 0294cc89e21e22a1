"""知识库: the standard answers (答复口径) searched by the words of a question, as a page and for the call form."""
from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Blueprint, jsonify, render_template, request
from flask_login import login_required
from markupsafe import Markup, escape

from ticketing.extensions import db
from ticketing.models import Category
from ticketing.services import knowledge

bp = Blueprint("knowledge", __name__, url_prefix="/answers")


def highlight(text: str, words: list[str]) -> Markup:
    """The text, escaped, with the searched words marked (case-insensitively)."""
    if not words:
        return escape(text)
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.IGNORECASE)
    parts, last = [], 0
    for found in pattern.finditer(text):
        parts += [escape(text[last:found.start()]), Markup("<mark>"), escape(found.group()), Markup("</mark>")]
        last = found.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


SHOWN = 30  # answers listed on the page and offered to the call form; the page counts them all


def _search(limit: int | None):
    q = (request.args.get("q") or "").strip()[:200]
    category = (request.args.get("category") or "").strip() or None
    return q, category, knowledge.search_answers(db.session, q, category_code=category, limit=limit)


@bp.get("/")
@login_required
def index():
    q, category, found = _search(None)
    categories = db.session.scalars(sa.select(Category).where(Category.active.is_(True)).order_by(Category.code)).all()
    return render_template("knowledge/index.html", q=q, category=category, hits=found[:SHOWN], found=len(found),
                           categories=categories,
                           words=knowledge.query_words(q), highlight=highlight)


@bp.get("/search.json")
@login_required
def search_json():
    _, _, hits = _search(SHOWN)
    return jsonify({"items": [h.to_dict() for h in hits]})
