"""办理结果回传: what a channel (12345, a mailbox or message platform, the petition bureau) fetches about the
tickets it submitted, to tell its citizen or to publish the answer, as those platforms do.

A channel sees each of its tickets as the citizen does on the 工单进度查询 page (`progress_lookup.citizen_view`):
the state in plain words, the department, the deadline, and the reply once there is one; a fraud report
withholds the department and the reply (§35), and a merged ticket follows the one it joined. Never the
caller's details, internal notes, staff names or the event history.

To stay in step, a channel asks for its tickets that changed in (since, until], page by page, and next time
asks from `next_since`. A ticket changed when what its citizen sees changed (``updated_at``: a change of state,
department, deadline or extension; not the centre's internal work), and a merged ticket also when the
ticket it joined changed, since the citizen sees that one's progress; when that one was merged in turn, the
chain is followed as the citizen's view follows it (up to `MAX_MERGE_HOPS`). `next_since` is ``until`` less an overlap (`OVERLAP`), because a change is stamped when it is made
but seen only when its transaction commits; a ticket may therefore come twice, never not at all.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased, selectinload

from ticketing.models import Callback, Channel, Reply, Ticket, TicketAttachment, TicketStatus
from ticketing.services import locks, tickets
from ticketing.services.cursors import cursor_after, parse_cursor
from ticketing.services.errors import InvalidTransition, NotFound, ValidationFailed
from ticketing.services.progress_lookup import (
    MAX_MERGE_HOPS, CitizenProgress, citizen_view, normalize_phone, same_person, shown_reply_files,
)

OVERLAP = timedelta(minutes=2)
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class ChannelTicket:
    number: str
    external_id: str | None
    updated_at: datetime | None
    progress: CitizenProgress
    evaluable: bool = False  # answered and not yet called back: POST …/evaluation is taken (else a 409)
    reply_files: tuple[TicketAttachment, ...] = ()  # sent with the reply shown (none when the reply is withheld)


@dataclass(frozen=True)
class ChannelPage:
    items: list[ChannelTicket]
    has_more: bool
    until: datetime
    next_since: datetime
    next_after: str | None = None  # where the next page starts (has_more)


def channel_view(ticket: Ticket, *, now: datetime, changed_at: datetime | None = None) -> ChannelTicket:
    """The citizen's view of a ticket, for the channel that submitted it (the ticket's own phone stands for
    the citizen's, so a merged ticket shows the reply it joined only when the same person left both)."""
    phone = normalize_phone(ticket.caller_phone) or ""
    progress = citizen_view(ticket, phone, now=now)
    return ChannelTicket(ticket.number, ticket.external_id, changed_at or last_change(ticket), progress,
                         evaluable=ticket.status == TicketStatus.REPLIED.value,
                         reply_files=shown_reply_files(ticket, progress))


CALLER_ON_PROGRESS_PAGE = "来电人（工单进度查询）"


def given_the_reply(session: Session, ticket: Ticket) -> list[str]:
    """Who will be shown this ticket's reply, and so fetch the files sent with it: the channels
    (`channels_given_the_reply`), then the caller, on 工单进度查询 with the ticket's number and phone (a 12393 call's
    too); nobody for a fraud report."""
    caller = [CALLER_ON_PROGRESS_PAGE] if ticket.caller_phone and not ticket.is_confidential_report else []
    return channels_given_the_reply(session, ticket) + caller


def channels_given_the_reply(session: Session, ticket: Ticket) -> list[str]:
    """The channels that will be shown this ticket's reply, and so fetch the files sent with it: its own, and those
    of tickets merged into it (through a chain of merges) by the same caller, as `citizen_view` decides; none for a
    fraud report. 12393's own calls are no channel's to fetch. Titles, in the order of the tickets."""
    def shown(duplicate: Ticket) -> bool:
        caller = normalize_phone(duplicate.caller_phone) or ""
        return (duplicate.channel != Channel.HOTLINE_12393.value and not duplicate.is_confidential_report
                and (duplicate is ticket or same_person(duplicate, ticket, caller)))

    if ticket.is_confidential_report:
        return []
    found, frontier = [ticket], [ticket.id]
    for _ in range(MAX_MERGE_HOPS):
        joined = session.scalars(sa.select(Ticket).where(Ticket.merged_into_id.in_(frontier),
                                                         Ticket.status == TicketStatus.MERGED.value)
                                 .order_by(Ticket.id)).all()
        if not joined:
            break
        found += joined
        frontier = [t.id for t in joined]
    return list(dict.fromkeys(Channel(t.channel).title for t in found if shown(t)))


def reply_file(session: Session, channel: str, reference: str, attachment_id: int, *,
               now: datetime) -> TicketAttachment:
    """One file sent with the reply of one of the channel's tickets; any other file of the ticket is as absent."""
    ticket = _own(session, channel, reference)
    for attachment in channel_view(ticket, now=now).reply_files:
        if attachment.id == attachment_id:
            return attachment
    raise NotFound(f"工单 {ticket.number} 的答复没有编号为 {attachment_id} 的附件")


def last_change(ticket: Ticket) -> datetime | None:
    """When the channel's view of the ticket last changed: its own last event, or that of a ticket it joined
    (directly, or through a ticket that was merged in turn)."""
    times, current = [ticket.updated_at], ticket
    for _ in range(MAX_MERGE_HOPS):
        if current.status != TicketStatus.MERGED.value or current.merged_into is None:
            break
        current = current.merged_into
        times.append(current.updated_at)
    return max((t for t in times if t is not None), default=None)


def find(session: Session, channel: str, reference: str, *, now: datetime) -> ChannelTicket:
    """One ticket of the channel, by the channel's own id (external_id) or the ticket number."""
    return channel_view(_own(session, channel, reference), now=now)


def _own(session: Session, channel: str, reference: str, *, to_change: bool = False) -> Ticket:
    query = sa.select(Ticket).where(
        Ticket.channel == channel, sa.or_(Ticket.external_id == reference, Ticket.number == reference,
                                          Ticket.transfer_reference == reference))
    # to change it: a platform's retry, or an agent's 回访, at the same moment waits and sees this one
    ticket = session.scalar(locks.for_change(query, Ticket) if to_change else query)
    if ticket is None:
        raise NotFound(f"本渠道没有编号为 {reference} 的工单")
    return ticket


def record_evaluation(session: Session, channel: str, reference: str, *, satisfaction: str, solved: bool | None,
                      comment: str = "", now: datetime) -> tuple[Callback, bool]:
    """满意度回传: the platform asked its citizen about the reply (12345's own 回访, a mailbox's 评价 button) and
    returns the answer. It stands for the centre's callback: the ticket leaves the 回访 queue as 已回访 and the
    answer counts in the department's 满意率 and 解决率 like one the centre took. Only for a ticket answered and
    not yet called back; an unhappy answer is for the centre to act on (重办), as after its own callback. Returns the
    callback and whether it was recorded now (False: the same 评价 sent again)."""
    ticket = _own(session, channel, reference, to_change=True)
    if ticket.status == TicketStatus.MERGED.value:
        raise InvalidTransition(f"工单 {ticket.number} 已与同一事项合并办理，评价请以合并后的答复为准，本件不再接收评价")
    if repeated := _evaluated_already(ticket, satisfaction, solved):
        return repeated, False  # kept once
    if ticket.status != TicketStatus.REPLIED.value:
        raise InvalidTransition(f"工单 {ticket.number} 当前{TicketStatus(ticket.status).title}，只有已答复、尚未回访的工单接收评价")
    comment = (comment or "").strip()
    note = f"{Channel(channel).title}回传群众评价" + (f"：{comment}" if comment else "")
    return tickets.record_callback(session, ticket, reached=True, satisfaction=satisfaction, solved=solved, note=note,
                                   actor=None, now=now), True


def _evaluated_already(ticket: Ticket, satisfaction: str, solved: bool | None) -> Callback | None:
    """The channel's own 评价 of the current reply, when it said the same: a platform retrying after a timeout
    got a 409 and could not tell whether its first try was kept or the centre had called back (an API review)."""
    if ticket.status not in (TicketStatus.CALLED_BACK.value, TicketStatus.CLOSED.value) or ticket.replied_at is None:
        return None
    mine = [c for c in ticket.callbacks if c.agent_id is None and c.reached and c.created_at >= ticket.replied_at]
    return mine[-1] if mine and (mine[-1].satisfaction, mine[-1].solved) == (satisfaction, solved) else None


def changes_query(channel: str, since: datetime, until: datetime) -> sa.Select:
    """(ticket id, changed_at) of the channel's tickets changed in (since, until]: each a range of an index,
    the tickets' own events on (channel, updated_at), and for the merged ones (through status) the tickets
    they joined, one part per hop of a chain of merges."""
    own = sa.select(Ticket.id.label("id"), Ticket.updated_at.label("changed_at")).where(
        Ticket.channel == channel, Ticket.updated_at > since, Ticket.updated_at <= until)
    parts = [own]
    for hops in range(1, MAX_MERGE_HOPS + 1):
        chain = [aliased(Ticket) for _ in range(hops)]
        followed = sa.select(Ticket.id.label("id"), chain[-1].updated_at.label("changed_at")).join(
            chain[0], chain[0].id == Ticket.merged_into_id)
        for before, after in zip(chain, chain[1:]):
            followed = followed.join(after, sa.and_(after.id == before.merged_into_id,
                                                    before.status == TicketStatus.MERGED.value))
        parts.append(followed.where(
            Ticket.channel == channel, Ticket.status == TicketStatus.MERGED.value, chain[-1].updated_at > since,
            chain[-1].updated_at <= until, chain[-1].updated_at > Ticket.updated_at))
    both = sa.union_all(*parts).subquery()
    return sa.select(both.c.id, sa.func.max(both.c.changed_at).label("changed_at")).group_by(both.c.id)


def changed(session: Session, channel: str, *, since: datetime, until: datetime | None, now: datetime,
            page: int = 1, per_page: int = MAX_PER_PAGE, after: str | None = None) -> ChannelPage:
    """The channel's tickets that changed in (since, until], oldest change first.

    ``after`` (the ``next_after`` of the page before) continues from the last ticket listed. A page number
    counts from the start of the window instead, and a ticket that changes again while the channel pages
    leaves the window (its new change is after ``until``) and moves every later ticket one place up, so one
    would be skipped; ``after`` skips none. ``until`` is never later than now: a window reaching into the
    future would be closed before the changes still to come in it were made."""
    until = min(until or now, now).replace(microsecond=0)  # as the API writes it back, for the next pages
    if since >= until:
        raise ValidationFailed("since 必须早于 until", fields={"since": "应早于 until（默认为当前时间）"})
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    changes = changes_query(channel, since, until).subquery()
    # what channel_view reads of each ticket, loaded for the page at once: a page of 100 took 231 statements, one
    # per ticket for its files and its replies and one per reply for the files sent with it (a scale review)
    query = (sa.select(Ticket, changes.c.changed_at).join(changes, changes.c.id == Ticket.id)
             .options(selectinload(Ticket.attachments), selectinload(Ticket.category), selectinload(Ticket.department),
                      selectinload(Ticket.replies).selectinload(Reply.attachments)))
    if after is not None:
        changed_at, ticket_id = parse_cursor(after)
        query = query.where(sa.or_(changes.c.changed_at > changed_at,
                                   sa.and_(changes.c.changed_at == changed_at, Ticket.id > ticket_id)))
    else:
        query = query.offset((page - 1) * per_page)
    rows = session.execute(query.order_by(changes.c.changed_at, Ticket.id).limit(per_page + 1)).all()
    shown = rows[:per_page]
    items = [channel_view(t, now=now, changed_at=changed_at) for t, changed_at in shown]
    more = len(rows) > per_page
    cursor = cursor_after(shown[-1][1], shown[-1][0].id) if more else None
    return ChannelPage(items, more, until, until - OVERLAP, cursor)
