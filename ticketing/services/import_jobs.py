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
shown as interrupted once it has not moved for ``STALE_AFTER``; importing the
same file again skips what was registered.
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

from ticketing.services import importing, status_files
from ticketing.services.errors import DomainError

log = logging.getLogger("ticketing.imports")

STALE_AFTER = timedelta(minutes=15)
KEEP_UPLOADS = timedelta(days=7)

_threads: dict[str, threading.Thread] = {}
_threads_lock = threading.Lock()


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
                 threshold: float | None = None) -> bool:
    """Start importing ``source`` in a thread; False when this upload was already started."""
    with _threads_lock:
        state = status_files.read_status(status_path(folder, upload_id), {"state": "new"})["state"]
        if state in ("running", "done") or not source.exists():
            return False
        _write_status(folder, upload_id, state="running", started_at=now.isoformat(), updated_at=now.isoformat(),
                      rows=0, created=0, skipped=0, rejected=0, dispatched=0)
        thread = threading.Thread(
            target=_run, name=f"import-{upload_id[:8]}", daemon=True,
            args=(app, folder, upload_id, source),
            kwargs=dict(channel=channel, mapping=mapping, default_type=default_type, actor_id=actor_id,
                        now=now, classifier=classifier, threshold=threshold),
        )
        _threads[upload_id] = thread
    thread.start()
    return True


def _run(app, folder: Path, upload_id: str, source: Path, *, channel, mapping, default_type, actor_id, now,
         classifier, threshold) -> None:
    from ticketing.extensions import db
    from ticketing.models import User
    from ticketing.services import clock

    started = time.perf_counter()
    result = importing.ImportResult()
    with app.app_context():
        session = db.session

        def progress(partial: importing.ImportResult) -> None:
            nonlocal result
            session.commit()  # each batch stays registered, whatever happens to the rest
            result = partial
            _write_status(folder, upload_id, state="running", started_at=now.isoformat(),
                          updated_at=clock.now_utc().isoformat(), **_counts(partial))

        try:
            result = importing.import_rows(
                session, importing.read_sheet(source).rows, mapping, channel=channel,
                actor=session.get(User, actor_id), now=now, classifier=classifier, threshold=threshold,
                default_type=default_type, on_batch=progress)
            session.commit()
            rejected_path(folder, upload_id).write_text(importing.rejected_csv(result.rejected), encoding="utf-8")
            _write_status(folder, upload_id, state="done", started_at=now.isoformat(),
                          updated_at=clock.now_utc().isoformat(), seconds=round(time.perf_counter() - started, 1),
                          **_counts(result))
            log.info("import %s: %s", upload_id, result.summary())
        except Exception as error:  # noqa: BLE001  (shown on the page; the batches before it are kept)
            session.rollback()
            message = error.message if isinstance(error, DomainError) else "导入过程中出错，已导入的批次已保存"
            log.exception("import %s failed after %d rows", upload_id, result.rows)
            _write_status(folder, upload_id, state="failed", error=message, started_at=now.isoformat(),
                          updated_at=clock.now_utc().isoformat(), **_counts(result))
        finally:
            source.unlink(missing_ok=True)
            with _threads_lock:
                _threads.pop(upload_id, None)


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
