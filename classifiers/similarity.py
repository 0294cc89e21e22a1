"""Near-duplicate candidates among tickets by cosine similarity of char n-grams.

Each text is normalised (placeholders hide phone numbers, dates and amounts,
so the same complaint with another date still matches), cut into character
2- and 3-grams and hashed into a fixed space (``HashingVectorizer``: no
vocabulary to refit, so adding a ticket is incremental).  Rows are
L2-normalised, so cosine similarity is a sparse dot product.

The index keeps a large compressed main block stored by feature (an inverted
index: a query touches only the columns of its own n-grams) and a small
buffer of recent additions scanned directly; the buffer is merged into the
main block when it grows past a fraction of it.  Removal marks a row dead;
dead rows are dropped at the next merge.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

from .tokenize import char_ngrams, normalize

N_FEATURES = 2**20


def similarity_grams(text: str) -> list[str]:
    """Character 2–3-grams of the normalised text (module-level for pickling)."""
    return char_ngrams(normalize(text), 2, 3)


class SimilarityIndex:
    def __init__(self, n_features: int = N_FEATURES, merge_fraction: float = 0.05, min_buffer: int = 256):
        self._vectorizer = HashingVectorizer(analyzer=similarity_grams, n_features=n_features,
                                             alternate_sign=False, norm="l2", dtype=np.float32)
        self._merge_fraction = merge_fraction
        self._min_buffer = min_buffer
        self._main = sp.csc_matrix((0, n_features), dtype=np.float32)  # rows: texts, stored by column
        self._main_keys: list[Hashable] = []
        self._buffer: list[sp.csr_matrix] = []
        self._buffer_keys: list[Hashable] = []
        self._buffer_matrix: sp.csr_matrix | None = None
        self._row_of: dict[Hashable, tuple[str, int]] = {}  # key → ("main"|"buffer", row)
        self._dead_main = np.zeros(0, dtype=bool)
        self._dead_buffer: set[int] = set()

    def __len__(self) -> int:
        return len(self._row_of)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._row_of

    # -- building --------------------------------------------------------------
    def add(self, key: Hashable, text: str) -> None:
        self.add_many([(key, text)])

    def add_many(self, items: Iterable[tuple[Hashable, str]]) -> None:
        items = list(items)
        if not items:
            return
        latest = {}
        for key, text in items:  # the last text given for a key wins
            latest[key] = text
        for key in latest:
            if key in self._row_of:
                self.remove(key)
        keys = list(latest)
        rows = self._vectorizer.transform([latest[k] for k in keys]).tocsr()
        if len(keys) >= max(self._min_buffer, self._merge_fraction * len(self._main_keys)):
            self._merge(extra=(keys, rows))
            return
        for key in keys:
            self._row_of[key] = ("buffer", len(self._buffer_keys))
            self._buffer_keys.append(key)
        self._buffer.append(rows)
        self._buffer_matrix = None
        if len(self._buffer_keys) >= max(self._min_buffer, self._merge_fraction * len(self._main_keys)):
            self._merge()

    def remove(self, key: Hashable) -> bool:
        where = self._row_of.pop(key, None)
        if where is None:
            return False
        block, row = where
        if block == "main":
            self._dead_main[row] = True
        else:
            self._dead_buffer.add(row)
        return True

    def _buffer_rows(self) -> sp.csr_matrix | None:
        if self._buffer_matrix is None and self._buffer:
            self._buffer_matrix = sp.vstack(self._buffer, format="csr")
            self._buffer = [self._buffer_matrix]
        return self._buffer_matrix

    def _merge(self, extra=None) -> None:
        """Fold the buffer (and ``extra`` rows) into the main block, dropping dead rows."""
        blocks, keys = [], []
        alive_main = np.flatnonzero(~self._dead_main)
        if len(alive_main):
            blocks.append(self._main.tocsr()[alive_main])
            keys.extend(self._main_keys[i] for i in alive_main)
        buffered = self._buffer_rows()
        if buffered is not None:
            alive = [i for i in range(len(self._buffer_keys)) if i not in self._dead_buffer]
            if alive:
                blocks.append(buffered[alive])
                keys.extend(self._buffer_keys[i] for i in alive)
        if extra is not None:
            blocks.append(extra[1])
            keys.extend(extra[0])
        n_features = self._vectorizer.n_features
        self._main = (sp.vstack(blocks, format="csr") if blocks
                      else sp.csr_matrix((0, n_features), dtype=np.float32)).tocsc()
        self._main_keys = keys
        self._dead_main = np.zeros(len(keys), dtype=bool)
        self._row_of = {key: ("main", i) for i, key in enumerate(keys)}
        self._buffer, self._buffer_keys, self._buffer_matrix = [], [], None
        self._dead_buffer = set()

    def compact(self) -> None:
        """Merge everything into the main block now (e.g. after a bulk load)."""
        self._merge()

    # -- querying ----------------------------------------------------------------
    def query(self, text: str, k: int = 5, min_similarity: float = 0.6,
              exclude: Iterable[Hashable] | Hashable | None = None) -> list[tuple[Hashable, float]]:
        """The ``k`` most similar indexed texts with cosine ≥ ``min_similarity``, best first."""
        if exclude is None:
            excluded = set()
        elif isinstance(exclude, (set, frozenset, list, tuple)):
            excluded = set(exclude)
        else:
            excluded = {exclude}
        q = self._vectorizer.transform([text]).tocsr()
        if q.nnz == 0 or k <= 0:
            return []
        columns, weights = q.indices, q.data
        candidates: list[tuple[float, Hashable]] = []

        if self._main.shape[0]:
            sub = self._main[:, columns]  # only the query's n-grams
            scores = np.asarray(sub @ weights).ravel()
            scores[self._dead_main] = 0.0
            self._collect(scores, self._main_keys, min_similarity, k + len(excluded), candidates)
        buffered = self._buffer_rows()
        if buffered is not None:
            scores = np.asarray(buffered[:, columns] @ weights).ravel()
            if self._dead_buffer:
                scores[list(self._dead_buffer)] = 0.0
            self._collect(scores, self._buffer_keys, min_similarity, k + len(excluded), candidates)

        ranked = sorted(candidates, key=lambda c: -c[0])
        out = [(key, round(float(score), 4)) for score, key in ranked if key not in excluded]
        return out[:k]

    @staticmethod
    def _collect(scores, keys, min_similarity, limit, into) -> None:
        hits = np.flatnonzero(scores >= max(min_similarity, 1e-9))
        if len(hits) > limit:
            hits = hits[np.argpartition(-scores[hits], limit - 1)[:limit]]
        into.extend((min(1.0, float(scores[i])), keys[i]) for i in hits)
