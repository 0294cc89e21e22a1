"""gunicorn settings for the app: ``gunicorn -c python:ticketing.gunicorn_conf wsgi:app``.

Each worker warms up in a background thread as soon as it has started: it loads the active
classifier and builds its index of the last 30 days' tickets for duplicate candidates. At a
province's scale the index takes 8–25 s to build (docs/classifier.md §8), and without the
warm-up the first agent to type a call on a new worker would wait for it. Requests are served
meanwhile; one that needs the index waits only for what is left.
"""
from __future__ import annotations

import logging
import sys
import threading

log = logging.getLogger("ticketing.warmup")

# Access log to standard output, one line per request, with the path but not the query string: the screen pop's
# /agent/calls/new?phone=… and the API's ?phone= would write citizens' numbers into it. `--access-logfile FILE`
# on the command line sends it to a file instead.
accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'


class _GunicornErrorLog(logging.Handler):
    """Hands each of the app's lines to gunicorn's error log as it is then (a file after ``--error-logfile``,
    reopened on USR1), named by its logger."""

    def __init__(self, error_log: logging.Logger):
        super().__init__()
        self.error_log = error_log

    def emit(self, record: logging.LogRecord) -> None:
        named = logging.makeLogRecord({**record.__dict__, "msg": f"{record.name}: {record.getMessage()}", "args": None})
        for handler in self.error_log.handlers:
            if named.levelno >= handler.level:
                handler.handle(named)


def _app_logs_to_error_log(error_log: logging.Logger | None = None) -> None:
    """The app's own lines (ticketing.*: export audit, refused sign-ins, admin changes, imports, warm-up, SMS and
    virus-scan refusals) at INFO where gunicorn writes its error log: standard error, or the file of
    ``--error-logfile`` once a worker has gunicorn's ``error_log`` (``post_fork``). Without this Python dropped
    them all; and with a handler of its own on standard error, ``--error-logfile`` got none of them, the export
    audit included (a README walk-through)."""
    logger = logging.getLogger("ticketing")
    for handler in [h for h in logger.handlers if getattr(h, "ticketing_app_log", False)]:
        logger.removeHandler(handler)
    if error_log is not None:
        handler = _GunicornErrorLog(error_log)
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s",
                                               "%Y-%m-%d %H:%M:%S %z"))
    handler.ticketing_app_log = True
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


_app_logs_to_error_log()


def post_fork(server, worker) -> None:
    """gunicorn hook: in each worker, the app's lines go to gunicorn's error log, file or stream."""
    _app_logs_to_error_log(server.log.error_log)


def warm_up(app) -> threading.Thread:
    """Start the warm-up of one worker's ``app`` in a daemon thread (returned, for tests)."""

    def run() -> None:
        from ticketing.extensions import db
        from ticketing.services import clock, duplicates

        with app.app_context():
            try:
                app.extensions["classifier"].current()
                held = duplicates.warm_up(db.session, clock.now_utc())
                log.info("worker warmed up: duplicate index holds %d tickets", held)
            except Exception:  # a warm-up that fails leaves the work to the first request, as before
                log.exception("worker warm-up failed")
            finally:
                db.session.remove()

    thread = threading.Thread(target=run, name="ticketing-warmup", daemon=True)
    thread.start()
    return thread


WORKER_BOOT_ERROR = 3  # gunicorn's exit code for a worker that cannot boot: the master stops instead of respawning


def post_worker_init(worker) -> None:
    """gunicorn hook: runs in each worker once the app is loaded. A database this code cannot use (not upgraded)
    stops gunicorn with the reason, instead of serving 500s."""
    from ticketing.schema_check import schema_problem

    try:
        problem = schema_problem(worker.wsgi)
    except Exception as error:  # an unreachable database: serve anyway, and recover when it answers (pre-ping)
        logging.getLogger("ticketing").error("could not check the database's schema version: %s", error)
        problem = None
    if problem:
        logging.getLogger("ticketing").critical(problem)
        sys.exit(WORKER_BOOT_ERROR)
    _say_which_database(worker.wsgi)
    warm_up(worker.wsgi)


def _say_which_database(app) -> None:
    """The database each worker serves from, in the log; in production on SQLite a warning: DATABASE_URL mistyped
    (DATABSE_URL) ran a whole deployment on a file in instance/ without a word (a README walk-through)."""
    from ticketing.extensions import db

    logger = logging.getLogger("ticketing")
    try:
        with app.app_context():
            url = db.engine.url
    except Exception as error:  # a log line only: serving goes on
        logger.warning("could not tell which database this worker uses: %s", error)
        return
    logger.info("database: %s", url.render_as_string(hide_password=True))
    if app.config.get("PRODUCTION") and url.drivername == "sqlite":
        logger.warning("生产环境使用的是 SQLite 文件 %s：未设置 DATABASE_URL？ production is running on SQLite",
                       url.database)
