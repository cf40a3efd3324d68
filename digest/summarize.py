"""Extractive, cited story summaries.

Ranking: LexRank centrality (the algorithm of sumy's ``LexRankSummarizer``, here on sparse
matrices), the sentence's position in its article, and how many articles of the story state it.
Selection: maximal marginal relevance, so no two chosen sentences say the same thing, up to a
word budget; then reading order, lead first. Sentences a reader cannot use alone — questions,
bare quotes with no speaker, fragments that start with a pronoun or a conjunction, headlines — are
not candidates. Every chosen sentence cites each article of the story that states the same fact,
even in other words (shared content words, or the same quotation).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2

from .models import Article, SummarySentence
from .segment import content_terms, words

_ATTRIBUTION = re.compile(
    r"\b(said|says|say|told|tells|according|added|adds|stated|wrote|writes|asked|announced|"
    r"explained|noted|insisted|warned|claimed|reported|reportedly|quoted)\b",
    re.I,
)
_CONTEXT_START = re.compile(
    r"^(he|she|they|it|this|these|those|that|his|her|their|its|him|them|and|but|or|so|yet|also|"
    r"still|then|there|here|such|both|which|who)\b",
    re.I,
)
_QUOTED = re.compile(r"[“\"]([^”\"]{8,})[”\"]")


@dataclass(frozen=True)
class Candidate:
    article: int  # index in the story's article list
    index: int  # sentence index in the article
    text: str


def usable(sentence: str) -> bool:
    """Whether a sentence can stand in a summary without its neighbours."""
    count = len(sentence.split())
    if count < 6 or count > 70 or sentence.rstrip("”’\"' ").endswith("?"):
        return False
    if not sentence[:1].isupper() and sentence[:1] not in "“\"‘'":
        return False
    if _CONTEXT_START.match(sentence):
        return False
    if sentence[:1] in "“\"‘'":
        # A quotation is usable only with its speaker ("…,” the minister said).
        closing = max(sentence.rfind("”"), sentence.rfind('"'))
        after = sentence[closing + 1 :] if closing > 0 else ""
        if not _ATTRIBUTION.search(after):
            return False
    return True


def _term_matrix(
    docs: Sequence[Iterable[str]], vocabulary: dict[str, int] | None = None
) -> tuple[csr_matrix, dict[str, int]]:
    """Documents x terms counts with columns in sorted term order, as CountVectorizer builds them.

    Without a ``vocabulary`` it is every term of ``docs``; terms outside a given one are ignored.
    Built directly (no per-call validation), since a story makes several of these.
    """
    if vocabulary is None:
        vocabulary = {term: i for i, term in enumerate(sorted({t for doc in docs for t in doc}))}
    indptr = [0]
    indices: list[int] = []
    data: list[int] = []
    for doc in docs:
        counts = Counter(vocabulary[t] for t in doc if t in vocabulary)
        for column in sorted(counts):
            indices.append(column)
            data.append(counts[column])
        indptr.append(len(indices))
    matrix = csr_matrix(
        (np.asarray(data, dtype=np.int64), np.asarray(indices, dtype=np.int32), np.asarray(indptr, dtype=np.int32)),
        shape=(len(docs), len(vocabulary)),
    )
    return matrix, vocabulary


def _l2_rows(matrix: csr_matrix) -> csr_matrix:
    """Scale each row to unit length in place, exactly as ``sklearn.preprocessing.normalize`` does."""
    inplace_csr_row_normalize_l2(matrix)
    return matrix


def sumy_lexrank_scores(
    sentence_terms: Sequence[Sequence[str]], threshold: float = 0.1, epsilon: float = 0.1
) -> np.ndarray:
    """LexRank exactly as sumy's ``LexRankSummarizer`` rates sentences, vectorised.

    ``sentence_terms`` are each sentence's normalised (stemmed, stop-word-free) words. sumy's
    tf is count / max count in the sentence, its idf log(n / (1 + df)) over sentences, the
    similarity an idf-modified cosine, binarised at ``threshold``, row-normalised by degree,
    and the scores the power method's vector (stopping when the step is under ``epsilon``).
    """
    n = len(sentence_terms)
    if n == 0:
        return np.zeros(0)
    counts, vocabulary = _term_matrix(sentence_terms)
    if not vocabulary:  # no sentence has a content word: all equally central
        return np.full(n, 1.0 / n)
    counts = counts.astype(float)
    row_max = counts.max(axis=1).toarray().ravel()
    row_max[row_max == 0] = 1.0
    # Scaling the stored values is what multiplying by a diagonal matrix does, without building one.
    tf = counts.copy()
    tf.data = tf.data * np.repeat(1.0 / row_max, np.diff(tf.indptr))
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = np.log(n / (1.0 + df))
    weighted = tf.copy()
    weighted.data = weighted.data * idf[weighted.indices]
    squared = tf.copy()
    squared.data = squared.data * (idf**2)[squared.indices]
    numerator = (squared @ tf.T).toarray()
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
    denominator = np.outer(norms, norms)
    with np.errstate(divide="ignore", invalid="ignore"):
        cosine = np.where(denominator > 0, numerator / denominator, 0.0)
    adjacency = (cosine > threshold).astype(float)
    degrees = adjacency.sum(axis=1)
    degrees[degrees == 0] = 1.0
    matrix = adjacency / degrees[:, None]
    p = np.full(n, 1.0 / n)
    step = 1.0
    transposed = matrix.T
    for _ in range(10_000):
        if step <= epsilon:
            break
        following = transposed @ p
        following /= np.linalg.norm(following) or 1.0
        step = float(np.linalg.norm(following - p))
        p = following
    return p


def _quote_terms(text: str) -> set[str]:
    if '"' not in text and "“" not in text:
        return set()
    return {t for quote in _QUOTED.findall(text) for t in content_terms(quote)}


def _quote_matches(text_quotes: Sequence[set[str]], unit_quotes: Sequence[set[str]], match: np.ndarray) -> None:
    """Set ``match[i, j]`` where both quote at least four content words, most of them the same."""
    rows = [i for i, quoted in enumerate(text_quotes) if len(quoted) >= 4]
    cols = [j for j, quoted in enumerate(unit_quotes) if len(quoted) >= 4]
    if not rows or not cols:
        return
    left, vocabulary = _term_matrix([text_quotes[i] for i in rows])
    right, _ = _term_matrix([unit_quotes[j] for j in cols], vocabulary)
    overlap = (left @ right.T).toarray()
    left_size = np.array([len(text_quotes[i]) for i in rows])
    right_size = np.array([len(unit_quotes[j]) for j in cols])
    hit = overlap >= 0.8 * np.minimum(left_size[:, None], right_size[None, :])
    match[np.ix_(rows, cols)] |= hit


def _same_claim(
    text_terms: Sequence[Sequence[str]],
    text_quotes: Sequence[set[str]],
    unit_terms: Sequence[Sequence[str]],
    unit_quotes: Sequence[set[str]],
    min_shared: int = 4,
    min_ratio: float = 0.6,
) -> np.ndarray:
    """:func:`same_claim` on content words and quoted words already extracted."""
    if not text_terms or not unit_terms:
        return np.zeros((len(text_terms), len(unit_terms)), dtype=bool)
    unit_sets = [set(terms) for terms in unit_terms]
    unit_matrix, vocabulary = _term_matrix(unit_sets)
    if not vocabulary:  # no content words anywhere: nothing can state the same fact
        return np.zeros((len(text_terms), len(unit_terms)), dtype=bool)
    text_matrix, _ = _term_matrix([set(terms) for terms in text_terms], vocabulary)
    shared = (text_matrix @ unit_matrix.T).toarray()
    text_size = np.asarray(text_matrix.sum(axis=1)).ravel()
    unit_size = np.asarray(unit_matrix.sum(axis=1)).ravel()
    smaller = np.minimum(text_size[:, None], unit_size[None, :])
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(smaller > 0, shared / smaller, 0.0)
    match = (shared >= min_shared) & (ratio >= min_ratio)
    _quote_matches(text_quotes, unit_quotes, match)
    return match


def same_claim(texts: Sequence[str], units: Sequence[str], min_shared: int = 4, min_ratio: float = 0.6) -> np.ndarray:
    """Boolean matrix: does ``units[j]`` state what ``texts[i]`` states?

    Yes when the two share at least ``min_shared`` content words covering ``min_ratio`` of the
    shorter one, or when both quote the same words (four content words or more).
    """
    return _same_claim(
        [content_terms(t) for t in texts],
        [_quote_terms(t) for t in texts],
        [content_terms(u) for u in units],
        [_quote_terms(u) for u in units],
        min_shared,
        min_ratio,
    )


def supporting_articles(
    chosen: Sequence[str],
    articles: Sequence[Article],
    chosen_terms: Sequence[Sequence[str]] | None = None,
    sentence_terms: Sequence[Sequence[Sequence[str]]] | None = None,
) -> list[set[int]]:
    """For each chosen sentence, the indexes of the articles that state it.

    Each sentence of each article is compared, and so is each pair of adjacent sentences, since
    outlets split the same words into sentences differently. ``chosen_terms`` and
    ``sentence_terms`` (per article, per sentence) are the content words when already known.
    """
    unit_terms: list[list[str]] = []
    unit_quotes: list[set[str]] = []
    owner: list[int] = []
    for number, article in enumerate(articles):
        sentences = article.sentences
        terms = sentence_terms[number] if sentence_terms is not None else [content_terms(s) for s in sentences]
        quotes = [_quote_terms(s) for s in sentences]
        for i, sentence in enumerate(sentences):
            unit_terms.append(list(terms[i]))
            unit_quotes.append(quotes[i])
            owner.append(number)
            if i + 1 < len(sentences):
                # The words of "a b" are those of a, then those of b: no word spans the space.
                unit_terms.append([*terms[i], *terms[i + 1]])
                unit_quotes.append(_quote_terms(f"{sentence} {sentences[i + 1]}"))
                owner.append(number)
    text_terms = chosen_terms if chosen_terms is not None else [content_terms(t) for t in chosen]
    match = _same_claim(text_terms, [_quote_terms(t) for t in chosen], unit_terms, unit_quotes)
    owners = np.asarray(owner)
    return [set(owners[np.flatnonzero(row)].tolist()) for row in match]


def _tfidf_rows(terms: Sequence[Sequence[str]]) -> csr_matrix:
    """L2-normalised TF-IDF rows, computed as scikit-learn's TfidfVectorizer does by default."""
    counts, vocabulary = _term_matrix(terms)
    if not vocabulary:
        raise ValueError("empty vocabulary")
    counts = counts.astype(np.float64)
    df = np.bincount(counts.indices, minlength=counts.shape[1]).astype(np.float64)
    df += 1.0
    idf = np.full_like(df, fill_value=counts.shape[0] + 1, dtype=np.float64)
    idf /= df
    np.log(idf, out=idf)
    idf += 1.0
    counts.data *= idf[counts.indices]
    return _l2_rows(_l2_rows(counts))


# At most this many sentences of a story are ranked (the pairwise matrices grow with its square).
MAX_CANDIDATES = 1500


def summarize(
    articles: Sequence[Article],
    max_words: int = 120,
    lam: float = 0.7,
    sentence_terms: Sequence[Sequence[Sequence[str]]] | None = None,
) -> tuple[SummarySentence, ...]:
    """The cited summary of one story (its articles, in any order).

    ``sentence_terms`` holds each article's sentences' :func:`content_terms` when they are known.
    """
    candidates = [
        Candidate(a, i, s) for a, article in enumerate(articles) for i, s in enumerate(article.sentences) if usable(s)
    ]
    if len(candidates) < 2:  # nothing passes the filters: fall back to the leads
        candidates = [Candidate(a, i, s) for a, art in enumerate(articles) for i, s in enumerate(art.sentences[:3])]
    if not candidates:
        return ()
    if len(candidates) > MAX_CANDIDATES:
        # Ranking compares every pair of candidates: a giant story (or one endless article) keeps
        # the sentences nearest the top of each article, where news puts what matters.
        candidates = sorted(candidates, key=lambda c: (c.index, c.article))[:MAX_CANDIDATES]
    if sentence_terms is None:
        sentence_terms = [
            article.terms if article.terms is not None else [content_terms(s) for s in article.sentences]
            for article in articles
        ]
    terms = [list(sentence_terms[c.article][c.index]) for c in candidates]
    centrality = sumy_lexrank_scores(terms)
    centrality = centrality / (centrality.max() or 1.0)
    position = np.array([1.0 / (1.0 + 0.25 * c.index) for c in candidates])
    texts = [c.text for c in candidates]
    if len(articles) > 1:
        support = supporting_articles(texts, articles, terms, sentence_terms)
    else:
        support = [{c.article} for c in candidates]
    agreement = np.array([len(s | {c.article}) for s, c in zip(support, candidates, strict=True)], dtype=float)
    agreement = (agreement - 1.0) / max(1.0, len(articles) - 1.0)
    score = 0.45 * centrality + 0.35 * position + 0.20 * agreement
    try:
        vectors = _tfidf_rows(terms)
        similar = (vectors @ vectors.T).toarray()
    except ValueError:
        similar = np.eye(len(candidates))
    # Two versions of one fact (different outlets' wording) count as fully redundant.
    quotes = [_quote_terms(t) for t in texts]
    similar = np.maximum(similar, _same_claim(terms, quotes, terms, quotes).astype(float))
    chosen: list[int] = []
    budget = 0
    available = np.ones(len(candidates), dtype=bool)
    while available.any():
        redundancy = similar[:, chosen].max(axis=1) if chosen else np.zeros(len(candidates))
        mmr = lam * score - (1.0 - lam) * redundancy
        mmr[~available] = -np.inf
        pick = int(np.argmax(mmr))
        available[pick] = False
        if chosen and redundancy[pick] >= 0.5:  # says what a chosen sentence already says
            continue
        length = len(words(candidates[pick].text))
        if chosen and budget + length > max_words * 1.15:
            continue
        chosen.append(pick)
        budget += length
        if budget >= max_words:
            break
    # Reading order: the lead first, then by place in the article.
    chosen.sort(key=lambda k: (candidates[k].index, -score[k]))
    result = []
    for k in chosen:
        candidate = candidates[k]
        own = articles[candidate.article].id
        others = [articles[j].id for j in sorted(support[k]) if j != candidate.article]
        result.append(SummarySentence(text=candidate.text, citations=(own, *others), article_id=own))
    return tuple(result)
