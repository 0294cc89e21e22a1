"""ticket.updated_at: the time of a ticket's last event, so that a channel can fetch what changed

A channel (12345, a mailbox platform, the petition bureau) polls for its tickets whose progress
changed since a time (办理结果回传); (channel, updated_at, id) serves that. Existing tickets get
the time of their last event.

Revision ID: 07c7333577e8
Revises: 662e966ec5c4
Create Date: 2026-12-03 14:14:59.767408

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '07c7333577e8'
down_revision = '662e966ec5c4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_ticket_channel_updated', ['channel', 'updated_at', 'id'], unique=False)
    op.execute("UPDATE ticket SET updated_at = (SELECT MAX(e.created_at) FROM ticket_event e WHERE e.ticket_id = ticket.id)")


def downgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_channel_updated')
        batch_op.drop_column('updated_at')

