"""A gunicorn worker warms up in the background: the classifier loaded and the duplicate index built."""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from tests.factories import make_ticket
from ticketing import gunicorn_conf
from ticketing.services import clock, duplicates


class CountingHolder:
    def __init__(self):
        self.calls = 0

    def current(self):
        self.calls += 1
        return None


def test_the_warm_up_loads_the_classifier_and_indexes_the_last_30_days(app, db, users, monkeypatch):
    for hours in (1, 2, 3):
        make_ticket(db, users, clock.now_utc() - timedelta(hours=hours), content=f"第{hours}件来电")
    make_ticket(db, users, clock.now_utc() - timedelta(days=40), content="早于三十天")
    db.session.commit()
    holder = CountingHolder()
    monkeypatch.setitem(app.extensions, "classifier", holder)
    duplicates.forget_recent_tickets()
    thread = gunicorn_conf.warm_up(app)
    thread.join(timeout=60)
    assert not thread.is_alive() and thread.daemon
    assert holder.calls == 1
    assert len(duplicates._RECENT._received) == 3  # built before any request asked


def test_a_failing_warm_up_is_logged_and_leaves_the_work_to_the_first_request(app, db, monkeypatch, caplog):
    class Broken:
        def current(self):
            raise RuntimeError("disk gone")

    monkeypatch.setitem(app.extensions, "classifier", Broken())
    thread = gunicorn_conf.warm_up(app)
    thread.join(timeout=60)
    assert "worker warm-up failed" in caplog.text


def test_gunicorns_hook_warms_the_workers_app(monkeypatch):
    started = []
    monkeypatch.setattr(gunicorn_conf, "warm_up", started.append)
    gunicorn_conf.post_worker_init(SimpleNamespace(wsgi="the app"))
    assert started == ["the app"]


def test_each_worker_says_which_database_it_serves_and_warns_of_sqlite_in_production(app, caplog, monkeypatch):
    """A mistyped DATABASE_URL ran a production deployment on SQLite without a word (a README walk-through)."""
    import logging

    caplog.set_level(logging.INFO, logger="ticketing")
    gunicorn_conf._say_which_database(app)
    assert "database: " in caplog.text
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        assert "生产环境使用的是 SQLite" not in caplog.text  # the tests' app is not production
        monkeypatch.setitem(app.config, "PRODUCTION", True)
        gunicorn_conf._say_which_database(app)
        assert "生产环境使用的是 SQLite" in caplog.text
