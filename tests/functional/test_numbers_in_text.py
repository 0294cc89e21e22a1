"""Phone and ID numbers a citizen writes into the text are masked wherever the caller's fields are masked:
lists, the ticket page for people who may not see the caller, and Excel exports."""
from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook

from tests.factories import make_ticket
from ticketing.models import TicketStatus

S = TicketStatus
TEXT = "举报某药店串换药品，我是知情人，电话13987654321，身份证150102199003071234，请为我保密"
TITLE = "举报药店串换药品 13987654321"


def _report(db, users, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, category="JJ", department="DYBZ", type="report",
                         content=TEXT, title=TITLE)
    db.session.commit()
    return ticket


def test_lists_show_the_numbers_in_titles_masked(db, client, users, auth, now):
    _report(db, users, now)
    for who, page in (("agent", "/tickets/"), ("staff_dybz", "/inbox/"), ("supervisor", "/tickets/?type=report")):
        auth.login(who)
        html = client.get(page).get_data(as_text=True)
        assert "举报药店串换药品 139****4321" in html and "13987654321" not in html, who
        auth.logout()


def test_the_ticket_page_masks_them_for_those_who_may_not_see_the_reporter(db, client, users, auth, now):
    ticket = _report(db, users, now)
    auth.login("staff_dybz")  # the department handles the report without knowing who made it (§35)
    html = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "电话139****4321，身份证150102********1234" in html
    assert "13987654321" not in html and "150102199003071234" not in html
    auth.logout()
    auth.login("agent")  # who took the call sees what was said, and the view is logged
    html = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert TEXT in html and "查看完整个人信息已记录" in html


def test_the_export_masks_them_for_everyone(db, client, users, auth, now):
    _report(db, users, now)
    auth.login("supervisor")
    response = client.get("/tickets/export.xlsx?type=report")
    sheet = load_workbook(BytesIO(response.data)).active
    values = [str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None]
    assert any("电话139****4321，身份证150102********1234" in v for v in values)
    assert not any("13987654321" in v or "150102199003071234" in v for v in values)


def test_the_api_masks_them_as_the_pages_do(db, client, users, now):
    from ticketing.services import api_tokens

    ticket = _report(db, users, now)
    tokens = {who: api_tokens.issue_token(db.session, now=now, user=users[who]).token for who in ("staff_dybz", "agent")}
    db.session.commit()

    def get(path, who):
        return client.get("/api/v1" + path, headers={"Authorization": f"Bearer {tokens[who]}"}).get_json()

    staff_view = get(f"/tickets/{ticket.number}", "staff_dybz")  # handles the report without knowing the reporter
    assert "电话139****4321，身份证150102********1234" in staff_view["content"]
    assert staff_view["title"] == "举报药店串换药品 139****4321" and staff_view["caller_masked"]
    listed = get("/tickets?type=report", "agent")["items"][0]  # lists mask for everyone, as on the pages
    assert "13987654321" not in listed["title"] + listed["content"]
    assert get(f"/tickets/{ticket.number}", "agent")["content"] == TEXT  # who took the call sees what was said


def test_notes_replies_and_the_history_mask_them_too_for_those_who_may_not_see_the_reporter(db, client, users, auth, now):
    from datetime import timedelta

    from ticketing.services import api_tokens, tickets

    ticket = _report(db, users, now)
    tickets.add_note(db.session, ticket, "已与举报人13987654321电话核实", actor=users["agent"], now=now + timedelta(hours=1))
    tickets.urge(db.session, ticket, "举报人13987654321再次来电催办", actor=users["supervisor"], now=now + timedelta(hours=2))
    db.session.commit()
    auth.login("staff_dybz")
    assert "督办（" in (banner := client.get(f"/tickets/{ticket.number}").get_data(as_text=True))
    assert "举报人139****4321再次来电催办</div>" in banner and "13987654321" not in banner
    auth.logout()
    tickets.reply(db.session, ticket, "已联系举报人（13987654321）告知查处结果", actor=users["staff_dybz"],
                  now=now + timedelta(hours=3))
    token = api_tokens.issue_token(db.session, now=now, user=users["staff_dybz"]).token
    db.session.commit()
    auth.login("staff_dybz")
    html = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "13987654321" not in html
    assert "已与举报人139****4321电话核实" in html and "举报人139****4321再次来电催办" in html
    assert "已联系举报人（139****4321）告知查处结果" in html
    body = client.get(f"/api/v1/tickets/{ticket.number}", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert "13987654321" not in str(body) and any("139****4321" in e["note"] for e in body["events"])
    auth.logout()
    auth.login("supervisor")  # may see the caller: the text as written
    assert "已与举报人13987654321电话核实" in client.get(f"/tickets/{ticket.number}").get_data(as_text=True)


def test_numbers_written_with_pasted_spaces_or_hyphens_are_masked_too():
    """A privacy review: a no-break, thin or zero-width space, or a Unicode hyphen, kept a reporter's number whole
    on the fraud department's pages, in the API and in exports."""
    from ticketing.services.validation import mask_numbers_in_text

    for separator in ("\u00a0", "\u2009", "\u200b", "\u2010", "\u2011"):
        assert mask_numbers_in_text(f"举报人电话139{separator}1234{separator}0003") == "举报人电话139****0003"


def test_an_attachments_delete_form_names_it_masked(db, client, users, auth, now):
    """A privacy review: the delete form's label gave an attachment's name whole to an administrator."""
    from tests.factories import make_ticket
    from ticketing.models import TicketAttachment, TicketStatus

    ticket = make_ticket(db, users, now, status=TicketStatus.ACCEPTED)
    db.session.add(TicketAttachment(ticket=ticket, original_name="结算单_13912340001.txt", stored_name="x",
                                    content_type="text/plain", size_bytes=3, sha256="0" * 64,
                                    uploaded_by=users["staff_dybz"], created_at=now))
    db.session.commit()
    auth.login("admin")
    html = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "13912340001" not in html and "结算单_139****0001.txt" in html


def test_a_number_typed_on_the_call_form_tells_an_administrator_nothing_of_its_tickets(db, client, users, auth, now):
    """A privacy review: an administrator, who sees every caller masked, could type a number into the call form
    and learn from 该来电人的其他工单 whether it had reported fraud."""
    from tests.factories import make_ticket

    make_ticket(db, users, now, caller_phone="13912340009", category="JJ", department="JJJG", type="report")
    db.session.commit()
    from ticketing.services import intake_assist
    shown = intake_assist.assist(db.session, text="", phone="13912340009", classifier=None, now=now,
                                 min_similarity=0.6, viewer=users["admin"])
    assert shown["history"] == [] and shown["similar"] == []
    agent = intake_assist.assist(db.session, text="", phone="13912340009", classifier=None, now=now,
                                 min_similarity=0.6, viewer=users["agent"])
    assert len(agent["history"]) == 1
