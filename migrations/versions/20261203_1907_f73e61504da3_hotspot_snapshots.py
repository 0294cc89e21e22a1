"""hotspot snapshots (热点诉求): a window's grouping, stored for every worker for a few minutes and refreshed
by `flask refresh-hotspots` from cron. Nothing to backfill.

Revision ID: f73e61504da3
Revises: 306e6650cf85
Create Date: 2026-12-03 19:07:05.472254

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f73e61504da3'
down_revision = '306e6650cf85'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('hotspot_snapshot',
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tickets_compared', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.Double(), nullable=False),
    sa.Column('groups', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_hotspot_snapshot'))
    )


def downgrade():
    op.drop_table('hotspot_snapshot')
