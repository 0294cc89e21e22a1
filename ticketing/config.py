"""Configuration read from the environment.

Every setting has a default fit for the one-command demo on SQLite except
SECRET_KEY, which is never a constant in code: production refuses to start
without a strong one, and the demo run generates one once into instance/.
"""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

WEAK_SECRET_KEYS = {"", "dev", "secret", "changeme", "change-me", "development"}
MIN_SECRET_KEY_LENGTH = 24


#: production (the default), demo (`make run`), development and testing (this repository's tests)
KNOWN_ENVIRONMENTS = ("production", "demo", "development", "testing")


class ConfigurationError(RuntimeError):
    """Raised at start-up when the configuration cannot be used."""


TRUE_WORDS, FALSE_WORDS = {"1", "true", "yes", "on", "y"}, {"0", "false", "no", "off", "n", ""}


def _bool(value: str | None, default: bool) -> bool:
    """A yes/no setting. Anything else is refused (ValueError): SESSION_COOKIE_SECURE=enabled meant off, a
    cookie without Secure in production (a README walk-through)."""
    if value is None:
        return default
    word = value.strip().lower()
    if word not in TRUE_WORDS | FALSE_WORDS:
        raise ValueError(value)
    return word in TRUE_WORDS


# the numbers a setting may take; 0 where it means "off" (SESSION_IDLE_MINUTES=0 let nobody sign in, and
# REQUEST_MAX_MB=0 refused every form: a README walk-through)
RANGES = {
    "CLASSIFIER_THRESHOLD": (0.0, 1.0), "DUPLICATE_SIMILARITY": (0.0, 1.0), "RETURN_WINDOW_WORKING_DAYS": (0, 60),
    "PROXY_COUNT": (0, 10), "ASSESSMENT_LIVE_CACHE_SECONDS": (0, 86400), "LOGIN_MAX_FAILURES": (1, 1000),
    "LOGIN_LOCK_MINUTES": (0, 10080), "SESSION_IDLE_MINUTES": (1, 10080), "COUNTER_REFRESH_SECONDS": (0, 86400),
    "REMEMBER_HOURS": (0, 8760), "ATTACHMENT_MAX_MB": (1, 2048), "ATTACHMENT_SCAN_TIMEOUT": (1, 3600),
    "SMS_TIMEOUT": (1, 600), "REQUEST_MAX_MB": (1, 4096),
}


class Config:
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # PostgreSQL's JIT compiler spent 3.9 s compiling the monthly assessment's query, which then ran in
    # 0.05 s: the planner's row estimate for the receipts' join on a JSON value is far too high, and crosses
    # the JIT's cost thresholds (bench/bench_assessment.py, docs/assessment.md). Off for the app's connections.
    # hide_parameters: a database error's message names the statement, not the values (a caller's name, phone,
    # ID number and words went into the error log with every failed INSERT of a ticket)
    # plan_cache_mode: psycopg prepares a statement run 5 times on a connection, and PostgreSQL may then plan it
    # generically, without the statistics on the receiving department (migration 8e4a6c2f1b57), which bound keys
    # hide; every plan is made for its own values instead
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True,
                                 "connect_args": {"options": "-c jit=off -c plan_cache_mode=force_custom_plan"}}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = 8 * 3600  # a whole shift
    PAGE_SIZE = 30
    TIMEZONE = "Asia/Shanghai"
    # classifier
    CLASSIFIER_REGISTRY = None  # None: classifiers/artifacts
    CLASSIFIER_THRESHOLD = None  # None: the threshold stored with the model
    # lifecycle
    RETURN_WINDOW_WORKING_DAYS = 5
    DUPLICATE_SIMILARITY = 0.6
    SQLITE_REQUEST_LOCK = True  # SQLite: each request takes the write lock when it begins (0 only to measure its cost)
    # live (not yet issued) assessment figures are reused by every worker for this long; 0: never
    ASSESSMENT_LIVE_CACHE_SECONDS = 300
    # the citizens' progress lookup (Flask-Limiter); memory:// counts per gunicorn worker
    PROGRESS_LOOKUP_LIMIT = "10 per minute;100 per day"
    RATELIMIT_STORAGE_URI = "memory://"
    # a shared storage (Redis) that is down must not stop every sign-in: each worker counts in memory meanwhile
    # and goes back to the storage when it answers again (Flask-Limiter's fallback)
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # reverse proxies in front of gunicorn whose X-Forwarded-For/-Proto to trust (werkzeug ProxyFix)
    PROXY_COUNT = 0
    # 登录失败处理: wrong passwords in a row before an account is locked, and for how long
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCK_MINUTES = 15
    # refused sign-ins allowed per client address (Flask-Limiter syntax); correct ones do not count
    LOGIN_FAILURE_LIMIT = "30 per 15 minutes"
    # a session with no request for this long is signed out; 保持登录 keeps one for REMEMBER_HOURS
    SESSION_IDLE_MINUTES = 120
    # open pages refresh the menu counters this often (0: never); the refresh does not count as activity
    COUNTER_REFRESH_SECONDS = 60
    REMEMBER_HOURS = 12
    # 附件: where ticket files are kept (None: instance/attachments; shared storage for several servers)
    ATTACHMENT_DIR = None
    ATTACHMENT_MAX_MB = 20
    # the centre's virus scanner, run on every upload before it is kept (ClamAV's exit codes: 0 clean,
    # 1 infected); empty: no scan. E.g. "clamdscan --no-summary --fdpass {path}"
    ATTACHMENT_SCAN_COMMAND = ""
    ATTACHMENT_SCAN_TIMEOUT = 60
    # 短信告知: the centre's SMS gateway, run with {phone} replaced and the message on standard input
    # (exit 0: accepted); empty: no 发短信告知 button
    SMS_COMMAND = ""
    SMS_TIMEOUT = 20
    # the largest request body of any kind (several attachments at once, an import file): 413 above it
    REQUEST_MAX_MB = 200
    TESTING = False
    PRODUCTION = True


def build_config(app_instance_path: str, overrides: dict | None = None) -> dict:
    """Return the configuration mapping for an application.

    Environment variables: DATABASE_URL, SECRET_KEY, TICKETING_ENV
    (production | demo | development), SESSION_COOKIE_SECURE, CLASSIFIER_REGISTRY,
    CLASSIFIER_THRESHOLD, RETURN_WINDOW_WORKING_DAYS,
    DUPLICATE_SIMILARITY, PROGRESS_LOOKUP_LIMIT, RATELIMIT_STORAGE_URI, PROXY_COUNT,
    ASSESSMENT_LIVE_CACHE_SECONDS, LOGIN_MAX_FAILURES, LOGIN_LOCK_MINUTES, LOGIN_FAILURE_LIMIT,
    SESSION_IDLE_MINUTES, REMEMBER_HOURS, COUNTER_REFRESH_SECONDS, ATTACHMENT_DIR,
    ATTACHMENT_MAX_MB, ATTACHMENT_SCAN_COMMAND, ATTACHMENT_SCAN_TIMEOUT, REQUEST_MAX_MB, SMS_COMMAND, SMS_TIMEOUT.
    """
    overrides = dict(overrides or {})
    config = {k: getattr(Config, k) for k in dir(Config) if k.isupper()}
    env = overrides.pop("TICKETING_ENV", None) or os.environ.get("TICKETING_ENV", "production")
    if env not in KNOWN_ENVIRONMENTS:  # "prod" would have dropped the SECRET_KEY check and the Secure cookie
        raise ConfigurationError(f"TICKETING_ENV={env} 无效，应为 {'、'.join(KNOWN_ENVIRONMENTS)} 之一")
    config["TICKETING_ENV"] = env
    config["PRODUCTION"] = env == "production"
    instance = Path(app_instance_path)
    default_db = f"sqlite:///{instance / 'ticketing.sqlite3'}"
    config["SQLALCHEMY_DATABASE_URI"] = _database_url(os.environ.get("DATABASE_URL") or default_db)
    config["SESSION_COOKIE_SECURE"] = _cast("SESSION_COOKIE_SECURE", os.environ.get("SESSION_COOKIE_SECURE"),
                                            lambda v: _bool(v, env == "production"))
    config["REMEMBER_COOKIE_SECURE"] = config["SESSION_COOKIE_SECURE"]
    for name, cast in (
        ("CLASSIFIER_REGISTRY", str),
        ("CLASSIFIER_THRESHOLD", float),
        ("RETURN_WINDOW_WORKING_DAYS", int),
        ("DUPLICATE_SIMILARITY", float),
        ("PROGRESS_LOOKUP_LIMIT", str),
        ("RATELIMIT_STORAGE_URI", str),
        ("PROXY_COUNT", int),
        ("ASSESSMENT_LIVE_CACHE_SECONDS", int),
        ("LOGIN_MAX_FAILURES", int),
        ("LOGIN_LOCK_MINUTES", int),
        ("LOGIN_FAILURE_LIMIT", str),
        ("SESSION_IDLE_MINUTES", int),
        ("COUNTER_REFRESH_SECONDS", int),
        ("REMEMBER_HOURS", int),
        ("ATTACHMENT_DIR", str),
        ("ATTACHMENT_MAX_MB", int),
        ("ATTACHMENT_SCAN_COMMAND", str),
        ("ATTACHMENT_SCAN_TIMEOUT", int),
        ("SMS_COMMAND", str),
        ("SMS_TIMEOUT", int),
        ("REQUEST_MAX_MB", int),
        ("SQLITE_REQUEST_LOCK", lambda v: _bool(v, True)),
    ):
        if os.environ.get(name):
            config[name] = _cast(name, os.environ[name], cast)
    config["SECRET_KEY"] = os.environ.get("SECRET_KEY")
    config.update(overrides)
    if "SQLALCHEMY_DATABASE_URI" in overrides:
        config["SQLALCHEMY_DATABASE_URI"] = _database_url(overrides["SQLALCHEMY_DATABASE_URI"])
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"hide_parameters": True}
    config["SECRET_KEY"] = _secret_key(config, instance)
    config["ATTACHMENT_DIR"] = str(config["ATTACHMENT_DIR"] or instance / "attachments")
    config.setdefault("MAX_CONTENT_LENGTH", config["REQUEST_MAX_MB"] * 1024 * 1024)
    # Flask refuses a session cookie signed longer ago than this, and re-signs a permanent one on each request
    config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=config["SESSION_IDLE_MINUTES"])
    config["REMEMBER_COOKIE_DURATION"] = timedelta(hours=config["REMEMBER_HOURS"])
    return config


def _cast(name: str, text: str, cast):
    """An environment variable as the setting's type; a value that is not one names the setting (ATTACHMENT_MAX_MB=20MB
    was a bare ValueError), and a rate limit is checked now (LOGIN_FAILURE_LIMIT=lots turned the limit off
    without a word)."""
    try:
        value = cast(text)
    except ValueError:
        kind = {int: "整数", float: "数字"}.get(cast, "是或否（1/0、true/false、yes/no、on/off）")
        english = cast.__name__ if cast in (int, float, str) else "yes or no"
        raise ConfigurationError(f"{name}={text} 无效：应为{kind}（{name} must be a {english}）") from None
    if name in RANGES and not RANGES[name][0] <= value <= RANGES[name][1]:
        low, high = RANGES[name]
        raise ConfigurationError(f"{name}={text} 超出范围：应在 {low} 到 {high} 之间（{name} must be between {low} and {high}）")
    if name.endswith("_LIMIT"):
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError:
            raise ConfigurationError(f"{name}={text} 无效：应为如 “30 per 15 minutes” 的限制，多个以 ; 分隔"
                                     f"（{name} must be a rate limit）") from None
    return value


def _database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever scheme the operator wrote. Any other database, driver or a URL that
    does not parse stops the start with a line saying so (a traceback, or psycopg2's ImportError followed by "No
    such command", before: a README walk-through)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix):]
            break
    try:
        scheme = make_url(url).drivername
    except ArgumentError:
        scheme = None
    if scheme not in ("sqlite", "postgresql+psycopg"):
        raise ConfigurationError("DATABASE_URL 无效：应为 postgresql://用户@主机:端口/库名 或 sqlite:///文件路径"
                                 "（DATABASE_URL must be a PostgreSQL or SQLite URL）")
    return url


def _secret_key(config: dict, instance: Path) -> str:
    key = config.get("SECRET_KEY")
    if key and (key.lower() not in WEAK_SECRET_KEYS) and len(key) >= MIN_SECRET_KEY_LENGTH:
        return key
    if config.get("TESTING"):
        return key or secrets.token_hex(32)
    if config["PRODUCTION"]:
        raise ConfigurationError(
            "SECRET_KEY 未设置或过弱：生产环境必须设置至少 24 个字符的随机 SECRET_KEY "
            "(SECRET_KEY is missing or weak; set a random value of at least 24 characters, "
            "e.g. python -c 'import secrets; print(secrets.token_hex(32))'). "
            "For the local demo run set TICKETING_ENV=demo."
        )
    # demo / development: one random key, generated once into the gitignored instance folder
    instance.mkdir(parents=True, exist_ok=True)
    key_file = instance / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()
