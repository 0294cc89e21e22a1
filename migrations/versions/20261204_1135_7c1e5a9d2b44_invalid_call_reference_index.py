"""invalid_call.call_reference indexed: a telephone platform's retried 无效来电 is found by its 来电流水号 and recorded once.

Revision ID: 7c1e5a9d2b44
Revises: 00e5dead2458
Create Date: 2026-12-04 11:35:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '7c1e5a9d2b44'
down_revision = '00e5dead2458'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('invalid_call', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invalid_call_call_reference'), ['call_reference'], unique=False)


def downgrade():
    with op.batch_alter_table('invalid_call', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invalid_call_call_reference'))
