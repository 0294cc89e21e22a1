"""ticket reviews (工单质检): supervisors' checks of how agents registered tickets

One row per review, never changed (a second look is another row); scored by the month the ticket was
registered, per agent. Nothing to backfill.

Revision ID: 379bb6a59a5c
Revises: 0d6ebd96bfc1
Create Date: 2026-12-03 16:56:11.008626

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '379bb6a59a5c'
down_revision = '0d6ebd96bfc1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ticket_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('checks', sa.JSON(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('score BETWEEN 0 AND 100', name=op.f('ck_ticket_review_score_in_range')),
    sa.ForeignKeyConstraint(['agent_id'], ['user_account.id'], name=op.f('fk_ticket_review_agent_id_user_account')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['user_account.id'], name=op.f('fk_ticket_review_reviewer_id_user_account')),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_ticket_review_ticket_id_ticket')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_review'))
    )
    with op.batch_alter_table('ticket_review', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_review_agent_month', ['agent_id', 'month'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_review_ticket_id'), ['ticket_id'], unique=False)
        batch_op.create_index('ix_ticket_review_month_ticket', ['month', 'ticket_id'], unique=False)


def downgrade():
    with op.batch_alter_table('ticket_review', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_review_month_ticket')
        batch_op.drop_index(batch_op.f('ix_ticket_review_ticket_id'))
        batch_op.drop_index('ix_ticket_review_agent_month')

    op.drop_table('ticket_review')
