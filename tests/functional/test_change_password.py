"""修改密码: every role changes its own password; a new password ends the user's other sessions."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD
from ticketing.models import User
from ticketing.services import administration
from ticketing.services.errors import ValidationFailed

NEW = "a-new-password-2"


def change(client, current=PASSWORD, new=NEW, confirm=None):
    return client.post("/account/password", data={"current": current, "password": new,
                                                   "confirm": new if confirm is None else confirm})


@pytest.mark.parametrize("username", ["agent", "staff_dybz", "supervisor", "admin"])
def test_every_role_can_change_its_own_password(db, client, users, auth, username):
    auth.login(username)
    page = client.get("/tickets/").get_data(as_text=True)
    assert 'href="/account/password"' in page and "修改密码" in page  # in the top bar of every page
    assert client.get("/account/password").status_code == 200
    response = change(client)
    assert response.status_code == 302
    start = client.get(response.headers["Location"])
    assert start.status_code == 200 and "密码已修改" in start.get_data(as_text=True)  # still signed in here
    db.session.refresh(users[username])
    assert users[username].check_password(NEW) and not users[username].check_password(PASSWORD)
    auth.logout()
    assert "用户名或密码错误" in auth.login(username, PASSWORD).get_data(as_text=True)
    assert auth.login(username, NEW).status_code == 302


@pytest.mark.parametrize(("current", "new", "confirm", "message"), [
    ("wrong-password", NEW, None, "当前密码不正确"),
    (PASSWORD, "short", None, "密码至少 8 位"),
    (PASSWORD, NEW, "something-else", "两次输入的新密码不一致"),
    (PASSWORD, PASSWORD, None, "新密码不能与当前密码相同"),
    ("", NEW, None, "请输入当前密码"),
])
def test_bad_input_is_refused_in_chinese_and_the_password_is_kept(db, client, users, auth, current, new, confirm,
                                                                  message):
    auth.login("agent")
    response = change(client, current, new, confirm)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.refresh(users["agent"])
    assert users["agent"].check_password(PASSWORD)
    assert client.get("/tickets/").status_code == 200  # still signed in


def test_a_new_password_ends_the_other_sessions(app, db, client, users, auth):
    other = app.test_client()
    other.post("/login", data={"username": "agent", "password": PASSWORD})
    assert other.get("/tickets/").status_code == 200
    auth.login("agent")
    assert change(client).status_code == 302
    assert client.get("/tickets/").status_code == 200
    with app.app_context():  # a request of its own: Flask-Login caches the user on `g` of the test's context
        response = other.get("/tickets/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_administrators_reset_also_ends_the_users_sessions(app, db, client, users, auth):
    auth.login("agent")
    assert client.get("/tickets/").status_code == 200
    administration.reset_password(db.session, users["agent"], "reset-by-admin-3", actor=users["admin"])
    db.session.commit()
    with app.app_context():
        response = client.get("/tickets/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_service_names_each_bad_field(db, users):
    with pytest.raises(ValidationFailed) as refused:
        administration.change_own_password(db.session, users["agent"], "wrong-password", "short")
    assert refused.value.fields == {"current": "当前密码不正确", "password": "密码至少 8 位"}


def test_the_page_needs_sign_in(client, users):
    response = client.get("/account/password")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("weak, why", [("12345678", "太简单"), ("aaaaaaaa", "太简单"), ("aaaa1111", "太简单"),
                                       ("password", "太简单"), ("agent-2026", "用户名")])
def test_a_weak_password_is_refused_with_the_rule(db, users, weak, why):
    """A new-staff review: 12345678, aaaaaaaa and a password holding the user name were all taken."""
    with pytest.raises(ValidationFailed) as refused:
        administration.change_own_password(db.session, users["agent"], PASSWORD, weak)
    assert why in refused.value.fields["password"]


def test_a_password_the_administrator_chose_is_changed_before_anything_else(db, client, users, auth):
    auth.login("admin")
    response = client.post("/admin/users", data={"username": "wang_dybz", "display_name": "王新", "role": "staff",
                                                  "department": "DYBZ", "password": "first-pass-1"})
    assert response.status_code == 302
    assert "首次登录须修改" in client.get("/admin/users").get_data(as_text=True)
    auth.logout()
    auth.login("wang_dybz", "first-pass-1")
    page = client.get("/inbox/", follow_redirects=True).get_data(as_text=True)
    assert "<h1>修改密码</h1>" in page and "这是管理员为您设置的密码" in page
    assert "含字母、数字、符号中的两类" in page  # the rule beside the field
    assert client.get("/tickets/").status_code == 302 and client.get("/todo.json").status_code == 200
    assert change(client, current="first-pass-1").status_code == 302
    assert client.get("/inbox/").status_code == 200  # and then the work
    auth.logout()
    auth.login("admin")
    wang = db.session.scalar(sa.select(User).where(User.username == "wang_dybz"))
    client.post(f"/admin/users/{wang.id}/password", data={"password": "reset-pass-2", "confirm": "reset-pass-2"})
    auth.logout()
    auth.login("wang_dybz", "reset-pass-2")
    assert client.get("/inbox/").headers["Location"].endswith("/account/password")  # a reset: the same again


def test_a_password_set_before_the_rule_is_changed_at_the_next_sign_in(db, client, users, auth):
    """The rule applied to new passwords only: an account kept 12345678 (or its user name) for ever."""
    old = db.session.scalar(sa.select(User).where(User.username == "staff_dybz"))
    old.set_password("12345678")  # as the code before the rule took it
    db.session.commit()
    auth.login("staff_dybz", "12345678")
    page = client.get("/inbox/", follow_redirects=True).get_data(as_text=True)
    assert "<h1>修改密码</h1>" in page and "不合现行密码规则" in page
    assert change(client, current="12345678").status_code == 302
    assert client.get("/inbox/").status_code == 200
    auth.logout()
    auth.login("staff_dybz", NEW)  # a password within the rule asks nothing more
    assert client.get("/inbox/").status_code == 200
    from ticketing.models import AdminEvent
    assert db.session.scalars(sa.select(AdminEvent.action)).all().count("password below the rule") == 1
