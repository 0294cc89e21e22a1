"""review checklist items (质检项目): the 工单质检 checklist becomes data a centre edits. The five items the code
held until now are inserted with their keys, so earlier reviews keep their titles.

Revision ID: 80cad350a218
Revises: 0b731eb7300c
Create Date: 2026-12-03 19:36:57.357201

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '80cad350a218'
down_revision = '0b731eb7300c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('review_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=30), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('applies_to', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.CheckConstraint("applies_to IN ('all', 'dispatched', 'on_the_spot')", name=op.f('ck_review_item_applies_to_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_item')),
    sa.UniqueConstraint('key', name=op.f('uq_review_item_key'))
    )
    items = sa.table('review_item', sa.column('key', sa.String), sa.column('title', sa.String),
                     sa.column('applies_to', sa.String), sa.column('position', sa.Integer),
                     sa.column('active', sa.Boolean))
    op.bulk_insert(items, [
        {'key': key, 'title': title, 'applies_to': applies_to, 'position': position, 'active': True}
        for position, (key, title, applies_to) in enumerate((
            ('record', '诉求记录完整准确（人、事、地、时、诉求）', 'all'),
            ('caller', '来电人信息规范（姓名、号码、区县）', 'all'),
            ('classification', '诉求类型与业务分类正确', 'all'),
            ('routing', '承办单位选择正确', 'dispatched'),
            ('answer', '当场答复口径准确', 'on_the_spot'),
        ))
    ])


def downgrade():
    op.drop_table('review_item')
