"""Metrics, the confidence-threshold sweep and end-to-end evaluation.

The sweep follows mozilla/bugbug: for each threshold, predictions whose top
probability is below it go to a "not classified" bucket (a human triages
them); we report the share still classified (coverage) and the accuracy on
that share.  ``choose_threshold`` states the rule the registry records.
"""

from __future__ import annotations

import time

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(20))  # 0.00 … 0.95
TARGET_ACCURACY = 0.9
MIN_THRESHOLD = 0.5  # measured: letters unseen by the model first reach 0.90 accuracy at 0.50 (docs §6)
THRESHOLD_RULE = (
    f"lowest threshold whose accuracy on the classified share of cross-validated "
    f"predictions is >= {TARGET_ACCURACY}, and never below {MIN_THRESHOLD} so that "
    f"a text unlike any category goes to triage; if no threshold reaches the target, "
    f"the most accurate threshold that still classifies at least 20%"
)


def metrics(y_true, y_pred, labels=None) -> dict:
    labels = sorted(set(y_true) | set(y_pred)) if labels is None else list(labels)
    per_class = f1_score(y_true, y_pred, labels=labels, average=None, zero_division=0)
    return {
        "accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
        "macro_f1": round(float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)), 4),
        "per_class_f1": {label: round(float(f), 4) for label, f in zip(labels, per_class)},
    }


def threshold_sweep(y_true, proba: np.ndarray, labels, thresholds=THRESHOLDS) -> list[dict]:
    y_true = np.asarray(y_true)
    labels = np.asarray(labels)
    best = proba.max(axis=1)
    correct = labels[proba.argmax(axis=1)] == y_true
    rows = []
    for t in thresholds:
        covered = best >= t
        n_covered = int(covered.sum())
        rows.append({
            "threshold": t,
            "coverage": round(n_covered / len(y_true), 4) if len(y_true) else 0.0,
            "accuracy": round(float(correct[covered].mean()), 4) if n_covered else None,
            "not_classified": int(len(y_true) - n_covered),
        })
    return rows


def choose_threshold(sweep: list[dict], target=TARGET_ACCURACY, floor=MIN_THRESHOLD) -> float:
    for row in sweep:
        if row["accuracy"] is not None and row["accuracy"] >= target:
            return max(floor, row["threshold"])
    usable = [r for r in sweep if r["accuracy"] is not None and r["coverage"] >= 0.2] or sweep[:1]
    return max(floor, max(usable, key=lambda r: (r["accuracy"] or 0.0, -r["threshold"]))["threshold"])


def format_sweep(sweep: list[dict]) -> str:
    lines = ["threshold  coverage  accuracy  not-classified"]
    for row in sweep:
        acc = "   -    " if row["accuracy"] is None else f"{row['accuracy']:8.4f}"
        lines.append(f"{row['threshold']:9.2f}  {row['coverage']:8.4f}  {acc}  {row['not_classified']:14d}")
    return "\n".join(lines)


def format_confusion(y_true, y_pred, labels) -> str:
    matrix = confusion_matrix(y_true, y_pred, labels=labels)
    width = max(6, *(len(str(label)) + 1 for label in labels))
    head = " " * width + "".join(f"{str(label)[:width - 1]:>{width}}" for label in labels)
    rows = [head] + [f"{str(label)[:width - 1]:<{width}}" + "".join(f"{v:>{width}d}" for v in row)
                     for label, row in zip(labels, matrix)]
    return "\n".join(rows)


def evaluate_classifier(classifier, texts: list[str], y_true: list[str],
                        translation: dict[str, str] | None = None) -> dict:
    """Score a classifier end to end from raw text, timing prediction.

    ``translation`` rewrites the model's labels in the test's words
    (``corpus.label_translation``: YD → 异地就医) before scoring.
    """
    translation = translation or {}
    started = time.perf_counter()
    predictions = classifier.predict_many(texts)
    elapsed = time.perf_counter() - started
    y_pred = [translation.get(p.label, p.label) for p in predictions]
    labels = sorted({translation.get(label, label) for label in classifier.labels} | set(y_true))
    proba = np.zeros((len(texts), len(labels)))
    index = {label: i for i, label in enumerate(labels)}
    for i, p in enumerate(predictions):
        proba[i, index[translation.get(p.label, p.label)]] = p.confidence
    result = metrics(y_true, y_pred, sorted(set(y_true)))
    result["predict_per_second"] = round(len(texts) / elapsed, 1) if elapsed > 0 else None
    result["n_test"] = len(texts)
    return {
        "summary": result,
        "sweep": threshold_sweep(y_true, proba, labels),
        "confusion": format_confusion(y_true, y_pred, sorted(set(y_true) | set(y_pred))),
    }
