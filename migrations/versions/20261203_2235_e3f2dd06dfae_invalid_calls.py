"""invalid calls (无效来电): calls an agent answered that became no ticket, counted in 话务员工作量, and a
nuisance number recognised when it rings again. Nothing to backfill.

Revision ID: e3f2dd06dfae
Revises: 09f47ada547e
Create Date: 2026-12-03 22:35:06.176962

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e3f2dd06dfae'
down_revision = '09f47ada547e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('invalid_call',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('caller_phone', sa.String(length=20), nullable=True),
    sa.Column('call_reference', sa.String(length=64), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['user_account.id'], name=op.f('fk_invalid_call_agent_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invalid_call'))
    )
    with op.batch_alter_table('invalid_call', schema=None) as batch_op:
        batch_op.create_index('ix_invalid_call_agent_created', ['agent_id', 'created_at'], unique=False)
        batch_op.create_index('ix_invalid_call_phone_created', ['caller_phone', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('invalid_call', schema=None) as batch_op:
        batch_op.drop_index('ix_invalid_call_phone_created')
        batch_op.drop_index('ix_invalid_call_agent_created')

    op.drop_table('invalid_call')
