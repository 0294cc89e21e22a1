"""The scikit-learn pipeline shared by the default model and ``evaluate``.

::

    Pipeline([
        ("prepare",  FunctionTransformer(prepare_many)),      # normalise + jieba, once
        ("features", FeatureUnion([
            ("word", TfidfVectorizer(analyzer=word_ngrams)),  # jieba words, 1-2 grams
            ("char", Pipeline([HashingVectorizer(analyzer=chars_1_3, 2**18),
                               TfidfTransformer()])),         # characters, 1-3 grams
        ])),
        ("clf", CalibratedClassifierCV(LinearSVC(C=1), method="temperature",
                                       cv=5, ensemble=False)),
    ])

``prepare`` turns each raw text into a ``(words, normalised_text)`` pair, so
the text is normalised and cut once and both vectorisers read the result.
The step holds no state: cross-validation computes it once for all folds.
The choice of features and model comes from the cross-validation recorded
in docs/classifier.md.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer, TfidfVectorizer
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import LinearSVC

from .tokenize import char_ngrams, normalize, tokens_from_normalized

DEFAULT_PARAMS: dict[str, Any] = {
    "word_ngram_max": 2,
    "char_ngram_min": 1,
    "char_ngram_max": 3,
    "min_df": 1,
    "max_df": 0.9,
    "sublinear_tf": True,
    "C": 1.0,
    "calibration": "temperature",
    "calibration_folds": 5,
    "calibration_ensemble": False,
    "class_weight": "balanced",
    "word_weight": 1.0,
    "char_weight": 1.0,
    "char_hash_bits": 18,  # 0: char n-gram vocabulary; n > 0: hash into 2**n columns
}


def prepare(text: str) -> tuple[list[str], str]:
    norm = normalize(text)
    return tokens_from_normalized(norm), norm


def prepare_many(texts) -> list[tuple[list[str], str]]:
    return [prepare(t) for t in texts]


def word_ngrams(doc: tuple[list[str], str], max_n: int = 2) -> list[str]:
    words = doc[0]
    grams = list(words)
    for n in range(2, max_n + 1):
        grams.extend(map(" ".join, zip(*(words[i:] for i in range(n)))))
    return grams


def word_unigrams(doc: tuple[list[str], str]) -> list[str]:
    return doc[0]


def word_bigrams(doc: tuple[list[str], str]) -> list[str]:
    return word_ngrams(doc, 2)


def word_trigrams(doc: tuple[list[str], str]) -> list[str]:
    return word_ngrams(doc, 3)


_WORD_ANALYZERS = {1: word_unigrams, 2: word_bigrams, 3: word_trigrams}


def chars_1_2(doc):
    return char_ngrams(doc[1], 1, 2)


def chars_1_3(doc):
    return char_ngrams(doc[1], 1, 3)


def chars_1_4(doc):
    return char_ngrams(doc[1], 1, 4)


def chars_2_3(doc):
    return char_ngrams(doc[1], 2, 3)


def chars_2_4(doc):
    return char_ngrams(doc[1], 2, 4)


_CHAR_ANALYZERS = {(1, 2): chars_1_2, (1, 3): chars_1_3, (1, 4): chars_1_4,
                   (2, 3): chars_2_3, (2, 4): chars_2_4}


def merged_params(params: dict | None) -> dict[str, Any]:
    merged = dict(DEFAULT_PARAMS)
    if params:
        unknown = set(params) - set(DEFAULT_PARAMS)
        if unknown:
            raise ValueError(f"unknown classifier parameters: {sorted(unknown)}")
        merged.update(params)
    return merged


def build_features(params: dict | None = None) -> FeatureUnion:
    p = merged_params(params)
    parts, weights = [], {}
    common = dict(min_df=p["min_df"], max_df=p["max_df"], sublinear_tf=p["sublinear_tf"],
                  lowercase=False, dtype=np.float32)
    if p["word_weight"]:
        parts.append(("word", TfidfVectorizer(analyzer=_WORD_ANALYZERS[p["word_ngram_max"]], **common)))
        weights["word"] = p["word_weight"]
    if p["char_weight"]:
        analyzer = _CHAR_ANALYZERS[(p["char_ngram_min"], p["char_ngram_max"])]
        if p["char_hash_bits"]:
            # hashing counts n-grams in compiled code and never raises KeyError
            # for unseen n-grams, which is most of the cost of a vocabulary
            char = Pipeline([
                ("hash", HashingVectorizer(analyzer=analyzer, n_features=2 ** p["char_hash_bits"],
                                           alternate_sign=False, norm=None, dtype=np.float32)),
                ("tfidf", TfidfTransformer(sublinear_tf=p["sublinear_tf"])),
            ])
        else:
            char = TfidfVectorizer(analyzer=analyzer, **common)
        parts.append(("char", char))
        weights["char"] = p["char_weight"]
    return FeatureUnion(parts, transformer_weights=weights)


def build_classifier(labels, params: dict | None = None):
    """A LinearSVC with probabilities for every label, calibrated over an inner stratified k-fold.

    The folds need a few examples of every class: fit it through ``fit_calibrated``, which repeats the examples
    of a rarer label (one just added from corrections, a typo in an evaluator's file) up to the number of folds.
    It used to fall back to logistic regression for the whole model then, which cost 0.03 macro-F1 on teddy.
    """
    p = merged_params(params)
    folds = max(2, min(p["calibration_folds"], min(Counter(labels).values())))
    svm = LinearSVC(C=p["C"], class_weight=p["class_weight"])
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    return CalibratedClassifierCV(svm, method=p["calibration"], cv=cv, ensemble=p["calibration_ensemble"])


def fit_calibrated(X, labels, params: dict | None = None):
    """``build_classifier`` fitted on ``X``: the rows of a label with fewer examples than the calibration folds are
    repeated until it has as many. With balanced class weights a label's total weight in the SVM is unchanged."""
    p = merged_params(params)
    y = np.asarray(labels)
    counts = Counter(y.tolist())
    need = max(2, p["calibration_folds"])
    rows = np.arange(len(y))
    extra = [i for i in rows for _ in range(-(-need // counts[y[i]]) - 1) if counts[y[i]] < need]
    if extra:
        rows = np.concatenate([rows, np.asarray(extra, dtype=rows.dtype)])
        X, y = X[rows], y[rows]
    return build_classifier(y, params).fit(X, y)


def compact_linear(clf) -> None:
    """Store the fitted linear weights sparsely (hashed columns are mostly unused)."""
    estimators = [c.estimator for c in getattr(clf, "calibrated_classifiers_", [])] or [clf]
    for estimator in estimators:
        if hasattr(estimator, "sparsify"):
            estimator.sparsify()
            estimator.coef_ = estimator.coef_.astype(np.float32)  # same dtype as the features


def build_pipeline(labels, params: dict | None = None) -> Pipeline:
    return Pipeline([
        ("prepare", FunctionTransformer(prepare_many)),
        ("features", build_features(params)),
        ("clf", build_classifier(labels, params)),
    ])
