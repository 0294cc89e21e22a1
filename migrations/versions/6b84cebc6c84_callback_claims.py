"""ticket.callback_claimed_by_id / callback_claimed_at (正在回访): the agent calling the citizen back, for a few minutes, so
that the other agents' 待回访 leaves the ticket out (a domain review: two agents rang the same citizen)

Revision ID: 6b84cebc6c84
Revises: 3e45099acb01
Create Date: 2026-12-05 14:13:08

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '6b84cebc6c84'
down_revision = '3e45099acb01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('callback_claimed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('callback_claimed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_ticket_callback_claimed_by_id_user_account'), 'user_account', ['callback_claimed_by_id'], ['id'])



def downgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_ticket_callback_claimed_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('callback_claimed_at')
        batch_op.drop_column('callback_claimed_by_id')

