"""A request from a signed-out browser goes to the login page and, after sign-in, back to where the user was."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.conftest import PASSWORD
from tests.factories import make_ticket
from ticketing.models import TicketStatus
from ticketing.views.auth import SIGNED_OUT


def _next_of(response) -> str | None:
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    return parse_qs(location.query).get("next", [None])[0]


def test_a_page_asked_for_signed_out_is_shown_after_sign_in(client, users, auth):
    response = client.get("/tickets/?status=dispatched&q=异地")
    assert _next_of(response) == "/tickets/?status=dispatched&q=异地"
    signed_in = client.post(response.headers["Location"], data={"username": "agent", "password": PASSWORD})
    assert signed_in.headers["Location"] == "/tickets/?status=dispatched&q=%E5%BC%82%E5%9C%B0"


def test_a_form_sent_after_the_session_ended_leads_back_to_its_page(db, client, users, now):
    ticket = make_ticket(db, users, now, status=TicketStatus.ACCEPTED)
    db.session.commit()
    page = f"/tickets/{ticket.number}"
    response = client.post(f"{page}/actions/reply", data={"content": "已办理"},
                           headers={"Referer": f"http://localhost{page}"})
    assert _next_of(response) == page  # not the POST-only action address, which a GET would refuse
    assert SIGNED_OUT in client.get(response.headers["Location"]).get_data(as_text=True)
    elsewhere = client.post(f"{page}/actions/reply", data={"content": "已办理"},
                            headers={"Referer": "http://example.org/tickets/1"})
    assert _next_of(elsewhere) is None
    db.session.refresh(ticket)
    assert ticket.status == TicketStatus.ACCEPTED.value


def test_a_form_whose_csrf_token_ended_with_the_session_asks_for_sign_in(app, db, client, users, auth, now,
                                                                         monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    ticket = make_ticket(db, users, now, status=TicketStatus.ACCEPTED)
    db.session.commit()
    page = f"/tickets/{ticket.number}"
    response = client.post(f"{page}/actions/reply", data={"content": "已办理", "csrf_token": "from-the-old-session"},
                           headers={"Referer": f"http://localhost{page}"})
    assert response.status_code == 302 and _next_of(response) == page
    # signed in, with a live session, a bad token is still the plain error it was
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    auth.login("staff_dybz")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    with app.app_context():  # a request of its own: Flask-Login caches the user on `g` of the test's context
        assert client.get(page).status_code == 200  # the page's forms put a token in the session
    with app.app_context():
        refused = client.post(f"{page}/actions/reply", data={"content": "已办理", "csrf_token": "forged"})
    assert refused.status_code == 400 and "页面已过期，请刷新后重试" in refused.get_data(as_text=True)


def test_a_form_sent_by_a_remembered_user_whose_session_ended_goes_back_to_its_page(app, db, client, users, auth,
                                                                                    now, monkeypatch):
    # 保持登录 signs the user in again, but the new session has no CSRF token to match the old page's form
    ticket = make_ticket(db, users, now, status=TicketStatus.ACCEPTED)
    db.session.commit()
    page = f"/tickets/{ticket.number}"
    auth.login("staff_dybz")  # the session holds no CSRF token yet, as after the old one ended
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    with app.app_context():
        response = client.post(f"{page}/actions/reply", data={"content": "已办理", "csrf_token": "from-the-old-session"},
                               headers={"Referer": f"http://localhost{page}"})
    assert response.status_code == 302 and response.headers["Location"] == page
    with app.app_context():
        assert "页面已过期（登录曾超时），请重新提交" in client.get(page).get_data(as_text=True)
    db.session.refresh(ticket)
    assert ticket.status == TicketStatus.ACCEPTED.value


def test_a_login_form_left_open_too_long_is_shown_again_keeping_where_to_go(app, client, users, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post("/login?next=/tickets/", data={"username": "agent", "password": PASSWORD,
                                                          "csrf_token": "from-yesterday"})
    assert response.status_code == 302 and response.headers["Location"] == "/login?next=/tickets/"
    assert "页面已过期，请重新输入用户名和密码" in client.get(response.headers["Location"]).get_data(as_text=True)
