"""An index on ticket.merged_into_id: every ticket page lists the duplicates merged into it (tickets.merged_into), and
without one PostgreSQL read the whole ticket table for it, about 0.1 s of each ticket page on a year of a province's
220,000 tickets (a scale review).

Revision ID: a1f3c5e7b9d2
Revises: 7c95d0e1f2a3
Create Date: 2026-12-05 20:50:00

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = 'a1f3c5e7b9d2'
down_revision = '7c95d0e1f2a3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_merged_into_id', ['merged_into_id'], unique=False)


def downgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_merged_into_id')
