"""The menu counters refresh themselves (GET /todo.json) without counting as the user's activity."""
from __future__ import annotations

from tests.factories import make_ticket
from ticketing.models import TicketStatus
from ticketing.views.auth import SIGNED_OUT

S = TicketStatus


def test_the_counters_follow_new_work(app, db, client, users, auth, now):
    auth.login("staff_dybz")
    with app.app_context():
        assert client.get("/todo.json").get_json() == {"total": 0, "counts": {"inbox": 0, "urged": 0, "follow_ups": 0, "notices": 0, "assists": 0, "announcements": 0}}
    make_ticket(db, users, now, status=S.DISPATCHED)
    make_ticket(db, users, now, status=S.DISPATCHED, department="CBZJ", category="CB")  # another department's
    db.session.commit()
    with app.app_context():
        assert client.get("/todo.json").get_json() == {"total": 1, "counts": {"inbox": 1, "urged": 0, "follow_ups": 0, "notices": 0, "assists": 0, "announcements": 0}}
    page = client.get("/inbox/").get_data(as_text=True)
    assert 'data-counter="inbox"' in page and 'data-counter-seconds="60"' in page


def test_the_refresh_does_not_keep_an_idle_session_alive(app, db, client, users, auth):
    auth.login("agent")
    with app.app_context():  # a request of its own: Flask-Login caches the user on `g` of the test's context
        page = client.get("/tickets/")
    assert "session=" in page.headers.get("Set-Cookie", "")  # the user's own request: the idle clock restarts
    with app.app_context():
        poll = client.get("/todo.json")
    assert poll.status_code == 200 and "Set-Cookie" not in poll.headers  # the page's own: it does not


def test_a_signed_out_page_is_told_in_json(client, users):
    response = client.get("/todo.json")
    assert response.status_code == 401 and response.get_json() == {"error": SIGNED_OUT}


def test_the_interval_is_a_setting(monkeypatch, tmp_path):
    from ticketing.config import build_config

    monkeypatch.setenv("COUNTER_REFRESH_SECONDS", "0")
    config = build_config(str(tmp_path), {"TICKETING_ENV": "testing", "SECRET_KEY": "x" * 32})
    assert config["COUNTER_REFRESH_SECONDS"] == 0


def test_a_refresh_after_the_user_typed_or_clicked_counts_as_activity(app, db, client, users, auth):
    auth.login("agent")
    with app.app_context():
        poll = client.get("/todo.json?active=1")
    assert poll.status_code == 200 and "session=" in poll.headers.get("Set-Cookie", "")
    page = client.get("/tickets/").get_data(as_text=True)
    assert 'data-idle-minutes="120"' in page and "data-remembered" not in page
