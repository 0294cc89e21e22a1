"""The worker's handle on the classifier: a request that comes while the model loads is not told there is none."""
from __future__ import annotations

import threading
import time

from ticketing.services import classification


class SlowRegistry:
    """A registry whose load takes a while, as jieba's dictionary and a 14 MB model do."""

    def __init__(self, active="v1", seconds=0.6):
        self.active, self.seconds, self.loads = active, seconds, []
        self.loading = threading.Event()

    def active_version(self):
        return self.active

    def exists(self, version):
        return version not in getattr(self, "deleted", ())

    def load(self, version):
        self.loading.set()
        time.sleep(self.seconds)
        self.loads.append(version)
        return f"model {version}"


def holder_with(registry, monkeypatch):
    holder = classification.ClassifierHolder("unused")
    monkeypatch.setattr(classification.ClassifierHolder, "registry", property(lambda self: registry))
    return holder


def in_thread(function):
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("value", function()))
    thread.start()
    return thread, result


def test_a_request_during_the_first_load_waits_for_the_model(monkeypatch):
    registry = SlowRegistry()
    holder = holder_with(registry, monkeypatch)
    warm_up, _ = in_thread(holder.current)  # the worker's warm-up starts loading
    assert registry.loading.wait(timeout=5)
    assert holder.current() == "model v1"  # the first call typed meanwhile gets its suggestion
    warm_up.join(timeout=5)
    assert registry.loads == ["v1"]  # loaded once, not once per caller


def test_while_another_version_loads_requests_keep_the_one_in_use(monkeypatch):
    registry = SlowRegistry()
    holder = holder_with(registry, monkeypatch)
    assert holder.current() == "model v1"
    registry.active = "v2"  # an administrator activates another version
    holder.reset()
    registry.loading.clear()
    switching, result = in_thread(holder.current)
    assert registry.loading.wait(timeout=5)
    started = time.monotonic()
    assert holder.current() == "model v1" and time.monotonic() - started < registry.seconds / 2  # no waiting
    switching.join(timeout=5)
    assert result["value"] == "model v2" and holder.current() == "model v2"


def test_a_model_that_cannot_be_loaded_leaves_intake_going(monkeypatch):
    class Broken(SlowRegistry):
        def load(self, version):
            raise RuntimeError("saved under scikit-learn 1.0")

    holder = holder_with(Broken(), monkeypatch)
    assert holder.current() is None and "scikit-learn" in holder.error


def test_a_damaged_version_made_active_leaves_the_model_in_use_serving(monkeypatch):
    """A version whose file was cut short, made active, dropped the model in use: every ticket then waited in
    triage (a classifier review). The one in use goes on, the error is shown, and the damaged one is not loaded
    again on every check."""
    class HalfBroken(SlowRegistry):
        def load(self, version):
            if version == "v2":
                self.loads.append(version)
                raise RuntimeError("模型文件损坏或不完整")
            return super().load(version)

    registry = HalfBroken(seconds=0)
    holder = holder_with(registry, monkeypatch)
    assert holder.current() == "model v1"
    registry.active = "v2"
    holder.reset()
    assert holder.current() == "model v1" and "损坏" in holder.error
    holder._checked_at = 0.0  # the next check, a few seconds later
    assert holder.current() == "model v1" and registry.loads == ["v1", "v2"] and holder.version_in_use == "v1"
    registry.active = "v1"  # the administrator goes back to the version in use: the error goes
    holder._checked_at = 0.0
    assert holder.current() == "model v1" and holder.error is None


def test_a_version_that_failed_once_is_tried_again_after_a_while(monkeypatch):
    """A worker whose first load failed (the files not all there yet) stayed without a model for good."""
    class NotYet(SlowRegistry):
        def load(self, version):
            self.loads.append(version)
            if len(self.loads) == 1:
                raise RuntimeError("模型文件损坏或不完整")
            return f"model {version}"

    registry = NotYet(seconds=0)
    holder = holder_with(registry, monkeypatch)
    assert holder.current() is None
    holder._checked_at = 0.0
    assert holder.current() is None and registry.loads == ["v1"]  # not at every check
    holder._checked_at, holder._refused_at = 0.0, holder._refused_at - classification.RETRY_REFUSED_SECONDS
    assert holder.current() == "model v1" and holder.error is None


def test_the_active_versions_files_deleted_are_reported_while_the_model_in_memory_serves(monkeypatch):
    """A model-operations review: with the active version's folder moved away, the old workers served it and said
    nothing, a new worker had no model, and the page warned or not by which worker answered."""
    registry = SlowRegistry(seconds=0)
    holder = holder_with(registry, monkeypatch)
    assert holder.current() == "model v1" and holder.error is None
    registry.deleted = {"v1"}
    holder.reset()
    assert holder.current() == "model v1" and "v1 的文件已不在模型目录中" in holder.error
    registry.deleted = set()
    holder.reset()
    assert holder.current() == "model v1" and holder.error is None
