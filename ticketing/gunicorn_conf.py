"""gunicorn settings for the app: ``gunicorn -c python:ticketing.gunicorn_conf wsgi:app``.

Each worker warms up in a background thread as soon as it has started: it loads the active
classifier and builds its index of the last 30 days' tickets for duplicate candidates. At a
province's scale the index takes 8–25 s to build (docs/classifier.md §8), and without the
warm-up the first agent to type a call on a new worker would wait for it. Requests are served
meanwhile; one that needs the index waits only for what is left.
"""
from __future__ import annotations

import logging
import threading

log = logging.getLogger("ticketing.warmup")


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


def post_worker_init(worker) -> None:
    """gunicorn hook: runs in each worker once the app is loaded."""
    warm_up(worker.wsgi)
