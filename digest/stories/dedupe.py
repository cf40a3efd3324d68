"""Near-duplicate detection: syndicated copies and re-posts of the same article text.

Each article is a set of hashed word 5-shingles (``features.shingle_columns``, stored with the
article when it is read), a row of a sparse binary matrix; two articles are copies when the
cosine of their shingle sets is at least ``threshold`` — close to the share of five-word runs
they have in common. One sparse matrix product finds all pairs at once.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.preprocessing import normalize

from ..models import Article
from ..text.features import SHINGLE_COLUMNS, shingle_columns


def _shingle_matrix(articles: Sequence[Article]) -> csr_matrix:
    missing = [i for i, a in enumerate(articles) if a.shingles is None]
    computed = dict(zip(missing, shingle_columns([articles[i].text for i in missing]), strict=True))
    rows = [a.shingles if a.shingles is not None else computed[i] for i, a in enumerate(articles)]
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([len(r) for r in rows], out=indptr[1:])
    indices = np.concatenate(rows).astype(np.int32) if rows else np.zeros(0, dtype=np.int32)
    return csr_matrix((np.ones(len(indices), dtype=np.float32), indices, indptr), shape=(len(rows), SHINGLE_COLUMNS))


def duplicate_groups(articles: Sequence[Article], threshold: float = 0.7) -> np.ndarray:
    """A group label per article; articles sharing a label are near-duplicate copies."""
    if not articles:
        return np.zeros(0, dtype=int)
    matrix = normalize(_shingle_matrix(articles))
    similar = (matrix @ matrix.T).tocsr()
    similar.data = (similar.data >= threshold).astype(np.int8)
    similar.eliminate_zeros()
    _, labels = connected_components(csr_matrix(similar), directed=False)
    return np.asarray(labels)
