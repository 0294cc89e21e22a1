"""ticket risk flags: ticket.risk_flags (风险提示), the kinds of risk found in a ticket's words at registration
(classifiers/risk.py). Tickets registered before the upgrade have none; nothing is backfilled, since the
phrases are the app's and a migration must not depend on them.

Revision ID: 560a6f32e34d
Revises: 80cad350a218
Create Date: 2026-12-03 21:55:48.084428

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '560a6f32e34d'
down_revision = '80cad350a218'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('risk_flags', sa.String(length=80), nullable=True))
        batch_op.create_index('ix_ticket_risk_flags', ['risk_flags'], unique=False)


def downgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_risk_flags')
        batch_op.drop_column('risk_flags')
