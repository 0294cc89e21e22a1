"""Sign-in, navigation by role, and department isolation by list and by URL."""
from __future__ import annotations

import pytest

from tests.factories import make_ticket
from ticketing.models import TicketStatus

S = TicketStatus

PAGES = ["/tickets/", "/agent/calls/new", "/agent/triage", "/agent/returns", "/agent/callbacks", "/inbox/",
         "/supervise/", "/admin/"]
ALLOWED = {
    "agent": {"/tickets/", "/agent/calls/new", "/agent/triage", "/agent/returns", "/agent/callbacks"},
    "staff_dybz": {"/tickets/", "/inbox/"},
    "supervisor": {"/tickets/", "/agent/calls/new", "/agent/triage", "/agent/returns", "/agent/callbacks", "/supervise/"},
    "admin": {"/tickets/", "/agent/calls/new", "/agent/triage", "/agent/returns", "/agent/callbacks", "/supervise/",
              "/admin/"},
}


def test_pages_need_login(client, users):
    for page in PAGES:
        response = client.get(page)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_wrong_password_is_refused_in_chinese(client, users, auth):
    response = auth.login("agent", "wrong")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.get_data(as_text=True)


def test_inactive_user_cannot_sign_in(db, client, users, auth):
    users["agent"].active = False
    db.session.commit()
    assert "已停用" in auth.login("agent").get_data(as_text=True)


def test_login_rejects_offsite_next(client, users):
    response = client.post("/login?next=https://evil.example/", data={"username": "agent", "password": "test-password-1"})
    assert response.headers["Location"] == "/agent/calls/new"


@pytest.mark.parametrize("username", list(ALLOWED))
def test_each_role_sees_its_pages_and_no_others(client, users, auth, username):
    auth.login(username)
    for page in PAGES:
        status = client.get(page).status_code
        assert status == (200 if page in ALLOWED[username] else 403), (username, page, status)


@pytest.mark.parametrize(("username", "start", "menu"), [
    ("agent", "/agent/calls/new", "来电登记"),
    ("staff_dybz", "/inbox/", "本单位工单"),
    ("supervisor", "/supervise/", "督办"),
    ("admin", "/admin/", "系统管理"),
])
def test_start_page_and_navigation_by_role(client, users, auth, username, start, menu):
    response = auth.login(username)
    assert response.headers["Location"] == start
    html = client.get(start).get_data(as_text=True)
    assert 'data-nav="' in html and menu in html
    if username == "staff_dybz":
        assert 'data-nav="agent.new_call"' not in html and 'data-nav="admin.index"' not in html


def test_staff_see_only_their_department(db, client, users, auth, now):
    ours = make_ticket(db, users, now, status=S.DISPATCHED, department="DYBZ", content="住院报销我们科的事")
    theirs = make_ticket(db, users, now, status=S.DISPATCHED, category="CB", department="CBZJ", content="断缴补缴参保科的事")
    db.session.commit()
    auth.login("staff_dybz")
    for page in ("/tickets/", "/inbox/"):
        html = client.get(page).get_data(as_text=True)
        assert ours.number in html
        assert theirs.number not in html
    assert client.get(f"/tickets/{ours.number}").status_code == 200
    assert client.get(f"/tickets/{theirs.number}").status_code == 404
    # nor act on it by URL
    assert client.post(f"/tickets/{theirs.number}/actions/accept").status_code == 404
    db.session.refresh(theirs)
    assert theirs.status == S.DISPATCHED.value


def test_page_action_shows_chinese_error_and_keeps_state(db, client, users, auth, now):
    ticket = make_ticket(db, users, now, status=S.DISPATCHED)
    db.session.commit()
    auth.login("staff_dybz")
    response = client.post(f"/tickets/{ticket.number}/actions/reply", data={"content": "提前答复"}, follow_redirects=True)
    assert "不能执行“答复”" in response.get_data(as_text=True)
    db.session.refresh(ticket)
    assert ticket.status == S.DISPATCHED.value


def test_staff_accept_and_reply_through_pages(db, client, users, auth, now):
    ticket = make_ticket(db, users, now, status=S.DISPATCHED)
    db.session.commit()
    auth.login("staff_dybz")
    client.post(f"/tickets/{ticket.number}/actions/accept")
    client.post(f"/tickets/{ticket.number}/actions/reply", data={"content": "已为您补报销 1200 元"})
    db.session.refresh(ticket)
    assert ticket.status == S.REPLIED.value
    assert [e.action for e in ticket.events][-2:] == ["accept", "reply"]


def test_lists_mask_phone_numbers_and_detail_logs_the_full_view(db, client, users, auth, now):
    from ticketing.models import PersonalDataView

    ticket = make_ticket(db, users, now, status=S.DISPATCHED, caller_phone="13812345678")
    db.session.commit()
    auth.login("staff_dybz")
    listing = client.get("/tickets/").get_data(as_text=True)
    assert "138****5678" in listing and "13812345678" not in listing
    assert "13812345678" in client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert db.session.query(PersonalDataView).filter_by(ticket_id=ticket.id, user_id=users["staff_dybz"].id).count() == 1


def test_fraud_reporter_hidden_from_department_until_granted(db, client, users, auth, now):
    ticket = make_ticket(db, users, now, status=S.DISPATCHED, category="JJ", type="report", department="DYBZ",
                         caller_phone="13912345678", content="某药店串换药品")
    db.session.commit()
    auth.login("staff_dybz")
    assert "13912345678" not in client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    auth.logout()
    auth.login("supervisor")
    client.post(f"/tickets/{ticket.number}/grant-identity", data={"reason": "需核实举报线索"})
    auth.logout()
    auth.login("staff_dybz")
    assert "13912345678" in client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    db.session.refresh(ticket)
    assert ticket.events[-1].action == "grant_identity"
    auth.logout()
    auth.login("staff_dybz")  # a department cannot grant itself the reporter
    assert client.post(f"/tickets/{ticket.number}/grant-identity", data={"reason": "自己授权"}).status_code == 403


def test_only_a_report_has_a_reporter_to_grant(db, client, users, auth, now):
    """A code review: a supervisor's POST to grant-identity on an ordinary consultation recorded a grant."""
    ticket = make_ticket(db, users, now, status=S.DISPATCHED, type="consult")
    db.session.commit()
    auth.login("supervisor")
    assert "grant-identity" not in client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    html = client.post(f"/tickets/{ticket.number}/grant-identity", data={"reason": "需核实"},
                       follow_redirects=True).get_data(as_text=True)
    assert "该工单不是举报件" in html
    db.session.refresh(ticket)
    assert all(event.action != "grant_identity" for event in ticket.events)


def test_the_callers_other_tickets_are_listed_for_those_who_may_see_them(db, client, users, auth, now):
    phone = "13612345678"
    first = make_ticket(db, users, now, status=S.ACCEPTED, caller_phone=phone, title="第一次反映报销慢")
    second = make_ticket(db, users, now, status=S.DISPATCHED, caller_phone=phone, title="第二次反映报销慢")
    elsewhere = make_ticket(db, users, now, status=S.DISPATCHED, caller_phone=phone, department="CBZJ",
                            category="CB", title="另一单位的缴费问题")
    report = make_ticket(db, users, now, status=S.DISPATCHED, caller_phone=phone, category="JJ", type="report",
                         title="举报某药店串换药品")  # the same person reported fraud to the same department
    make_ticket(db, users, now, status=S.DISPATCHED, caller_phone="13700000000", title="别人的")
    db.session.commit()

    def listed(username, ticket):
        auth.login(username)
        html = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
        auth.logout()
        return html.split('id="same-caller"')[1].split("</ul>")[0] if 'id="same-caller"' in html else ""

    agent_sees = listed("agent", first)
    assert all(t.number in agent_sees for t in (second, elsewhere, report)) and "别人的" not in agent_sees
    staff_sees = listed("staff_dybz", first)  # its own department only, and not the reporter's report
    assert second.number in staff_sees and elsewhere.number not in staff_sees and report.number not in staff_sees
    assert listed("staff_dybz", report) == ""  # the reporter's other tickets are not linked to the report
