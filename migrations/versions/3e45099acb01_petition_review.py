"""petition_review: 信访复查、复核 (信访工作条例第三十五、三十六条): the petitioner's request for another look at
the written 处理意见, the body asked, its 30 days and its opinion

Revision ID: 3e45099acb01
Revises: c5e7a9b1d3f6
Create Date: 2026-12-05 13:34:06

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '3e45099acb01'
down_revision = 'c5e7a9b1d3f6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('petition_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('reviewing_body', sa.String(length=100), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('answer_received_on', sa.Date(), nullable=False),
    sa.Column('requested_on', sa.Date(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decision', sa.String(length=20), nullable=True),
    sa.Column('opinion', sa.Text(), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
    sa.Column('withdraw_reason', sa.Text(), nullable=True),
    sa.CheckConstraint("decision IS NULL OR decision IN ('upheld','changed')", name=op.f('ck_petition_review_decision_known')),
    sa.CheckConstraint("stage IN ('recheck','reexamine')", name=op.f('ck_petition_review_stage_known')),
    sa.CheckConstraint('(decision IS NULL) = (decided_at IS NULL)', name=op.f('ck_petition_review_decided_at_iff_decision')),
    sa.CheckConstraint('decision IS NULL OR withdrawn_at IS NULL', name=op.f('ck_petition_review_decided_or_withdrawn')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_petition_review_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_petition_review_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_petition_review_ticket_id_ticket')),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['user_account.id'], name=op.f('fk_petition_review_withdrawn_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_petition_review'))
    )
    with op.batch_alter_table('petition_review', schema=None) as batch_op:
        batch_op.create_index('ix_petition_review_open_due', ['decided_at', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_petition_review_ticket_id'), ['ticket_id'], unique=False)
        batch_op.create_index('uq_petition_review_ticket_stage', ['ticket_id', 'stage'], unique=True,
                              sqlite_where=sa.text('withdrawn_at IS NULL'),
                              postgresql_where=sa.text('withdrawn_at IS NULL'))



def downgrade():
    with op.batch_alter_table('petition_review', schema=None) as batch_op:
        batch_op.drop_index('uq_petition_review_ticket_stage')
        batch_op.drop_index(batch_op.f('ix_petition_review_ticket_id'))
        batch_op.drop_index('ix_petition_review_open_due')

    op.drop_table('petition_review')
