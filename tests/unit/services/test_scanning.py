"""The deadline scan: marks overdue tickets once, escalates once, even when two scans run at the same moment."""
from __future__ import annotations

import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests.factories import make_ticket
from tests.sms_gateway import __file__ as GATEWAY
from ticketing.models import Ticket, TicketEvent, TicketStatus
from ticketing.services import tickets
from ticketing.services.deadlines import LOCAL_TZ
from ticketing.services.scanning import scan_deadlines
from ticketing.services.workflow import Action

S = TicketStatus


def events(db, action: Action, ticket=None) -> list[TicketEvent]:
    query = sa.select(TicketEvent).where(TicketEvent.action == action.value).order_by(TicketEvent.id)
    if ticket is not None:
        query = query.where(TicketEvent.ticket_id == ticket.id)
    return list(db.session.scalars(query))


def test_nothing_to_do_before_the_deadline(db, users, now):
    make_ticket(db, users, now, status=S.DISPATCHED)
    db.session.commit()
    result = scan_deadlines(db.session, now + timedelta(hours=2))
    assert result.marked == [] and result.escalated == []


def test_marks_a_ticket_past_its_accept_deadline_once(db, users, now):
    ticket = make_ticket(db, users, now, status=S.DISPATCHED)  # accept by Tuesday 23:59:59
    db.session.commit()
    wednesday = now + timedelta(days=2, hours=1)
    result = scan_deadlines(db.session, wednesday)
    db.session.commit()
    assert result.marked == [ticket.number]
    assert result.escalated == []  # less than one full working day late
    assert ticket.overdue_marked_at == wednesday
    [event] = events(db, Action.MARK_OVERDUE, ticket)
    assert event.actor_id is None and event.actor_label == "系统"
    assert event.data["deadline"] == "accept" and event.to_status == S.DISPATCHED.value

    again = scan_deadlines(db.session, wednesday + timedelta(minutes=5))
    db.session.commit()
    assert again.marked == [] and len(events(db, Action.MARK_OVERDUE, ticket)) == 1


def test_reply_deadline_and_escalation_after_more_than_one_working_day(db, users, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, type="consult")  # reply within 3 working days
    db.session.commit()
    thursday_late = now + timedelta(days=3, hours=14)  # due Thursday 23:59:59
    assert scan_deadlines(db.session, thursday_late).marked == []
    friday = now + timedelta(days=4, hours=1)
    result = scan_deadlines(db.session, friday)
    db.session.commit()
    assert result.marked == [ticket.number] and result.escalated == []
    assert events(db, Action.MARK_OVERDUE, ticket)[0].data["deadline"] == "reply"
    # Friday and the weekend: one working day late; Tuesday: two
    assert scan_deadlines(db.session, now + timedelta(days=6, hours=1)).escalated == []
    tuesday = now + timedelta(days=8, hours=1)
    result = scan_deadlines(db.session, tuesday)
    db.session.commit()
    assert result.escalated == [ticket.number]
    assert scan_deadlines(db.session, tuesday + timedelta(hours=1)).escalated == []
    assert len(events(db, Action.ESCALATE, ticket)) == 1


def test_an_urged_ticket_still_overdue_is_escalated_at_once(db, users, now):
    ticket = make_ticket(db, users, now, status=S.DISPATCHED)
    tickets.urge(db.session, ticket, "请尽快签收", actor=users["supervisor"], now=now + timedelta(hours=3))
    db.session.commit()
    result = scan_deadlines(db.session, now + timedelta(days=2, hours=1))
    db.session.commit()
    assert result.marked == [ticket.number] and result.escalated == [ticket.number]
    assert "督办" in events(db, Action.ESCALATE, ticket)[0].note


def test_closed_and_replied_tickets_are_left_alone(db, users, now):
    make_ticket(db, users, now, status=S.REPLIED)
    make_ticket(db, users, now, status=S.CLOSED)
    db.session.commit()
    result = scan_deadlines(db.session, now + timedelta(days=60))
    assert result.marked == [] and result.escalated == []


def test_an_approved_extension_resets_the_mark_and_the_ticket_can_be_overdue_again(db, users, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, type="consult")
    db.session.commit()
    friday = now + timedelta(days=4, hours=1)
    tickets.request_extension(db.session, ticket, "需要调取外地病历", ticket.reply_due_at + timedelta(days=7),
                              actor=users["staff_dybz"], now=now + timedelta(hours=1))  # asked in time,
    db.session.commit()
    assert scan_deadlines(db.session, friday).marked == [ticket.number]  # approved only after the deadline
    tickets.approve_extension(db.session, ticket, actor=users["supervisor"], now=friday)
    db.session.commit()
    assert ticket.overdue_marked_at is None
    assert scan_deadlines(db.session, friday + timedelta(hours=1)).marked == []
    later = ticket.reply_due_at + timedelta(days=1)
    assert scan_deadlines(db.session, later).marked == [ticket.number]
    db.session.commit()
    assert len(events(db, Action.MARK_OVERDUE, ticket)) == 2


def _scan_in_thread(engine, moment, barrier, results, errors, sms_command=()):
    try:
        with Session(engine) as session:
            barrier.wait(timeout=10)
            result = scan_deadlines(session, moment, sms_command=sms_command)
            session.commit()
            results.append(result)
    except Exception as error:  # pragma: no cover - reported by the assertion below
        errors.append(error)


def test_two_scans_at_the_same_moment_do_the_work_once(db, users, now):
    made = [make_ticket(db, users, now, status=S.DISPATCHED) for _ in range(8)]
    made += [make_ticket(db, users, now, status=S.ACCEPTED, type="consult") for _ in range(4)]
    db.session.commit()
    moment = now + timedelta(days=9)  # everything overdue by more than one working day
    for _ in range(2):  # first round marks and escalates, the second finds nothing to do
        barrier, results, errors = threading.Barrier(2), [], []
        threads = [threading.Thread(target=_scan_in_thread, args=(db.engine, moment, barrier, results, errors))
                   for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert errors == [] and len(results) == 2
        moment += timedelta(minutes=5)

    db.session.expire_all()
    for ticket in made:
        assert len(events(db, Action.MARK_OVERDUE, ticket)) == 1
        assert len(events(db, Action.ESCALATE, ticket)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket).where(
        Ticket.overdue_marked_at.is_(None))) == 0


def test_scan_deadlines_command(app, db, users, now, monkeypatch):
    ticket = make_ticket(db, users, now, status=S.DISPATCHED)
    db.session.commit()
    monkeypatch.setattr("ticketing.services.clock.now_utc", lambda: now + timedelta(days=9))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["scan-deadlines"])
    assert first.exit_code == 0, first.output
    assert "标记超期 1 件" in first.output and "超期升级 1 件" in first.output
    second = runner.invoke(args=["scan-deadlines", "--quiet"])
    assert second.exit_code == 0 and second.output == ""
    db.session.expire_all()
    assert len(events(db, Action.MARK_OVERDUE, ticket)) == 1


def test_a_ticket_redispatched_after_a_return_gets_a_fresh_clock_and_can_be_marked_again(db, users, now):
    ticket = make_ticket(db, users, now, status=S.DISPATCHED, category="CB")
    db.session.commit()
    wednesday = now + timedelta(days=2, hours=1)
    assert scan_deadlines(db.session, wednesday).marked == [ticket.number]
    tickets.return_ticket(db.session, ticket, "不属于本单位", actor=users["staff_dybz"], now=wednesday)
    tickets.approve_return(db.session, ticket, tickets.department_by_code(db.session, "CBZJ"),
                           actor=users["supervisor"], now=wednesday)
    db.session.commit()
    assert ticket.overdue_marked_at is None
    assert scan_deadlines(db.session, wednesday + timedelta(hours=1)).marked == []
    assert scan_deadlines(db.session, wednesday + timedelta(days=2)).marked == [ticket.number]


# ----------------------------------------------------------------------------- 紧急工单短信提醒

def _gateway(tmp_path) -> tuple[tuple[str, ...], Path]:
    outbox = tmp_path / "outbox.txt"
    return (sys.executable, GATEWAY, str(outbox), "{phone}"), outbox


def test_an_urgent_dispatch_is_texted_to_the_departments_duty_phone_once_per_dispatch(db, users, now, reference,
                                                                                      tmp_path):
    command, outbox = _gateway(tmp_path)
    reference["DYBZ"].duty_phone = "13900001111"
    urgent = make_ticket(db, users, now, status=S.DISPATCHED, urgency="urgent", type="help")
    make_ticket(db, users, now, status=S.DISPATCHED)  # not urgent: no text
    make_ticket(db, users, now, status=S.DISPATCHED, urgency="urgent", department="CBZJ", category="CB")  # no phone
    db.session.commit()
    assert scan_deadlines(db.session, now + timedelta(minutes=30)).alerted == []  # no gateway: nothing is sent

    result = scan_deadlines(db.session, now + timedelta(minutes=31), sms_command=command)
    db.session.commit()
    assert result.alerted == [urgent.number] and "紧急工单短信提醒 1 件" in str(result)
    [sent] = outbox.read_text(encoding="utf-8").splitlines()
    phone, message = sent.split("\t")
    assert phone == "13900001111" and urgent.number in message and "待遇保障科" in message
    assert f"{urgent.accept_due_at.astimezone(LOCAL_TZ):%-m月%-d日%H:%M}前签收" in message
    assert "王女士" not in message and "13800138000" not in message  # nothing about the caller
    [event] = events(db, Action.ALERT_DEPARTMENT, urgent)
    assert event.actor_id is None and event.note == "已短信提醒待遇保障科值班手机 139****1111"
    assert event.data == {"sent": True, "phone": "139****1111"} and urgent.status == S.DISPATCHED.value

    assert scan_deadlines(db.session, now + timedelta(minutes=40), sms_command=command).alerted == []  # once
    # sent elsewhere and back (退回, 改派): a new dispatch is texted again
    tickets.reassign(db.session, urgent, reference["CBZJ"], actor=users["supervisor"], reason="属参保征缴",
                     now=now + timedelta(minutes=50))
    tickets.reassign(db.session, urgent, reference["DYBZ"], actor=users["supervisor"], reason="核实后仍由本科室办理",
                     now=now + timedelta(hours=1))
    db.session.commit()
    again = scan_deadlines(db.session, now + timedelta(hours=1, minutes=5), sms_command=command)
    assert again.alerted == [urgent.number] and len(outbox.read_text(encoding="utf-8").splitlines()) == 2


def test_a_refused_text_is_recorded_and_tried_again_by_the_next_scans_up_to_three_times(db, users, now, reference,
                                                                                         tmp_path):
    command, outbox = _gateway(tmp_path)
    reference["DYBZ"].duty_phone = "13900000000"  # the test gateway refuses numbers ending in 0000
    urgent = make_ticket(db, users, now, status=S.DISPATCHED, urgency="urgent")
    db.session.commit()
    result = scan_deadlines(db.session, now + timedelta(minutes=15), sms_command=command)  # dispatched at +10
    db.session.commit()
    assert result.alerted == [] and result.alert_failed == [urgent.number] and "1 件未发出" in str(result)
    [event] = events(db, Action.ALERT_DEPARTMENT, urgent)
    assert event.data["sent"] is False and "短信平台未接受该短信" in event.note and "请电话通知承办单位" in event.note
    assert (event.data["try"], event.data["again"]) == (1, True) and "第 1 次，下次扫描时再发" in event.note
    assert not outbox.exists()
    for minutes in (20, 25):
        assert scan_deadlines(db.session, now + timedelta(minutes=minutes), sms_command=command).alert_failed == [
            urgent.number]
        db.session.commit()
    last = events(db, Action.ALERT_DEPARTMENT, urgent)[-1]
    assert (last.data["try"], last.data["again"]) == (3, False) and "下次扫描" not in last.note
    assert scan_deadlines(db.session, now + timedelta(minutes=30), sms_command=command).alert_failed == []
    assert len(events(db, Action.ALERT_DEPARTMENT, urgent)) == 3


def test_a_retry_that_the_gateway_takes_ends_the_tries(db, users, now, reference, tmp_path):
    command, outbox = _gateway(tmp_path)
    reference["DYBZ"].duty_phone = "13900000000"
    urgent = make_ticket(db, users, now, status=S.DISPATCHED, urgency="urgent")
    db.session.commit()
    scan_deadlines(db.session, now + timedelta(minutes=15), sms_command=command)
    db.session.commit()
    reference["DYBZ"].duty_phone = "13900001111"  # the administrator corrected the number
    db.session.commit()
    assert scan_deadlines(db.session, now + timedelta(minutes=20), sms_command=command).alerted == [urgent.number]
    db.session.commit()
    assert scan_deadlines(db.session, now + timedelta(minutes=25), sms_command=command).alerted == []
    assert [e.data["sent"] for e in events(db, Action.ALERT_DEPARTMENT, urgent)] == [False, True]
    assert len(outbox.read_text(encoding="utf-8").splitlines()) == 1


def test_two_scans_at_once_text_each_urgent_dispatch_once(db, users, now, reference, tmp_path):
    command, outbox = _gateway(tmp_path)
    reference["DYBZ"].duty_phone = "13900001111"
    made = [make_ticket(db, users, now, status=S.DISPATCHED, urgency="urgent") for _ in range(6)]
    db.session.commit()
    barrier, results, errors = threading.Barrier(2), [], []
    threads = [threading.Thread(target=_scan_in_thread, args=(db.engine, now + timedelta(minutes=15), barrier, results,
                                                              errors, command)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and sorted(n for r in results for n in r.alerted) == sorted(t.number for t in made)
    assert len(outbox.read_text(encoding="utf-8").splitlines()) == 6
    db.session.expire_all()
    assert all(len(events(db, Action.ALERT_DEPARTMENT, t)) == 1 for t in made)


def test_scan_deadlines_command_texts_with_the_configured_gateway(app, db, users, now, reference, tmp_path,
                                                                   monkeypatch):
    command, outbox = _gateway(tmp_path)
    reference["DYBZ"].duty_phone = "13900001111"
    make_ticket(db, users, now, status=S.DISPATCHED, urgency="urgent")
    db.session.commit()
    monkeypatch.setitem(app.config, "SMS_COMMAND", " ".join(command))
    monkeypatch.setattr("ticketing.services.clock.now_utc", lambda: now + timedelta(minutes=20))
    result = app.test_cli_runner().invoke(args=["scan-deadlines", "--quiet"])
    assert result.exit_code == 0 and "紧急工单短信提醒 1 件" in result.output
    assert outbox.read_text(encoding="utf-8").startswith("13900001111\t【12393医保服务热线】紧急工单")


def test_after_a_late_accept_the_reply_deadline_is_marked_and_escalated_when_it_passes(db, users, now):
    """The 签收 deadline's mark stayed after the 签收, so the scan never marked or escalated the reply deadline: 110
    tickets of a simulated quarter were answered days late without either."""
    ticket = make_ticket(db, users, now, status=S.DISPATCHED, type="consult")  # accept by Tue, reply by Thu
    db.session.commit()
    wednesday = now + timedelta(days=2, hours=1)
    assert scan_deadlines(db.session, wednesday).marked == [ticket.number]
    tickets.accept(db.session, ticket, actor=users["staff_dybz"], now=wednesday + timedelta(hours=1))
    assert ticket.overdue_marked_at is None
    db.session.commit()
    friday = now + timedelta(days=4, hours=1)
    assert scan_deadlines(db.session, friday).marked == [ticket.number]
    db.session.commit()
    assert [e.data["deadline"] for e in events(db, Action.MARK_OVERDUE, ticket)] == ["accept", "reply"]
    tuesday = now + timedelta(days=8, hours=1)  # more than a working day late
    assert scan_deadlines(db.session, tuesday).escalated == [ticket.number]


def test_a_ticket_dispatched_after_its_reply_deadline_gives_the_department_its_own_time(db, users, now, reference):
    """An urgent letter received on a Saturday and fetched on Monday was due on Sunday: the department that answered
    it within hours was counted late (a simulated quarter)."""
    from tests.conftest import LOCAL

    saturday = now - timedelta(days=2) + timedelta(hours=1)
    data = tickets.TicketInput(channel="mailbox_director", type="help", urgency="urgent", content="住院押金交不起，请求帮助",
                               received_at=saturday, category_code="DY")
    ticket = tickets.register_ticket(db.session, data, actor=None, now=now, route_now=False).ticket
    passed = ticket.reply_due_at
    assert passed < now
    tickets.dispatch(db.session, ticket, reference["DYBZ"], actor=users["agent"], now=now)
    assert ticket.reply_due_at == now + timedelta(hours=24)
    assert ticket.events[-1].data["reply_due_from"] == passed.isoformat()
    tickets.accept(db.session, ticket, actor=users["staff_dybz"], now=now + timedelta(minutes=20))
    tickets.reply(db.session, ticket, "已协调医院缓交押金", actor=users["staff_dybz"], now=now + timedelta(hours=3))
    assert ticket.events[-1].data["on_time"] is True
    assert ticket.received_at.astimezone(LOCAL) == saturday.astimezone(LOCAL)  # the receipt itself is kept


def test_the_gateway_is_called_with_no_transaction_open_and_each_text_is_saved_when_sent(db, users, now, reference,
                                                                                          monkeypatch):
    """A resilience review: the scan texted inside its one transaction, holding SQLite's write lock (every page
    waited, then failed after 15 s) for as long as the gateway took; and a run stopped half way had sent texts it
    had not recorded, which the next run sent again."""
    from ticketing.services import sms

    reference["DYBZ"].duty_phone = "13900001111"
    first, second, third = (make_ticket(db, users, now, status=S.DISPATCHED, urgency="urgent") for _ in range(3))
    db.session.commit()
    sent = []

    def gateway(command, phone, text, **kwargs):
        assert not db.session().in_transaction()  # nothing held while waiting for the gateway
        if len(sent) == 1:
            raise KeyboardInterrupt  # the run is stopped while the second text is on its way
        sent.append(kwargs["about"])

    monkeypatch.setattr(sms, "deliver", gateway)
    with pytest.raises(KeyboardInterrupt):
        scan_deadlines(db.session, now + timedelta(minutes=30), sms_command=("gateway",))
    db.session.rollback()
    assert sent == [first.number]
    assert [e.data["sent"] for e in events(db, Action.ALERT_DEPARTMENT, first)] == [True]  # saved as sent
    monkeypatch.setattr(sms, "deliver", lambda command, phone, text, **kwargs: sent.append(kwargs["about"]))
    scan_deadlines(db.session, now + timedelta(minutes=35), sms_command=("gateway",))
    db.session.commit()
    # the second, claimed, may have gone when the run stopped: not texted again; the third, not yet claimed when it
    # stopped, is texted by the next run (a diff review: all were claimed before the first text, and it never was)
    assert sent == [first.number, third.number]
    assert events(db, Action.ALERT_DEPARTMENT, second) == []


def test_a_ticket_accepted_while_its_text_is_on_its_way_still_has_the_text_recorded(db, users, now, reference,
                                                                                    monkeypatch):
    """A diff review: the department accepted the first urgent ticket while its duty phone was texted; recording the
    text then failed (only a dispatched ticket could have it), the scan stopped, and the second was not texted."""
    from sqlalchemy.orm import Session

    from ticketing.services import sms, tickets

    reference["DYBZ"].duty_phone = "13900001111"
    first, second = (make_ticket(db, users, now, status=S.DISPATCHED, urgency="urgent") for _ in range(2))
    db.session.commit()
    first_id, staff_id, sent = first.id, users["staff_dybz"].id, []

    def gateway(command, phone, text, **kwargs):
        if not sent:
            with Session(db.engine) as other:
                tickets.accept(other, other.get(Ticket, first_id), actor=other.get(type(users["agent"]), staff_id),
                               now=now + timedelta(minutes=30))
                other.commit()
        sent.append(kwargs["about"])

    monkeypatch.setattr(sms, "deliver", gateway)
    result = scan_deadlines(db.session, now + timedelta(minutes=30), sms_command=("gateway",))
    db.session.commit()
    assert result.alerted == [first.number, second.number]
    db.session.refresh(first)
    assert first.status == S.ACCEPTED.value and [e.data["sent"] for e in events(db, Action.ALERT_DEPARTMENT, first)] == [True]
