"""ticket handler (经办人): the department's staff member working a ticket

Set when a staff member accepts (签收) and changed by 转交; cleared when the ticket
goes to a department again. Tickets already accepted get the person who last
accepted them, read from their 签收 events.

Revision ID: 9afc060ae0c2
Revises: 17ba5854498d
Create Date: 2026-12-03 11:12:31.428510

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9afc060ae0c2'
down_revision = '17ba5854498d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handler_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_ticket_handler_status', ['handler_id', 'status'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_ticket_handler_id_user_account'), 'user_account', ['handler_id'], ['id'])
    op.execute(
        "UPDATE ticket SET handler_id = (SELECT e.actor_id FROM ticket_event e"
        " WHERE e.ticket_id = ticket.id AND e.action = 'accept' ORDER BY e.id DESC LIMIT 1)"
        " WHERE accepted_at IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_ticket_handler_id_user_account'), type_='foreignkey')
        batch_op.drop_index('ix_ticket_handler_status')
        batch_op.drop_column('handler_id')
