"""ticket attachments (附件): one row per file kept with a ticket; the bytes live under ATTACHMENT_DIR

Revision ID: 17ba5854498d
Revises: 95bf7c8ab016
Create Date: 2026-12-03 10:51:04.004842

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '17ba5854498d'
down_revision = '95bf7c8ab016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ticket_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('identifies_caller', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('removed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['removed_by_id'], ['user_account.id'], name=op.f('fk_ticket_attachment_removed_by_id_user_account')),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_ticket_attachment_ticket_id_ticket')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_ticket_attachment_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_attachment')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_ticket_attachment_stored_name'))
    )
    with op.batch_alter_table('ticket_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_attachment_ticket_id'), ['ticket_id'], unique=False)



def downgrade():
    with op.batch_alter_table('ticket_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_attachment_ticket_id'))

    op.drop_table('ticket_attachment')
