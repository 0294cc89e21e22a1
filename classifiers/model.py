"""A trained ticket classifier: predict, explain, save and load with checks.

An artifact directory holds::

    model.joblib    {"format": 1, "pipeline": Pipeline, "type_classifier": clf | None}
    metadata.json   version, data fingerprint, metrics, threshold, library versions
    userdict.txt    the jieba user dictionary the model was trained with
    stopwords.txt   the stopword list the model was trained with

``TicketClassifier.load`` refuses an artifact made under other versions of
Python (major.minor), scikit-learn, numpy, scipy or jieba, or with another
user dictionary or stopword list, by raising ``ModelVersionMismatch``.  Load
only artifacts this project wrote: joblib files run code when loaded.
"""

from __future__ import annotations

import json
import platform
import shutil
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import jieba
import joblib
import numpy as np
import scipy
import sklearn
from sklearn.exceptions import InconsistentVersionWarning

from . import tokenize as tok

ARTIFACT_FORMAT = 1
MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"
N_REASONS = 5
# question and modal words weigh for a type more than for a category; as a
# reason shown to the agent they explain nothing
_NOT_REASONS = frozenset("什么 怎么 怎么办 怎样 如何 是否 能否 能不能 可以 需要 没有 请问 谢谢 麻烦 希望 为什么 多少".split())


class ModelVersionMismatch(RuntimeError):
    """The artifact was made under other library versions or another dictionary."""

    def __init__(self, differences: dict[str, tuple[object, object]], path: str | Path = ""):
        self.differences = differences
        self.path = str(path)
        detail = "; ".join(f"{name}: {saved} ≠ {current}" for name, (saved, current) in differences.items())
        self.chinese = f"模型与当前运行环境版本不一致，拒绝加载（{detail}），请在当前环境重新训练。"
        super().__init__(
            f"模型与当前运行环境版本不一致，拒绝加载（{detail}），请在当前环境重新训练：python -m classifiers train。"
            f" / The model at {self.path or 'this path'} was saved under other versions ({detail}: saved ≠ current);"
            " refusing to load it. Retrain it here with `python -m classifiers train`."
        )


class ModelUnusable(RuntimeError):
    """The version's files are missing, truncated or not a model of this package (a copy cut short, a full disk)."""

    def __init__(self, path: str | Path, cause: BaseException):
        self.path = str(path)
        self.chinese = "模型文件损坏或不完整，无法加载，请重新训练或从备份恢复该版本。"  # for a page: no path, no traceback
        super().__init__(
            f"模型文件损坏或不完整，无法加载（{type(cause).__name__}: {cause}），请重新训练：python -m classifiers train。"
            f" / The model files at {self.path} are damaged or incomplete ({type(cause).__name__}: {cause});"
            " retrain with `python -m classifiers train`."
        )


def runtime_versions() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "jieba": jieba.__version__,
    }


def _comparable(name: str, version: str) -> str:
    # A pickle does not depend on Python's patch level; it does on the minor.
    return ".".join(version.split(".")[:2]) if name == "python" else version


def version_differences(metadata: dict) -> dict[str, tuple[object, object]]:
    saved = metadata.get("versions") or {}
    differences = {}
    for name, current in runtime_versions().items():
        if _comparable(name, str(saved.get(name))) != _comparable(name, current):
            differences[name] = (saved.get(name), current)
    for name, current in (("userdict_sha256", tok.userdict_sha256()),
                          ("stopwords_sha256", tok.stopwords_sha256())):
        if metadata.get(name) != current:
            differences[name] = (metadata.get(name), current)
    return differences


def compatible_metadata(directory: str | Path) -> dict:
    """A saved model's metadata, or ModelVersionMismatch when it was saved under other versions or files."""
    directory = Path(directory)
    try:
        with open(directory / METADATA_FILE, encoding="utf-8") as fh:
            metadata = json.load(fh)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelUnusable(directory / METADATA_FILE, exc) from exc
    if not isinstance(metadata, dict):
        raise ModelUnusable(directory / METADATA_FILE, ValueError("not a metadata object"))
    differences = version_differences(metadata)
    if differences:
        raise ModelVersionMismatch(differences, directory)
    return metadata


@dataclass(frozen=True)
class Prediction:
    label: str
    confidence: float
    top: list[tuple[str, float]]
    reasons: list[str]
    type: str | None
    type_confidence: float | None
    model_version: str
    # True when confidence reaches the model's threshold: the app may then
    # pre-fill the category; below it the ticket goes to a human (triage).
    confident: bool = field(default=False)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["top"] = [list(pair) for pair in self.top]
        return data


def _linear_coefficients(clf, n_columns: int) -> np.ndarray:
    """Per-class weights (n_classes × n_columns) of a (calibrated) linear model's first columns."""
    if hasattr(clf, "calibrated_classifiers_"):
        coefs = [_linear_coefficients(c.estimator, n_columns) for c in clf.calibrated_classifiers_]
        return np.mean(coefs, axis=0) if len(coefs) > 1 else coefs[0]
    coef = clf.coef_[:, :n_columns]
    coef = coef.toarray() if hasattr(coef, "toarray") else np.asarray(coef)
    if coef.shape[0] == 1:  # binary: one row scores the second class
        coef = np.vstack([-coef[0], coef[0]])
    return coef


class TicketClassifier:
    """Category (and ticket type) suggestions for a ticket's text."""

    def __init__(self, pipeline, type_classifier=None, metadata: dict | None = None):
        self.pipeline = pipeline
        self.type_classifier = type_classifier
        self.metadata = dict(metadata or {})
        self.labels: list[str] = [str(c) for c in pipeline.classes_]
        self.types: list[str] = [str(c) for c in type_classifier.classes_] if type_classifier is not None else []
        self._prepare = pipeline.named_steps["prepare"]
        self._features = pipeline.named_steps["features"]
        self._clf = pipeline.named_steps["clf"]
        self._n_words, self._terms = self._word_block()
        self._coef = np.ascontiguousarray(_linear_coefficients(self._clf, self._n_words), dtype=np.float32)

    # -- attributes the app reads -------------------------------------------
    @property
    def version(self) -> str:
        return str(self.metadata.get("version", "unsaved"))

    @property
    def threshold(self) -> float:
        return float(self.metadata.get("threshold", 0.0))

    def _word_block(self) -> tuple[int, np.ndarray]:
        """Columns of the word vectoriser (the first block) and their terms.

        Reasons are drawn from words only: character n-grams (hashed, with
        no vocabulary) are features but not readable explanations.
        """
        for name, vectorizer in self._features.transformer_list:
            if name == "word":
                vocab = vectorizer.vocabulary_
                terms = np.empty(len(vocab), dtype=object)
                terms[np.fromiter(vocab.values(), dtype=np.int64, count=len(vocab))] = list(vocab.keys())
                return len(vocab), terms
            break
        return 0, np.empty(0, dtype=object)

    # -- prediction ----------------------------------------------------------
    def predict(self, text: str) -> Prediction:
        return self.predict_many([text])[0]

    def predict_many(self, texts) -> list[Prediction]:
        texts = [t if isinstance(t, str) else "" for t in texts]
        if not texts:
            return []
        X = self._features.transform(self._prepare.transform(texts))
        proba = self._clf.predict_proba(X)
        type_proba = self.type_classifier.predict_proba(X) if self.type_classifier is not None else None
        order = np.argsort(-proba, axis=1)[:, :3]
        results = []
        for i in range(len(texts)):
            top = [(self.labels[j], round(float(proba[i, j]), 4)) for j in order[i]]
            best = order[i, 0]
            kind = kind_p = None
            if type_proba is not None:
                t = int(np.argmax(type_proba[i]))
                kind, kind_p = self.types[t], round(float(type_proba[i, t]), 4)
            confidence = float(proba[i, best])
            results.append(Prediction(
                label=self.labels[best],
                confidence=round(confidence, 4),
                top=top,
                reasons=self._reasons(X, i, best),
                type=kind,
                type_confidence=kind_p,
                model_version=self.version,
                confident=confidence >= self.threshold,
            ))
        return results

    def _reasons(self, X, row: int, label_index: int) -> list[str]:
        """The terms of this text that pushed hardest towards ``label_index``."""
        start, end = X.indptr[row], X.indptr[row + 1]
        columns, values = X.indices[start:end], X.data[start:end]
        words = columns < self._n_words
        columns, values = columns[words], values[words]
        weights = values * self._coef[label_index, columns]
        reasons: list[str] = []
        for k in np.argsort(-weights):
            if weights[k] <= 0 or len(reasons) == N_REASONS:
                break
            term = str(self._terms[columns[k]])
            # single words only: a bigram of words with the stopwords between
            # them removed ("医保卡 药店") reads as a phrase nobody wrote
            if (len(term) < 2 or " " in term or term in tok.PLACEHOLDERS
                    or term in tok.STOPWORDS or term in _NOT_REASONS):
                continue
            if any(term in kept for kept in reasons):
                continue
            reasons = [kept for kept in reasons if kept not in term]
            reasons.append(term)
        return reasons

    # -- persistence -----------------------------------------------------------
    def save(self, directory: str | Path) -> Path:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        joblib.dump(
            {"format": ARTIFACT_FORMAT, "pipeline": self.pipeline, "type_classifier": self.type_classifier},
            directory / MODEL_FILE,
            compress=3,
        )
        shutil.copyfile(tok.USERDICT_PATH, directory / "userdict.txt")
        shutil.copyfile(tok.STOPWORDS_PATH, directory / "stopwords.txt")
        with open(directory / METADATA_FILE, "w", encoding="utf-8") as fh:
            json.dump(self.metadata, fh, ensure_ascii=False, indent=2)
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> "TicketClassifier":
        directory = Path(directory)
        metadata = compatible_metadata(directory)
        with warnings.catch_warnings():
            warnings.simplefilter("error", InconsistentVersionWarning)
            try:
                bundle = joblib.load(directory / MODEL_FILE)
            except InconsistentVersionWarning as exc:
                raise ModelVersionMismatch(
                    {"sklearn": (exc.original_sklearn_version, exc.current_sklearn_version)}, directory
                ) from exc
            except FileNotFoundError:
                raise
            except Exception as exc:  # noqa: BLE001  (joblib/pickle raise anything on a truncated or foreign file)
                raise ModelUnusable(directory / MODEL_FILE, exc) from exc
        if not isinstance(bundle, dict) or "pipeline" not in bundle:
            raise ModelUnusable(directory / MODEL_FILE, ValueError("not a model bundle"))
        if bundle.get("format") != ARTIFACT_FORMAT:
            raise ModelVersionMismatch({"artifact_format": (bundle.get("format"), ARTIFACT_FORMAT)}, directory)
        tok.warm_up()
        return cls(bundle["pipeline"], bundle["type_classifier"], metadata)
