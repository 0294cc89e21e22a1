"""Reference data is read once per transaction and read again after a commit."""
import sqlalchemy as sa

from ticketing.models import DeadlinePolicy
from ticketing.services import calendar


def test_policy_change_is_seen_by_the_next_transaction(db, reference):
    first = calendar.find_policy(db.session, "consult", "normal", "hotline_12393")
    policy = db.session.scalar(sa.select(DeadlinePolicy).where(
        DeadlinePolicy.ticket_type == "consult", DeadlinePolicy.urgency == "normal", DeadlinePolicy.channel.is_(None)))
    policy.reply_amount = first["reply_amount"] + 4
    db.session.flush()
    # within the same transaction the cached rows are the same objects, so the change shows at once
    assert calendar.find_policy(db.session, "consult", "normal", "hotline_12393")["reply_amount"] == first["reply_amount"] + 4
    db.session.commit()
    db.session.add(DeadlinePolicy(ticket_type="consult", urgency="normal", channel="hotline_12393",
                                  accept_amount=1, accept_unit="working_days", reply_amount=2, reply_unit="working_days"))
    db.session.commit()
    assert calendar.find_policy(db.session, "consult", "normal", "hotline_12393")["reply_amount"] == 2
