"""正在回访: an agent who opens a ticket waiting for its callback takes the call for a few minutes; the other agents'
待回访 (the list, 下一件, the API's queue) leaves it out, and its page tells them who is calling (a domain review:
two agents rang the same citizen and the second, unhappy answer was refused)."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import make_user
from tests.factories import make_ticket
from ticketing.models import Role, Ticket, TicketStatus
from ticketing.services import callback_claims, clock, inbox, queues, tickets, workflow

S = TicketStatus


def waiting_callback(db, users, now, title):
    ticket = make_ticket(db, users, now, status=S.REPLIED, title=title)
    ticket.needs_callback = True
    return ticket


def test_two_agents_working_the_callback_queue(db, client, users, auth, now, monkeypatch):
    first = waiting_callback(db, users, now, "第一件回访")
    second = waiting_callback(db, users, now + timedelta(minutes=5), "第二件回访")
    make_user(db, "agent2", Role.AGENT)
    db.session.commit()
    at = now + timedelta(days=1)
    monkeypatch.setattr(clock, "now_utc", lambda: at)
    auth.login("agent")
    page = client.get(f"/tickets/{first.number}?queue=callbacks").get_data(as_text=True)
    assert 'id="callback-claimed"' not in page and 'id="callback-mine"' in page  # the call is this agent's, said
    auth.logout()

    auth.login("agent2")
    listed = client.get("/agent/callbacks").get_data(as_text=True)
    assert "第一件回访" not in listed and "第二件回访" in listed
    assert "另有 1 件正由其他话务员回访，不在此列出" in listed
    page = client.get(f"/tickets/{second.number}?queue=callbacks").get_data(as_text=True)
    assert f"/tickets/{first.number}" not in page.split('aria-label="工作队列"')[1].split("</nav>")[0]  # 下一件 skips it
    page = client.get(f"/tickets/{first.number}").get_data(as_text=True)  # found another way: warned
    claimed = page[page.index('id="callback-claimed"'):].split("</p>")[0]
    assert "agent正在回访此件（09:00 仍在回访页面），请勿重复拨打" in claimed
    callback_form = page[page.index("/actions/callback"):].split(">")[0]
    assert "data-next-step" not in callback_form  # the cursor is not put in the form of a call not to make (a walk)
    auth.logout()

    auth.login("agent")  # the first agent records the call: the claim ends with it
    client.post(f"/tickets/{first.number}/actions/callback",
                data={"reached": "0", "note": "无人接听"})
    db.session.expire_all()
    assert db.session.get(Ticket, first.id).callback_claimed_by_id is None
    auth.logout()

    monkeypatch.setattr(clock, "now_utc", lambda: at + timedelta(minutes=callback_claims.CLAIM_MINUTES + 1))
    auth.login("agent2")  # the minutes passed: an abandoned claim frees the ticket
    assert "第二件回访" in client.get("/agent/callbacks").get_data(as_text=True)


def test_a_claim_is_taken_once_and_lapses(db, users, now):
    ticket = waiting_callback(db, users, now, "回访")
    agent2 = make_user(db, "agent2", Role.AGENT)
    db.session.commit()
    assert callback_claims.claim(db.session, ticket, users["agent"], now) is None
    assert callback_claims.claim(db.session, ticket, agent2, now + timedelta(minutes=1)) == users["agent"]
    assert callback_claims.claim(db.session, ticket, users["agent"], now + timedelta(minutes=2)) is None  # renewed
    assert ticket.callback_claimed_at == now + timedelta(minutes=2)
    later = now + timedelta(minutes=2 + callback_claims.CLAIM_MINUTES, seconds=1)
    assert callback_claims.claimed_by_another(ticket, agent2, later) is None
    assert callback_claims.claim(db.session, ticket, agent2, later) is None and ticket.callback_claimed_by == agent2
    due = queues.QUEUES["callbacks"].select(db.session, users["agent"], later)
    assert ticket not in db.session.scalars(due).all()  # now agent2's
    assert ticket in db.session.scalars(queues.QUEUES["callbacks"].select(db.session, agent2, later)).all()
    other = make_ticket(db, users, now, status=S.ACCEPTED)
    assert callback_claims.claim(db.session, other, users["agent"], now) is None and other.callback_claimed_by_id is None
    tickets.record_callback(db.session, ticket, reached=True, satisfaction="satisfied", solved=True,
                            actor=agent2, now=later)
    assert ticket.callback_claimed_by_id is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(
        inbox.callbacks_query().where(Ticket.id == ticket.id).subquery())) == 0


def test_a_supervisor_looking_does_not_take_the_call(db, client, users, auth, now, monkeypatch):
    ticket = waiting_callback(db, users, now, "回访")
    db.session.commit()
    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(days=1))
    auth.login("supervisor")
    client.get(f"/tickets/{ticket.number}")
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).callback_claimed_by_id is None
    client.get(f"/tickets/{ticket.number}?queue=callbacks")  # working 待回访 does
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).callback_claimed_by_id == users["supervisor"].id


def test_the_menu_badge_counts_what_the_list_shows(db, users, now):
    """待回访's badge said 1 while another agent's call left the list empty (a review)."""
    ticket = waiting_callback(db, users, now, "回访")
    agent2 = make_user(db, "agent2", Role.AGENT)
    db.session.commit()
    at = now + timedelta(days=1)
    callback_claims.claim(db.session, ticket, users["agent"], at)
    assert inbox.todo_counts(db.session, agent2, at)["callbacks"] == 0
    assert inbox.todo_counts(db.session, users["agent"], at)["callbacks"] == 1


def test_another_agents_callback_is_refused_while_one_is_calling(db, users, now):
    """The agent warned saved first and the caller's own result was refused and lost (a browser walk): now the one
    warned is refused, with who is calling; once recorded, a late second one says whose answer stands."""
    from ticketing.services.errors import InvalidTransition
    ticket = waiting_callback(db, users, now, "回访")
    agent2 = make_user(db, "agent2", Role.AGENT)
    db.session.commit()
    at = now + timedelta(days=1)
    callback_claims.claim(db.session, ticket, users["agent"], at)
    with pytest.raises(InvalidTransition, match="agent正在回访此件（09:00 仍在回访页面），请勿重复回访；该页面关闭或无人操作约 15 分钟后，可由您回访"):
        tickets.record_callback(db.session, ticket, reached=True, satisfaction="dissatisfied", solved=False,
                                actor=agent2, now=at + timedelta(minutes=2))
    tickets.record_callback(db.session, ticket, reached=True, satisfaction="satisfied", solved=True,
                            actor=users["agent"], now=at + timedelta(minutes=3))
    with pytest.raises(InvalidTransition, match="已由agent .* 回访（满意、已解决），不再重复回访"):
        tickets.record_callback(db.session, ticket, reached=True, satisfaction="dissatisfied", solved=False,
                                actor=agent2, now=at + timedelta(minutes=4))


def test_moving_on_gives_the_last_claim_back(db, users, now):
    """下一件 past four tickets kept all four from the other agents for 15 minutes (a browser walk)."""
    first = waiting_callback(db, users, now, "第一件")
    second = waiting_callback(db, users, now, "第二件")
    db.session.commit()
    at = now + timedelta(days=1)
    callback_claims.claim(db.session, first, users["agent"], at)
    callback_claims.claim(db.session, second, users["agent"], at + timedelta(minutes=1))
    db.session.expire_all()
    assert db.session.get(Ticket, first.id).callback_claimed_by_id is None
    assert db.session.get(Ticket, second.id).callback_claimed_by_id == users["agent"].id


def test_looking_at_another_agents_call_keeps_ones_own(db, users, now):
    mine = waiting_callback(db, users, now, "我的")
    theirs = waiting_callback(db, users, now, "别人的")
    agent2 = make_user(db, "agent2", Role.AGENT)
    db.session.commit()
    at = now + timedelta(days=1)
    callback_claims.claim(db.session, mine, users["agent"], at)
    callback_claims.claim(db.session, theirs, agent2, at)
    assert callback_claims.claim(db.session, theirs, users["agent"], at + timedelta(minutes=1)) == agent2
    db.session.expire_all()
    assert db.session.get(Ticket, mine.id).callback_claimed_by_id == users["agent"].id


def _an_agent_on_the_call(db, users, auth, now, monkeypatch):
    """A ticket waiting for its callback, a second agent, and the first signed in the next day: (ticket, agent2, at)."""
    ticket = waiting_callback(db, users, now, "回访")
    agent2 = make_user(db, "agent2", Role.AGENT)
    db.session.commit()
    at = now + timedelta(days=1)
    monkeypatch.setattr(clock, "now_utc", lambda: at)
    auth.login("agent")
    return ticket, agent2, at


def test_an_open_page_keeps_the_call(db, client, users, auth, now, monkeypatch):
    """The claim lapsed during a long call, a colleague took it, and the caller's own result was refused (a review):
    the open page renews it every few minutes."""
    ticket, agent2, at = _an_agent_on_the_call(db, users, auth, now, monkeypatch)
    page = client.get(f"/tickets/{ticket.number}?queue=callbacks").get_data(as_text=True)
    assert f'data-renew-url="/tickets/{ticket.number}/callback-claim"' in page
    monkeypatch.setattr(clock, "now_utc", lambda: at + timedelta(minutes=12))
    assert client.post(f"/tickets/{ticket.number}/callback-claim").get_json() == {"mine": True, "by": None}
    later = at + timedelta(minutes=20)  # past the first 15 minutes, within the renewed ones
    db.session.expire_all()
    assert callback_claims.claim(db.session, db.session.get(Ticket, ticket.id), agent2, later) == users["agent"]
    auth.logout()
    auth.login("agent2")
    monkeypatch.setattr(clock, "now_utc", lambda: later)
    assert client.post(f"/tickets/{ticket.number}/callback-claim").get_json() == {"mine": False, "by": "agent"}


def test_a_supervisor_takes_over_a_call_left_open(db, client, users, auth, now, monkeypatch):
    """An agent's page left open renews the claim: the citizen waited unseen by every other agent until the agent
    came back (noted). 接手回访: the supervisor takes the call, the agent's page and callback say who has it now."""
    from ticketing.services.errors import InvalidTransition, NotAllowed
    ticket = waiting_callback(db, users, now, "回访")
    db.session.commit()
    at = now + timedelta(days=1)
    monkeypatch.setattr(clock, "now_utc", lambda: at)
    auth.login("agent")
    client.get(f"/tickets/{ticket.number}?queue=callbacks")  # the agent's claim, then lunch
    auth.logout()

    monkeypatch.setattr(clock, "now_utc", lambda: at + timedelta(minutes=40))  # renewed meanwhile by the open page
    db.session.execute(sa.update(Ticket).where(Ticket.id == ticket.id)
                       .values(callback_claimed_at=at + timedelta(minutes=36)))
    db.session.commit()
    auth.login("supervisor")
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert 'id="take-over-callback"' in page and "agent正在回访此件" in page
    response = client.post(f"/tickets/{ticket.number}/actions/take_over_callback", follow_redirects=True)
    assert f"已接手回访：{ticket.number}" in response.get_data(as_text=True)
    db.session.expire_all()
    taken = db.session.get(Ticket, ticket.id)
    assert taken.callback_claimed_by_id == users["supervisor"].id
    event = taken.events[-1]
    assert (event.action, event.note, event.actor_id) == ("take_over_callback", "接手agent的回访",
                                                           users["supervisor"].id)
    assert event.from_status == event.to_status == S.REPLIED.value
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert 'id="take-over-callback"' not in page and 'id="callback-mine"' in page  # the supervisor's call now
    with pytest.raises(InvalidTransition, match="没有他人正在回访"):
        callback_claims.take_over(db.session, taken, actor=users["supervisor"], now=at + timedelta(minutes=41))
    auth.logout()

    auth.login("agent")  # back from lunch: the open page's renewal and the agent's own result say who calls
    assert client.post(f"/tickets/{ticket.number}/callback-claim").get_json() == {"mine": False, "by": "supervisor"}
    refused = client.post(f"/tickets/{ticket.number}/actions/callback", data={"reached": "0", "note": "无人接听"},
                          follow_redirects=True).get_data(as_text=True)
    assert "此件已由supervisor 09:40 接手回访，您的回访记录未保存" in refused
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status == S.REPLIED.value
    with pytest.raises(NotAllowed):  # an agent does not take a colleague's call
        callback_claims.take_over(db.session, db.session.get(Ticket, ticket.id), actor=users["agent"],
                                  now=at + timedelta(minutes=42))


def test_nothing_to_take_over_without_another_agents_call(db, users, now):
    ticket = waiting_callback(db, users, now, "回访")
    db.session.commit()
    at = now + timedelta(days=1)
    assert workflow.Action.TAKE_OVER_CALLBACK not in tickets.actions_open_now(db.session, users["supervisor"], ticket, at)
    callback_claims.claim(db.session, ticket, users["agent"], at)
    assert workflow.Action.TAKE_OVER_CALLBACK in tickets.actions_open_now(db.session, users["supervisor"], ticket, at)
    assert workflow.Action.TAKE_OVER_CALLBACK not in tickets.actions_open_now(
        db.session, users["supervisor"], ticket, at + callback_claims.CLAIM + timedelta(seconds=1))  # lapsed


def test_an_idle_page_gives_the_call_back(db, client, users, auth, now, monkeypatch):
    """The page said the call was free once idle, while the claim hid it up to 15 minutes more (a walk): the idle
    page gives it back at once; another agent's claim is not the idle page's to end."""
    ticket, agent2, at = _an_agent_on_the_call(db, users, auth, now, monkeypatch)
    client.get(f"/tickets/{ticket.number}?queue=callbacks")
    assert client.post(f"/tickets/{ticket.number}/callback-claim", data={"give_back": "1"}).get_json() == \
        {"mine": False, "by": None}
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).callback_claimed_by_id is None
    assert callback_claims.claim(db.session, db.session.get(Ticket, ticket.id), agent2, at) is None
    db.session.commit()
    client.post(f"/tickets/{ticket.number}/callback-claim", data={"give_back": "1"})  # the first agent's stale page
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).callback_claimed_by_id == agent2.id


def test_a_reopen_after_a_callback_says_what_the_citizen_said(db, users, now):
    """满意 but 未解决, reopened: the reopen's note read 回访不满意或未解决：满意 (a walk)."""
    ticket = waiting_callback(db, users, now, "回访")
    db.session.commit()
    tickets.record_callback(db.session, ticket, reached=True, satisfaction="satisfied", solved=False,
                            reopen_if_unhappy=True, actor=users["agent"], now=now + timedelta(days=1))
    assert ticket.events[-1].action == "reopen" and ticket.events[-1].note == "回访未解决：满意、未解决"


def test_two_supervisors_taking_over_each_others_call(db, users, now):
    """take_over locked the ticket (the action's POST), then cleared the supervisor's other claims, a second ticket:
    two supervisors taking over each other's call at once deadlocked on PostgreSQL (a review)."""
    import threading

    from flask import current_app
    from sqlalchemy.orm import Session

    from ticketing.models import User
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    t1 = make_ticket(db, users, now, status=S.REPLIED)
    t2 = make_ticket(db, users, now, status=S.REPLIED)
    t1.needs_callback = t2.needs_callback = True
    sv2 = make_user(db, "supervisor2", Role.SUPERVISOR)
    db.session.commit()
    at = now + timedelta(days=1)
    sv1 = users["supervisor"]
    callback_claims.claim(db.session, t1, sv2, at)  # supervisor2 calls t1 (from 待回访)
    callback_claims.claim(db.session, t2, sv1, at)  # supervisor calls t2
    db.session.commit()
    ids = {"t1": t1.id, "t2": t2.id, "sv1": sv1.id, "sv2": sv2.id}
    barrier, errors = threading.Barrier(2, timeout=10), []
    app, engine = current_app._get_current_object(), db.engine

    def take(ticket_id, actor_id):
        with app.app_context(), Session(engine) as session:
            try:
                ticket = session.scalars(sa.select(Ticket).where(Ticket.id == ticket_id).with_for_update()).one()
                actor = session.get(User, actor_id)
                ticket.events, ticket.callback_claimed_by  # loaded before the race
                barrier.wait()
                callback_claims.take_over(session, ticket, actor=actor, now=at + timedelta(minutes=1))
                session.commit()
            except Exception as error:  # noqa: BLE001
                errors.append(repr(error)[:200])
                session.rollback()

    threads = [threading.Thread(target=take, args=(ids["t1"], ids["sv1"])),
               threading.Thread(target=take, args=(ids["t2"], ids["sv2"]))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
