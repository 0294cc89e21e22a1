"""assist requests (协办): a department asked for its opinion on another department's ticket, by a deadline.
Nothing to backfill.

Revision ID: 2203ea41513b
Revises: b9dea6b153dd
Create Date: 2026-12-04 05:08:16.674530

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2203ea41513b'
down_revision = 'b9dea6b153dd'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('assist_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('request', sa.Text(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('calendar_confirmed', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('opinion', sa.Text(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdraw_reason', sa.Text(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('urged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('urge_note', sa.Text(), nullable=True),
    sa.CheckConstraint("state IN ('open','answered','withdrawn','lapsed')", name=op.f('ck_assist_request_state_known')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user_account.id'], name=op.f('fk_assist_request_answered_by_id_user_account')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_assist_request_department_id_department')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_assist_request_requested_by_id_user_account')),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_assist_request_ticket_id_ticket')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assist_request'))
    )
    with op.batch_alter_table('assist_request', schema=None) as batch_op:
        batch_op.create_index('ix_assist_request_department_state', ['department_id', 'state', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_assist_request_ticket_id'), ['ticket_id'], unique=False)



def downgrade():
    with op.batch_alter_table('assist_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assist_request_ticket_id'))
        batch_op.drop_index('ix_assist_request_department_state')

    op.drop_table('assist_request')
