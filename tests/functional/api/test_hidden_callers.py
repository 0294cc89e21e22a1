"""A caller's numbers stay hidden from whoever sees them masked: not guessable by searching for them, not in the
names of files, the assessment's drill-down or the call form's helper, and a fraud report's routing stays inside
the centre when its channel submits it again (a review of 4 Dec 2026 found each of these open)."""
from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
import sqlalchemy as sa

from tests.factories import make_ticket
from ticketing.models import Department, PersonalDataView, Ticket, TicketStatus
from ticketing.services import assists, attachments, clock, privacy, tickets

S = TicketStatus
REPORTER = "13900000001"
OTHER = "13900000002"


@pytest.fixture()
def report(db, users, now):
    """A fraud report handled by 待遇保障科, which must not know who made it, and an ordinary ticket of the same
    caller there, whose caller it sees whole."""
    fraud = make_ticket(db, users, now, status=S.ACCEPTED, category="JJ", type="report", caller_phone=REPORTER,
                        caller_name="李举报", title=f"举报药店串换 {REPORTER}",
                        content=f"举报某药店串换药品，我的电话{REPORTER}，请为我保密。")
    ordinary = make_ticket(db, users, now, status=S.ACCEPTED, caller_phone=REPORTER, caller_name="李举报",
                           content="住院报销比例是多少")
    db.session.commit()
    return fraud, ordinary


def _listed(client, auth, who, query):
    auth.login(who)
    html = client.get(f"/tickets/?{query}").get_data(as_text=True)
    auth.logout()
    return html


def test_a_department_cannot_tell_by_a_number_who_reported_fraud(db, client, auth, report):
    fraud, ordinary = report
    for query in (f"phone={REPORTER}", f"q={REPORTER}"):
        html = _listed(client, auth, "staff_dybz", query)
        assert fraud.number not in html, query
        assert (ordinary.number in html) is query.startswith("phone"), query  # its own caller: found by the number
        assert fraud.number in _listed(client, auth, "agent", query), query  # who took the call finds both
    assert fraud.number in _listed(client, auth, "staff_dybz", "q=药店串换")  # the words still find the report


def test_once_the_supervisor_grants_the_reporter_the_number_finds_it(db, client, auth, users, report, now):
    fraud, _ = report
    privacy.grant_identity(db.session, fraud, "需当面核实举报线索", actor=users["supervisor"], now=now)
    db.session.commit()
    assert fraud.number in _listed(client, auth, "staff_dybz", f"phone={REPORTER}")


def test_a_department_asked_to_help_cannot_test_numbers_against_the_ticket(db, client, auth, users, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, caller_phone=REPORTER)
    cbzj = db.session.scalar(sa.select(Department).where(Department.code == "CBZJ"))
    assists.request_assist(db.session, ticket, cbzj, "请核实参保记录", actor=users["staff_dybz"], now=now)
    db.session.commit()
    assert ticket.number in _listed(client, auth, "staff_cbzj", "assist=asked")
    for query in (f"assist=asked&phone={REPORTER}", f"assist=asked&q={REPORTER}"):
        assert ticket.number not in _listed(client, auth, "staff_cbzj", query), query
    assert ticket.number not in _listed(client, auth, "staff_cbzj", f"assist=asked&phone={OTHER}")


def test_the_api_search_and_export_follow_the_same_rule(db, client, auth, api, report):
    fraud, ordinary = report
    body = api.get(f"/tickets?q={REPORTER}", as_="staff_dybz").get_json()
    assert body["total"] == 0
    assert api.get(f"/tickets?q={REPORTER}", as_="agent").get_json()["total"] == 1  # the number is in its text
    auth.login("staff_dybz")
    from openpyxl import load_workbook
    sheet = load_workbook(BytesIO(client.get(f"/tickets/export.xlsx?phone={REPORTER}").data)).active
    numbers = {str(v) for row in sheet.iter_rows(values_only=True) for v in row if v}
    assert ordinary.number in numbers and fraud.number not in numbers


def test_file_names_in_the_api_are_masked_like_the_text(db, api, users, report, now, tmp_path):
    fraud, _ = report
    attachments.attach(db.session, fraud, filename=f"举报录音_来电{REPORTER}.txt", stream=BytesIO(b"recording"),
                       identifies_caller=False, actor=users["agent"], now=now, folder=tmp_path, max_bytes=10_000)
    db.session.commit()
    staff_view = api.get(f"/tickets/{fraud.number}", as_="staff_dybz").get_json()
    assert [a["name"] for a in staff_view["attachments"]] == ["举报录音_来电139****0001.txt"]
    agent_view = api.get(f"/tickets/{fraud.number}", as_="agent").get_json()
    assert [a["name"] for a in agent_view["attachments"]] == [f"举报录音_来电{REPORTER}.txt"]


def test_the_assessment_drill_down_masks_titles(db, api, report, monkeypatch):
    from datetime import datetime

    from tests.conftest import LOCAL
    from ticketing.services import clock

    monkeypatch.setattr(clock, "now_utc", lambda: datetime(2026, 4, 5, 10, 0, tzinfo=LOCAL))
    fraud, _ = report
    body = api.get("/assessment/2026-03/departments/DYBZ/tickets", as_="supervisor").get_json()
    titles = {item["number"]: item["title"] for item in body["items"]}
    assert titles[fraud.number] == "举报药店串换 139****0001"


def _call_form_helper(client, auth, who):
    auth.login(who)
    response = client.post("/agent/assist", json={"text": "", "phone": REPORTER, "caller": True})
    auth.logout()
    return response.get_json()


def test_the_call_form_helper_gives_an_administrator_no_caller_name(db, client, auth, users, report):
    fraud, _ = report
    answer = _call_form_helper(client, auth, "admin")
    assert "caller" not in answer
    # nor the number's tickets: typing a number would tell whether it reported fraud (a privacy review)
    assert answer["history"] == [] and not any(item["same_phone"] for item in answer["similar"])
    assert db.session.scalar(sa.select(sa.func.count(PersonalDataView.id))
                             .where(PersonalDataView.user_id == users["admin"].id)) == 0
    answer = _call_form_helper(client, auth, "agent")  # the agent on the phone is offered the name to confirm
    assert answer["caller"]["name"] == "李举报"
    assert {item["number"]: item["title"] for item in answer["history"]}[fraud.number] == f"举报药店串换 {REPORTER}"


def test_a_channel_sending_a_report_again_is_not_told_where_it_went(db, api, users, use_classifier):
    letter = {"channel": "mailbox_mayor", "external_id": "MB-777", "type": "report", "title": "举报药店串换药品",
              "content": "举报某药店用医保卡串换药品，住院报销的药也能换成保健品。", "caller_phone": REPORTER}
    use_classifier(0.99)
    first = api.post("/tickets", letter, as_="mayor")
    again = api.post("/tickets", letter, as_="mayor")
    assert (first.status_code, again.status_code) == (201, 200)
    for body in (first.get_json(), again.get_json()):
        assert {key: body[key] for key in ("category", "suggested_category", "confidence", "department", "handler")} \
            == dict.fromkeys(("category", "suggested_category", "confidence", "department", "handler"))
        assert body["number"] == first.get_json()["number"] and body["caller_phone"] == "139****0001"
    call = letter | {"external_id": "CALL-0001", "channel": "hotline_12393"}
    by_agent = api.post("/tickets", call, as_="agent").get_json()
    assert by_agent.get("department") == "DYBZ", by_agent
    accepted = api.post("/tickets", letter | {"external_id": "MB-778", "type": "complaint"}, as_="mayor").get_json()
    tickets.accept(db.session, db.session.scalar(sa.select(Ticket).where(Ticket.number == accepted["number"])),
                   actor=users["staff_dybz"], now=clock.now_utc())
    db.session.commit()
    again = api.post("/tickets", letter | {"external_id": "MB-778", "type": "complaint"}, as_="mayor").get_json()
    assert (again["status"], again["department"], again["handler"]) == ("accepted", "DYBZ", None)  # no one's name  # a person's token sees the routing as on the pages


def test_a_duplicate_merged_into_a_fraud_report_keeps_its_caller_hidden_too(db, client, auth, users, report, now):
    """The same person and matter: the duplicate's caller is the reporter, so the handling department sees neither."""
    fraud, _ = report
    again = make_ticket(db, users, now + timedelta(hours=1), status=S.DISPATCHED, caller_phone=REPORTER,
                        caller_name="李举报", content="上午举报药店串换药品的事，再问问进展")
    tickets.merge(db.session, again, fraud, actor=users["agent"], now=now + timedelta(hours=2), note="同一举报")
    db.session.commit()
    assert again.is_confidential_report and not privacy.may_see_caller(db.session, users["staff_dybz"], again)
    auth.login("staff_dybz")
    page = client.get(f"/tickets/{again.number}").get_data(as_text=True)
    assert "李举报" not in page and REPORTER not in page
    auth.logout()
    assert again.number not in _listed(client, auth, "staff_dybz", f"phone={REPORTER}")
    assert again.number in _listed(client, auth, "agent", f"phone={REPORTER}")


def test_a_ticket_not_yet_categorised_is_found_by_its_own_departments_number_search(db, client, auth, users, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, caller_phone=OTHER)
    ticket.category = None
    db.session.commit()
    assert ticket.number in _listed(client, auth, "staff_dybz", f"phone={OTHER}")


def test_a_fraud_reports_call_id_stays_with_those_who_see_the_reporter(db, client, auth, api, users, now):
    """The 来电流水号 fetches the call's recording: the reporter's voice and number."""
    fraud = make_ticket(db, users, now, status=S.ACCEPTED, category="JJ", type="report", caller_phone=REPORTER,
                        call_reference="CTI-20260302-000815", content="举报某诊所挂床住院")
    db.session.commit()
    assert fraud.number not in _listed(client, auth, "staff_dybz", "q=CTI-20260302-000815")
    assert fraud.number in _listed(client, auth, "agent", "q=CTI-20260302-000815")
    auth.login("staff_dybz")
    assert "CTI-20260302-000815" not in client.get(f"/tickets/{fraud.number}").get_data(as_text=True)
    auth.logout()
    assert api.get(f"/tickets/{fraud.number}", as_="staff_dybz").get_json()["call_reference"] is None
    assert api.get(f"/tickets/{fraud.number}", as_="agent").get_json()["call_reference"] == "CTI-20260302-000815"
    notes = [e["note"] for e in api.get(f"/tickets/{fraud.number}", as_="staff_dybz").get_json()["events"]]
    assert not any("CTI-20260302-000815" in (note or "") for note in notes) and any("（已隐藏）" in (n or "") for n in notes)
