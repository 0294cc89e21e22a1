"""citizen contacts (联系来电人) and the notices owed to the citizen

A contact is a call, text, letter or visit while a ticket is worked. ticket.extension_told_at and
ticket.acceptance_told_at say when the citizen was told of an approved extension (延期告知) and of a
petition's acceptance (受理告知). Nothing is backfilled: the system never recorded whether a citizen
was told, so open tickets with an approved extension, and accepted petitions, show the notice as
owed after the upgrade until someone records it.

Revision ID: 662e966ec5c4
Revises: 9afc060ae0c2
Create Date: 2026-12-03 13:47:53.531077

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '662e966ec5c4'
down_revision = '9afc060ae0c2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('citizen_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('reached', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("method IN ('phone','sms','letter','visit','online')", name=op.f('ck_citizen_contact_method_known')),
    sa.CheckConstraint("purpose IN ('acceptance','extension','progress','materials','other')", name=op.f('ck_citizen_contact_purpose_known')),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_citizen_contact_author_id_user_account')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_citizen_contact_department_id_department')),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_citizen_contact_ticket_id_ticket')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_citizen_contact'))
    )
    with op.batch_alter_table('citizen_contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_citizen_contact_ticket_id'), ['ticket_id'], unique=False)

    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('extension_told_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('acceptance_told_at', sa.DateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('acceptance_told_at')
        batch_op.drop_column('extension_told_at')

    with op.batch_alter_table('citizen_contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_citizen_contact_ticket_id'))

    op.drop_table('citizen_contact')
