"""来电催办: the citizen called again about a ticket still being worked

The count, the time and the words of the last such call are kept on the ticket, like 督办's, so that the
department's inbox and the supervisor's page list them without reading events. Existing tickets have
none: no earlier release recorded repeat calls.

Revision ID: 0d6ebd96bfc1
Revises: 07c7333577e8
Create Date: 2026-12-03 16:13:03.513739

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0d6ebd96bfc1'
down_revision = '07c7333577e8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('follow_up_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('last_follow_up_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_follow_up_note', sa.Text(), nullable=True))
        batch_op.create_index('ix_ticket_last_follow_up', ['last_follow_up_at'], unique=False)


def downgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_last_follow_up')
        batch_op.drop_column('last_follow_up_note')
        batch_op.drop_column('last_follow_up_at')
        batch_op.drop_column('follow_up_count')

