"""review appeals (质检申诉): an agent disputes a review once; someone other than the reviewer upholds it or
revises it (a new ticket_review row). Nothing to backfill.

Revision ID: 5ca99854875f
Revises: 379bb6a59a5c
Create Date: 2026-12-03 18:49:31.379584

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5ca99854875f'
down_revision = '379bb6a59a5c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('review_appeal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decision', sa.String(length=10), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revised_review_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("decision IS NULL OR decision IN ('upheld', 'revised')", name=op.f('ck_review_appeal_decision_known')),
    sa.ForeignKeyConstraint(['agent_id'], ['user_account.id'], name=op.f('fk_review_appeal_agent_id_user_account')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_review_appeal_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['review_id'], ['ticket_review.id'], name=op.f('fk_review_appeal_review_id_ticket_review')),
    sa.ForeignKeyConstraint(['revised_review_id'], ['ticket_review.id'], name=op.f('fk_review_appeal_revised_review_id_ticket_review')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_appeal')),
    sa.UniqueConstraint('review_id', name=op.f('uq_review_appeal_review_id'))
    )
    with op.batch_alter_table('review_appeal', schema=None) as batch_op:
        batch_op.create_index('ix_review_appeal_pending', ['decided_at', 'created_at'], unique=False)



def downgrade():
    with op.batch_alter_table('review_appeal', schema=None) as batch_op:
        batch_op.drop_index('ix_review_appeal_pending')

    op.drop_table('review_appeal')
