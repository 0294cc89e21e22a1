"""Search words of tickets written in traditional characters, made again now that they are folded to simplified

`classifiers.tokenize` now makes traditional characters simplified (醫保 → 医保) before it cuts a text, in the
words a ticket is indexed under and in the words of a search. A ticket registered before kept its traditional
words, and a search (folded) would no longer find it: its words are made again. Only tickets with a character
the fold changes are touched. No schema change; the downgrade leaves the words as they are (they are right for
the older code too, except that a search in traditional characters would miss them).

Revision ID: b3d5f7a9c1e4
Revises: a7d9c1e3f5b2
Create Date: 2026-12-05 11:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3d5f7a9c1e4'
down_revision = 'a7d9c1e3f5b2'
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade():
    from classifiers.tokenize import changed_by_folding, search_terms

    bind = op.get_bind()
    sqlite = bind.dialect.name != "postgresql"
    last = 0
    while True:
        rows = bind.execute(sa.text("SELECT id, title, content, search_text FROM ticket WHERE id > :last "
                                    "ORDER BY id LIMIT :n"), {"last": last, "n": BATCH}).all()
        if not rows:
            return
        last = rows[-1].id
        changed = [r for r in rows if changed_by_folding(f"{r.title or ''}\n{r.content or ''}")]
        if not changed:
            continue
        values = [{"id": r.id, "old": r.search_text,
                   "t": " ".join(search_terms(f"{r.title or ''}\n{r.content or ''}"))} for r in changed]
        bind.execute(sa.text("UPDATE ticket SET search_text = :t WHERE id = :id"), values)
        if sqlite:  # a contentless FTS5 table forgets a row's words only when told them
            indexed = [v for v in values if v["old"] is not None]
            if indexed:
                bind.execute(sa.text("INSERT INTO ticket_fts(ticket_fts, rowid, search_text) "
                                     "VALUES ('delete', :id, :old)"), indexed)
            bind.execute(sa.text("INSERT INTO ticket_fts(rowid, search_text) VALUES (:id, :t)"), values)


def downgrade():
    """Nothing to undo: the words made again are right for the older code as well."""
