"""ticket search text with a full-text index per engine

PostgreSQL: a stored generated column search_vector = to_tsvector('simple', search_text)
with a GIN index (stored, so that rechecking a common word's many rows reads it
rather than recomputing it).
SQLite: a contentless FTS5 table ticket_fts whose rowid is the ticket id; rows
are added by services/fulltext.index_ticket when a ticket is registered (no
triggers, which SQLite batch migrations of `ticket` would silently drop).
Existing tickets are backfilled with jieba search terms.

Revision ID: bedb6103c8ca
Revises: 5fa2022f1f03
Create Date: 2026-11-23 13:53:12.015625

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'bedb6103c8ca'
down_revision = '5fa2022f1f03'
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE ticket ADD COLUMN search_vector tsvector "
                   "GENERATED ALWAYS AS (to_tsvector('simple', coalesce(search_text, ''))) STORED")
        op.execute("CREATE INDEX ix_ticket_search_tsv ON ticket USING gin (search_vector)")
    else:
        op.execute("CREATE VIRTUAL TABLE ticket_fts USING fts5(search_text, content='', tokenize='unicode61')")
    _backfill(bind)


def _backfill(bind):
    from classifiers.tokenize import search_terms

    last = 0
    while True:
        rows = bind.execute(sa.text("SELECT id, title, content FROM ticket WHERE id > :last ORDER BY id LIMIT :n"),
                            {"last": last, "n": BATCH}).all()
        if not rows:
            return
        values = [{"id": r.id, "t": " ".join(search_terms(f"{r.title or ''}\n{r.content or ''}"))} for r in rows]
        bind.execute(sa.text("UPDATE ticket SET search_text = :t WHERE id = :id"), values)
        if bind.dialect.name != "postgresql":
            bind.execute(sa.text("INSERT INTO ticket_fts(rowid, search_text) VALUES (:id, :t)"), values)
        last = rows[-1].id


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_ticket_search_tsv")
        op.execute("ALTER TABLE ticket DROP COLUMN IF EXISTS search_vector")
    else:
        op.execute("DROP TABLE IF EXISTS ticket_fts")
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('search_text')
