"""Train a ticket classifier, measure it by cross-validation, register it.

``train_model(examples, registry)`` is what both ``python -m classifiers
train`` and the app (learning from agents' corrections: shipped corpus plus
corrected tickets) call.  It

1. cross-validates the pipeline (stratified k-fold, k ≤ 5) for macro-F1,
   accuracy, per-class F1 and the ticket-type accuracy;
2. sweeps confidence thresholds on the cross-validated probabilities and
   picks the threshold by ``evaluate.THRESHOLD_RULE``;
3. fits the category pipeline and the type head on all examples;
4. saves a new version in the registry (activating it when asked, or when the
   registry has no active version yet) and returns its metadata.
"""

from __future__ import annotations

import subprocess
import time
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedKFold

from . import tokenize as tok
from .corpus import Example, dataset_sha256, load_shipped_corpus
from .evaluate import THRESHOLD_RULE, choose_threshold, metrics, threshold_sweep
from .model import TicketClassifier, runtime_versions
from .pipeline import build_features, build_pipeline, compact_linear, fit_calibrated, merged_params
from .registry import ModelRegistry

__all__ = ["Example", "train_model", "fit_classifier", "cross_validate", "load_shipped_corpus"]

Progress = Callable[[str, float], None]
CV_FOLDS = 5


class TrainingError(ValueError):
    pass


def _noop(step: str, fraction: float) -> None:
    pass


def _check(examples: list[Example]) -> None:
    if not examples:
        raise TrainingError("没有训练样本 / no training examples")
    if len({ex.label for ex in examples}) < 2:
        raise TrainingError("至少需要两个类别 / need at least two labels")


def _fit_type_head(X, examples: list[Example], params):
    rows = [i for i, ex in enumerate(examples) if ex.type]
    types = [examples[i].type for i in rows]
    if len(set(types)) < 2:
        return None
    return fit_calibrated(X[rows], types, params)


def fit_classifier(examples: list[Example], params: dict | None = None, *, with_type: bool = True,
                   metadata: dict | None = None) -> TicketClassifier:
    """Fit the pipeline (and the type head) on all ``examples``, without CV."""
    _check(examples)
    labels = [ex.label for ex in examples]
    pipeline = build_pipeline(labels, params)
    prepared = pipeline.named_steps["prepare"].transform([ex.text for ex in examples])
    X = pipeline.named_steps["features"].fit_transform(prepared)
    pipeline.steps[-1] = ("clf", fit_calibrated(X, labels, params))
    compact_linear(pipeline.named_steps["clf"])
    type_head = _fit_type_head(X, examples, params) if with_type else None
    if type_head is not None:
        compact_linear(type_head)
    return TicketClassifier(pipeline, type_head, metadata)


def _folds(labels: list[str]) -> int:
    """The outer folds: a label rarer than the folds is in some training folds only (its examples are scored by
    a model that never saw it, as a new category's first corrections would be); two folds at the least."""
    return max(2, min(CV_FOLDS, len(labels)))


def cross_validate(examples: list[Example], params: dict | None = None,
                   progress: Progress = _noop) -> dict:
    """Out-of-fold probabilities for every example, and the metrics they give."""
    _check(examples)
    labels = sorted({ex.label for ex in examples})
    y = np.array([ex.label for ex in examples])
    n_folds = _folds(list(y))
    prepared = build_pipeline(y, params).named_steps["prepare"].transform([ex.text for ex in examples])
    proba = np.zeros((len(examples), len(labels)))
    type_pred = np.array([None] * len(examples), dtype=object)
    splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=0)
    with warnings.catch_warnings():
        # a label with a single example cannot be in every fold; that is expected
        warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
        splits = list(splitter.split(np.zeros(len(y)), y))
    for k, (train, test) in enumerate(splits):
        progress("cross-validation", k / n_folds)
        features = build_features(params)
        X_train = features.fit_transform([prepared[i] for i in train])
        X_test = features.transform([prepared[i] for i in test])
        clf = fit_calibrated(X_train, y[train], params)
        columns = [labels.index(c) for c in clf.classes_]
        proba[np.ix_(test, columns)] = clf.predict_proba(X_test)
        head = _fit_type_head(X_train, [examples[i] for i in train], params)
        if head is not None:
            type_pred[test] = head.predict(X_test)
    y_pred = np.array(labels)[proba.argmax(axis=1)]
    result = metrics(list(y), list(y_pred), labels)
    result["folds"] = n_folds
    typed = [i for i, ex in enumerate(examples) if ex.type and type_pred[i] is not None]
    if typed:
        type_true = [examples[i].type for i in typed]
        type_metrics = metrics(type_true, [type_pred[i] for i in typed])
        result["type"] = {"accuracy": type_metrics["accuracy"], "macro_f1": type_metrics["macro_f1"],
                          "per_class_f1": type_metrics["per_class_f1"], "n": len(typed)}
    return {"metrics": result, "proba": proba, "labels": labels, "y": y}


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).resolve().parent,
                             capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def train_model(examples: list[Example], registry: ModelRegistry, *, params: dict | None = None,
                progress: Progress | None = None, activate: bool = False) -> dict:
    """Cross-validate, fit on everything, save a new version; return its metadata.

    The new version is activated when ``activate`` is true or when the
    registry has no active version; otherwise an administrator activates it
    after reading its metrics.
    """
    progress = progress or _noop
    examples = list(examples)
    _check(examples)
    params = merged_params(params)
    started = time.perf_counter()

    progress("cross-validation", 0.0)
    cv = cross_validate(examples, params, progress=lambda s, f: progress(s, 0.7 * f))
    sweep = threshold_sweep(cv["y"], cv["proba"], cv["labels"])
    threshold = choose_threshold(sweep)

    progress("fitting", 0.7)
    metadata = {
        "n_samples": len(examples),
        "dataset_sha256": dataset_sha256(examples),
        "label_counts": dict(sorted(Counter(ex.label for ex in examples).items())),
        "labels": cv["labels"],
        "params": params,
        "cv_metrics": cv["metrics"],
        "threshold": threshold,
        "threshold_rule": THRESHOLD_RULE,
        "threshold_sweep": sweep,
        "versions": runtime_versions(),
        "userdict_sha256": tok.userdict_sha256(),
        "stopwords_sha256": tok.stopwords_sha256(),
        "git_commit": _git_commit(),
    }
    classifier = fit_classifier(examples, params, metadata=metadata)
    classifier.metadata["types"] = classifier.types
    classifier.metadata["train_seconds"] = round(time.perf_counter() - started, 2)

    progress("saving", 0.95)
    saved = registry.save(classifier)
    if activate or registry.active_version() is None:
        registry.activate(saved["version"])
    progress("done", 1.0)
    return saved
