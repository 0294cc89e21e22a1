"""announcement.departments: a 通知公告 for the staff of chosen departments only (ids, as audience holds roles).
Existing announcements keep None: every department's staff, as before.

Revision ID: 00e5dead2458
Revises: 2203ea41513b
Create Date: 2026-12-04 05:38:32.678945

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '00e5dead2458'
down_revision = '2203ea41513b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('announcement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('departments', sa.String(length=400), nullable=True))



def downgrade():
    with op.batch_alter_table('announcement', schema=None) as batch_op:
        batch_op.drop_column('departments')

