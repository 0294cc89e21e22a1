"""更正来电人信息: a caller's details typed wrong are corrected by the centre, checked as at registration, and the
old and new values kept in the event."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import make_ticket
from ticketing.models import TicketStatus
from ticketing.services import caller_corrections, privacy, tickets
from ticketing.services.errors import InvalidTransition, NotAllowed, NotFound, ValidationFailed

S = TicketStatus
VALID_ID = "11010519491231002X"


def correct(db, ticket, user, now, reason="登记时号码输错，来电人再次来电核实", **given):
    changed = caller_corrections.correct_caller(db.session, ticket, given, reason, actor=user, now=now)
    db.session.flush()
    return changed


def test_a_mistyped_phone_is_corrected_and_both_numbers_kept_in_the_event(db, users, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, caller_phone="13800138001")
    changed = correct(db, ticket, users["agent"], now + timedelta(hours=1), caller_phone="138 0013 8000",
                      caller_name="王女士")
    assert changed == {"caller_phone": ["13800138001", "13800138000"]}  # the name was the same: not a change
    assert ticket.caller_phone == "13800138000" and ticket.status == S.ACCEPTED.value
    event = ticket.events[-1]
    assert event.action == "correct_caller" and event.data == {"changed": changed}
    assert event.note == "更正联系电话：登记时号码输错，来电人再次来电核实"
    assert "138" not in event.note  # the values are in the data only: a fraud reporter's stay out of the note


def test_the_corrected_number_finds_the_callers_other_tickets(db, users, now):
    earlier = make_ticket(db, users, now, caller_phone="13900139000")
    ticket = make_ticket(db, users, now + timedelta(days=1), caller_phone="13900139001")
    assert privacy.same_caller(db.session, users["agent"], ticket) == []
    correct(db, ticket, users["agent"], now + timedelta(days=1, hours=1), caller_phone="13900139000")
    assert privacy.same_caller(db.session, users["agent"], ticket) == [earlier]


def test_every_detail_is_checked_as_at_registration_and_all_messages_come_at_once(db, users, now):
    ticket = make_ticket(db, users, now)
    with pytest.raises(ValidationFailed) as refused:
        correct(db, ticket, users["agent"], now, reason=" ", caller_phone="1380013800", caller_id_number="110105194912310021",
                caller_name="王" * 51, region="内蒙古自治区呼和浩特市赛罕区某某街道某某小区某某号楼某某单元某某室" * 2)
    assert set(refused.value.fields) == {"caller_phone", "caller_id_number", "caller_name", "region", "reason"}
    assert "校验位" in refused.value.fields["caller_id_number"] and "更正的原因" in refused.value.fields["reason"]
    db.session.refresh(ticket)
    assert ticket.caller_phone == "13800138000" and not any(e.action == "correct_caller" for e in ticket.events)


def test_nothing_changed_is_refused_and_an_empty_value_clears(db, users, now):
    ticket = make_ticket(db, users, now)
    with pytest.raises(ValidationFailed, match="没有变化"):
        correct(db, ticket, users["agent"], now, caller_phone="13800138000", caller_name=" 王女士 ")
    correct(db, ticket, users["agent"], now, caller_name="", caller_id_number="１１０１０５１９４９１２３１００２ｘ")
    assert ticket.caller_name is None and ticket.caller_id_number == VALID_ID  # full-width folded as at registration
    assert ticket.caller_phone == "13800138000"  # left out: as it was
    assert ticket.events[-1].note.startswith("更正姓名、身份证号：")


def test_a_region_is_spelled_as_the_rules_know_it_and_a_dispatched_ticket_is_not_moved(db, users, now, reference):
    ticket = make_ticket(db, users, now, status=S.DISPATCHED)
    department = ticket.department
    known = next(iter(tickets.routing.known_regions(db.session)), None)
    if known is None:
        pytest.skip("no 区县 in the reference data")
    correct(db, ticket, users["supervisor"], now + timedelta(hours=1), region=f"  {known} ")
    assert ticket.region == known and ticket.department is department
    assert f"承办单位仍为{department.name}，需要时请改派" in ticket.events[-1].note


@pytest.mark.parametrize("status", [S.REGISTERED, S.ACCEPTED, S.REPLIED, S.CLOSED])
def test_agents_and_supervisors_correct_in_any_state_but_merged(db, users, now, status):
    ticket = make_ticket(db, users, now, status=status)
    correct(db, ticket, users["agent"], now + timedelta(days=1), caller_phone="13700137000")
    correct(db, ticket, users["supervisor"], now + timedelta(days=1), caller_phone="13700137001")
    assert ticket.caller_phone == "13700137001" and ticket.status == status.value


def test_who_may_not_correct(db, users, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    with pytest.raises(NotAllowed):  # an administrator sees no caller (privacy.sees_every_caller)
        correct(db, ticket, users["admin"], now, caller_phone="13700137000")
    with pytest.raises(NotAllowed):  # the department records what it learns as a contact; the centre corrects
        correct(db, ticket, users["staff_dybz"], now, caller_phone="13700137000")
    with pytest.raises(NotFound):
        correct(db, ticket, users["staff_cbzj"], now, caller_phone="13700137000")
    kept = make_ticket(db, users, now)
    duplicate = make_ticket(db, users, now)
    tickets.merge(db.session, duplicate, kept, actor=users["agent"], now=now)
    with pytest.raises(InvalidTransition):
        correct(db, duplicate, users["agent"], now, caller_phone="13700137000")
    assert ticket.caller_phone == duplicate.caller_phone == "13800138000"


def test_the_page_and_the_api_offer_it_to_whom_it_is_open(db, users, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    offered = {name: tickets.Action.CORRECT_CALLER in tickets.actions_open_now(db.session, users[name], ticket, now)
               for name in ("agent", "supervisor", "admin", "staff_dybz")}
    assert offered == {"agent": True, "supervisor": True, "admin": False, "staff_dybz": False}
