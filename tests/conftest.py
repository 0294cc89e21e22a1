"""Fixtures: an app on a migrated database (SQLite, or PostgreSQL when TEST_DATABASE_URL is set),
tables emptied after each test, reference data, one user per role, and a client that can sign in."""
from __future__ import annotations

import os
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from ticketing import create_app
from ticketing.extensions import db as _db
from ticketing.models import Department, Role, User
from ticketing.services import duplicates, hotspots
from ticketing.services.reference_data import ensure_reference_data

LOCAL = ZoneInfo("Asia/Shanghai")
PASSWORD = "test-password-1"
# hashed once, cheaply: the real cost factor would make every test wait on scrypt
PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


def database_url(tmp_path_factory) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    app = create_app({
        "TESTING": True,
        "TICKETING_ENV": "testing",
        "SQLALCHEMY_DATABASE_URI": database_url(tmp_path_factory),
        "WTF_CSRF_ENABLED": False,
        "INSTANCE_PATH": str(instance),
        "CLASSIFIER_REGISTRY": str(tmp_path_factory.mktemp("registry")),
        "SECRET_KEY": "x" * 32,
    })
    with app.app_context():
        from flask_migrate import downgrade, upgrade

        downgrade(revision="base")
        upgrade()
    yield app
    with app.app_context():
        _db.engine.dispose()  # psycopg warns (an error here) about connections left open at exit


@pytest.fixture()
def db(app):
    """A fresh application context per test (so `g` never leaks), and empty tables afterwards."""
    with app.app_context():
        yield _db
        _db.session.rollback()
        _db.session.remove()
        tables = list(reversed(_db.metadata.sorted_tables))
        with _db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in tables)
                connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    connection.execute(table.delete())
                # the FTS5 index is not a model table; SQLite reuses ticket ids once the table is empty
                connection.exec_driver_sql("INSERT INTO ticket_fts(ticket_fts) VALUES('delete-all')")
        duplicates.forget_recent_tickets()  # ids are reused after the tables are emptied
        hotspots.forget()


@pytest.fixture()
def reference(db):
    ensure_reference_data(db.session)
    db.session.commit()
    return {d.code: d for d in db.session.scalars(sa.select(Department))}


def make_user(db, username: str, role: Role, department: Department | None = None) -> User:
    user = User(username=username, display_name=username, role=role.value, department=department,
                password_hash=PASSWORD_HASH)
    db.session.add(user)
    db.session.flush()
    return user


@pytest.fixture()
def users(db, reference):
    made = {
        "agent": make_user(db, "agent", Role.AGENT),
        "supervisor": make_user(db, "supervisor", Role.SUPERVISOR),
        "admin": make_user(db, "admin", Role.ADMIN),
        "staff_dybz": make_user(db, "staff_dybz", Role.STAFF, reference["DYBZ"]),
        "staff_cbzj": make_user(db, "staff_cbzj", Role.STAFF, reference["CBZJ"]),
    }
    db.session.commit()
    return made


@pytest.fixture()
def now():
    """Monday 2 March 2026, 09:00 in Beijing: an ordinary working day."""
    return datetime(2026, 3, 2, 9, 0, tzinfo=LOCAL)


@pytest.fixture()
def client(app):
    app.extensions["rate_limiter"].reset()  # the session's one app keeps its per-address counts otherwise
    return app.test_client()


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, username: str, password: str = PASSWORD):
        return self.client.post("/login", data={"username": username, "password": password})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture()
def auth(client):
    return Auth(client)
