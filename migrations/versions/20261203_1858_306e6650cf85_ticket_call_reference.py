"""ticket.call_reference (来电流水号): the telephone platform's id of the call, passed by the screen pop
(来电弹屏) to the call form, so that a ticket's recording can be found, and
工单查询 finds the ticket by it. Nothing to backfill.

Revision ID: 306e6650cf85
Revises: 5ca99854875f
Create Date: 2026-12-03 18:58:34.776895

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '306e6650cf85'
down_revision = '5ca99854875f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('call_reference', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_ticket_call_reference'), ['call_reference'], unique=False)


def downgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_call_reference'))
        batch_op.drop_column('call_reference')

