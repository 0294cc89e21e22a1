"""urgent dispatch alerts: department.duty_phone (值班手机), texted by scan-deadlines once per dispatch of an
urgent ticket (ticket.department_alerted_at). Nothing to backfill: tickets dispatched before the upgrade are
texted on the first scan if still waiting and their department has a duty phone.

Revision ID: 0b731eb7300c
Revises: f73e61504da3
Create Date: 2026-12-03 19:27:11.254707

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0b731eb7300c'
down_revision = 'f73e61504da3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('department', schema=None) as batch_op:
        batch_op.add_column(sa.Column('duty_phone', sa.String(length=20), nullable=True))

    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('department_alerted_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('department_alerted_at')

    with op.batch_alter_table('department', schema=None) as batch_op:
        batch_op.drop_column('duty_phone')

