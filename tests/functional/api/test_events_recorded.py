"""Every change is an event (an event review): the deadlines a move replaces, a 协办 deadline a holiday moves, a
text that went out while the ticket moved on, and how a ticket came when no person registered it."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests.factories import extend, make_ticket
from ticketing.models import CitizenContact, Ticket, TicketEvent, TicketStatus, User
from ticketing.services import administration, api_tokens, assists, sms, tickets

S = TicketStatus


def test_a_holiday_that_moves_an_assist_deadline_is_an_event_of_its_ticket(db, users, now):
    ticket = extend(db, users, make_ticket(db, users, now, status=S.ACCEPTED), now)  # its own dates stay
    request = assists.request_assist(db.session, ticket, tickets.department_by_code(db.session, "CBZJ"), "核实",
                                     actor=users["staff_dybz"], now=now)
    db.session.commit()
    shown, updated = request.due_at, ticket.updated_at
    administration.add_calendar_day(db.session, date(2026, 3, 4), "holiday", "临时", actor=users["admin"],
                                    now=now + timedelta(hours=1))
    db.session.commit()
    assert request.due_at > shown
    event = ticket.events[-1]
    assert event.action == "recalculate_deadline" and "参保征缴科协办反馈时限" in event.note
    assert event.data["assist"] == request.id and event.data["assist_due_at"][0] == shown.isoformat()
    assert ticket.updated_at == updated  # a channel polling for what the citizen sees is not sent it


def test_reopen_records_the_deadlines_it_replaces(db, users, now):
    ticket = make_ticket(db, users, now, status=S.CLOSED)
    accept_due, reply_due = ticket.accept_due_at, ticket.reply_due_at
    tickets.reopen(db.session, ticket, "群众不满意", actor=users["agent"], now=now + timedelta(days=7))
    data = ticket.events[-1].data
    assert data["reply_due_from"] == reply_due.isoformat() and data["accept_due_from"] == accept_due.isoformat()
    assert ticket.reply_due_at != reply_due


def test_an_approved_return_records_the_deadlines_it_replaces(db, users, now):
    ticket = make_ticket(db, users, now, status=S.RETURN_REQUESTED)
    reply_due = ticket.reply_due_at
    tickets.approve_return(db.session, ticket, tickets.department_by_code(db.session, "CBZJ"),
                           actor=users["agent"], now=now + timedelta(days=5), note="属参保征缴科")
    data = ticket.events[-1].data
    assert data["reply_due_from"] == reply_due.isoformat() and "accept_due_from" in data
    assert ticket.reply_due_at != reply_due


def test_a_text_sent_while_the_ticket_is_reassigned_is_recorded(db, users, now, monkeypatch):
    """The gateway takes the text; meanwhile a supervisor 改派 the ticket. The text went out: it is a contact and an
    event, where the refused record left the notice told with neither."""
    ticket = extend(db, users, make_ticket(db, users, now, status=S.ACCEPTED, caller_phone="13912345678"), now)
    db.session.commit()
    ticket_id, supervisor_id = ticket.id, users["supervisor"].id

    def gateway(*args, **kwargs):
        with Session(db.engine) as other:
            tickets.reassign(other, other.get(Ticket, ticket_id), tickets.department_by_code(other, "CBZJ"),
                             actor=other.get(User, supervisor_id), now=now + timedelta(minutes=1), reason="改派")
            other.commit()

    monkeypatch.setattr(sms, "deliver", gateway)
    contact = sms.send_notice(db.session, ticket, "extension", actor=users["staff_dybz"], now=now, command=("gw",))
    db.session.commit()
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket_id)
    assert ticket.department.code == "CBZJ" and ticket.extension_told_at is not None
    assert db.session.scalars(sa.select(CitizenContact).where(CitizenContact.ticket_id == ticket_id)).all() == [contact]
    assert [e.action for e in ticket.events[-2:]] == ["reassign", "contact"]
    assert ticket.events[-1].actor_label == users["staff_dybz"].display_name and "短信" in ticket.events[-1].note


@pytest.mark.parametrize("how", ["cli", "api"])
def test_a_ticket_no_person_registered_says_how_it_came(app, db, users, now, tmp_path, no_classifier, how):
    if how == "cli":
        path = tmp_path / "letters.csv"
        path.write_text("编号,内容\nM001,住院报销比例是多少\n", encoding="utf-8")
        result = app.test_cli_runner().invoke(args=["import-tickets", str(path), "--channel", "mailbox_mayor",
                                                    "--map", "编号=external_id,内容=content"])
        assert result.exit_code == 0, result.output
        expected = "命令行导入 letters.csv"
    else:
        issued = api_tokens.issue_token(db.session, now=now, channel="mailbox_mayor", name="市长信箱推送")
        db.session.commit()
        response = app.test_client().post("/api/v1/tickets",
                                          json={"external_id": "M001", "type": "consult", "content": "住院报销比例是多少"},
                                          headers={"Authorization": f"Bearer {issued.token}"})
        assert response.status_code == 201, response.get_json()
        expected = f"接口令牌 #{issued.record.id}（市长信箱推送）"
    db.session.expire_all()
    registered = db.session.scalar(sa.select(TicketEvent).join(Ticket).where(
        Ticket.external_id == "M001", TicketEvent.action == "register"))
    assert registered.data["via"] == expected and registered.note.endswith(f"；{expected}")
