"""User.session_epoch: counted up when an account is disabled, so that its sessions do not come back when it is
enabled again (an administrator review: the old cookie opened /inbox/ after re-enabling).

Revision ID: d6a0b4c8e2f5
Revises: c4e8a2d6f1b3
Create Date: 2026-12-05 03:50:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd6a0b4c8e2f5'
down_revision = 'c4e8a2d6f1b3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_epoch', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('session_epoch')
