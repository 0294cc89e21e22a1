"""Learning from people's corrections: labelled examples, retraining, and how often suggestions held.

Retraining runs in a background thread started from the admin page (or in the
foreground from `flask classifier retrain`); its progress is kept in a small
JSON file next to the model registry so every worker can show it.
"""
from __future__ import annotations

import contextlib
import logging
import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ticketing.models import Category, CategoryLabel, Ticket
from ticketing.services import status_files

log = logging.getLogger(__name__)


def corrected_examples(session: Session):
    """The latest category a person gave each ticket, as training examples."""
    from classifiers.train import Example

    latest = (sa.select(CategoryLabel.ticket_id, sa.func.max(CategoryLabel.id).label("id"))
              .group_by(CategoryLabel.ticket_id).subquery())
    rows = session.execute(
        sa.select(Ticket.title, Ticket.content, Ticket.type, Category.code)
        .join(latest, latest.c.ticket_id == Ticket.id)
        .join(CategoryLabel, CategoryLabel.id == latest.c.id)
        .join(Category, Category.id == CategoryLabel.to_category_id)
    ).all()
    return [Example(text=f"{title}\n{content}" if title else content, label=code, type=ticket_type)
            for title, content, ticket_type, code in rows]


def retrain(session: Session, registry, *, progress=None) -> dict:
    """Shipped corpus + people's labels → a new version, evaluated and registered but not activated."""
    from classifiers.corpus import load_shipped_corpus
    from classifiers.train import train_model

    examples = load_shipped_corpus() + corrected_examples(session)
    return train_model(examples, registry, progress=progress, activate=False)


def suggestion_outcomes(session: Session, now: datetime, days: int = 30) -> list[dict]:
    """Per suggested category over the last `days`: how many tickets a person left in it or moved out of it, by
    each ticket's latest category (a model-operations review: a ticket set by an agent, changed by a supervisor and
    set back after a return counted three times, as one acceptance and two corrections)."""
    since = now - timedelta(days=days)
    latest = (sa.select(sa.func.max(CategoryLabel.id)).where(CategoryLabel.created_at >= since)
              .group_by(CategoryLabel.ticket_id))
    rows = session.execute(
        sa.select(Category.code, Category.name,
                  sa.func.count().label("total"),
                  sa.func.sum(sa.case((CategoryLabel.to_category_id == CategoryLabel.suggested_category_id, 1),
                                      else_=0)).label("accepted"))
        .join(Category, Category.id == CategoryLabel.suggested_category_id)
        .where(CategoryLabel.id.in_(latest))
        .group_by(Category.code, Category.name).order_by(Category.code)
    ).all()
    return [{"code": code, "name": name, "total": total, "accepted": int(accepted or 0),
             "corrected": total - int(accepted or 0),
             "accepted_rate": (int(accepted or 0) / total) if total else None}
            for code, name, total, accepted in rows]


#: the classifier's training steps as the 分类模型 page names them (it showed "训练中（cross-validation 0%）")
STEP_TITLES = {"cross-validation": "交叉验证", "fitting": "训练", "saving": "保存", "done": "完成"}


class RetrainJob:
    """One retraining at a time across every worker; progress shared through a file next to the registry.

    The job is claimed by creating ``retrain.claim`` (exclusive create, atomic across processes): two
    administrators pressing 开始重新训练 at once on two workers ran two trainings, and one run's status could
    overwrite the other's. A status left "running" by a worker that died (restart, deploy, killed) kept every
    page at 训练中 with the button disabled for good; one that has not moved for ``STALE_AFTER`` is shown as
    interrupted, and a new run may take over its claim.
    """

    STALE_AFTER = timedelta(minutes=20)  # a step of a retraining takes about a minute on the shipped corpus

    def __init__(self, registry_root: Path):
        self.status_file = Path(registry_root) / "retrain-status.json"
        self.claim_file = Path(registry_root) / "retrain.claim"

    def status(self, now: datetime | None = None) -> dict:
        status = status_files.read_status(self.status_file, {"state": "idle"})
        if status.get("state") == "running" and self._stale(status, now or datetime.now(UTC)):
            return {**status, "state": "interrupted"}
        return status

    def _stale(self, status: dict, now: datetime) -> bool:
        try:
            moved = datetime.fromisoformat(status["updated_at"])
        except (KeyError, TypeError, ValueError):  # written before updated_at was: judge by the file's age
            moved = datetime.fromtimestamp(self.status_file.stat().st_mtime, UTC) if self.status_file.exists() else now
        return now - moved > self.STALE_AFTER

    def _write(self, **status) -> None:
        status_files.write_status(self.status_file, {**status, "updated_at": datetime.now(UTC).isoformat()})

    CLAIM_SETTLES = timedelta(minutes=1)  # a new claim writes its first status within this

    def _claim(self) -> bool:
        for _ in range(2):
            try:
                os.close(os.open(self.claim_file, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o640))
                return True
            except FileExistsError:
                if not self._claim_left_behind():
                    return False
                # renamed away, not unlinked: of two workers taking it over at once, one renames it; the other finds
                # it gone, and the exclusive create above decides between them
                with contextlib.suppress(FileNotFoundError):
                    os.replace(self.claim_file, self.claim_file.with_name(f"{self.claim_file.name}.{os.getpid()}.old"))
                for old in self.claim_file.parent.glob(f"{self.claim_file.name}.*.old"):
                    old.unlink(missing_ok=True)
        return False

    def _claim_left_behind(self) -> bool:
        """A claim whose run is over: older than a new run takes to write its first status, and its status is not
        a run going on (it went stale when the worker died mid-run, or says the run ended, or is missing)."""
        try:
            age = datetime.now(UTC) - datetime.fromtimestamp(self.claim_file.stat().st_mtime, UTC)
        except FileNotFoundError:
            return True
        return age > self.CLAIM_SETTLES and self.status().get("state") != "running"

    def start(self, app, registry) -> bool:
        self.status_file.parent.mkdir(parents=True, exist_ok=True)
        if not self._claim():
            return False
        self._write(state="running", step="准备训练数据", fraction=0.0)

        def run():
            try:
                with app.app_context():
                    from ticketing.extensions import db

                    metadata = retrain(db.session, registry,
                                       progress=lambda step, fraction: self._write(state="running",
                                                                                   step=STEP_TITLES.get(step, step),
                                                                                   fraction=fraction))
                    self._write(state="done", version=metadata.get("version"), fraction=1.0, step="完成")
            except Exception as exc:  # shown on the admin page, and the traceback logged for whoever looks into it
                log.exception("retraining failed")
                self._write(state="failed", error=str(exc))
            finally:
                self.claim_file.unlink(missing_ok=True)

        threading.Thread(target=run, name="retrain", daemon=True).start()
        return True
