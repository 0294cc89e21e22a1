"""Small JSON status files that background jobs write and pages read (retraining, imports).

A reader in another gunicorn worker must never see half a file, so a write goes to a
temporary file that then replaces the old one (an atomic rename on the same filesystem).
"""
from __future__ import annotations

import json
from pathlib import Path


def read_status(path: Path, default: dict) -> dict:
    """The stored status, or ``default`` when there is none (or it cannot be read)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return dict(default)


def write_status(path: Path, status: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(status, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)
