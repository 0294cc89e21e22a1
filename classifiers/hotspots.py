"""热点诉求: groups of tickets about the same matter in a window of days, for the supervisor's early warning
(a failing app, a hospital refusing cards, a premium collected twice: many callers, one cause).

Each text is cut into the same character 2–3-grams as the duplicate index (placeholders hide phone
numbers, dates and amounts), weighted by how rare the n-gram is in the window (inverse document
frequency), so that what every ticket says (医保, 来电人反映, 请问) weighs little, and L2-normalised.
N-grams in more than ``max_share`` of the texts (and at least ``COMMON_FLOOR`` of them) are dropped:
they carry no grouping and would make the all-against-all product dense. The texts are then compared
all against all, a block of rows at a time (one sparse product per block).

Groups are formed around centres, not by chaining neighbours of neighbours, which would join unrelated
tickets through generic ones: the text with the most neighbours at or above ``min_similarity`` takes
those still free, then the next, while a centre has ``min_size - 1`` free neighbours left. A group then
takes the members' other free neighbours that are as alike to the group's mean (the words its callers
share) as the threshold: the same matter told differently from the centre's caller. Members are listed
by their similarity to that mean, the most typical first.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.preprocessing import normalize

from .similarity import N_FEATURES, similarity_grams

#: rarity is judged as if the window also held this many texts without the n-gram: in a small window (a
#: department's few tickets, most of them about the matter) the words they share would otherwise weigh
#: least of all; in a province's thousands it changes nothing
QUIET_TEXTS = 100
#: an n-gram is dropped as common only when it is in at least this many texts, whatever ``max_share`` says,
#: so that a small window (a city's week) keeps the words its one large group shares
COMMON_FLOOR = 200


@dataclass(frozen=True)
class Group:
    """Positions of the grouped texts in the input, the most typical first; similarity of each to the mean."""

    members: tuple[int, ...]
    similarities: tuple[float, ...]

    @property
    def centre(self) -> int:
        return self.members[0]

    def __len__(self) -> int:
        return len(self.members)


def weighted_rows(texts: Sequence[str], *, max_share: float) -> sp.csr_matrix:
    """One L2-normalised row per text: binary character 2–3-grams times their IDF in these texts."""
    vectorizer = HashingVectorizer(analyzer=similarity_grams, n_features=N_FEATURES, alternate_sign=False,
                                   norm=None, binary=True, dtype=np.float32)
    counts = vectorizer.transform(texts).tocsc()
    n = counts.shape[0]
    df = np.diff(counts.indptr)  # texts per column (binary counts, stored by column)
    # one in most of them says nothing (those in one text link nothing, but they keep a text that shares a
    # single word with another from looking the same as it)
    kept = np.flatnonzero(df <= max(max_share * n, COMMON_FLOOR))
    idf = (np.log((1 + n + QUIET_TEXTS) / (1 + df[kept])) + 1).astype(np.float32)
    rows = (counts[:, kept] @ sp.diags(idf)).tocsr()
    return normalize(rows, copy=False)


def neighbours(rows: sp.csr_matrix, min_similarity: float, block: int = 1000) -> sp.csr_matrix:
    """Which rows are alike: row i's stored columns are the other rows with cosine ≥ ``min_similarity``
    (computed a block of rows at a time, so that only the pairs kept are ever held for the whole input)."""
    n = rows.shape[0]
    columns = rows.T.tocsc()
    kept = []
    for start in range(0, n, block):
        scores = (rows[start:start + block] @ columns).tocoo()
        alike = (scores.data >= min_similarity) & (scores.row + start != scores.col)  # not a text with itself
        kept.append(sp.csr_matrix((scores.data[alike], (scores.row[alike], scores.col[alike])), shape=scores.shape))
    return sp.vstack(kept, format="csr") if kept else sp.csr_matrix((0, n))


def find_groups(texts: Sequence[str], *, min_similarity: float = 0.35, min_size: int = 3,
                max_share: float = 0.01) -> list[Group]:
    """Groups of at least ``min_size`` similar texts, largest first (see the module's docstring)."""
    if len(texts) < max(2, min_size):
        return []
    rows = weighted_rows(texts, max_share=max_share)
    linked = neighbours(rows, min_similarity)
    degree = np.diff(linked.indptr)
    taken = np.zeros(len(texts), dtype=bool)
    groups = []
    for centre in np.argsort(-degree, kind="stable"):
        if degree[centre] < min_size - 1:
            break  # the rest have fewer neighbours still
        if taken[centre]:
            continue
        near = _row(linked, centre)
        members = [int(centre), *(int(j) for j in near[~taken[near]])]
        if len(members) < min_size:
            continue
        members += _alike_to_the_group(rows, members, linked, taken, min_similarity)
        taken[members] = True
        groups.append(_ordered(rows, members))
    return sorted(groups, key=lambda g: (-len(g), g.centre))


def _row(linked: sp.csr_matrix, i: int) -> np.ndarray:
    return linked.indices[linked.indptr[i]:linked.indptr[i + 1]]


def _centroid(rows: sp.csr_matrix, members: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """The members' mean direction as a unit vector: its n-gram columns (sorted) and weights, summed from
    the rows' own arrays (slicing rows out of the matrix, or a dense vector per group, costs more)."""
    parts = [slice(rows.indptr[m], rows.indptr[m + 1]) for m in members]
    columns, where = np.unique(np.concatenate([rows.indices[p] for p in parts]), return_inverse=True)
    weights = np.bincount(where, weights=np.concatenate([rows.data[p] for p in parts]))
    return columns, weights / (np.linalg.norm(weights) or 1.0)


def _similarity(rows: sp.csr_matrix, i: int, centroid: tuple[np.ndarray, np.ndarray]) -> float:
    columns, weights = centroid
    part = slice(rows.indptr[i], rows.indptr[i + 1])
    mine = rows.indices[part]
    at = np.searchsorted(columns, mine).clip(max=len(columns) - 1)
    shared = columns[at] == mine
    return float(weights[at[shared]] @ rows.data[part][shared])


def _alike_to_the_group(rows, members, linked, taken, min_similarity) -> list[int]:
    """Free neighbours of the members (not of the centre) as alike to the group's mean as the threshold:
    the same matter told differently from the centre's caller, without following chains further."""
    inside = set(members)
    candidates = sorted({int(j) for m in members for j in _row(linked, m) if not taken[j] and j not in inside})
    if not candidates:
        return []
    centroid = _centroid(rows, members)
    return [j for j in candidates if _similarity(rows, j, centroid) >= min_similarity]


def _ordered(rows, members: list[int]) -> Group:
    """The members by similarity to the group's mean, the most typical first."""
    centroid = _centroid(rows, members)
    ranked = sorted(((_similarity(rows, j, centroid), j) for j in members), key=lambda pair: (-pair[0], pair[1]))
    return Group(tuple(j for _, j in ranked), tuple(round(min(score, 1.0), 4) for score, _ in ranked))
