"""待办结 and the callback's end (a callback review): an unhappy callback is listed and counted until the centre
重办s or archives it; the rest is archived from one list, several at once; a 重办's new reply is called back; a
ticket without a phone is not; a citizen who declines ends the round in no figure."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import make_ticket
from ticketing.models import TicketStatus
from ticketing.services import clock, inbox, progress_lookup, tickets

S = TicketStatus


def _replied(db, users, **fields):
    return make_ticket(db, users, clock.now_utc() - timedelta(days=3), status=S.REPLIED, **fields)


def _call_back(db, users, ticket, satisfaction="satisfied", solved=True, **options):
    tickets.record_callback(db.session, ticket, reached=True, satisfaction=satisfaction, solved=solved,
                            actor=users["agent"], now=clock.now_utc(), **options)


def test_an_unhappy_callback_waits_on_the_closing_page_with_a_counter(db, client, users, auth):
    unhappy = _replied(db, users, title="报销比例不对")
    _call_back(db, users, unhappy, "dissatisfied", False)
    happy = _replied(db, users, title="住院报销已到账")
    _call_back(db, users, happy)
    unsampled = _replied(db, users, type="praise", title="表扬窗口")  # praise: no callback due
    db.session.commit()
    assert not unsampled.needs_callback
    auth.login("agent")
    assert inbox.todo_counts(db.session, users["agent"], clock.now_utc())["unhappy"] == 1
    html = client.get("/agent/closing").get_data(as_text=True)
    unhappy_part, to_close = html.split('id="to-close"')
    assert unhappy.number in unhappy_part and happy.number not in unhappy_part
    assert happy.number in to_close and unsampled.number in to_close and unhappy.number not in to_close
    assert to_close.count('name="numbers"') == 2
    assert '待办结' in client.get("/agent/callbacks").get_data(as_text=True)  # in the menu


def test_the_ticked_tickets_are_archived_and_an_unhappy_one_is_refused_with_the_reason(db, client, users, auth):
    unhappy = _replied(db, users)
    _call_back(db, users, unhappy, "dissatisfied", True)
    happy = _replied(db, users)
    _call_back(db, users, happy, "basically_satisfied")
    db.session.commit()
    auth.login("agent")
    html = client.post("/agent/closing", data={"numbers": [happy.number, unhappy.number]},
                       follow_redirects=True).get_data(as_text=True)
    assert "已办结归档 1 件。" in html and "未办结归档 1 件" in html and "请重办，或填写不重办即归档的理由" in html
    db.session.refresh(happy), db.session.refresh(unhappy)
    assert happy.status == S.CLOSED.value and unhappy.status == S.CALLED_BACK.value


def test_the_channels_unhappy_evaluation_is_listed_too(db, users):
    from ticketing.services import channel_feedback
    ticket = _replied(db, users, channel="transfer_12345", external_id="ZJ-1")
    channel_feedback.record_evaluation(db.session, "transfer_12345", "ZJ-1", satisfaction="dissatisfied",
                                       solved=False, now=clock.now_utc())
    assert db.session.scalars(inbox.unhappy_query()).all() == [ticket]


def test_the_reply_after_a_reopen_is_called_back_though_its_type_was_not_sampled(db, users):
    ticket = make_ticket(db, users, clock.now_utc() - timedelta(days=5), status=S.CLOSED, type="praise")
    assert not ticket.needs_callback  # praise: share 0
    tickets.reopen(db.session, ticket, "来电人对答复不满意", actor=users["agent"], now=clock.now_utc())
    tickets.accept(db.session, ticket, actor=users["staff_dybz"], now=clock.now_utc())
    tickets.reply(db.session, ticket, "重新核实后答复", actor=users["staff_dybz"], now=clock.now_utc())
    assert ticket.needs_callback
    with pytest.raises(Exception, match="需先回访"):
        tickets.close(db.session, ticket, actor=users["agent"], now=clock.now_utc())


def test_a_ticket_without_a_phone_number_is_not_queued_for_a_callback(db, users):
    ticket = _replied(db, users, caller_phone="", caller_name="")
    assert not ticket.needs_callback
    assert ticket not in db.session.scalars(inbox.callbacks_query()).all()
    assert ticket in db.session.scalars(inbox.to_close_query()).all()


def test_a_citizen_who_declines_ends_the_round_in_no_figure(db, client, users, auth):
    ticket = _replied(db, users)
    db.session.commit()
    auth.login("agent")
    html = client.post(f"/tickets/{ticket.number}/actions/callback", data={"reached": "declined", "note": "说不用再打了"},
                       follow_redirects=True).get_data(as_text=True)
    db.session.refresh(ticket)
    assert ticket.status == S.CALLED_BACK.value and not ticket.left_unhappy
    callback = ticket.callbacks[-1]
    assert callback.declined and not callback.reached and callback.satisfaction is None
    assert "来电人不接受回访，本轮回访结束" in html and "来电人不接受回访：说不用再打了" in html
    assert "未联系上" not in html.split("回访 ")[-1].split("</p>")[0]
    assert ticket in db.session.scalars(inbox.to_close_query()).all()
    assert progress_lookup._state_words(ticket)[1] == "承办单位已答复。"  # nobody reached: not "已回访"


def test_the_page_says_when_the_last_try_ended_the_round_and_when_a_reopen_followed(db, client, users, auth):
    from ticketing.services import settings
    settings.set_setting(db.session, "callback_attempts", 1)
    ticket = _replied(db, users)
    unhappy = _replied(db, users)
    db.session.commit()
    auth.login("agent")
    html = client.post(f"/tickets/{ticket.number}/actions/callback", data={"reached": "0"},
                       follow_redirects=True).get_data(as_text=True)
    assert "不再重拨，可以办结归档" in html
    assert "未联系上 未联系上" not in html
    html = client.post(f"/tickets/{unhappy.number}/actions/callback",
                       data={"reached": "1", "satisfaction": "dissatisfied", "solved": "0", "reopen": "1"},
                       follow_redirects=True).get_data(as_text=True)
    assert "已重办，重新派发待遇保障科" in html


def test_a_declined_callback_got_through_in_the_agents_figures(db, users):
    """A diff review: 话务员工作量 read a decline as a call that did not get through (联系上率 0 %)."""
    from ticketing.services import statistics
    from ticketing.services.deadlines import LOCAL_TZ

    ticket = _replied(db, users)
    tickets.record_callback(db.session, ticket, reached=False, satisfaction=None, solved=None, actor=users["agent"],
                            now=clock.now_utc(), declined=True)
    db.session.commit()
    month = clock.now_utc().astimezone(LOCAL_TZ).strftime("%Y-%m")
    [row] = [r for r in statistics.agent_month(db.session, month) if r.user.username == "agent"]
    assert (row.callbacks, row.reached) == (1, 1)


def test_the_history_names_what_the_citizen_said_with_or_without_a_note(db, users):
    """办理记录's 回访 row was the agent's note alone, blank without one (a browser walk): the verdict comes first."""
    plain, noted = _replied(db, users), _replied(db, users)
    _call_back(db, users, plain, "basically_satisfied", False)
    _call_back(db, users, noted, note="已收到报销款")
    assert plain.events[-1].note == "基本满意、未解决"
    assert noted.events[-1].note == "满意、已解决：已收到报销款" and noted.callbacks[-1].note == "已收到报销款"
