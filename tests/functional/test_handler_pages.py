"""经办人 on the pages and in the API: 我经办的 in the inbox, 转交 on the ticket page and as an API action."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import make_user
from tests.factories import make_ticket
from ticketing.models import Role, TicketStatus
from ticketing.services import api_tokens, clock, tickets

S = TicketStatus


@pytest.fixture()
def colleague(db, reference):
    """A second staff member of 待遇保障科, 李科员, to hand tickets over to."""
    user = make_user(db, "staff_dybz_2", Role.STAFF, reference["DYBZ"])
    user.display_name = "李科员"
    return user


def test_my_tickets_tab_and_handing_over_on_the_ticket_page(db, client, users, auth, now, colleague):
    mine = make_ticket(db, users, now, status=S.ACCEPTED, title="我签收的")
    theirs = make_ticket(db, users, now, status=S.DISPATCHED, title="同事签收的")
    tickets.accept(db.session, theirs, actor=colleague, now=now + timedelta(hours=1))
    make_ticket(db, users, now, status=S.DISPATCHED, title="还没人签收")
    db.session.commit()
    auth.login("staff_dybz")
    html = client.get("/inbox/?state=mine").get_data(as_text=True)
    assert "我经办的" in html and "我签收的" in html and "同事签收的" not in html and "还没人签收" not in html
    everything = client.get("/inbox/").get_data(as_text=True)
    assert '<th scope="col">经办人</th>' in everything and "李科员" in everything

    page = client.get(f"/tickets/{mine.number}").get_data(as_text=True)
    assert "经办人：staff_dybz" in page and '<option value="staff_dybz_2">李科员</option>' in page
    response = client.post(f"/tickets/{mine.number}/actions/hand_over", data={"to": "staff_dybz_2", "note": "出差"},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert f"已转交经办人：{mine.number}" in html and "经办人：李科员" in html and "staff_dybz → 李科员：出差" in html
    assert "我签收的" not in client.get("/inbox/?state=mine").get_data(as_text=True)


def test_hand_over_through_the_api(db, client, users, now, reference):
    make_user(db, "staff_dybz_2", Role.STAFF, reference["DYBZ"])
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    token = api_tokens.issue_token(db.session, now=now, user=users["staff_dybz"]).token
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    body = client.get(f"/api/v1/tickets/{ticket.number}", headers=headers).get_json()
    assert body["handler"] == "staff_dybz" and "hand_over" in body["allowed_actions"]
    response = client.post(f"/api/v1/tickets/{ticket.number}/actions", json={"action": "hand_over", "to": "staff_cbzj"},
                           headers=headers)
    assert response.status_code == 422 and "本单位" in response.get_json()["fields"]["to"]
    response = client.post(f"/api/v1/tickets/{ticket.number}/actions", json={"action": "hand_over", "to": "staff_dybz_2"},
                           headers=headers)
    assert response.status_code == 200 and response.get_json()["handler"] == "staff_dybz_2"


def test_the_inbox_shows_who_holds_how_many_and_how_many_are_overdue(db, client, users, auth, now, colleague):
    for _ in range(2):
        make_ticket(db, users, now, status=S.ACCEPTED)  # accepted by staff_dybz, due weeks ago by now
    late = make_ticket(db, users, now, status=S.DISPATCHED)
    tickets.accept(db.session, late, actor=colleague, now=now + timedelta(hours=1))
    make_ticket(db, users, now, status=S.REPLIED)  # answered: no longer held
    make_ticket(db, users, now, status=S.ACCEPTED, department="CBZJ")  # another department
    db.session.commit()
    from ticketing.services import inbox

    workload = inbox.handler_workload(db.session, colleague.department_id, now + timedelta(days=1))
    assert [(u.username, held, overdue) for u, held, overdue in workload] == [("staff_dybz", 2, 0), ("staff_dybz_2", 1, 0)]
    far_later = inbox.handler_workload(db.session, colleague.department_id, now + timedelta(days=60))
    assert [(held, overdue) for _, held, overdue in far_later] == [(2, 2), (1, 1)]
    auth.login("staff_dybz")
    html = client.get("/inbox/").get_data(as_text=True)
    assert "经办人工作量（办理中）：" in html and "staff_dybz</a> 2 件" in html and "李科员</a> 1 件" in html


def test_disabling_a_staff_member_says_how_many_tickets_they_still_work(db, client, users, auth, now, reference):
    for _ in range(2):
        make_ticket(db, users, now, status=S.ACCEPTED)  # accepted by staff_dybz
    db.session.commit()
    auth.login("admin")
    html = client.post(f"/admin/users/{users['staff_dybz'].id}/active", data={"active": "0"},
                       follow_redirects=True).get_data(as_text=True)
    assert "已停用用户 staff_dybz" in html
    assert "staff_dybz 仍是 2 件办理中工单的经办人" in html and "转交经办人" in html
    html = client.post(f"/admin/users/{users['staff_cbzj'].id}/active", data={"active": "0"},
                       follow_redirects=True).get_data(as_text=True)
    assert "已停用用户 staff_cbzj" in html and "仍是" not in html  # holds nothing
    auth.logout()
    make_user(db, "staff_dybz_2", Role.STAFF, reference["DYBZ"])
    db.session.commit()
    auth.login("staff_dybz_2")
    assert "staff_dybz</a>（已停用） 2 件" in client.get("/inbox/").get_data(as_text=True)


def test_statistics_show_each_staff_members_replies_and_tickets_in_hand(db, client, users, auth, now, reference,
                                                                         colleague):
    from ticketing.services import statistics

    on_time = make_ticket(db, users, now, status=S.REPLIED)  # staff_dybz replies within the hour
    late = make_ticket(db, users, now, status=S.ACCEPTED)
    tickets.reply(db.session, late, "已核实补报", actor=users["staff_dybz"], now=late.reply_due_at + timedelta(days=1))
    theirs = make_ticket(db, users, now, status=S.DISPATCHED)
    tickets.accept(db.session, theirs, actor=colleague, now=now + timedelta(hours=1))
    make_ticket(db, users, now, status=S.REPLIED, department="CBZJ")  # another department's reply
    db.session.commit()
    month = late.reply_due_at.astimezone(on_time.received_at.tzinfo).strftime("%Y-%m")
    assert month == "2026-03"
    rows = {r.user.username: (r.replied, r.replied_on_time, r.in_hand)
            for r in statistics.handler_month(db.session, "2026-03", reference["DYBZ"].id)}
    assert rows == {"staff_dybz": (2, 1, 0), "staff_dybz_2": (0, 0, 1)}
    assert statistics.handler_month(db.session, "2026-04", reference["DYBZ"].id)[0].replied == 0
    auth.login("staff_dybz")
    html = client.get("/statistics/?month=2026-03").get_data(as_text=True)
    assert "本单位经办人" in html and "50.0%" in html and "李科员" in html
    auth.logout()
    auth.login("supervisor")  # the whole centre: no per-person table
    assert "本单位经办人" not in client.get("/statistics/?month=2026-03").get_data(as_text=True)


def test_the_statistics_workbook_of_a_department_has_its_staff_sheet(db, client, users, auth, now):
    from io import BytesIO

    from openpyxl import load_workbook

    make_ticket(db, users, now, status=S.REPLIED)
    db.session.commit()
    auth.login("staff_dybz")
    book = load_workbook(BytesIO(client.get("/statistics/export.xlsx?month=2026-03").data))
    rows = list(book["本单位经办人"].iter_rows(values_only=True))
    assert rows[0] == ("经办人", "本月答复", "其中按时", "按时率", "当前在办")
    assert rows[1] == ("staff_dybz", 1, 1, 1, 0)
    auth.logout()
    auth.login("supervisor")
    assert "本单位经办人" not in load_workbook(BytesIO(client.get("/statistics/export.xlsx?month=2026-03").data)).sheetnames


def test_the_users_page_shows_how_many_tickets_each_person_has_in_hand(db, client, users, auth, now):
    for _ in range(3):
        make_ticket(db, users, now, status=S.ACCEPTED)
    db.session.commit()
    auth.login("admin")
    html = client.get("/admin/users").get_data(as_text=True)
    assert "<th class=\"num\">在办工单</th>" in html
    row = html[html.index("<td>staff_dybz</td>"):]
    assert '<td class="num">3</td>' in row[:row.index("</tr>")]


def test_the_ticket_query_filters_by_handler_on_the_page_and_in_the_api(db, client, users, auth, now, reference):
    colleague = make_user(db, "staff_dybz_2", Role.STAFF, reference["DYBZ"])
    mine = make_ticket(db, users, now, status=S.ACCEPTED, title="我经办的工单")
    theirs = make_ticket(db, users, now, status=S.DISPATCHED, title="同事经办的工单")
    tickets.accept(db.session, theirs, actor=colleague, now=now + timedelta(hours=1))
    token = api_tokens.issue_token(db.session, now=now, user=users["supervisor"]).token
    db.session.commit()
    auth.login("supervisor")
    html = client.get("/tickets/?handler=staff_dybz_2").get_data(as_text=True)
    assert "同事经办的工单" in html and "我经办的工单" not in html and "经办人 staff_dybz_2" in html
    body = client.get("/api/v1/tickets?handler=staff_dybz", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert [t["number"] for t in body["items"]] == [mine.number]
    auth.logout()
    auth.login("staff_dybz")  # the inbox's 经办人工作量 links there
    assert "/tickets/?handler=staff_dybz_2&amp;status=accepted" in client.get("/inbox/").get_data(as_text=True)


def test_the_supervisors_overview_names_the_handler_of_overdue_tickets(db, client, users, auth, now):
    make_ticket(db, users, now, status=S.ACCEPTED, title="早已超期的工单")  # March: overdue by now
    db.session.commit()
    auth.login("supervisor")
    html = client.get("/supervise/").get_data(as_text=True)
    assert '<th scope="col">经办人</th>' in html
    row = html[html.index("早已超期的工单"):]
    assert "<td>staff_dybz</td>" in row[:row.index("</tr>")]


def test_a_ticket_handed_over_is_announced_in_the_new_handlers_inbox_for_a_few_days(db, client, users, auth, now,
                                                                                     reference, monkeypatch, colleague):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, title="请同事接手的")
    tickets.hand_over(db.session, ticket, colleague, actor=users["staff_dybz"], now=now + timedelta(hours=1),
                      note="本人休假，请跟进")
    back = make_ticket(db, users, now, status=S.ACCEPTED, title="转出又转回的")
    tickets.hand_over(db.session, back, colleague, actor=users["staff_dybz"], now=now + timedelta(hours=1))
    tickets.hand_over(db.session, back, users["staff_dybz"], actor=colleague, now=now + timedelta(hours=2))
    db.session.commit()
    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(days=1))
    auth.login("staff_dybz_2")
    html = client.get("/inbox/").get_data(as_text=True)
    section = html[html.index("转交给您的工单"):html.index("</section>", html.index("转交给您的工单"))]
    assert "请同事接手的" in section and "staff_dybz → 李科员：本人休假，请跟进" in section
    assert "转出又转回的" not in section  # handed back since: no longer this person's
    auth.logout()
    auth.login("staff_dybz")
    html = client.get("/inbox/").get_data(as_text=True)
    section = html[html.index("转交给您的工单"):html.index("</section>", html.index("转交给您的工单"))]
    assert "转出又转回的" in section and "请同事接手的" not in section  # handed back to them, by 李科员
    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(days=4))
    auth.logout()
    auth.login("staff_dybz_2")
    assert "转交给您的工单" not in client.get("/inbox/").get_data(as_text=True)


def test_a_return_under_review_keeps_its_handler_from_being_moved_and_is_counted(db, client, users, auth, now,
                                                                                  reference):
    """A new-staff review: one with a return under review was moved to another department; the refused return then
    came back to them there (in nobody's 我经办的, titled in their new inbox, a 404 behind it)."""
    from ticketing.services import administration, inbox
    from ticketing.services.errors import ValidationFailed

    staff = users["staff_dybz"]
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    tickets.return_ticket(db.session, ticket, "不属于本单位", actor=staff, now=now + timedelta(hours=1))
    db.session.commit()
    assert inbox.tickets_in_hand(db.session)[staff.id] == (1, 0)
    with pytest.raises(ValidationFailed) as refused:
        administration.update_user(db.session, staff, display_name=staff.display_name, role="staff",
                                   department_code="CBZJ", actor=users["admin"])
    assert "退回待审的，待审核后再改" in refused.value.fields["department"]
    db.session.rollback()
    staff.active = False
    db.session.commit()
    make_user(db, "staff_dybz_2", Role.STAFF, reference["DYBZ"])
    db.session.commit()
    auth.login("staff_dybz_2")  # a colleague's list says the handler is gone
    html = client.get("/inbox/").get_data(as_text=True)
    assert f"{staff.display_name}<span class=\"small muted\">（已停用）</span>" in html
