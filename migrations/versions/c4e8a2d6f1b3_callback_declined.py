"""回访 the citizen declined (来电人不接受回访): a callback that ends the round without reaching an answer and
counts in no figure, where agents had to invent three 未联系上 tries (a callback review).

Revision ID: c4e8a2d6f1b3
Revises: b7d1f3a5c9e2
Create Date: 2026-12-05 03:40:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c4e8a2d6f1b3'
down_revision = 'b7d1f3a5c9e2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('callback', schema=None) as batch_op:
        batch_op.add_column(sa.Column('declined', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_check_constraint(op.f('ck_callback_declined_is_not_reached'), 'NOT (declined AND reached)')


def downgrade():
    with op.batch_alter_table('callback', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_callback_declined_is_not_reached'), type_='check')
        batch_op.drop_column('declined')
