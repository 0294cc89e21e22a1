"""Measure the ticket classifier on the Teddy Cup 2020 messages.

    python bench/bench_classifier.py --data /work/shared/data/teddy2020 [--compare] [--folds 5]

The data are read where they are (never copied).  Three measurements:

1. ``--compare``: stratified k-fold cross-validation of candidate feature sets
   and linear models on subjects + bodies (train_subjects.csv and
   train_bodies.csv together), with macro-F1 overall and per kind of text,
   and the time each takes.  This is how the default pipeline was chosen.
2. held-out "subject plus body": the messages of train_full.csv (subject and
   body joined, as a ticket's text is) are held out; the default pipeline is
   trained on every subject and body that does not belong to one of them.
   Also a stratified 20 % hold-out of subjects + bodies.
2b. ``--grouped``: cross-validation that keeps a message's subject and body
   in the same fold.  The files do not say which body belongs to which
   subject, so each body is linked to its most similar subject (character
   2-3-gram cosine ≥ 0.10; right for 217 of the 251 pairs train_full.csv
   lets us check).  Plain k-fold puts a subject in training and its own body
   in the test fold, which flatters the score.  Besides subjects and bodies,
   the test folds also score "subject。body" texts built from the confident
   links (cosine ≥ 0.25, same label), the form a ticket's text takes.
3. throughput on message bodies: the default pipeline (trained on the
   subjects) classifies every body end to end from raw text; bare
   ``jieba.lcut`` cuts the same bodies in the same run.  Prints both rates
   and their ratio (target ≥ 0.6).

The last line is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sklearn.linear_model import SGDClassifier  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from scipy.sparse import coo_matrix  # noqa: E402
from scipy.sparse.csgraph import connected_components  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold, train_test_split  # noqa: E402
from sklearn.naive_bayes import ComplementNB  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

from classifiers.corpus import Example  # noqa: E402
from classifiers.evaluate import evaluate_classifier  # noqa: E402
from classifiers.pipeline import build_classifier, build_features, prepare_many  # noqa: E402
from classifiers.train import fit_classifier  # noqa: E402

def _svc(C):
    return lambda: LinearSVC(C=C, class_weight="balanced")


CANDIDATES = [
    # name, feature params, model (None = the default calibrated LinearSVC)
    ("char 1-3 vocabulary + LinearSVC C=0.5 (baseline)", {"word_weight": 0, "char_hash_bits": 0}, _svc(0.5)),
    ("char 1-3 hashed + ComplementNB", {"word_weight": 0}, lambda: ComplementNB(alpha=0.1)),
    ("word 1 + char 1-3 hashed + LinearSVC C=0.5", {"word_ngram_max": 1}, _svc(0.5)),
    ("word 1-2 + char 1-3 vocabulary + LinearSVC C=0.5", {"char_hash_bits": 0}, _svc(0.5)),
    ("word 1-2 + char 1-3 hashed + LinearSVC C=0.5", {}, _svc(0.5)),
    ("word 1-2 + char 1-3 hashed + LinearSVC C=1", {}, _svc(1.0)),
    ("word 1-2 + char 1-3 hashed + LinearSVC C=2", {}, _svc(2.0)),
    ("word 1-2 + char 1-4 hashed + LinearSVC C=1", {"char_ngram_max": 4}, _svc(1.0)),
    ("word 1-2 + char 1-3 hashed + SGD log-loss", {},
     lambda: SGDClassifier(loss="log_loss", alpha=2e-5, class_weight="balanced", random_state=0)),
    ("word 1-2 + char 1-3 hashed + SGD modified-huber", {},
     lambda: SGDClassifier(loss="modified_huber", alpha=5e-5, class_weight="balanced", random_state=0)),
    ("default: word 1-2 + char 1-3 hashed + LinearSVC, temperature-calibrated", {}, None),
]


def read(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def macro(y, pred) -> float:
    return round(float(f1_score(y, pred, average="macro")), 4)


def compare(texts, y, kinds, folds: int) -> list[dict]:
    prepared = prepare_many(texts)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=42)
    rows = []
    for name, params, make in CANDIDATES:
        started = time.perf_counter()
        pred = np.empty(len(y), dtype=object)
        n_features = 0
        for train, test in splitter.split(np.zeros(len(y)), y):
            features = build_features(params)
            X_train = features.fit_transform([prepared[i] for i in train])
            X_test = features.transform([prepared[i] for i in test])
            model = make() if make else build_classifier(y[train], params)
            model.fit(X_train, y[train])
            pred[test] = model.predict(X_test)
            n_features = X_train.shape[1]
        row = {"model": name, "macro_f1": macro(y, pred),
               "subjects_macro_f1": macro(y[kinds == "subject"], pred[kinds == "subject"]),
               "bodies_macro_f1": macro(y[kinds == "body"], pred[kinds == "body"]),
               "accuracy": round(float((pred == y).mean()), 4),
               "features": n_features, "cv_seconds": round(time.perf_counter() - started, 1)}
        print(json.dumps(row, ensure_ascii=False), flush=True)
        rows.append(row)
    return rows


def link_bodies_to_subjects(subjects: list[str], bodies: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """For each body, the index of its most similar subject and that cosine."""
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True).fit(subjects + bodies)
    similarity = (vectorizer.transform(bodies) @ vectorizer.transform(subjects).T).tocsr()
    return np.asarray(similarity.argmax(axis=1)).ravel(), similarity.max(axis=1).toarray().ravel()


def grouped_cv(subjects: list[dict], bodies: list[dict], folds: int) -> dict:
    n_subjects, n_bodies = len(subjects), len(bodies)
    texts = [r["text"] for r in subjects] + [r["text"] for r in bodies]
    y = np.array([r["label"] for r in subjects] + [r["label"] for r in bodies])
    best, cosine = link_bodies_to_subjects(texts[:n_subjects], texts[n_subjects:])
    linked = [(int(best[i]), n_subjects + i) for i in range(n_bodies) if cosine[i] >= 0.10]
    n = len(texts)
    edges = coo_matrix((np.ones(len(linked)), ([b for _, b in linked], [s for s, _ in linked])), shape=(n, n))
    _, groups = connected_components(edges, directed=False)
    combos = [(s, b) for s, b in linked if cosine[b - n_subjects] >= 0.25 and y[s] == y[b]]
    combo_prepared = prepare_many([texts[s] + "。" + texts[b] for s, b in combos])
    combo_y = np.array([y[b] for _, b in combos])
    combo_groups = np.array([groups[b] for _, b in combos])
    prepared = prepare_many(texts)
    pred = np.empty(n, dtype=object)
    combo_pred = np.empty(len(combos), dtype=object)
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=0)
    started = time.perf_counter()
    for train, test in splitter.split(np.zeros(n), y, groups):
        features = build_features()
        model = build_classifier(y[train]).fit(features.fit_transform([prepared[i] for i in train]), y[train])
        pred[test] = model.predict(features.transform([prepared[i] for i in test]))
        in_test = np.isin(combo_groups, groups[test])
        combo_pred[in_test] = model.predict(features.transform([combo_prepared[j] for j in np.flatnonzero(in_test)]))
    kinds = np.array(["subject"] * n_subjects + ["body"] * n_bodies)
    return {"folds": folds, "groups": int(groups.max() + 1), "linked_bodies": len(linked),
            "macro_f1": macro(y, pred), "accuracy": round(float((pred == y).mean()), 4),
            "subjects_macro_f1": macro(y[kinds == "subject"], pred[kinds == "subject"]),
            "bodies_macro_f1": macro(y[kinds == "body"], pred[kinds == "body"]),
            "subject_plus_body_macro_f1": macro(combo_y, combo_pred), "n_subject_plus_body": len(combos),
            "subject_plus_body_accuracy": round(float((combo_pred == combo_y).mean()), 4),
            "cv_seconds": round(time.perf_counter() - started, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, type=Path, help="the teddy2020 directory")
    parser.add_argument("--compare", action="store_true", help="cross-validate the candidate models too")
    parser.add_argument("--grouped", action="store_true",
                        help="also cross-validate with each message's subject and body in the same fold")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()

    subjects = read(args.data / "train_subjects.csv")
    bodies = read(args.data / "train_bodies.csv")
    full = read(args.data / "train_full.csv")
    texts = [r["text"] for r in subjects] + [r["text"] for r in bodies]
    y = np.array([r["label"] for r in subjects] + [r["label"] for r in bodies])
    kinds = np.array(["subject"] * len(subjects) + ["body"] * len(bodies))
    report: dict = {}

    if args.compare:
        print(f"== {args.folds}-fold cross-validation on {len(texts)} subjects + bodies")
        report["compare"] = compare(texts, y, kinds, args.folds)

    if args.grouped:
        print(f"== {args.folds}-fold cross-validation, a message's subject and body in the same fold")
        report["grouped_cv"] = grouped_cv(subjects, bodies, args.folds)
        print(json.dumps(report["grouped_cv"], ensure_ascii=False), flush=True)

    print("== held out: train_full messages as subject + body")
    held_subjects = {r["subject"].strip() for r in full}
    held_bodies = {r["body"].strip() for r in full}
    keep = [i for i, t in enumerate(texts) if t.strip() not in held_subjects and t.strip() not in held_bodies]
    started = time.perf_counter()
    model = fit_classifier([Example(texts[i], y[i]) for i in keep], with_type=False)
    train_seconds = time.perf_counter() - started
    held = evaluate_classifier(model, [r["text"] for r in full], [r["label"] for r in full])["summary"]
    held.update(n_train=len(keep), train_seconds=round(train_seconds, 1))
    print(json.dumps(held, ensure_ascii=False))
    report["held_out_subject_plus_body"] = held

    print("== held out: stratified 20% of subjects + bodies")
    train_idx, test_idx = train_test_split(np.arange(len(y)), test_size=0.2, stratify=y, random_state=7)
    model = fit_classifier([Example(texts[i], y[i]) for i in train_idx], with_type=False)
    split = evaluate_classifier(model, [texts[i] for i in test_idx], list(y[test_idx]))["summary"]
    print(json.dumps(split, ensure_ascii=False))
    report["held_out_20pct"] = split

    print("== throughput on message bodies (same run, same texts)")
    import jieba

    body_texts = [r["text"] for r in bodies]
    chars = sum(map(len, body_texts))
    model = fit_classifier([Example(r["text"], r["label"]) for r in subjects], with_type=False)
    jieba.setLogLevel(60)
    jieba.initialize()
    model.predict_many(body_texts[:50])  # warm both
    jieba_s, model_s = [], []
    for _ in range(3):  # interleaved repeats; the best of each
        started = time.perf_counter()
        for text in body_texts:
            jieba.lcut(text)
        jieba_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        model.predict_many(body_texts)
        model_s.append(time.perf_counter() - started)
    jieba_rate, model_rate = len(body_texts) / min(jieba_s), len(body_texts) / min(model_s)
    throughput = {"n_bodies": len(body_texts), "mean_chars": round(chars / len(body_texts), 1),
                  "jieba_lcut_texts_per_second": round(jieba_rate, 1),
                  "jieba_lcut_chars_per_second": round(chars / min(jieba_s)),
                  "classifier_texts_per_second": round(model_rate, 1),
                  "classifier_chars_per_second": round(chars / min(model_s)),
                  "ratio": round(model_rate / jieba_rate, 3)}
    print(f"jieba.lcut: {jieba_rate:,.0f} bodies/s ({chars / min(jieba_s):,.0f} chars/s); "
          f"classifier: {model_rate:,.0f} bodies/s; ratio {model_rate / jieba_rate:.2f} (target >= 0.6)")
    report["throughput_bodies"] = throughput
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
