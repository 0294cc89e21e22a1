"""ApiToken.expires_at: a token may be issued for a number of days (create-token --days); NULL keeps the
tokens issued before valid until revoked.

Revision ID: e8b2c6f0a4d7
Revises: d6a0b4c8e2f5
Create Date: 2026-12-05 08:40:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e8b2c6f0a4d7'
down_revision = 'd6a0b4c8e2f5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
