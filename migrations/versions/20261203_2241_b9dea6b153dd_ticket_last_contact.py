"""ticket.last_contact_at: the last 联系来电人 recorded on a ticket, so that a 来电催办 after it counts as still to
be answered by the department. Backfilled from citizen_contact.

Revision ID: b9dea6b153dd
Revises: e3f2dd06dfae
Create Date: 2026-12-03 22:41:27.778789

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b9dea6b153dd'
down_revision = 'e3f2dd06dfae'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_contact_at', sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE ticket SET last_contact_at = (SELECT max(c.created_at) FROM citizen_contact c WHERE c.ticket_id = ticket.id)"
        " WHERE EXISTS (SELECT 1 FROM citizen_contact c WHERE c.ticket_id = ticket.id)")


def downgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('last_contact_at')
