"""Indexes on Ticket.transfer_reference and Ticket.external_id: 工单查询 finds a ticket by 12345's 转办编号 or a
channel's own id typed exactly (a 12345 interop review), without reading every ticket.

Revision ID: a7d9c1e3f5b2
Revises: f2c4a6e8b0d1
Create Date: 2026-12-05 09:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a7d9c1e3f5b2'
down_revision = 'f2c4a6e8b0d1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_transfer_reference', ['transfer_reference'], unique=False)
        batch_op.create_index('ix_ticket_external_id', ['external_id'], unique=False)


def downgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_external_id')
        batch_op.drop_index('ix_ticket_transfer_reference')
