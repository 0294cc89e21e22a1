"""知识库: finding a 答复口径 (standard answer) by the words of a question.

Agents answer consultations on the spot from the centre's standard answers (domain.md), and the call
form offers those of the suggested category. When the suggestion is wrong, or the category has more
answers than the form shows, the agent searches: the query is cut with the model's own dictionary
(`classifiers.tokenize.search_terms`), and an answer matches when every word occurs in its title or
text. When none matches every word, the answers matching most of them are offered instead, marked as
partial. Titles weigh more than text. A centre has hundreds of answers, not millions, so the words are
matched with LIKE; no index is needed.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ticketing.models import Category, StandardAnswer

TITLE_WEIGHT = 3
#: how callers ask, not what they ask about: "异地就医怎么备案" looks for 异地, 就医 and 备案
QUESTION_WORDS = frozenset({
    "怎么", "怎样", "怎么样", "如何", "什么", "哪里", "哪儿", "哪些", "哪个", "多少", "多久", "几天", "能否", "能不能",
    "可以", "可不可以", "是否", "是不是", "有没有", "请问", "咨询", "问问", "一下", "我", "我们", "想", "要", "需要",
    "吗", "呢", "啊", "吧", "的", "了", "怎么办", "为什么", "咋办", "咋", "怎么回事", "啥",
})


@dataclass(frozen=True)
class AnswerHit:
    id: int
    category_code: str
    category_name: str
    title: str
    content: str
    words_matched: int
    words_asked: int
    score: int

    @property
    def partial(self) -> bool:
        return self.words_matched < self.words_asked

    def to_dict(self) -> dict:
        return {"id": self.id, "category": self.category_code, "category_name": self.category_name,
                "title": self.title, "content": self.content, "partial": self.partial}


def query_words(text: str | None) -> list[str]:
    from classifiers.tokenize import search_terms

    return [w for w in search_terms(text or "", for_query=True, whole_words=True) if w not in QUESTION_WORDS][:12]


def search_answers(session: Session, text: str | None, *, category_code: str | None = None,
                   category_codes: list[str] | None = None, limit: int | None = 30) -> list[AnswerHit]:
    """Active answers for the words of ``text`` (and/or one category, or several), best first; all of them with no
    ``limit``.

    Without words, a category lists all its answers; without either, nothing is returned."""
    words = query_words(text)
    if not words and not category_code:
        return []
    query = (sa.select(StandardAnswer.id, StandardAnswer.title, StandardAnswer.content, Category.code, Category.name)
             .join(Category, Category.id == StandardAnswer.category_id).where(StandardAnswer.active.is_(True)))
    if category_code:
        query = query.where(Category.code == category_code)
    if category_codes is not None:
        query = query.where(Category.code.in_(category_codes))
    if words:  # at least one word; every word is counted in Python below
        query = query.where(sa.or_(*(sa.or_(StandardAnswer.title.ilike(f"%{_escaped(w)}%", escape="\\"),
                                            StandardAnswer.content.ilike(f"%{_escaped(w)}%", escape="\\"))
                                     for w in words)))
    hits = []
    for row in session.execute(query):
        title, content = row.title.lower(), row.content.lower()
        in_title = sum(w in title for w in words)
        matched = sum(w in title or w in content for w in words)
        # each word counted at most twice in the text: a long general answer saying 医保 twenty times came first
        hits.append(AnswerHit(row.id, row.code, row.name, row.title, row.content, matched, len(words),
                              TITLE_WEIGHT * in_title + sum(min(content.count(w), 2) for w in words)))
    best = max((h.words_matched for h in hits), default=0)
    if words and any(h.words_matched == len(words) for h in hits):
        hits = [h for h in hits if h.words_matched == len(words)]
    elif words:
        hits = [h for h in hits if h.words_matched == best]  # none has every word: the closest ones
    hits.sort(key=lambda h: (-h.score, h.category_code, h.id))
    return hits[:limit]


def _escaped(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
