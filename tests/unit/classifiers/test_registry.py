from datetime import datetime, timedelta, timezone

import pytest

from classifiers.evaluate import THRESHOLD_RULE
from classifiers.model import ModelVersionMismatch
from classifiers.registry import ModelRegistry, UnknownVersion
from classifiers.train import train_model
from tests.classifier_files import rewrite_metadata


def test_train_model_writes_complete_metadata(trained_registry, examples):
    registry, meta, steps = trained_registry
    for key in ["version", "created_at", "n_samples", "dataset_sha256", "labels", "params", "cv_metrics",
                "threshold", "threshold_rule", "threshold_sweep", "versions", "userdict_sha256", "types"]:
        assert key in meta, key
    assert meta["n_samples"] == len(examples)
    assert len(meta["dataset_sha256"]) == 64
    assert meta["labels"] == ["CB", "JJ", "MT", "YD"]
    assert set(meta["versions"]) == {"python", "sklearn", "numpy", "scipy", "jieba"}
    cv = meta["cv_metrics"]
    assert 0 <= cv["macro_f1"] <= 1 and 0 <= cv["accuracy"] <= 1
    assert set(cv["per_class_f1"]) == {"CB", "JJ", "MT", "YD"}
    assert "type" in cv and 0 <= cv["type"]["accuracy"] <= 1
    assert meta["threshold_rule"] == THRESHOLD_RULE
    assert steps[0] == ("cross-validation", 0.0) and steps[-1] == ("done", 1.0)
    assert all(0 <= f <= 1 for _, f in steps)


def test_first_version_is_activated_and_loads(trained_registry):
    registry, meta, _ = trained_registry
    assert registry.active_version() == meta["version"]
    model = registry.load_active()
    assert model.version == meta["version"]
    assert model.threshold == meta["threshold"]
    assert model.metadata["labels"] == model.labels
    assert model.predict("异地就医备案").model_version == meta["version"]


def test_versions_listed_newest_first_and_rollback(tmp_path, examples):
    registry = ModelRegistry(tmp_path)
    first = train_model(examples[::2], registry)
    second = train_model(examples, registry)
    assert registry.active_version() == first["version"]  # a second model is not activated unasked
    assert [m["version"] for m in registry.list_versions()] == [second["version"], first["version"]]
    registry.activate(second["version"])
    assert registry.load_active().version == second["version"]
    registry.activate(first["version"])  # rollback
    assert registry.active_version() == first["version"]
    assert not list(tmp_path.glob(".ACTIVE*")) and not list(tmp_path.glob(".2*"))


def test_a_version_with_damaged_metadata_is_set_apart_not_listed(tmp_path, examples):
    """A resilience review: one version's metadata.json cut short made the administrator's page a 500, so no
    version could be activated or rolled back from it."""
    registry = ModelRegistry(tmp_path)
    good = train_model(examples[::2], registry)["version"]
    damaged = train_model(examples[1::2], registry)["version"]
    meta = registry.path(damaged) / "metadata.json"
    meta.write_bytes(meta.read_bytes()[:40])
    assert [m["version"] for m in registry.list_versions()] == [good]
    assert list(registry.unreadable_versions()) == [damaged]
    assert "metadata.json 无法读取" in registry.unreadable_versions()[damaged]


def test_a_save_cut_off_long_ago_leaves_no_half_written_version_behind(tmp_path, examples):
    import os
    import time

    registry = ModelRegistry(tmp_path)
    old = tmp_path / ".20261201T080000Z-abcdef.k2j3"
    recent = tmp_path / ".20261205T080000Z-abcdef.x9y8"
    for staging in (old, recent):
        staging.mkdir()
        (staging / "model.joblib").write_bytes(b"half")
    os.utime(old, (0, 0))
    # the recent one's age is pinned to this process's clock, which the registry compares it with (a file system
    # whose clock differs from the process's, or a run under faketime, made it look abandoned)
    os.utime(recent, (time.time(), time.time()))
    train_model(examples[::2], registry)
    assert not old.exists() and recent.exists()  # another save may be writing the recent one


def test_a_version_saved_under_other_libraries_is_not_activated(tmp_path, examples):
    registry = ModelRegistry(tmp_path)
    active = train_model(examples[::2], registry)["version"]
    other = train_model(examples[1::2], registry)["version"]
    rewrite_metadata(registry.path(other), lambda meta: meta["versions"].update(sklearn="0.24.2"))
    with pytest.raises(ModelVersionMismatch) as info:
        registry.activate(other)
    assert "0.24.2" in str(info.value) and "拒绝加载" in str(info.value)
    assert registry.active_version() == active


def test_activate_flag(tmp_path, examples):
    registry = ModelRegistry(tmp_path)
    train_model(examples[::2], registry)
    newer = train_model(examples[1::2], registry, activate=True)
    assert registry.active_version() == newer["version"]


def test_empty_registry(tmp_path):
    registry = ModelRegistry(tmp_path / "none")
    assert registry.list_versions() == [] and registry.active_version() is None
    assert registry.load_active() is None


def test_unknown_or_malicious_versions(tmp_path):
    registry = ModelRegistry(tmp_path)
    for bad in ["../etc", "20240101T000000Z-abcdef", ""]:
        with pytest.raises(UnknownVersion):
            registry.activate(bad)
        with pytest.raises(UnknownVersion):
            registry.load(bad)


def test_root_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CLASSIFIER_REGISTRY", str(tmp_path))
    assert ModelRegistry().root == tmp_path
    assert ModelRegistry(tmp_path / "x").root == tmp_path / "x"


def test_save_orders_by_creation_time(tmp_path, classifier):
    registry = ModelRegistry(tmp_path)
    t0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
    old = dict(registry.save(classifier, now=t0))
    new = dict(registry.save(classifier, now=t0 + timedelta(days=1)))
    assert [m["version"] for m in registry.list_versions()] == [new["version"], old["version"]]


def test_a_damaged_version_is_not_activated(tmp_path, examples):
    """A model file cut short (a copy interrupted, a full disk) was activated, and every worker then dropped the
    model in use; it is loaded before ACTIVE changes, and refused with what is wrong."""
    from classifiers.model import MODEL_FILE, ModelUnusable

    registry = ModelRegistry(tmp_path)
    active = train_model(examples[::2], registry)["version"]
    damaged = train_model(examples[1::2], registry)["version"]
    model_file = registry.path(damaged) / MODEL_FILE
    model_file.write_bytes(model_file.read_bytes()[: model_file.stat().st_size // 2])
    with pytest.raises(ModelUnusable, match="模型文件损坏或不完整"):
        registry.activate(damaged)
    assert registry.active_version() == active
    (registry.path(damaged) / "metadata.json").write_text("{", encoding="utf-8")
    with pytest.raises(ModelUnusable):
        registry.activate(damaged)
