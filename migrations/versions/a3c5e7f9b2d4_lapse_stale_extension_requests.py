"""A 延期 request still waiting on a ticket that has left the departments (answered, closed, merged, transferred)
ends, as the code now ends it when the ticket leaves (services/workflow._end_extension_request): it could no
longer be decided, yet the ticket page showed it and 月度考核 named it at every issue. Such a ticket keeps
延期已批准 when an extension was approved before (extension_count > 0), else none. A request handed on by 改派
to another department cannot be told apart here without reading each ticket's events; it stays until decided.

Revision ID: a3c5e7f9b2d4
Revises: 8e4a6c2f1b57
Create Date: 2026-12-04 17:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a3c5e7f9b2d4'
down_revision = '8e4a6c2f1b57'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
        UPDATE ticket
        SET extension_state = CASE WHEN extension_count > 0 THEN 'approved' ELSE NULL END
        WHERE extension_state = 'requested'
          AND status NOT IN ('dispatched', 'accepted', 'return_requested')
    """)


def downgrade():
    pass  # which requests lapsed is in no column; the tickets keep the state they have
