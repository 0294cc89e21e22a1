"""Statistics on the department an assignment event names (PostgreSQL only): 月度考核 joins its receipts to the
departments on COALESCE(data->>'to', data->>'department'), and without statistics on that expression PostgreSQL
guessed 6,000 receipts where there were 100,000, chose a nested loop over every pair, and the live month ran for
more than ten minutes instead of about three seconds (docs/assessment.md). The expression is the one
`assessment._department_code` writes; ANALYZE fills the statistics at once. SQLite has no such object and plans
this query well without it.

Revision ID: 8e4a6c2f1b57
Revises: 5d2b8e7f9a31
Create Date: 2026-12-04 16:45:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '8e4a6c2f1b57'
down_revision = '5d2b8e7f9a31'
branch_labels = None
depends_on = None

STATISTICS = "st_ticket_event_department_code"


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"CREATE STATISTICS IF NOT EXISTS {STATISTICS} ON "
               "(COALESCE(CAST((data ->> 'to') AS VARCHAR), CAST((data ->> 'department') AS VARCHAR))) "
               "FROM ticket_event")
    op.execute("ANALYZE ticket_event")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}")
