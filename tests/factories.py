"""Build tickets in a given state by driving them through the real services (flush, no commit)."""
from __future__ import annotations

from datetime import timedelta

from ticketing.models import TicketStatus
from ticketing.services import tickets

S = TicketStatus


def make_ticket(db, users, now, *, status: S = S.REGISTERED, category: str = "DY", department: str = "DYBZ",
                type: str = "complaint", channel: str = "hotline_12393", **fields):
    """A ticket registered by the agent and walked to `status` by the right people."""
    agent, staff = users["agent"], users["staff_dybz"]
    if department == "CBZJ":
        staff = users["staff_cbzj"]
    data = tickets.TicketInput(channel=channel, type=type, content=fields.pop("content", "住院报销比例是多少"),
                               caller_phone=fields.pop("caller_phone", "13800138000"),
                               caller_name=fields.pop("caller_name", "王女士"), category_code=category, **fields)
    ticket = tickets.register_ticket(db.session, data, actor=agent, now=now, route_now=False).ticket
    t = now
    def later():
        nonlocal t
        t = t + timedelta(minutes=10)
        return t
    if status is S.REGISTERED:
        return ticket
    dept = tickets.department_by_code(db.session, department)
    tickets.dispatch(db.session, ticket, dept, actor=agent, now=later())
    if status is S.DISPATCHED:
        return ticket
    if status is S.RETURN_REQUESTED:
        tickets.return_ticket(db.session, ticket, "不属于本单位", actor=staff, now=later())
        return ticket
    tickets.accept(db.session, ticket, actor=staff, now=later())
    if status is S.ACCEPTED:
        return ticket
    tickets.reply(db.session, ticket, "已办理", actor=staff, now=later())
    if status is S.REPLIED:
        return ticket
    if status in (S.CALLED_BACK, S.CLOSED):
        tickets.record_callback(db.session, ticket, reached=True, satisfaction="satisfied", solved=True,
                                actor=agent, now=later())
        if status is S.CALLED_BACK:
            return ticket
        tickets.close(db.session, ticket, actor=agent, now=later())
        return ticket
    raise ValueError(status)


def extend(db, users, ticket, now, *, days: int = 10, approved: bool | None = True, reason: str = "需外地医院配合"):
    """申请延期 by its department for ``days`` more, then the supervisor's decision (None: left pending)."""
    tickets.request_extension(db.session, ticket, reason, ticket.reply_due_at + timedelta(days=days),
                              actor=users["staff_dybz"], now=now)
    if approved is True:
        tickets.approve_extension(db.session, ticket, actor=users["supervisor"], now=now)
    elif approved is False:
        tickets.refuse_extension(db.session, ticket, actor=users["supervisor"], now=now, note="理由不充分")
    db.session.flush()
    return ticket


def page_section(html: str, element_id: str) -> str:
    """The HTML of the <section> (or other element ending a section) whose id is ``element_id``, up to its end."""
    start = html[html.index(f'id="{element_id}"'):]
    return start[:start.index("</section>")]
