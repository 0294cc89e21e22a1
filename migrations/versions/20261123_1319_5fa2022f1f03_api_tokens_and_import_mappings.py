"""api tokens and import mappings

ApiToken: bearer tokens of /api/v1 (only a SHA-256 is stored), scoped to one
channel or to one user. ImportMapping: the saved column mapping per channel.

Revision ID: 5fa2022f1f03
Revises: d178518e5325
Create Date: 2026-11-23 13:19:14.923622

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5fa2022f1f03'
down_revision = 'd178518e5325'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=30), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.CheckConstraint("channel IS NULL OR channel IN ('hotline_12393','transfer_12345','mailbox_director','mailbox_mayor','mailbox_secretary','people_daily','gov_supervision','gov_platform','petition_bureau','wechat','letter','visit')", name=op.f('ck_api_token_channel_known')),
    sa.CheckConstraint('(channel IS NULL) <> (user_id IS NULL)', name=op.f('ck_api_token_channel_xor_user')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_api_token_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_sha256', name=op.f('uq_api_token_token_sha256'))
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_user_id'), ['user_id'], unique=False)

    op.create_table('import_mapping',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=30), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_import_mapping_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_mapping')),
    sa.UniqueConstraint('channel', name=op.f('uq_import_mapping_channel'))
    )


def downgrade():
    op.drop_table('import_mapping')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_user_id'))

    op.drop_table('api_token')
