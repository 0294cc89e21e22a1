"""正在回访: several agents work 待回访 at once, in the same order, and two of them rang the same citizen (a domain
review: the second, an unhappy answer, was refused once the first had recorded a satisfied one).

An agent who opens a ticket waiting for its callback claims it for `CLAIM_MINUTES`, renewed while its page stays
open (the page asks again every few minutes, so a long call does not lose it to a colleague): the other agents' 待回访 (the
list, 下一件 and the API's queue) leaves it out meanwhile, and its page tells anyone else who opens it who is
calling and since when. The claim is taken by one conditional UPDATE, so two agents opening it at the same moment
cannot both have it; it ends when a callback is recorded (whatever its result) or when the minutes pass (the agent
went elsewhere). A claim is not a change of the ticket: no event, and what the citizen sees does not change.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ticketing.models import Ticket, TicketStatus, User
from ticketing.services.deadlines import LOCAL_TZ
from ticketing.services.errors import InvalidTransition
from ticketing.services.workflow import Action, check, transition

CLAIM_MINUTES = 15
CLAIM = timedelta(minutes=CLAIM_MINUTES)


def _free_for(user_id: int, now: datetime):
    """Nobody's, the user's own, or an old claim."""
    return sa.or_(Ticket.callback_claimed_by_id.is_(None), Ticket.callback_claimed_by_id == user_id,
                  Ticket.callback_claimed_at < now - CLAIM)


def claim(session: Session, ticket: Ticket, user: User, now: datetime) -> User | None:
    """Claim ``ticket``'s callback for ``user``, unless another agent's claim is still running: then that agent.
    Only for a ticket waiting for its callback; commits nothing."""
    if ticket.status != TicketStatus.REPLIED.value or not ticket.needs_callback:
        return None
    # one claim at a time per agent: two tabs claiming two tickets at once locked them crosswise and PostgreSQL found a
    # deadlock (a review), or each kept its own. The agent's row is the turnstile; then the tickets, in id order
    session.execute(sa.select(User.id).where(User.id == user.id).with_for_update())
    session.execute(sa.select(Ticket.id).where(sa.or_(Ticket.id == ticket.id, Ticket.callback_claimed_by_id == user.id))
                    .order_by(Ticket.id).with_for_update())
    taken = session.execute(sa.update(Ticket).where(Ticket.id == ticket.id, _free_for(user.id, now))
                            .values(callback_claimed_by_id=user.id, callback_claimed_at=now)
                            .execution_options(synchronize_session=False)).rowcount
    if taken:
        # one citizen at a time: a claim on another ticket (passed over by 下一件) is given back (a browser walk:
        # four tickets walked past stayed hidden from the other agents for 15 minutes); not when this one is
        # another agent's, which the user only looked at
        session.execute(sa.update(Ticket).where(Ticket.callback_claimed_by_id == user.id, Ticket.id != ticket.id)
                        .values(callback_claimed_by_id=None, callback_claimed_at=None)
                        .execution_options(synchronize_session=False))
    session.refresh(ticket, ["callback_claimed_by_id", "callback_claimed_at", "callback_claimed_by"])
    return None if taken else ticket.callback_claimed_by


def on_opening(session: Session, ticket: Ticket, user: User, now: datetime, *,
               from_callback_queue: bool) -> User | None:
    """The ticket's page opened by someone who may record its callback: an agent, or anyone working 待回访, takes the
    call (a supervisor only looking does not). Who else is calling now, if anyone."""
    if user.role == "agent" or from_callback_queue:
        return claim(session, ticket, user, now)
    return claimed_by_another(ticket, user, now)


def claimed_by_another(ticket: Ticket, user: User, now: datetime) -> User | None:
    """Who else is calling this citizen back now, if anyone."""
    if (ticket.callback_claimed_by_id is None or ticket.callback_claimed_by_id == user.id
            or ticket.callback_claimed_at is None or ticket.callback_claimed_at < now - CLAIM):
        return None
    return ticket.callback_claimed_by


def refuse_another_agents_call(ticket: Ticket, user: User | None, now: datetime) -> None:
    """A callback recorded while another agent is calling the same citizen: refused, with who and since when (a
    browser walk: the one warned saved first, and the caller's own result was then refused and lost)."""
    if user is None:
        return  # a channel's 评价 is the citizen's own word
    calling = claimed_by_another(ticket, user, now)
    if calling is None:
        return
    taken = next((e for e in reversed(ticket.events) if e.action == Action.TAKE_OVER_CALLBACK.value), None)
    if taken is not None and taken.actor_id == calling.id and (taken.data or {}).get("from") == user.username:
        raise InvalidTransition(f"此件已由{calling.display_name} {_hhmm(taken.created_at)} 接手回访，您的回访记录未保存")
    # the claim's time is its last renewal, not when the call began: it said "起" and read as a countdown (a walk)
    raise InvalidTransition(f"{calling.display_name}正在回访此件（{_hhmm(ticket.callback_claimed_at)} 仍在回访页面），"
                            f"请勿重复回访；该页面关闭或无人操作约 {CLAIM_MINUTES} 分钟后，可由您回访")


def _hhmm(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%H:%M")


def take_over(session: Session, ticket: Ticket, *, actor: User, now: datetime) -> None:
    """接手回访: a supervisor takes the call from the agent whose claim still runs (a page left open renews it: the
    agent went to lunch, or home, and the citizen waited unseen by the others). The claim becomes the supervisor's,
    so the agent's page now says who calls and the agent's own callback is refused; an event names whose it was.
    The caller holds the ticket's lock (an action's POST), so the claim is written directly, without `claim`'s
    lock on the user's row that would invert the order in which a page takes them, and the supervisor's other claims
    are left to lapse: clearing them locked a second ticket after this one, and two supervisors taking over each
    other's calls deadlocked on PostgreSQL (a review)."""
    check(actor, ticket, Action.TAKE_OVER_CALLBACK)
    calling = claimed_by_another(ticket, actor, now)
    if calling is None or not ticket.needs_callback:
        raise InvalidTransition("此件现在没有他人正在回访，无需接手")
    transition(ticket, Action.TAKE_OVER_CALLBACK, actor=actor, now=now, note=f"接手{calling.display_name}的回访",
               data={"from": calling.username, "renewed_at": ticket.callback_claimed_at.isoformat()})
    ticket.callback_claimed_by, ticket.callback_claimed_at = actor, now


def give_back(session: Session, ticket: Ticket, user: User) -> None:
    """The agent's page fell idle (nobody touched it for the claim's minutes): the call is given back at once, so
    that the page's word (其他话务员现在可以回访) is true; it had stayed hidden up to the claim's minutes more (a walk)."""
    session.execute(sa.update(Ticket).where(Ticket.id == ticket.id, Ticket.callback_claimed_by_id == user.id)
                    .values(callback_claimed_by_id=None, callback_claimed_at=None)
                    .execution_options(synchronize_session=False))


def release(ticket: Ticket) -> None:
    """A callback was recorded: the claim has done its work."""
    ticket.callback_claimed_by_id, ticket.callback_claimed_at = None, None


def not_claimed_by_others(query: sa.Select, user: User, now: datetime) -> sa.Select:
    """``query`` (a 待回访 list) less the tickets another agent is calling back now."""
    return query.where(_free_for(user.id, now))


def claimed_by_others_count(session: Session, query: sa.Select, user: User, now: datetime) -> int:
    """How many of ``query``'s tickets other agents are calling back now (said above the list)."""
    return session.scalar(sa.select(sa.func.count()).select_from(
        query.where(sa.not_(_free_for(user.id, now))).order_by(None).subquery())) or 0
