"""ticket_attachment.reply_id: files sent with a reply (随答复发送), which the channel that submitted the ticket fetches
with the reply (办理结果回传: a 答复函 went to 12345 only as typed words)

Revision ID: c5e7a9b1d3f6
Revises: b3d5f7a9c1e4
Create Date: 2026-12-05 11:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5e7a9b1d3f6'
down_revision = 'b3d5f7a9c1e4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ticket_attachment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reply_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_ticket_attachment_reply_id'), ['reply_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_ticket_attachment_reply_id_reply'), 'reply', ['reply_id'], ['id'])


def downgrade():
    with op.batch_alter_table('ticket_attachment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_ticket_attachment_reply_id_reply'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_ticket_attachment_reply_id'))
        batch_op.drop_column('reply_id')
