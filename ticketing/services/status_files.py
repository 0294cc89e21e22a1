"""Small JSON status files that background jobs write and pages read (retraining, imports).

A reader in another gunicorn worker must never see half a file, so a write goes to a
temporary file that then replaces the old one (an atomic rename on the same filesystem).
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path


def read_status(path: Path, default: dict) -> dict:
    """The stored status, or ``default`` when there is none (or it cannot be read)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return dict(default)


def write_status(path: Path, status: dict) -> None:
    """Replace the status at once. The temporary file is the writer's own: two workers writing at the same
    moment through one fixed name could move each other's half-written file into place, or lose one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.",
                                         suffix=".tmp", delete=False)
    try:
        with handle:
            handle.write(json.dumps(status, ensure_ascii=False))
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
