"""局长信箱 of the national and provincial bureaus as channels of their own (mailbox_director_national,
mailbox_director_provincial; domain.md: 局长信箱 of the national, provincial and municipal bureau): each is its own
system with its own ids, which collided under one channel, and 工单统计 could not tell them apart (a domain review).

Revision ID: 7c95d0e1f2a3
Revises: 6b84cebc6c84
Create Date: 2026-12-05 14:50:00

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = '7c95d0e1f2a3'
down_revision = '6b84cebc6c84'
branch_labels = None
depends_on = None

BEFORE = ("'hotline_12393','transfer_12345','mailbox_director','mailbox_mayor','mailbox_secretary','people_daily',"
          "'gov_supervision','gov_platform','petition_bureau','wechat','letter','visit'")
AFTER = ("'hotline_12393','transfer_12345','mailbox_director','mailbox_director_national',"
         "'mailbox_director_provincial','mailbox_mayor','mailbox_secretary','people_daily','gov_supervision',"
         "'gov_platform','petition_bureau','wechat','letter','visit'")


def _channels(known: str) -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_ticket_channel_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_ticket_channel_known'), f"channel IN ({known})")
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_api_token_channel_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_api_token_channel_known'),
                                         f"channel IS NULL OR channel IN ({known})")


def upgrade():
    _channels(AFTER)


LEVELS = {'mailbox_director_national': 'national', 'mailbox_director_provincial': 'provincial'}


def downgrade():
    """The two channels' tickets and tokens go back to mailbox_director, each ticket's source id prefixed with its
    level (national:20261201), which the same id of two levels kept apart (a review: the downgrade failed on it);
    routing rules and time-limit policies for them are kept, switched off; their saved import mappings go (one per
    channel, and the centre's own mailbox may have one)."""
    for channel, level in LEVELS.items():
        op.execute(f"UPDATE ticket SET channel = 'mailbox_director', external_id = '{level}:' || external_id "
                   f"WHERE channel = '{channel}' AND external_id IS NOT NULL")
        for table in ('ticket', 'api_token'):
            op.execute(f"UPDATE {table} SET channel = 'mailbox_director' WHERE channel = '{channel}'")
        for table in ('routing_rule', 'deadline_policy'):
            op.execute(f"UPDATE {table} SET channel = 'mailbox_director', active = false WHERE channel = '{channel}'")
        op.execute(f"DELETE FROM import_mapping WHERE channel = '{channel}'")
    _channels(BEFORE)
