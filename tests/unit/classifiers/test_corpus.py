"""The shipped corpus: the 14 categories of domain.md, at least 100 examples each, a ticket type on every
row, and no templates with swapped nouns (no two texts nearly the same)."""
from collections import Counter

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from classifiers.corpus import load_shipped_corpus
from ticketing.services.reference_data import CATEGORIES

TYPES = {"consult", "help", "complaint", "report", "suggestion", "praise"}


def test_every_category_has_at_least_100_typed_examples():
    examples = load_shipped_corpus()
    counts = Counter(e.label for e in examples)
    assert set(counts) == {code for code, *_ in CATEGORIES}
    assert min(counts.values()) >= 100, counts
    assert {e.type for e in examples} == TYPES  # every type occurs, and nothing else
    assert all(e.text.strip() for e in examples)


def test_no_two_texts_are_near_copies():
    texts = [e.text for e in load_shipped_corpus()]
    assert len(set(texts)) == len(texts)
    grams = TfidfVectorizer(analyzer="char", ngram_range=(2, 3)).fit_transform(texts)
    similarity = (grams @ grams.T).toarray()
    np.fill_diagonal(similarity, 0)
    i, j = np.unravel_index(similarity.argmax(), similarity.shape)
    assert similarity[i, j] < 0.85, (texts[i], texts[j])
