"""Near-duplicate detection: syndicated copies and re-posts of the same article text.

Each article becomes a set of hashed word 5-shingles (a sparse binary matrix); two articles are
copies when the cosine of their shingle sets is at least ``threshold`` — close to the share of
five-word runs they have in common. One sparse matrix product finds all pairs at once.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.preprocessing import normalize

from .models import Article
from .segment import words

SHINGLE = 5
_HASHER = HashingVectorizer(
    analyzer=lambda text: _shingles(text), n_features=2**22, alternate_sign=False, norm=None, binary=True
)


def _shingles(text: str) -> list[str]:
    tokens = [w.lower() for w in words(text)]
    if len(tokens) < SHINGLE:
        return [" ".join(tokens)] if tokens else []
    return [" ".join(tokens[i : i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1)]


def duplicate_groups(articles: Sequence[Article], threshold: float = 0.7) -> np.ndarray:
    """A group label per article; articles sharing a label are near-duplicate copies."""
    if not articles:
        return np.zeros(0, dtype=int)
    matrix = normalize(_HASHER.transform([a.text for a in articles]).astype(np.float32))
    similar = (matrix @ matrix.T).tocsr()
    similar.data = (similar.data >= threshold).astype(np.int8)
    similar.eliminate_zeros()
    _, labels = connected_components(csr_matrix(similar), directed=False)
    return np.asarray(labels)
