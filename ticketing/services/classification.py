"""The app's handle on the classifier: loaded once per worker, switched when an admin activates a version.

When no model can be loaded, `current()` returns None and intake goes on:
every ticket then waits in triage for an agent.
"""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)


def dispatch_threshold(session, classifier, configured: float | None = None) -> float:
    """The confidence from which a suggestion is taken without an agent, the same for the call form, the API, imports
    and /classify (a code review: the API and imports let CLASSIFIER_THRESHOLD override the administrator's value,
    while /classify and the call form's 可自动派发 used only the model's): the administrator's setting (系统设置),
    else ``configured`` (CLASSIFIER_THRESHOLD), else the threshold chosen when the model was trained."""
    from ticketing.services import settings

    limit = settings.get_setting(session, "classifier_threshold")  # None too when an administrator cleared it
    if limit is None:
        limit = configured
    return classifier.threshold if limit is None else float(limit)

CHECK_EVERY_SECONDS = 10.0
#: a version that failed to load is tried again after this long (its files may have been only half copied yet)
RETRY_REFUSED_SECONDS = 60.0


class ClassifierHolder:
    def __init__(self, registry_root: str | Path | None):
        self.registry_root = registry_root
        self._lock = threading.Lock()
        self._classifier = None
        self._version: str | None = None
        self._checked_at = 0.0
        self._refused: str | None = None  # a version that failed to load, tried again after RETRY_REFUSED_SECONDS
        self._refused_at = 0.0
        self.error: str | None = None

    @property
    def registry(self):
        from classifiers.registry import ModelRegistry

        return ModelRegistry(self.registry_root) if self.registry_root else ModelRegistry()

    def current(self):
        """The active model, re-read only when the ACTIVE pointer changed (checked every few seconds).

        Loading takes seconds (jieba's dictionary and the model). A request that comes meanwhile waits for
        it when the worker has no model yet, rather than be told there is none (its call would lose its
        suggestion and go to triage); while another version loads, it is served by the one in use.
        """
        if time.monotonic() - self._checked_at < CHECK_EVERY_SECONDS:
            return self._classifier
        if not self._lock.acquire(blocking=self._classifier is None):
            return self._classifier  # another thread is checking or loading: keep using the current model
        active = None
        try:
            if time.monotonic() - self._checked_at < CHECK_EVERY_SECONDS:
                return self._classifier  # checked while this thread waited for the lock
            registry = self.registry
            active = registry.active_version()
            if active is None:
                self._classifier, self._version, self.error = None, None, "没有已启用的分类模型"
            elif active == self._version:
                self._refused = None  # back to the version in use after a refused one
                # its files deleted since it was loaded: this worker goes on from memory, but a worker started now
                # cannot load it, and the page warned or not by which worker answered (a model-operations review)
                self.error = None if registry.exists(active) else (
                    f"启用的版本 {active} 的文件已不在模型目录中，本工作进程仍用已载入的该版本，"
                    "新启动的工作进程将无法加载")
            elif active != self._refused or time.monotonic() - self._refused_at >= RETRY_REFUSED_SECONDS:
                self._classifier = registry.load(active)
                self._version, self.error, self._refused = active, None, None
        except Exception as exc:  # a broken or incompatible model must not stop intake
            log.warning("classifier unavailable: %s", exc)
            # the model in use, if any, goes on serving (a damaged version activated by hand dropped it, and every
            # ticket then waited in triage); the refused version is tried again only after a while
            self._refused, self._refused_at, self.error = active, time.monotonic(), str(exc)
            if self._classifier is None:
                self._version = None
        finally:
            self._checked_at = time.monotonic()  # after the load, so that nobody reads "checked" before it ends
            self._lock.release()
        return self._classifier

    @property
    def version_in_use(self) -> str | None:
        """The version this worker classifies with (None: none, every ticket waits for an agent)."""
        return self._version if self._classifier is not None else None

    def reset(self) -> None:
        self._checked_at, self._refused = 0.0, None
