"""announcements: 通知公告 (announcement) and each reader's 已阅回执 (announcement_read, once per reader).

Revision ID: 09f47ada547e
Revises: 560a6f32e34d
Create Date: 2026-12-03 22:04:57.700728

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '09f47ada547e'
down_revision = '560a6f32e34d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('announcement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('audience', sa.String(length=60), nullable=False),
    sa.Column('important', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_announcement_author_id_user_account')),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['user_account.id'], name=op.f('fk_announcement_withdrawn_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcement'))
    )
    with op.batch_alter_table('announcement', schema=None) as batch_op:
        batch_op.create_index('ix_announcement_published', ['published_at'], unique=False)

    op.create_table('announcement_read',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('announcement_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['announcement_id'], ['announcement.id'], name=op.f('fk_announcement_read_announcement_id_announcement')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_announcement_read_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcement_read')),
    sa.UniqueConstraint('announcement_id', 'user_id', name='uq_announcement_read_once')
    )
    with op.batch_alter_table('announcement_read', schema=None) as batch_op:
        batch_op.create_index('ix_announcement_read_user', ['user_id', 'announcement_id'], unique=False)


def downgrade():
    with op.batch_alter_table('announcement_read', schema=None) as batch_op:
        batch_op.drop_index('ix_announcement_read_user')

    op.drop_table('announcement_read')
    with op.batch_alter_table('announcement', schema=None) as batch_op:
        batch_op.drop_index('ix_announcement_published')

    op.drop_table('announcement')
