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


def test_a_row_for_a_whole_channel_leaves_urgent_tickets_their_urgent_limits(db, reference):
    """市长信箱: any type, any urgency, 10 working days took urgent letters off their 24 hours (a domain review)."""
    db.session.add(DeadlinePolicy(channel="mailbox_mayor", accept_amount=2, accept_unit="working_days",
                                  reply_amount=10, reply_unit="working_days"))
    db.session.commit()
    assert calendar.find_policy(db.session, "complaint", "normal", "mailbox_mayor")["reply_amount"] == 10
    urgent = calendar.find_policy(db.session, "complaint", "urgent", "mailbox_mayor")
    assert (urgent["accept_amount"], urgent["accept_unit"], urgent["reply_amount"], urgent["reply_unit"]) == (
        2, "hours", 24, "hours")
    # a row naming the channel and urgent tickets applies to them
    db.session.add(DeadlinePolicy(channel="mailbox_mayor", urgency="urgent", accept_amount=4, accept_unit="hours",
                                  reply_amount=48, reply_unit="hours"))
    db.session.commit()
    assert calendar.find_policy(db.session, "complaint", "urgent", "mailbox_mayor")["reply_amount"] == 48
