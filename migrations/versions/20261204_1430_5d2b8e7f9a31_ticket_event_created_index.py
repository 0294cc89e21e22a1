"""ticket_event (created_at, ticket_id) indexed: GET /api/v1/tickets?changed_since= lists the tickets with any event
since a moment (a department's system keeping its copy up to date) without reading every event.

Revision ID: 5d2b8e7f9a31
Revises: 7c1e5a9d2b44
Create Date: 2026-12-04 14:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5d2b8e7f9a31'
down_revision = '7c1e5a9d2b44'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ticket_event', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_event_created_ticket', ['created_at', 'ticket_id'], unique=False)


def downgrade():
    with op.batch_alter_table('ticket_event', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_event_created_ticket')
