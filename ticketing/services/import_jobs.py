"""File imports started from the 文件导入 page run in a background thread.

A mailbox export of tens of thousands of rows takes minutes. Run inside the
request, it held a gunicorn worker and could reach the worker's timeout. The
page now starts the import in a thread of the worker and shows its progress;
the import commits batch by batch as before, so rows already registered stay
registered whatever happens later.

Each upload lives in the instance's ``imports/`` folder as ``<id>.json`` (its
description), ``<id>.<suffix>`` (the file, deleted once the import ends),
``<id>.status.json`` (progress and result, written atomically) and
``<id>.rejected.csv``. Uploads older than a week are deleted when the next one
arrives. A status left "running" by a worker that died (restart, deploy) is
shown as interrupted once it has not moved for ``STALE_AFTER``. Its file is still
there (only an import that ends deletes it), so ``resume_import`` starts it again
with the mapping it was started with; the rows registered before are skipped by
their external_id, as on any re-import.
"""
from __future__ import annotations

import json
import logging
import re
import secrets
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import exc as sa_exc

from ticketing.services import importing, status_files
from ticketing.services.errors import DomainError, InvalidTransition, NotFound

log = logging.getLogger("ticketing.imports")

STALE_AFTER = timedelta(minutes=15)
KEEP_UPLOADS = timedelta(days=7)
#: A page's import shares the database with agents saving calls. A batch holds the day's ticket-number counter
#: (PostgreSQL) or the write lock (SQLite) until it commits, so with 1,000 rows a batch every call saved meanwhile
#: waited 14–20 s, and on SQLite past busy_timeout it failed (a review with several workers, 4 Dec 2026). A batch
#: of 50 rows holds them a fraction of a second (bench/bench_import.py --alongside).
LIVE_BATCH = 50
#: On SQLite, the pause after each batch in which requests waiting for the write lock take it: SQLite's busy
#: handler polls, up to every 100 ms, and would otherwise lose the lock to the next batch every time.
SQLITE_PAUSE_SECONDS = 0.12

_threads: dict[str, threading.Thread] = {}
_threads_lock = threading.RLock()  # start_import reads the status, which asks is_running


UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")
UPLOAD_SUFFIXES = (".xlsx", ".csv")


def save_upload(folder: Path, file, *, channel: str, user_id: int) -> str:
    """Store an uploaded file (a werkzeug FileStorage) and its description; its new id.

    Uploads older than ``KEEP_UPLOADS`` are pruned first.
    """
    folder.mkdir(parents=True, exist_ok=True)
    prune_uploads(folder)
    suffix = Path(file.filename or "").suffix.lower()
    upload_id = secrets.token_hex(16)
    file.save(folder / f"{upload_id}{suffix}")
    meta = {"channel": channel, "filename": file.filename, "suffix": suffix, "user_id": user_id}
    (folder / f"{upload_id}.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return upload_id


def read_upload(folder: Path, upload_id: str) -> tuple[Path, dict] | None:
    """The stored file's path and its description, or None for an unknown or malformed id."""
    if not UPLOAD_ID.match(upload_id):
        return None
    try:
        meta = json.loads((folder / f"{upload_id}.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    return folder / f"{upload_id}{meta['suffix']}", meta


def _remember_settings(folder: Path, upload_id: str, *, mapping: dict[str, str], default_type: str) -> None:
    """Keep the mapping an import was started with in its description, so it can be resumed."""
    path = folder / f"{upload_id}.json"
    meta = json.loads(path.read_text(encoding="utf-8"))
    meta.update(mapping=mapping, default_type=default_type)
    status_files.write_status(path, meta)


def status_path(folder: Path, upload_id: str) -> Path:
    return folder / f"{upload_id}.status.json"


def rejected_path(folder: Path, upload_id: str) -> Path:
    return folder / f"{upload_id}.rejected.csv"


def read_status(folder: Path, upload_id: str, *, now: datetime) -> dict:
    """The import's state: new, running, done, failed or interrupted, with its counts."""
    status = status_files.read_status(status_path(folder, upload_id), {"state": "new"})
    if status["state"] == "running" and not is_running(upload_id):
        updated = datetime.fromisoformat(status["updated_at"])
        if now - updated > STALE_AFTER:
            status["state"] = "interrupted"
    return status


def is_running(upload_id: str) -> bool:
    with _threads_lock:
        thread = _threads.get(upload_id)
    return thread is not None and thread.is_alive()


def _write_status(folder: Path, upload_id: str, **status) -> None:
    status_files.write_status(status_path(folder, upload_id), status)


def _counts(result: importing.ImportResult) -> dict:
    return {"rows": result.rows, "created": result.created, "skipped": result.skipped,
            "rejected": len(result.rejected), "dispatched": result.dispatched}


def start_import(app, folder: Path, upload_id: str, *, source: Path, channel: str, mapping: dict[str, str],
                 default_type: str, actor_id: int, now: datetime, classifier=None,
                 threshold: float | None = None, carry: dict | None = None) -> bool:
    """Start importing ``source`` in a thread; False when this upload is running or done.

    ``carry`` is kept in every status the import writes (a resumed import's earlier counts).
    """
    with _threads_lock:
        state = read_status(folder, upload_id, now=now)["state"]  # a stale "running" reads as interrupted
        if state in ("running", "done") or not source.exists():
            return False
        _remember_settings(folder, upload_id, mapping=mapping, default_type=default_type)
        carry = carry or {}
        _write_status(folder, upload_id, state="running", started_at=now.isoformat(), updated_at=now.isoformat(),
                      rows=0, created=0, skipped=0, rejected=0, dispatched=0, **carry)
        thread = threading.Thread(
            target=_run, name=f"import-{upload_id[:8]}", daemon=True,
            args=(app, folder, upload_id, source),
            kwargs=dict(channel=channel, mapping=mapping, default_type=default_type, actor_id=actor_id,
                        now=now, classifier=classifier, threshold=threshold, carry=carry),
        )
        _threads[upload_id] = thread
    thread.start()
    return True


def can_resume(folder: Path, upload_id: str, status: dict) -> bool:
    """An interrupted import whose file and mapping are still here."""
    upload = read_upload(folder, upload_id)
    return (status.get("state") == "interrupted" and upload is not None and upload[0].exists()
            and "mapping" in upload[1])


def resume_import(app, folder: Path, upload_id: str, *, actor_id: int, now: datetime, classifier=None,
                  threshold: float | None = None) -> bool:
    """Start an interrupted import again from its kept file; rows registered before are skipped."""
    upload = read_upload(folder, upload_id)
    if upload is None:
        raise NotFound("没有这次导入")
    source, meta = upload
    status = read_status(folder, upload_id, now=now)
    if status["state"] != "interrupted":
        raise InvalidTransition("只有已中断的导入可以继续")
    if not can_resume(folder, upload_id, status):
        raise DomainError("原文件已不在服务器上，请重新上传同一文件，已导入的信件会自动跳过")
    earlier = {"resumed": True, "created_before": status.get("created_before", 0) + status.get("created", 0)}
    return start_import(app, folder, upload_id, source=source, channel=meta["channel"], mapping=meta["mapping"],
                        default_type=meta["default_type"], actor_id=actor_id, now=now, classifier=classifier,
                        threshold=threshold, carry=earlier)


#: the database went away (restarted, the connection killed): the import can go on later from its file
LOST_CONNECTION = (sa_exc.OperationalError, sa_exc.InterfaceError)


def _run(app, folder: Path, upload_id: str, source: Path, *, channel, mapping, default_type, actor_id, now,
         classifier, threshold, carry) -> None:
    from ticketing.extensions import db, take_the_write_lock
    from ticketing.models import User
    from ticketing.services import clock

    started = time.perf_counter()
    keep = False  # the file, for 继续导入
    saved = _counts(importing.ImportResult())  # what the batches committed so far: the figures a failure reports
    with app.app_context():
        session = db.session()
        take_the_write_lock(session)  # before the first batch reads (SQLite)

        def progress(partial: importing.ImportResult) -> None:
            nonlocal saved
            end_batch(session)  # each batch stays registered, whatever happens to the rest
            # a copy: the result goes on counting the next batch, which a failure rolls back (the page said
            # 120 saved where 100 were; an import review)
            saved = _counts(partial)
            _write_status(folder, upload_id, state="running", started_at=now.isoformat(),
                          updated_at=clock.now_utc().isoformat(), **saved, **carry)

        try:
            result = importing.import_rows(
                session, importing.read_sheet(source).rows, mapping, channel=channel,
                actor=session.get(User, actor_id), now=now, classifier=classifier, threshold=threshold,
                default_type=default_type, batch_size=LIVE_BATCH, on_batch=progress)
            session.commit()
            importing.refresh_statistics(session, result)
            rejected_path(folder, upload_id).write_text(importing.rejected_csv(result.rejected), encoding="utf-8")
            _write_status(folder, upload_id, state="done", started_at=now.isoformat(),
                          updated_at=clock.now_utc().isoformat(), seconds=round(time.perf_counter() - started, 1),
                          **_counts(result), **carry)
            log.info("import %s: %s", upload_id, result.summary())
        except Exception as error:  # noqa: BLE001  (shown on the page; the batches before it are kept)
            session.rollback()
            log.exception("import %s failed after %d rows", upload_id, saved["rows"])
            if not isinstance(error, LOST_CONNECTION):
                message = error.message if isinstance(error, DomainError) else "导入过程中出错，已导入的批次已保存"
                _write_status(folder, upload_id, state="failed", error=message, started_at=now.isoformat(),
                              updated_at=clock.now_utc().isoformat(), **saved, **carry)
            else:
                # the database went away for a moment, not the file: it is kept and 继续导入 is offered (the file
                # was deleted and the rest of 3,000 letters waited for someone to upload it again: a resilience
                # review)
                keep = True
                _write_status(folder, upload_id, state="interrupted", error="导入过程中出错（如数据库连接中断）",
                              started_at=now.isoformat(), updated_at=clock.now_utc().isoformat(), **saved, **carry)
        finally:
            if not keep:
                source.unlink(missing_ok=True)
            with _threads_lock:
                _threads.pop(upload_id, None)


def end_batch(session) -> None:
    """Commit a batch of a page's import and let the requests waiting behind it go first (see LIVE_BATCH), then
    take the write lock for the next batch before it reads (SQLite)."""
    from ticketing.extensions import take_the_write_lock

    session.commit()
    if session.get_bind().dialect.name == "sqlite":
        time.sleep(SQLITE_PAUSE_SECONDS)
    take_the_write_lock(session)


def recent_imports(folder: Path, *, now: datetime, limit: int = 20) -> list[dict]:
    """The latest imports started from the page, newest first, with their state and counts."""
    found = []
    for path in folder.glob("*.status.json"):
        upload_id = path.name.split(".", 1)[0]
        if (upload := read_upload(folder, upload_id)) is None:
            continue
        meta = upload[1]
        status = read_status(folder, upload_id, now=now)
        found.append({"upload_id": upload_id, "filename": meta.get("filename", ""), "channel": meta.get("channel"),
                      "started": datetime.fromisoformat(status["started_at"]) if "started_at" in status else None,
                      **status})
    found.sort(key=lambda item: item.get("started_at", ""), reverse=True)
    return found[:limit]


def wait(upload_id: str, timeout: float | None = None) -> None:
    """Block until the upload's import thread (in this process) has ended; for tests and commands."""
    with _threads_lock:
        thread = _threads.get(upload_id)
    if thread is not None:
        thread.join(timeout)


def prune_uploads(folder: Path, *, now: float | None = None, keep: timedelta = KEEP_UPLOADS) -> int:
    """Delete the files of uploads older than ``keep`` (never one still importing here); how many."""
    cutoff = (now if now is not None else time.time()) - keep.total_seconds()
    removed = 0
    for path in folder.iterdir():
        upload_id = path.name.split(".", 1)[0]
        if path.is_file() and path.stat().st_mtime < cutoff and not is_running(upload_id):
            path.unlink(missing_ok=True)
            removed += 1
    return removed
