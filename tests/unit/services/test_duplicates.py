"""Merge candidates among recent tickets: same phone, similar text, the 30-day window, late commits."""
from __future__ import annotations

from datetime import timedelta

from tests.factories import make_ticket
from ticketing.services import duplicates, tickets

TEXT = "我在北京住院做了心脏支架手术，回老家报销时被告知没有办理异地就医备案，只能报销一半，请帮忙协调"


def _numbers(found):
    return [c.ticket.number for c in found]


def test_same_phone_and_similar_text_are_candidates_and_the_ticket_itself_is_not(db, users, now):
    original = make_ticket(db, users, now, content=TEXT, caller_phone="13900001111")
    reworded = make_ticket(db, users, now + timedelta(hours=1), content=TEXT.replace("请帮忙协调", "希望能帮忙协调一下"),
                           caller_phone="13700002222")
    same_caller = make_ticket(db, users, now + timedelta(hours=2), content="医保卡丢了怎么补办", caller_phone="13900001111")
    unrelated = make_ticket(db, users, now + timedelta(hours=3), content="生育津贴什么时候发放", caller_phone="13600003333")
    db.session.flush()
    found = duplicates.candidates(db.session, text=TEXT, phone="13900001111", now=now + timedelta(hours=4),
                                  min_similarity=0.6, exclude_id=original.id)
    assert set(_numbers(found)) == {reworded.number, same_caller.number}
    by_number = {c.ticket.number: c for c in found}
    assert by_number[reworded.number].similarity > 0.6 and not by_number[reworded.number].same_phone
    assert by_number[same_caller.number].same_phone and by_number[same_caller.number].similarity is None
    assert unrelated.number not in _numbers(found)


def test_tickets_past_the_window_or_already_merged_or_closed_are_left_out(db, users, now):
    old = make_ticket(db, users, now - timedelta(days=31), content=TEXT)
    earlier = make_ticket(db, users, now, content=TEXT)
    merged = make_ticket(db, users, now + timedelta(minutes=5), content=TEXT)
    tickets.merge(db.session, merged, earlier, actor=users["agent"], now=now + timedelta(minutes=6))
    from ticketing.models import TicketStatus

    closed = make_ticket(db, users, now + timedelta(minutes=7), content=TEXT, status=TicketStatus.CLOSED)
    db.session.flush()
    found = _numbers(duplicates.candidates(db.session, text=TEXT, phone=None, now=now + timedelta(hours=1),
                                           min_similarity=0.6))
    assert found == [earlier.number]
    assert old.number not in found and merged.number not in found and closed.number not in found


def test_a_ticket_that_committed_after_a_later_one_is_still_indexed(db, users, now):
    """Two workers: id 2 may commit after id 3 was already indexed; the index looks back and finds it."""
    first = make_ticket(db, users, now, content="门诊慢特病认定要等多久")
    late = make_ticket(db, users, now, content=TEXT)
    last = make_ticket(db, users, now, content="医保电子凭证激活不了")
    db.session.flush()
    recent = duplicates.RecentTicketIndex()
    recent.query(db.session, "x", now, k=5, min_similarity=0.6)
    recent._index.remove(late.id)  # as if it was not yet committed when the index last looked
    del recent._received[late.id]
    assert recent._last_id == last.id > late.id
    hits = recent.query(db.session, TEXT, now, k=5, min_similarity=0.6)
    assert [key for key, _ in hits] == [late.id] and first.id in recent._received
