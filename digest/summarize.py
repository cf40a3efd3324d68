"""Extractive, cited story summaries.

Ranking: continuous LexRank centrality (PageRank over idf-weighted cosine similarities of all the
story's sentences), the sentence's position in its article, and how many articles of the story
state it. Selection: maximal marginal relevance, so no two chosen sentences say the same thing, up
to a word budget; then reading order, lead first. Sentences a reader cannot use — questions, bare
quotes with no speaker, headlines and list items, fragments — are not candidates; a sentence that
starts with a pronoun or a conjunction ("He said…", "But…") is one only right after the sentence
it follows in its article. Every chosen sentence cites each article of the story that states the
same fact, even in other words (shared content words, or the same quotation).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix, diags
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.preprocessing import normalize

from .models import Article, SummarySentence
from .segment import content_terms, words

_ATTRIBUTION = re.compile(
    r"\b(said|says|say|told|tells|according|added|adds|stated|wrote|writes|asked|announced|"
    r"explained|noted|insisted|insists|warned|warns|claimed|claims|reported|reportedly|quoted|continued|"
    r"argued|argues|admitted|admits|believes|believed|thinks|thought|commented|suggested|suggests|replied|"
    r"acknowledged|conceded|predicted|predicts|urged|urges|concluded|recalled|recalls|described|describes)\b",
    re.I,
)
_CONTEXT_START = re.compile(
    r"^(he|she|they|it|this|these|those|that|his|her|their|its|him|them|and|but|or|so|yet|also|"
    r"still|then|there|here|such|both|which|who)\b",
    re.I,
)
# "There were 20 arrests": "there" that points at nothing before it.
_EXISTENTIAL = re.compile(r"^there\s+(is|are|was|were|has|have|had|will|would|could|may|might|must|should)\b", re.I)
_FINAL = re.compile(r"[.!…][\"'”’)\]]*$")
_QUOTED = re.compile(r"[“\"]([^”\"]{8,})[”\"]")


WEIGHTS = (0.65, 0.15, 0.20)


@dataclass(frozen=True)
class Candidate:
    article: int  # index in the story's article list
    index: int  # sentence index in the article
    text: str
    after: int | None = None  # for a sentence that needs the one before it: that one's candidate number


def _flaw(sentence: str) -> str | None:
    """Why a sentence cannot stand in a summary alone, or None when it can."""
    count = len(sentence.split())
    if count < 6 or count > 70:
        return "length"
    if sentence.rstrip("”’\"' ").endswith("?"):
        return "question"
    if not _FINAL.search(sentence):  # a headline, subheading, list item or caption
        return "headline"
    if not sentence[:1].isupper() and sentence[:1] not in "“\"‘'":
        return "fragment"
    if sentence[:1] in "“\"‘'":
        # A quotation is usable only with its speaker ("…,” the minister said).
        closing = max(sentence.rfind("”"), sentence.rfind('"'))
        after = sentence[closing + 1 :] if closing > 0 else ""
        if not _ATTRIBUTION.search(after):
            return "quote"
    if _CONTEXT_START.match(sentence) and not _EXISTENTIAL.match(sentence):
        return "context"
    return None


def usable(sentence: str) -> bool:
    """Whether a sentence can stand in a summary without its neighbours."""
    return _flaw(sentence) is None


def continues(sentence: str) -> bool:
    """Whether a sentence is usable right after the sentence before it (it starts with "He", "But", …)."""
    return _flaw(sentence) == "context"


def _term_counts(sentence_terms: Sequence[Sequence[str]]) -> csr_matrix | None:
    """Sentence-by-term counts, or None when there is no sentence or no term at all."""
    if not sentence_terms:
        return None
    try:
        counts = CountVectorizer(analyzer=lambda terms: terms).fit_transform(list(sentence_terms))
    except ValueError:
        return None
    return csr_matrix(counts.astype(float))


def sumy_lexrank_scores(
    sentence_terms: Sequence[Sequence[str]], threshold: float = 0.1, epsilon: float = 0.1
) -> np.ndarray:
    """LexRank exactly as sumy's ``LexRankSummarizer`` rates sentences, vectorised (a reference for tests).

    ``sentence_terms`` are each sentence's normalised (stemmed, stop-word-free) words. sumy's
    tf is count / max count in the sentence, its idf log(n / (1 + df)) over sentences, the
    similarity an idf-modified cosine, binarised at ``threshold``, row-normalised by degree,
    and the scores the power method's vector (stopping when the step is under ``epsilon``).
    """
    n = len(sentence_terms)
    counts = _term_counts(sentence_terms)
    if counts is None:  # no sentences, or none with a content word: all equally central
        return np.full(n, 1.0 / n) if n else np.zeros(0)
    row_max = counts.max(axis=1).toarray().ravel()
    row_max[row_max == 0] = 1.0
    tf = diags(1.0 / row_max) @ counts
    df = np.asarray((counts > 0).sum(axis=0)).ravel()
    idf = np.log(n / (1.0 + df))
    weighted = tf @ diags(idf)
    numerator = (tf @ diags(idf**2) @ tf.T).toarray()
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


def centrality(sentence_terms: Sequence[Sequence[str]], damping: float = 0.85) -> np.ndarray:
    """Continuous LexRank: PageRank over the sentences' idf-weighted cosine similarities.

    Unlike the thresholded LexRank above, every similarity counts with its strength, so a sentence
    that shares a little with many others still gains; the idf (over the sentences) keeps words
    that every sentence uses from making everything alike. Self-similarity does not count.
    """
    n = len(sentence_terms)
    counts = _term_counts(sentence_terms)
    if counts is None:  # no sentences, or none with a content word: all equally central
        return np.full(n, 1.0 / n) if n else np.zeros(0)
    df = np.asarray((counts > 0).sum(axis=0)).ravel()
    weighted = normalize(csr_matrix(counts) @ diags(np.log(n / df) + 1.0))
    similar = (weighted @ weighted.T).toarray()
    np.fill_diagonal(similar, 0.0)
    degree = similar.sum(axis=1)
    # A sentence that shares nothing with the others links to all of them evenly.
    transition = np.where(degree[:, None] > 0, similar / np.where(degree > 0, degree, 1.0)[:, None], 1.0 / n)
    rank = np.full(n, 1.0 / n)
    for _ in range(200):
        following = (1.0 - damping) / n + damping * (transition.T @ rank)
        done = np.abs(following - rank).sum() < 1e-9
        rank = following
        if done:
            break
    return rank


def _quote_terms(text: str) -> set[str]:
    return {t for quote in _QUOTED.findall(text) for t in content_terms(quote)}


def same_claim(texts: Sequence[str], units: Sequence[str], min_shared: int = 4, min_ratio: float = 0.6) -> np.ndarray:
    """Boolean matrix: does ``units[j]`` state what ``texts[i]`` states?

    Yes when the two share at least ``min_shared`` content words covering ``min_ratio`` of the
    shorter one, or when both quote the same words (four content words or more).
    """
    if not texts or not units:
        return np.zeros((len(texts), len(units)), dtype=bool)
    vectorizer = CountVectorizer(analyzer=lambda text: sorted(set(content_terms(text))), binary=True)
    try:
        unit_matrix = vectorizer.fit_transform(list(units))
    except ValueError:  # no content words anywhere: nothing can state the same fact
        return np.zeros((len(texts), len(units)), dtype=bool)
    text_matrix = vectorizer.transform(list(texts))
    shared = (text_matrix @ unit_matrix.T).toarray()
    text_size = np.asarray(text_matrix.sum(axis=1)).ravel()
    unit_size = np.asarray(unit_matrix.sum(axis=1)).ravel()
    smaller = np.minimum(text_size[:, None], unit_size[None, :])
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(smaller > 0, shared / smaller, 0.0)
    match = (shared >= min_shared) & (ratio >= min_ratio)
    unit_quotes = [_quote_terms(unit) for unit in units]
    for i, text in enumerate(texts):
        quoted = _quote_terms(text)
        if len(quoted) < 4:
            continue
        for j, other in enumerate(unit_quotes):
            if len(other) >= 4 and len(quoted & other) >= 0.8 * min(len(quoted), len(other)):
                match[i, j] = True
    return match


def supporting_articles(chosen: Sequence[str], articles: Sequence[Article]) -> list[set[int]]:
    """For each chosen sentence, the indexes of the articles that state it.

    Each sentence of each article is compared, and so is each pair of adjacent sentences, since
    outlets split the same words into sentences differently.
    """
    units: list[str] = []
    owner: list[int] = []
    for number, article in enumerate(articles):
        sentences = article.sentences
        for i, sentence in enumerate(sentences):
            units.append(sentence)
            owner.append(number)
            if i + 1 < len(sentences):
                units.append(f"{sentence} {sentences[i + 1]}")
                owner.append(number)
    # Looser than the redundancy test: another outlet's wording of a fact shares fewer words.
    match = same_claim(chosen, units, min_shared=3, min_ratio=0.4)
    owners = np.asarray(owner)
    return [set(owners[np.flatnonzero(row)].tolist()) for row in match]


# At most this many sentences of a story are ranked (the pairwise matrices grow with its square).
MAX_CANDIDATES = 1500


def _candidates(articles: Sequence[Article]) -> list[Candidate]:
    """Sentences that may go into a summary: those usable alone, and those usable after their predecessor."""
    candidates: list[Candidate] = []
    for a, article in enumerate(articles):
        previous: int | None = None  # candidate number of the sentence before, if it is one
        for i, sentence in enumerate(article.sentences):
            if usable(sentence):
                candidates.append(Candidate(a, i, sentence))
            elif previous is not None and continues(sentence):
                candidates.append(Candidate(a, i, sentence, after=previous))
            else:
                previous = None
                continue
            previous = len(candidates) - 1
    if sum(c.after is None for c in candidates) < 2:  # nothing passes the filters: fall back to the leads
        candidates = [Candidate(a, i, s) for a, art in enumerate(articles) for i, s in enumerate(art.sentences[:3])]
    if len(candidates) > MAX_CANDIDATES:
        # Ranking compares every pair of candidates: a giant story (or one endless article) keeps
        # the sentences nearest the top of each article, where news puts what matters.
        cutoff = sorted(c.index for c in candidates)[MAX_CANDIDATES]
        kept = [number for number, c in enumerate(candidates) if c.index < cutoff]
        renumber = {old: new for new, old in enumerate(kept)}  # a kept sentence's predecessor is kept too
        candidates = [
            Candidate(c.article, c.index, c.text, None if c.after is None else renumber[c.after])
            for c in (candidates[number] for number in kept)
        ]
    return candidates


def summarize(articles: Sequence[Article], max_words: int = 120, lam: float = 0.7) -> tuple[SummarySentence, ...]:
    """The cited summary of one story (its articles, in any order)."""
    candidates = _candidates(articles)
    if not candidates:
        return ()
    terms = [content_terms(c.text) for c in candidates]
    central = centrality(terms)
    central = central / (central.max() or 1.0)
    position = np.array([1.0 / (1.0 + 0.25 * c.index) for c in candidates])
    texts = [c.text for c in candidates]
    support = supporting_articles(texts, articles) if len(articles) > 1 else [{c.article} for c in candidates]
    agreement = np.array([len(s | {c.article}) for s, c in zip(support, candidates, strict=True)], dtype=float)
    agreement = (agreement - 1.0) / max(1.0, len(articles) - 1.0)
    score = WEIGHTS[0] * central + WEIGHTS[1] * position + WEIGHTS[2] * agreement
    try:
        vectors = normalize(TfidfVectorizer(analyzer=lambda t: t).fit_transform(terms))
        similar = (vectors @ vectors.T).toarray()
    except ValueError:
        similar = np.eye(len(candidates))
    # Two versions of one fact (different outlets' wording) count as fully redundant.
    similar = np.maximum(similar, same_claim(texts, texts).astype(float))
    chosen: list[int] = []
    budget = 0
    # A sentence that needs the one before it becomes available once that one is chosen.
    available = np.array([c.after is None for c in candidates])
    followers: dict[int, list[int]] = {}
    for k, c in enumerate(candidates):
        if c.after is not None:
            followers.setdefault(c.after, []).append(k)
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
        available[followers.get(pick, [])] = True
        budget += length
        if budget >= max_words:
            break
    # Reading order: the lead first, then by place in the article; a sentence that needs the one
    # before it comes right after that one.
    picked = set(chosen)
    ordered: list[int] = []
    for k in sorted((k for k in chosen if candidates[k].after is None), key=lambda k: (candidates[k].index, -score[k])):
        ordered.append(k)
        while following := [f for f in followers.get(ordered[-1], []) if f in picked]:
            ordered.append(following[0])
    result = []
    for k in ordered:
        candidate = candidates[k]
        own = articles[candidate.article].id
        others = [articles[j].id for j in sorted(support[k]) if j != candidate.article]
        result.append(SummarySentence(text=candidate.text, citations=(own, *others), article_id=own))
    return tuple(result)
