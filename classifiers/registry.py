"""Versioned model artifacts on disk, with one active version.

::

    <root>/ACTIVE                      name of the active version (written atomically)
    <root>/<version>/model.joblib
    <root>/<version>/metadata.json
    <root>/<version>/userdict.txt, stopwords.txt

The root is the argument, else ``$CLASSIFIER_REGISTRY``, else
``classifiers/artifacts/`` (gitignored).  Rolling back is activating an older
version.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from .model import METADATA_FILE, TicketClassifier

DEFAULT_ROOT = Path(__file__).resolve().parent / "artifacts"
ACTIVE_FILE = "ACTIVE"
_VERSION_RE = re.compile(r"^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}$")


class UnknownVersion(LookupError):
    pass


def new_version(now: datetime) -> str:
    return f"{now.astimezone(timezone.utc):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


class ModelRegistry:
    def __init__(self, root: str | Path | None = None):
        self.root = Path(root or os.environ.get("CLASSIFIER_REGISTRY") or DEFAULT_ROOT)

    def __repr__(self) -> str:
        return f"ModelRegistry({str(self.root)!r})"

    def path(self, version: str) -> Path:
        if not _VERSION_RE.match(version or ""):
            raise UnknownVersion(f"模型版本名无效 / not a model version: {version!r}")
        directory = self.root / version
        if not (directory / METADATA_FILE).is_file():
            raise UnknownVersion(f"没有该模型版本 / no such model version: {version!r} in {self.root}")
        return directory

    def exists(self, version: str) -> bool:
        """Whether ``version`` is saved whole (its metadata is there)."""
        try:
            self.path(version)
        except UnknownVersion:
            return False
        return True

    def list_versions(self) -> list[dict]:
        """Metadata of every saved version whose metadata can be read, newest first."""
        found = [meta for meta in self._read_versions().values() if isinstance(meta, dict)]
        return sorted(found, key=lambda m: (m.get("created_at", ""), m.get("version", "")), reverse=True)

    def unreadable_versions(self) -> dict[str, str]:
        """Versions whose metadata file cannot be read (a damaged disk, a copy cut short), with why: left out of
        ``list_versions``, where one of them made the administrator's page fail (a resilience review)."""
        return {version: why for version, why in self._read_versions().items() if isinstance(why, str)}

    def _read_versions(self) -> dict[str, dict | str]:
        if not self.root.is_dir():
            return {}
        read: dict[str, dict | str] = {}
        for entry in self.root.iterdir():
            meta = entry / METADATA_FILE
            if _VERSION_RE.match(entry.name) and meta.is_file():
                try:
                    with open(meta, encoding="utf-8") as fh:
                        data = json.load(fh)
                    read[entry.name] = data if isinstance(data, dict) else f"{METADATA_FILE} 内容不是对象"
                except (OSError, UnicodeDecodeError, ValueError) as error:
                    read[entry.name] = f"{METADATA_FILE} 无法读取（{type(error).__name__}）"
        return read

    def save(self, classifier: TicketClassifier, *, now: datetime | None = None) -> dict:
        """Write ``classifier`` as a new version; its metadata gains version and created_at."""
        now = now or datetime.now(timezone.utc)
        version = new_version(now)
        classifier.metadata = {"version": version, "created_at": now.astimezone(timezone.utc).isoformat(),
                               **{k: v for k, v in classifier.metadata.items() if k not in ("version", "created_at")}}
        self.root.mkdir(parents=True, exist_ok=True)
        self._remove_abandoned_staging()
        staging = Path(tempfile.mkdtemp(prefix=f".{version}.", dir=self.root))
        try:
            classifier.save(staging)
            os.replace(staging, self.root / version)  # appears whole or not at all
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return classifier.metadata

    STAGING_ABANDONED_AFTER = 3600  # seconds: a save takes a few; one older was cut off (a worker killed)

    def _remove_abandoned_staging(self) -> None:
        """Half-written versions of saves that were cut off (about 15 MB each, left for good: a model-operations
        review)."""
        for entry in self.root.glob(".*"):
            name = entry.name[1:].split(".", 1)[0]
            if entry.is_dir() and _VERSION_RE.match(name) and \
                    time.time() - entry.stat().st_mtime > self.STAGING_ABANDONED_AFTER:  # the files' own clock
                shutil.rmtree(entry, ignore_errors=True)

    def active_version(self) -> str | None:
        try:
            version = (self.root / ACTIVE_FILE).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return version or None

    def activate(self, version: str) -> None:
        """Make `version` the active one. A version saved under other library versions, or whose files are damaged,
        is refused and the active one stays: it is loaded here first (a truncated file activated from the admin page
        made every worker drop the model in use)."""
        TicketClassifier.load(self.path(version))
        fd, tmp = tempfile.mkstemp(prefix=".ACTIVE.", dir=self.root)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(version + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.root / ACTIVE_FILE)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def load(self, version: str) -> TicketClassifier:
        return TicketClassifier.load(self.path(version))

    def load_active(self) -> TicketClassifier | None:
        version = self.active_version()
        return self.load(version) if version else None
