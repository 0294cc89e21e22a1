"""Shared by the classifier's unit tests and the app's classifier tests: the small fixture corpus, and
editing a saved model's metadata to make it look saved elsewhere."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

FIXTURE = Path(__file__).resolve().parent / "unit" / "classifiers" / "fixtures" / "tickets.csv"


def rewrite_metadata(directory: str | Path, change: Callable[[dict], None]) -> None:
    path = Path(directory) / "metadata.json"
    metadata = json.loads(path.read_text(encoding="utf-8"))
    change(metadata)
    path.write_text(json.dumps(metadata), encoding="utf-8")
