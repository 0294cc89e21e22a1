"""User.must_change_password: a password an administrator chose (a new account's, a reset) is changed by its owner
at the next sign-in before anything else (a new-staff review). Accounts that exist keep their passwords as they are.

Revision ID: f2c4a6e8b0d1
Revises: e8b2c6f0a4d7
Create Date: 2026-12-05 09:10:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f2c4a6e8b0d1'
down_revision = 'e8b2c6f0a4d7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
