import pytest

from ticketing import create_app
from ticketing.config import ConfigurationError


@pytest.mark.parametrize("key", [None, "dev", "short-key"])
def test_production_refuses_missing_or_weak_secret_key(tmp_path, monkeypatch, key):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    if key:
        monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app({"TICKETING_ENV": "production", "INSTANCE_PATH": str(tmp_path),
                    "SQLALCHEMY_DATABASE_URI": "sqlite://"})


@pytest.mark.parametrize("env", ["prod", "Production", "staging"])
def test_an_unknown_environment_stops_the_start(tmp_path, monkeypatch, env):
    """A typo must not drop the SECRET_KEY check and the Secure cookie, as anything but "production" would."""
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    with pytest.raises(ConfigurationError, match="TICKETING_ENV"):
        create_app({"TICKETING_ENV": env, "INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_demo_generates_one_key_into_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = create_app({"TICKETING_ENV": "demo", "INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    second = create_app({"TICKETING_ENV": "demo", "INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 32
    assert (tmp_path / "secret_key").exists()


def test_postgres_urls_use_psycopg3(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    app = create_app({"TICKETING_ENV": "production", "INSTANCE_PATH": str(tmp_path),
                      "SQLALCHEMY_DATABASE_URI": "postgresql://postgres@127.0.0.1/x"})
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True


def test_instance_path_from_the_environment_holds_the_key_and_the_default_database(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "site"))
    app = create_app({"TICKETING_ENV": "demo"})
    assert app.instance_path == str(tmp_path / "site")
    assert (tmp_path / "site" / "secret_key").exists()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'site' / 'ticketing.sqlite3'}"


def test_assessment_cache_seconds_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    settings = {"TICKETING_ENV": "production", "INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    assert create_app(settings).config["ASSESSMENT_LIVE_CACHE_SECONDS"] == 300
    monkeypatch.setenv("ASSESSMENT_LIVE_CACHE_SECONDS", "0")
    assert create_app(settings).config["ASSESSMENT_LIVE_CACHE_SECONDS"] == 0


def test_attachments_live_under_the_instance_folder_unless_a_folder_is_given(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    monkeypatch.delenv("ATTACHMENT_DIR", raising=False)
    base = {"TICKETING_ENV": "production", "INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    app = create_app(base)
    assert app.config["ATTACHMENT_DIR"] == str(tmp_path / "attachments") and app.config["ATTACHMENT_MAX_MB"] == 20
    monkeypatch.setenv("ATTACHMENT_DIR", "/srv/shared/ticket-files")
    monkeypatch.setenv("ATTACHMENT_MAX_MB", "50")
    app = create_app(base)
    assert app.config["ATTACHMENT_DIR"] == "/srv/shared/ticket-files" and app.config["ATTACHMENT_MAX_MB"] == 50


@pytest.mark.parametrize(("name", "value"), [("ATTACHMENT_MAX_MB", "20MB"), ("CLASSIFIER_THRESHOLD", "high"),
                                             ("SESSION_IDLE_MINUTES", "2h"), ("LOGIN_FAILURE_LIMIT", "lots"),
                                             ("PROGRESS_LOOKUP_LIMIT", "10 a minute")])
def test_a_setting_that_cannot_be_read_stops_the_start_and_names_itself(tmp_path, monkeypatch, name, value):
    """A bare ValueError named no setting; a mistyped limit silently turned the sign-in limit off."""
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match=f"{name}={value} 无效"):
        create_app({"TICKETING_ENV": "production", "INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"})


@pytest.mark.parametrize(("name", "value", "words"), [
    ("SESSION_COOKIE_SECURE", "enabled", "无效：应为是或否"), ("SQLITE_REQUEST_LOCK", "maybe", "无效：应为是或否"),
    ("SESSION_IDLE_MINUTES", "0", "超出范围"), ("REQUEST_MAX_MB", "0", "超出范围"), ("CLASSIFIER_THRESHOLD", "60", "超出范围"),
    ("DUPLICATE_SIMILARITY", "60", "超出范围"), ("ATTACHMENT_MAX_MB", "-1", "超出范围"), ("REMEMBER_HOURS", "-5", "超出范围"),
])
def test_a_setting_out_of_its_range_or_no_yes_or_no_stops_the_start(tmp_path, monkeypatch, name, value, words):
    """SESSION_IDLE_MINUTES=0 let nobody sign in, SESSION_COOKIE_SECURE=enabled meant a cookie without Secure (a
    README walk-through)."""
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match=f"{name}={value} {words}"):
        create_app({"TICKETING_ENV": "production", "INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"})


@pytest.mark.parametrize(("value", "secure"), [("y", True), ("on", True), ("0", False), ("no", False)])
def test_yes_or_no_in_its_usual_words(tmp_path, monkeypatch, value, secure):
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    monkeypatch.setenv("SESSION_COOKIE_SECURE", value)
    app = create_app({"TICKETING_ENV": "production", "INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] is secure


def test_a_database_error_does_not_carry_the_values_into_the_log(tmp_path, monkeypatch):
    """A failed INSERT of a ticket wrote the caller's name, phone and ID number into gunicorn's error log."""
    import sqlalchemy as sa

    from ticketing.extensions import db

    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    app = create_app({"TICKETING_ENV": "production", "INSTANCE_PATH": str(tmp_path),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
    with app.app_context(), pytest.raises(sa.exc.OperationalError) as failed:
        db.session.execute(sa.text("INSERT INTO no_such_table (phone) VALUES (:phone)"), {"phone": "13812345678"})
    assert "13812345678" not in str(failed.value) and "hidden due to hide_parameters" in str(failed.value)


def test_the_commands_and_gunicorn_say_what_is_wrong_without_a_traceback(tmp_path):
    """A cron line without the environment file printed a 35-line traceback ending in the message (a README
    walk-through)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "INSTANCE_PATH": str(tmp_path), "TICKETING_ENV": "production", "SESSION_IDLE_MINUTES": "30"}
    env.pop("SECRET_KEY", None)
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "scan-deadlines"], env=env, text=True,
                          capture_output=True, cwd=Path(__file__).resolve().parents[2], timeout=120)
    assert done.returncode == 3 and "配置错误" in done.stderr and "SECRET_KEY 未设置或过弱" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("url", ["mysql://u@h/db", "postgresql:/ticketing", "oracle://x"])
def test_a_database_url_this_code_cannot_use_stops_the_start(tmp_path, monkeypatch, url):
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(ConfigurationError, match="DATABASE_URL 无效"):
        create_app({"TICKETING_ENV": "demo", "INSTANCE_PATH": str(tmp_path)})


def test_a_database_that_does_not_answer_is_one_line_from_a_command(tmp_path):
    """A database not created, a wrong port or host: 130–150 lines of traceback from every cron line before."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "INSTANCE_PATH": str(tmp_path), "TICKETING_ENV": "demo",
           "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/not_there"}
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "scan-deadlines"], env=env, text=True,
                          capture_output=True, cwd=Path(__file__).resolve().parents[2], timeout=120)
    assert done.returncode == 1 and "无法连接数据库 postgresql+psycopg://postgres@127.0.0.1:1/not_there" in done.stderr
    assert "Traceback" not in done.stderr
