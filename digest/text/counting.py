"""Counting words (or any features) into a sparse documents-by-terms matrix, without a vectorizer.

Clustering and summaries each build several of these per edition or per story; scikit-learn's
vectorizers check and convert more than the counting itself costs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import numpy as np
from scipy.sparse import csr_matrix


def count_matrix(docs: Iterable[Iterable[str]], sort: bool = False) -> tuple[csr_matrix, list[str]]:
    """How often each term occurs in each document, and the terms of the columns: in the order they
    first occur, or with ``sort`` in sorted order (the columns scikit-learn's CountVectorizer makes)."""
    # A new term's column is the count of terms before it: the dictionary's own length, given by its
    # default factory, so that the look-ups run in C (``map``), not in a Python loop.
    vocabulary: defaultdict[str, int] = defaultdict()
    vocabulary.default_factory = vocabulary.__len__
    indices: list[int] = []
    indptr = [0]
    for doc in docs:
        indices.extend(map(vocabulary.__getitem__, doc))
        indptr.append(len(indices))
    terms = list(vocabulary)
    columns = np.asarray(indices, dtype=np.int64)
    if sort:
        terms.sort()
        rank = np.empty(len(terms), dtype=np.int64)
        rank[[vocabulary[t] for t in terms]] = np.arange(len(terms))
        columns = rank[columns]
    counts = csr_matrix(
        (np.ones(len(indices)), columns.astype(np.int32), np.asarray(indptr, dtype=np.int64)),
        shape=(len(indptr) - 1, len(terms)),
    )
    counts.sum_duplicates()  # a term used twice in a document counts 2
    return counts, terms
