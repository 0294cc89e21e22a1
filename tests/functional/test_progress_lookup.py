"""The public /progress page: no login, CSRF, one message for every miss, nothing secret, 429 past the limit."""
from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest

from tests.factories import make_ticket
from ticketing.models import TicketStatus
from ticketing.services import clock, tickets
from ticketing.services.progress_lookup import NOT_FOUND_MESSAGE
from ticketing import create_app
from ticketing.config import build_config

S = TicketStatus
PHONE = "13800138000"


@pytest.fixture(autouse=True)
def fresh_limits(app):
    """Every test starts with untouched counters: the suite is never throttled by an earlier test."""
    app.extensions["rate_limiter"].reset()
    yield
    app.extensions["rate_limiter"].reset()


@pytest.fixture()
def today(monkeypatch, now):
    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(hours=3))
    return now + timedelta(hours=3)


def lookup(client, number, phone):
    return client.post("/progress", data={"number": number, "phone": phone})


def test_get_shows_the_form_without_login(client, db):
    response = client.get("/progress")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "工单进度查询" in text and 'name="number"' in text and 'name="phone"' in text
    assert re.search(r'<input[^>]*autofocus[^>]*name="number"|<input[^>]*name="number"[^>]*autofocus', text)
    assert 'autocomplete="tel"' in text and "<label" in text


def test_login_page_links_to_the_lookup(client, db):
    text = client.get("/login").get_data(as_text=True)
    assert 'href="/progress"' in text and "工单进度查询" in text


def test_found_shows_progress_without_login(client, db, users, now, today):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    db.session.commit()
    response = lookup(client, ticket.number.replace("-", " "), "+86 138-0013-8000")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert ticket.number in text and "办理中" in text and "待遇保障科" in text and "答复期限" in text
    assert NOT_FOUND_MESSAGE not in text


def test_answer_shown_once_replied(client, db, users, now, today):
    ticket = make_ticket(db, users, now, status=S.REPLIED)
    db.session.commit()
    text = lookup(client, ticket.number, PHONE).get_data(as_text=True)
    assert "已答复" in text and "答复内容" in text and "已办理" in text


def test_wrong_phone_and_wrong_number_get_the_same_page(client, db, users, now, today):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    db.session.commit()
    wrong_phone = lookup(client, ticket.number, "13900139000")
    wrong_number = lookup(client, ticket.number[:-6] + "999999", PHONE)
    both = lookup(client, ticket.number[:-6] + "999999", "13900139000")
    for response in (wrong_phone, wrong_number, both):
        assert response.status_code == 200
        assert NOT_FOUND_MESSAGE in response.get_data(as_text=True)
    # the pages differ only in the number typed back into the form (and the CSRF token)
    normalise = lambda r: re.sub(r"12393-\d{8}-\d{6}", "N", r.get_data(as_text=True))  # noqa: E731
    assert normalise(wrong_phone) == normalise(wrong_number) == normalise(both)


def test_failed_lookup_is_logged_without_the_phone(client, db, users, now, today, caplog):
    # the session fixture's `upgrade()` ran migrations/env.py's fileConfig(): it must leave our loggers on
    assert not logging.getLogger("ticketing.public").disabled
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    db.session.commit()
    with caplog.at_level(logging.INFO, logger="ticketing.public"):
        lookup(client, ticket.number, "13900139000")
        lookup(client, ticket.number, PHONE)  # found: not logged
    records = [r for r in caplog.records if r.name == "ticketing.public"]
    assert len(records) == 1 and records[0].levelno == logging.INFO
    message = records[0].getMessage()
    assert "phone_mismatch" in message and ticket.number in message
    assert "13900139000" not in message and "0013" not in message


@pytest.mark.parametrize(("data", "messages"), [
    ({"number": "", "phone": ""}, ["请输入工单号。", "请输入登记时留下的电话号码。"]),
    ({"number": "abc", "phone": PHONE}, ["工单号格式不正确"]),
    ({"number": "12393-20260302-000001", "phone": "12"}, ["电话号码格式不正确"]),
])
def test_empty_or_malformed_input_is_explained_in_chinese(client, db, data, messages):
    response = client.post("/progress", data=data)
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in messages:
        assert message in text
    assert NOT_FOUND_MESSAGE not in text
    assert text.count("autofocus") == 1  # the keyboard starts in the first field that needs fixing
    assert re.search(r'<input[^>]*autofocus[^>]*name="{}"'.format("phone" if "电话" in messages[0] else "number"), text)


def test_nothing_secret_in_the_html(client, db, users, now, today):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, caller_name="李建国", content="住院报销少了两千元",
                         title="报销争议")
    tickets.add_note(db.session, ticket, "内部备注：医院已承认", actor=users["staff_dybz"], now=now + timedelta(hours=1))
    tickets.urge(db.session, ticket, "督办意见：加快办理", actor=users["supervisor"], now=now + timedelta(hours=1))
    db.session.commit()
    text = lookup(client, ticket.number, PHONE).get_data(as_text=True)
    assert ticket.number in text
    for secret in ("李建国", "李*", PHONE, "138****8000", "住院报销少了两千元", "报销争议", "内部备注", "督办意见",
                   "staff_dybz", "supervisor", "待遇报销", "置信", "classifier"):
        assert secret not in text, secret


def test_confidential_report_shows_no_department_and_no_answer(client, db, users, now, today):
    ticket = make_ticket(db, users, now, status=S.REPLIED, type="report", caller_name="赵举报", content="某医院挂床住院")
    db.session.commit()
    text = lookup(client, ticket.number, PHONE).get_data(as_text=True)
    assert "已答复" in text and "工作人员会通过电话告知" in text
    for secret in ("赵举报", "挂床", "待遇保障科", "举报", "已办理"):
        assert secret not in text, secret


def test_merged_ticket_does_not_reveal_the_other(client, db, users, now, today):
    # the same person (the same ID number) calling again from another phone under another name
    first = make_ticket(db, users, now, status=S.ACCEPTED, caller_phone="13911112222", caller_name="钱先生",
                        caller_id_number="11010519491231002X")
    duplicate = make_ticket(db, users, now + timedelta(hours=1), caller_id_number="11010519491231002X")
    tickets.merge(db.session, duplicate, first, actor=users["agent"], now=now + timedelta(hours=2))
    db.session.commit()
    text = lookup(client, duplicate.number, PHONE).get_data(as_text=True)
    assert duplicate.number in text and "合并办理" in text and "办理中" in text
    for secret in (first.number, "13911112222", "钱先生"):
        assert secret not in text, secret


def test_csrf_is_required_like_every_form(app, client, db, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post("/progress", data={"number": "12393-20260302-000001", "phone": PHONE})
    assert response.status_code == 400 and "页面已过期，请刷新后重试" in response.get_data(as_text=True)
    page = client.get("/progress").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/progress", data={"csrf_token": token, "number": "12393-20260302-000001", "phone": PHONE})
    assert response.status_code == 200 and NOT_FOUND_MESSAGE in response.get_data(as_text=True)


def test_lookups_past_the_limit_get_429_in_chinese(app, client, db, monkeypatch):
    monkeypatch.setitem(app.config, "PROGRESS_LOOKUP_LIMIT", "3 per minute")
    for _ in range(3):
        assert lookup(client, "12393-20260302-000001", PHONE).status_code == 200
    assert client.get("/progress").status_code == 200  # showing the form is not a lookup
    response = lookup(client, "12393-20260302-000001", PHONE)
    text = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "查询过于频繁" in text and 'name="number"' in text
    assert "Retry-After" in response.headers
    # another client address has its own count
    other = client.post("/progress", data={"number": "12393-20260302-000001", "phone": PHONE},
                        environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200


def test_limits_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("PROGRESS_LOOKUP_LIMIT", raising=False)
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    default = build_config(str(tmp_path), {"TESTING": True})
    assert default["PROGRESS_LOOKUP_LIMIT"] == "10 per minute;100 per day"
    assert default["RATELIMIT_STORAGE_URI"] == "memory://"
    monkeypatch.setenv("PROGRESS_LOOKUP_LIMIT", "5 per minute")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://cache:6379/0")
    from_env = build_config(str(tmp_path), {"TESTING": True})
    assert from_env["PROGRESS_LOOKUP_LIMIT"] == "5 per minute"
    assert from_env["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/0"


def test_behind_a_trusted_proxy_the_limit_counts_each_citizen(tmp_path):
    """With PROXY_COUNT=1 the client address is X-Forwarded-For's last hop, not the proxy's own."""
    proxied = create_app({"TESTING": True, "TICKETING_ENV": "testing", "SECRET_KEY": "x" * 32,
                          "WTF_CSRF_ENABLED": False, "INSTANCE_PATH": str(tmp_path), "PROXY_COUNT": 1,
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'proxied.sqlite3'}",
                          "PROGRESS_LOOKUP_LIMIT": "1 per minute"})
    client = proxied.test_client()
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    # empty input fails validation before any query (no tables needed), and still counts as a lookup
    form_bad = {"number": "", "phone": ""}
    first = client.post("/progress", data=form_bad, environ_base=proxy, headers={"X-Forwarded-For": "203.0.113.5"})
    second = client.post("/progress", data=form_bad, environ_base=proxy, headers={"X-Forwarded-For": "203.0.113.5"})
    other = client.post("/progress", data=form_bad, environ_base=proxy, headers={"X-Forwarded-For": "198.51.100.7"})
    assert (first.status_code, second.status_code, other.status_code) == (400, 429, 400)


def test_two_workers_share_the_limit_through_redis(tmp_path):
    """Two app instances (two gunicorn workers) with one Redis storage count the same lookups."""
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")

    def worker(name):
        app = create_app({"TESTING": True, "TICKETING_ENV": "testing", "SECRET_KEY": "x" * 32,
                          "WTF_CSRF_ENABLED": False, "INSTANCE_PATH": str(tmp_path),
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / (name + '.sqlite3')}",
                          "RATELIMIT_STORAGE_URI": url, "PROGRESS_LOOKUP_LIMIT": "2 per minute"})
        return app

    first, second = worker("one"), worker("two")
    first.extensions["rate_limiter"].reset()
    try:
        empty = {"number": "", "phone": ""}  # rejected before any query, still a counted lookup
        client_address = {"REMOTE_ADDR": "192.0.2.44"}
        codes = [app.test_client().post("/progress", data=empty, environ_base=client_address).status_code
                 for app in (first, second, first)]
        assert codes == [400, 400, 429]
    finally:
        first.extensions["rate_limiter"].reset()


def test_a_shared_storage_that_is_down_falls_back_to_counting_in_the_worker(tmp_path):
    """Redis down made every sign-in and lookup a 500; each worker now counts in memory until it answers again."""
    pytest.importorskip("redis")
    app = create_app({"TESTING": True, "TICKETING_ENV": "testing", "SECRET_KEY": "x" * 32,
                      "WTF_CSRF_ENABLED": False, "INSTANCE_PATH": str(tmp_path),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'down.sqlite3'}",
                      "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:9/0",  # the discard port: nothing answers
                      "PROGRESS_LOOKUP_LIMIT": "2 per minute"})
    empty = {"number": "", "phone": ""}
    client = app.test_client()
    codes = [client.post("/progress", data=empty, environ_base={"REMOTE_ADDR": "192.0.2.45"}).status_code
             for _ in range(3)]
    assert codes == [400, 400, 429]
