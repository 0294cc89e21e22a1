"""登录失败处理 and idle sign-out: wrong passwords in a row lock an account for a while; a reset lifts it."""
from __future__ import annotations

from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner

from tests.conftest import PASSWORD
from ticketing.config import build_config
from ticketing.services import administration, clock, sign_in

POLICY = sign_in.LockoutPolicy(max_failures=5, lock_minutes=15)


def test_five_wrong_passwords_lock_the_account_and_say_so(db, client, users, auth):
    pages = [auth.login("agent", "wrong-password").get_data(as_text=True) for _ in range(5)]
    assert all("用户名或密码错误。连续输错 5 次，账号将锁定 15 分钟。" in page for page in pages)
    db.session.refresh(users["agent"])
    assert sign_in.is_locked(users["agent"], clock.now_utc())
    refused = auth.login("agent")  # the right password does not open a locked account
    assert refused.status_code == 200 and "账号已锁定，请 15 分钟后再试" in refused.get_data(as_text=True)
    assert client.get("/tickets/").status_code == 302


def test_a_correct_password_resets_the_count(db, users):
    now = clock.now_utc()
    for _ in range(4):
        with pytest.raises(sign_in.SignInRefused):
            sign_in.authenticate(db.session, "agent", "wrong-password", now=now, policy=POLICY)
    assert users["agent"].failed_logins == 4
    assert sign_in.authenticate(db.session, "agent", PASSWORD, now=now, policy=POLICY) is users["agent"]
    assert users["agent"].failed_logins == 0
    with pytest.raises(sign_in.SignInRefused, match="^用户名或密码错误。连续输错 5 次"):
        sign_in.authenticate(db.session, "agent", "wrong-password", now=now, policy=POLICY)


def test_the_lock_ends_by_itself_and_an_administrators_reset_lifts_it_at_once(db, users):
    now = clock.now_utc()
    for _ in range(5):
        with pytest.raises(sign_in.SignInRefused):
            sign_in.authenticate(db.session, "agent", "wrong-password", now=now, policy=POLICY)
    with pytest.raises(sign_in.SignInRefused, match="请 15 分钟后再试"):
        sign_in.authenticate(db.session, "agent", PASSWORD, now=now + timedelta(seconds=30), policy=POLICY)
    with pytest.raises(sign_in.SignInRefused, match="请 1 分钟后再试"):
        sign_in.authenticate(db.session, "agent", PASSWORD, now=now + timedelta(minutes=14, seconds=30), policy=POLICY)
    assert sign_in.authenticate(db.session, "agent", PASSWORD, now=now + timedelta(minutes=15), policy=POLICY)

    for _ in range(5):
        with pytest.raises(sign_in.SignInRefused):
            sign_in.authenticate(db.session, "agent", "wrong-password", now=now, policy=POLICY)
    administration.reset_password(db.session, users["agent"], "reset-by-admin-3", actor=users["admin"])
    assert sign_in.authenticate(db.session, "agent", "reset-by-admin-3", now=now, policy=POLICY)


def test_unknown_names_and_deactivated_accounts(db, users):
    now = clock.now_utc()
    with pytest.raises(sign_in.SignInRefused, match="^用户名或密码错误。连续输错 5 次"):
        sign_in.authenticate(db.session, "nobody", PASSWORD, now=now, policy=POLICY)
    users["agent"].active = False
    with pytest.raises(sign_in.SignInRefused, match="已停用"):
        sign_in.authenticate(db.session, "agent", PASSWORD, now=now, policy=POLICY)


def test_the_users_page_shows_a_lock(db, client, users, auth):
    for _ in range(5):
        auth.login("agent", "wrong-password")
    auth.login("admin")
    html = client.get("/admin/users").get_data(as_text=True)
    assert "锁定至" in html and "重置密码即解锁" in html


def test_refused_sign_ins_from_one_address_are_limited_across_accounts(app, db, client, users, monkeypatch):
    # one machine trying a password on every account: no account reaches its own lock, the address does
    monkeypatch.setitem(app.config, "LOGIN_FAILURE_LIMIT", "4 per 15 minutes")
    for name in ("agent", "supervisor", "staff_dybz", "nobody"):
        page = client.post("/login", data={"username": name, "password": "guess-1"})
        assert page.status_code == 200 and "用户名或密码错误" in page.get_data(as_text=True)
    refused = client.post("/login", data={"username": "admin", "password": PASSWORD})  # even the right one
    html = refused.get_data(as_text=True)
    assert refused.status_code == 429 and "本机登录失败次数过多，请 15 分钟后再试" in html and "<form" in html
    assert client.get("/admin/users").status_code == 302  # not signed in
    db.session.refresh(users["agent"])
    assert users["agent"].failed_logins == 1 and not sign_in.is_locked(users["agent"], clock.now_utc())

    elsewhere = app.test_client()  # a colleague at another address is not affected
    signed_in = elsewhere.post("/login", data={"username": "admin", "password": PASSWORD},
                               environ_base={"REMOTE_ADDR": "10.0.0.8"})
    assert signed_in.status_code == 302


def test_correct_sign_ins_do_not_count_against_the_address(app, db, client, users, auth, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_FAILURE_LIMIT", "2 per 15 minutes")
    for name in ("agent", "supervisor", "admin", "staff_dybz"):  # colleagues signing in at one machine
        assert auth.login(name).status_code == 302
        auth.logout()
    assert auth.login("agent", "typo").status_code == 200
    assert auth.login("agent").status_code == 302  # one refusal is under the limit


def test_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("LOGIN_MAX_FAILURES", "3")
    monkeypatch.setenv("LOGIN_LOCK_MINUTES", "30")
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "45")
    monkeypatch.setenv("LOGIN_FAILURE_LIMIT", "10 per 5 minutes")
    config = build_config(str(tmp_path), {"TICKETING_ENV": "testing", "SECRET_KEY": "x" * 32})
    assert sign_in.LockoutPolicy.from_config(config) == sign_in.LockoutPolicy(3, 30)
    assert config["PERMANENT_SESSION_LIFETIME"] == timedelta(minutes=45)
    assert config["LOGIN_FAILURE_LIMIT"] == "10 per 5 minutes"
    assert config["REMEMBER_COOKIE_DURATION"] == timedelta(hours=12)


def test_a_session_in_use_stays_but_one_idle_longer_than_the_limit_is_signed_out(app, db, client, users, auth,
                                                                                monkeypatch):
    # the session cookie is signed with a timestamp and Flask refuses one older than the idle limit (120 minutes);
    # each request signs it anew. The signer's clock is moved on to stand for the minutes between requests.
    real = TimestampSigner.get_timestamp

    def request_after(minutes: int):
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) + minutes * 60)
        with app.app_context():  # a request of its own: Flask-Login caches the user on `g` of the test's context
            return client.get("/tickets/")

    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(minutes=120)
    auth.login("agent")
    assert request_after(0).status_code == 200
    assert request_after(100).status_code == 200  # within the limit
    assert request_after(200).status_code == 200  # 200 minutes after sign-in, but 100 after the last request
    response = request_after(200 + 121)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_nothing_tells_an_existing_name_from_an_unknown_one(db, users):
    """A review found the countdown (再输错 2 次) told which names exist in three tries, and the lock message
    which were locked: every wrong try now reads the same, and only the right password hears of a lock."""
    now = clock.now_utc()
    said = set()
    for name in ("agent", "nobody"):
        for _ in range(6):
            with pytest.raises(sign_in.SignInRefused) as refused:
                sign_in.authenticate(db.session, name, "wrong-password", now=now, policy=POLICY)
            said.add(refused.value.message)
    assert len(said) == 1
    with pytest.raises(sign_in.SignInRefused, match="账号已锁定"):
        sign_in.authenticate(db.session, "agent", PASSWORD, now=now, policy=POLICY)
