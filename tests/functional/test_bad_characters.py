"""Characters no database or workbook takes (a NUL pasted with the text, Word's line break, other control
characters) are dropped from what the pages receive, instead of a 500 on PostgreSQL for saving, searching or
signing in; an address with one, or an id wider than the database's integers, finds nothing (404)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.factories import make_ticket
from ticketing.models import Ticket, TicketStatus

S = TicketStatus


def test_the_call_form_saves_the_text_without_them(db, users, auth, client):
    auth.login("agent")
    response = client.post("/agent/calls/new", data={
        "caller_phone": "13912345678", "caller_name": "王\x00女士", "region": "新城\x0b区", "channel": "hotline_12393",
        "type": "consult", "urgency": "normal", "title": "报销\x00比例", "submit": "save",
        "content": "住院\x00报销比例\x0b是多少\x1b，第二行\n第三行"})
    assert response.status_code == 302
    ticket = db.session.scalar(sa.select(Ticket))
    assert (ticket.caller_name, ticket.title) == ("王女士", "报销比例")
    assert ticket.content == "住院报销比例\n是多少，第二行\n第三行" and ticket.region == "新城区"  # a region's spaces and breaks are dropped


def test_an_action_note_and_a_search_with_a_nul(db, users, now, auth, client):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    db.session.commit()
    auth.login("staff_dybz")
    response = client.post(f"/tickets/{ticket.number}/actions/note", data={"content": "已电话\x00联系"})
    assert response.status_code == 302
    assert ticket.notes[-1].content == "已电话联系"
    for path in ("/tickets/?phone=139%00", "/tickets/?q=%00%01", "/tickets/?handler=a%00", "/tickets/?category=%00"):
        assert client.get(path).status_code == 200, path


def test_signing_in_with_a_nul_in_the_name_is_a_wrong_password_not_a_500(users, client):
    response = client.post("/login", data={"username": "agent\x00", "password": "nope"})
    assert response.status_code in (200, 400, 401) and "用户名或密码错误" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", [
    "/tickets/abc%00", "/tickets/abc%01def", "/announcements/99999999999999999999",
    "/admin/users/99999999999999999999/password", "/assessment/2026-11/departments/%00",
])
def test_addresses_with_them_or_with_huge_ids_find_nothing(users, auth, client, path):
    auth.login("admin")
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(("username", "path"), [
    ("supervisor", "/tickets/"), ("staff_dybz", "/inbox/"), ("agent", "/agent/triage"), ("agent", "/agent/callbacks"),
    ("agent", "/agent/returns"), ("agent", "/announcements/"), ("supervisor", "/announcements/sent"),
    ("supervisor", "/supervise/invalid-calls"), ("admin", "/admin/audit"),
])
def test_a_page_number_past_any_list_is_the_last_page_there_can_be(users, auth, client, username, path):
    auth.login(username)
    assert client.get(f"{path}?page=99999999999999999999").status_code == 200
    assert client.get(f"{path}?page=-3").status_code == 200


def test_past_the_last_page_the_last_page_is_shown(db, users, now, auth, client):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, title="唯一的一件")
    db.session.commit()
    auth.login("supervisor")
    for page in ("99", "99999999999999999999"):
        html = client.get(f"/tickets/?page={page}").get_data(as_text=True)
        assert ticket.number in html, page  # not an empty page 99 of 1


def test_a_date_filter_out_of_range_says_so(users, auth, client):
    auth.login("supervisor")
    for query in ("received_from=0001-01-01", "received_to=9999-12-31"):
        response = client.get(f"/tickets/?{query}")
        assert response.status_code == 200 and "超出范围（2000–2100 年）" in response.get_data(as_text=True)
    assert client.get("/tickets/export.xlsx?received_to=9999-12-31").status_code == 200


def test_a_field_too_long_is_said_in_chinese_and_what_was_typed_stays(users, auth, client):
    auth.login("agent")
    response = client.post("/agent/calls/new", data={"caller_phone": "1" * 30, "type": "consult", "urgency": "normal",
                                                     "channel": "hotline_12393", "content": "医保卡丢了怎么补办"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "字段长度不能超过 20 个字符" in html and "cannot be longer" not in html
    assert "医保卡丢了怎么补办" in html


def test_an_unexpected_error_is_a_chinese_page(app, users, auth, client, monkeypatch):
    from ticketing.views import tickets as ticket_views

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(ticket_views.search, "TicketFilters", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        auth.login("supervisor")
        response = client.get("/tickets/")
        assert response.status_code == 500 and "系统出错了，这次操作没有完成" in response.get_data(as_text=True)
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None


def test_a_line_break_in_next_goes_home_instead_of_breaking_the_redirect(db, users, now, auth, client):
    from tests.conftest import PASSWORD

    response = client.post("/login?next=/tickets/%0Ax", data={"username": "supervisor", "password": PASSWORD})
    assert response.status_code == 302 and "\n" not in response.headers["Location"]
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    db.session.commit()
    response = client.post(f"/tickets/{ticket.number}/actions/urge",
                           data={"note": "请今天答复", "next": "/inbox/\r\nX-Injected: 1"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/tickets/{ticket.number}")
    assert "X-Injected" not in response.headers


def test_granting_the_reporters_identity_twice_says_it_is_done(db, users, now, auth, client):
    ticket = make_ticket(db, users, now, status=S.DISPATCHED, category="JJ", type="report", department="DYBZ",
                         caller_phone="13912345678", content="某药店串换药品")
    db.session.commit()
    auth.login("supervisor")
    client.post(f"/tickets/{ticket.number}/grant-identity", data={"reason": "需核实举报线索"})
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "已授权待遇保障科查看举报人身份" in page and "grant-identity" not in page
    again = client.post(f"/tickets/{ticket.number}/grant-identity", data={"reason": "再点一次"}, follow_redirects=True)
    assert again.status_code == 200 and "无需再次授权" in again.get_data(as_text=True)


def test_noncharacters_are_dropped_too():
    from ticketing.services.validation import clean_text

    assert clean_text("标题\uffff\ufffe结尾") == "标题结尾"
