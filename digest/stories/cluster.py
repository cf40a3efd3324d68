"""Story clustering: articles about the same real-world event end up in one story.

Each article is a vector of two parts: TF-IDF over stemmed content words (what it is about) and
TF-IDF over names and numbers — people, places, organisations, years, counts — which tell two
events of the same kind apart. Article pairs whose publication dates are far apart cannot link.
Pairs are found with one sparse matrix product; groups come from average-linkage clustering
inside each connected component of the similarity graph, so no pair loop runs in Python.
Near-duplicate copies are always kept together.
"""

from __future__ import annotations

import contextlib
import logging
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse import csr_matrix, hstack
from scipy.sparse.csgraph import connected_components
from scipy.spatial.distance import squareform
from sklearn.preprocessing import normalize
from wordfreq import get_frequency_dict, zipf_frequency

from ..cores import map_in_threads, usable_cores
from ..errors import plural
from ..models import Article
from ..text.counting import count_matrix
from ..text.features import article_entities
from ..text.segment import content_terms
from .dedupe import duplicate_groups

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClusterParams:
    threshold: float = 0.21  # average similarity needed to join a story (chosen on ECB+, see benchmarks/)
    entity_weight: float = 1.0  # weight of the names-and-numbers block against the words block
    date_window_days: int = 14  # known publication dates further apart than this never link
    lead_sentences: int = 5  # sentences at the top of an article count twice
    # Articles grouped at once by average linkage, which needs their n × n similarities in memory
    # (4,000 take about 0.4 GB); a larger connected group is split first (see _pieces).
    max_component: int = 4000
    # Topics gather stories whose centroids are this alike and that share main names worth this much
    # (see _main_names; 1.0 is about one name rare in the inbox and in English). Chosen on calibration halves.
    topic_threshold: float = 0.08
    topic_names: float = 1.0
    # ... and whose subjects (their words without the names' words, see _subject_vectors) are this alike:
    # stories of one town (a rail crash, a cup final) share names but not a subject. 0.10 costs the BBC
    # calibration half 0.009 of F1 (0.897 -> 0.888) and parts the newsroom inbox's town stories.
    topic_subject: float = 0.10
    main_share: float = 0.5  # a name is one of a story's main names when this share of its articles use it


_PLAIN_WORD = re.compile(r"[a-z]+|[a-z]{2,}'s")


@lru_cache(maxsize=1)
def _english_frequencies() -> dict[str, float]:
    return get_frequency_dict("en", "best")


def _plain(word: str) -> bool:
    """Whether wordfreq's English tokenizer keeps ``word`` as it is, one token: lower-case letters
    of the Latin, Greek or Cyrillic scripts, or an ASCII word with 's (but not l'art, d'or)."""
    if _PLAIN_WORD.fullmatch(word):
        return True
    return (
        word.isalpha()
        and all(char < "\u0530" for char in word)
        and word.casefold() == word
        and unicodedata.is_normalized("NFC", word)
    )


def _word_zipf(word: str) -> float:
    """``zipf_frequency(word, "en")``, without wordfreq's tokenizer for plain lower-case words.

    Such a word is its own single token, so its frequency is a dictionary look-up, rounded the
    way wordfreq rounds it (3 significant digits, then Zipf to 2 decimals).
    """
    if not _plain(word):
        return zipf_frequency(word, "en")
    found = _english_frequencies().get(word)
    if found is None:
        return 0.0  # below the default minimum: wordfreq's Zipf 0
    freq = 1.0 / (1.0 / found)
    freq = round(freq, math.floor(-math.log(freq, 10)) + 3)
    return round(math.log(freq, 10) + 9.0, 2)


_ENDINGS = ("", "e", "s", "ed", "ing", "ion", "y", "er")


@lru_cache(maxsize=500_000)
def _zipf(word: str) -> float:
    """Zipf frequency of a word, or of the commonest word a stem comes from."""
    if not _plain(word):
        return max(_word_zipf(word + ending) for ending in _ENDINGS)
    # Every ending keeps a plain word plain, and Zipf grows with frequency: look up the
    # commonest form, then convert that one.
    frequencies = _english_frequencies()
    best = max(((frequencies.get(word + ending, 0.0), ending) for ending in _ENDINGS), key=lambda pair: pair[0])
    return _word_zipf(word + best[1]) if best[0] > 0 else 0.0


def rarity(features: Sequence[str]) -> np.ndarray:
    """How rare each feature's word is in general English (wordfreq), from 0.1 to 1.

    A small inbox cannot tell by itself that "officials" says less than "Ghaani": this weight
    brings in what a large background corpus knows about each word. Numbers and dates keep their
    full weight: how often "250" or "oct-10" occurs in general English says nothing about how
    much two articles citing the same count or day have in common.
    """
    weights = np.empty(len(features))
    for index, feature in enumerate(features):
        if feature[:2] in ("n:", "d:"):
            weights[index] = 1.0
            continue
        word = feature.split(":", 1)[-1]
        zipf = max((_zipf(part) for part in word.split()), default=0.0)
        weights[index] = max(0.1, (8.0 - zipf) / 8.0)
    return weights


def _lexical_text(article: Article, params: ClusterParams) -> list[str]:
    if article.terms is not None:  # the sentences' words, stored at ingestion; no word spans a space
        title_terms = content_terms(article.title or "")
        lead_terms = [t for terms in article.terms[: params.lead_sentences] for t in terms]
        body_terms = [t for terms in article.terms for t in terms]
        return title_terms + title_terms + content_terms(article.dek or "") + lead_terms + body_terms
    lead = " ".join(article.sentences[: params.lead_sentences])
    title = article.title or ""
    return content_terms(f"{title} {title} {article.dek or ''} {lead} {' '.join(article.sentences)}")


def _entity_text(article: Article, lead: int = 3, boost: int = 2) -> list[str]:
    """Names in the title and lead count ``boost`` extra times: they say whose story it is."""
    if article.entities is not None and (lead, boost) == (3, 2):  # stored at ingestion
        return list(article.entities)
    return article_entities(article, lead, boost)


def _tfidf(docs: Sequence[Sequence[str]]) -> tuple[csr_matrix, list[str]]:
    """TF-IDF rows of ``docs`` (lists of features) and the features, in sorted order: what
    scikit-learn's TfidfVectorizer(sublinear_tf=True) makes, counted straight from the lists."""
    counts, features = count_matrix(docs, sort=True)
    df = np.bincount(counts.indices, minlength=len(features))
    idf = np.log((len(docs) + 1.0) / (df + 1.0)) + 1.0
    counts.data = (np.log(counts.data) + 1.0) * idf[counts.indices]
    return normalize(counts), features


def vectors(articles: Sequence[Article], params: ClusterParams) -> csr_matrix:
    """Row-normalised article vectors (words block and names block side by side)."""
    blocks = []
    for features_of, weight in ((lambda a: _lexical_text(a, params), 1.0), (_entity_text, params.entity_weight)):
        block, features = _tfidf([features_of(a) for a in articles])
        if not features:  # no features at all (e.g. no names anywhere)
            continue
        block.data *= rarity(features)[block.indices]
        blocks.append(normalize(block) * weight)
    if not blocks:
        return csr_matrix((len(articles), 1))
    return normalize(hstack(blocks).tocsr())


def _day_numbers(articles: Sequence[Article]) -> np.ndarray:
    days = np.full(len(articles), np.nan)
    for index, article in enumerate(articles):
        if article.published:
            with contextlib.suppress(ValueError):
                days[index] = date.fromisoformat(article.published[:10]).toordinal()
    return days


def similarity(articles: Sequence[Article], matrix: csr_matrix, params: ClusterParams) -> csr_matrix:
    """Sparse article-by-article similarity of ``vectors``, zero where dates rule a link out."""
    sim = (matrix @ matrix.T).tocoo()
    days = _day_numbers(articles)
    gap = np.abs(days[sim.row] - days[sim.col])
    keep = ~(gap > params.date_window_days)  # NaN (unknown date) compares False: kept
    return csr_matrix((sim.data[keep], (sim.row[keep], sim.col[keep])), shape=sim.shape)


def _pairs_above(
    matrix: csr_matrix, bar: float, days: np.ndarray | None = None, window: float = 0, block: int = 1000
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row pairs (i < j) whose vectors' dot product is at least ``bar``, and those products; with
    ``days``, only pairs no more than ``window`` days apart (an unknown day rules nothing out).

    Article vectors share common words, so the all-pairs product is nearly dense: it is made a
    block of rows at a time, against the rows after the block only (the product is symmetric),
    and only the pairs above the bar are kept, so memory stays linear.
    """
    n = matrix.shape[0]
    transposed = matrix.T.tocsr()
    # scipy multiplies sparse matrices without holding the GIL: the blocks share the cores as threads,
    # each block smaller so that the products held at once take the memory one block did.
    block = -(-block // usable_cores())

    def pairs_of_block(start: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        part = csr_matrix(matrix[start : start + block] @ transposed[:, start:])
        hit = np.flatnonzero(part.data >= bar)
        row = np.searchsorted(part.indptr, hit, side="right") - 1 + start
        col = part.indices[hit].astype(np.int64) + start
        keep = row < col
        if days is not None:
            keep &= ~(np.abs(days[row] - days[col]) > window)  # NaN (unknown) compares False: kept
        return row[keep], col[keep], part.data[hit][keep]

    found = map_in_threads(pairs_of_block, range(0, n, block))
    empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))
    rows, cols, values = zip(empty, *found, strict=True)
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(values)


def cluster(
    articles: Sequence[Article], params: ClusterParams | None = None, matrix: csr_matrix | None = None
) -> list[list[int]]:
    """Group article indexes into stories; biggest stories first, each story in input order.

    ``matrix`` is ``vectors(articles, params)`` when the caller already has it.
    """
    params = params or ClusterParams()
    if not articles:
        return []
    if matrix is None:
        matrix = vectors(articles, params)
    days = _day_numbers(articles)
    copies = duplicate_groups(articles)
    # Average linkage joins two groups only when their average similarity reaches the threshold,
    # so only when some pair across them does: no story spans two components of the graph of
    # such pairs (copies count as alike), and each component can be clustered on its own.
    linked, to, alike = _pairs_above(matrix, params.threshold - 1e-9, days, params.date_window_days)
    first_copy = np.unique(copies, return_index=True)[1][copies]
    edges = (np.concatenate([linked, np.arange(len(copies))]), np.concatenate([to, first_copy]))
    weights = np.concatenate([alike, np.ones(len(copies))])  # a copy is as alike as can be
    graph = csr_matrix((weights, edges), shape=(len(articles), len(articles)))
    _, component = connected_components(graph, directed=False)
    groups: list[list[int]] = []
    for label in np.unique(component):
        members = np.flatnonzero(component == label)
        if len(members) == 1:
            groups.append([int(members[0])])
            continue
        for piece, link in _pieces(members, graph, params):
            if len(piece) == 1 or not link:
                groups.append([int(i) for i in piece])
                continue
            labels = _average_linkage(matrix, piece, days, copies, params)
            for value in np.unique(labels):
                groups.append([int(i) for i in piece[labels == value]])
    groups.sort(key=lambda g: (-len(g), g[0]))
    return groups


def _average_linkage(
    matrix: csr_matrix, members: np.ndarray, days: np.ndarray, copies: np.ndarray, params: ClusterParams
) -> np.ndarray:
    """Story labels of ``members`` by average linkage of their dense similarities."""
    # The same sums as in the all-pairs product, row by row, for these articles only.
    rows = matrix[members]
    sub = (rows @ rows.T).toarray()
    sub[np.abs(days[members][:, None] - days[members][None, :]) > params.date_window_days] = 0.0
    same_copy = copies[members][:, None] == copies[members][None, :]
    sub[same_copy] = 1.0
    np.fill_diagonal(sub, 1.0)
    distance = np.clip(np.subtract(1.0, sub, out=sub), 0.0, 1.0, out=sub)  # in place: n × n is the big part
    tree = linkage(squareform(distance, checks=False), method="average")
    return np.asarray(fcluster(tree, t=1.0 - params.threshold, criterion="distance"))


def _pieces(
    members: np.ndarray, graph: csr_matrix, params: ClusterParams, bar: float | None = None
) -> list[tuple[np.ndarray, bool]]:
    """One connected component in pieces of at most ``params.max_component`` articles, each with
    whether it is to be clustered (else it is one story as it is).

    A larger component is cut into the connected components of a stricter graph: only pairs
    halfway from the bar to 1 alike stay linked. A piece still too large is cut again, halfway
    again, up to a bar of 0.99; a piece that is still larger than the limit then is held together
    by chains of near-identical articles, and is one story without further clustering. Memory
    stays bounded whatever the input; the price is that two pieces can no longer join.
    """
    done: list[tuple[np.ndarray, bool]] = []
    todo = [(members, params.threshold if bar is None else bar)]
    while todo:
        part, bar = todo.pop()
        if len(part) <= params.max_component:
            done.append((part, True))
            continue
        stricter = 1.0 - (1.0 - bar) / 2
        if stricter > 0.99:
            log.warning(
                "%d articles are all linked by near-identical pairs, more than the %d grouped at once; "
                "they are kept together as one story",
                len(part),
                params.max_component,
            )
            done.append((part, False))
            continue
        sub = graph[part][:, part]
        sub.data[sub.data < stricter - 1e-9] = 0.0
        sub.eliminate_zeros()
        count, label = connected_components(sub, directed=False)
        log.warning(
            "%d articles are linked into one group, more than the %d grouped at once; split where articles "
            "are at least %.2f alike, into %s",
            len(part),
            params.max_component,
            stricter,
            plural(count, "part"),
        )
        ends = np.cumsum(np.bincount(label, minlength=count))[:-1]
        todo.extend((piece, stricter) for piece in np.split(part[np.argsort(label, kind="stable")], ends))
    return done


def _centroids(matrix: csr_matrix, groups: Sequence[Sequence[int]]) -> csr_matrix:
    """One row per group: the mean of its members' rows of ``matrix``, normalised."""
    return csr_matrix(normalize(_membership(groups, matrix.shape[0]) @ matrix))


def _membership(groups: Sequence[Sequence[int]], n: int) -> csr_matrix:
    """Group-by-article matrix of 1 / group size: its product with article rows averages each group's rows."""
    member_rows = np.concatenate([np.asarray(g, dtype=np.int64) for g in groups])
    group_of = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
    weights = np.repeat([1.0 / len(g) for g in groups], [len(g) for g in groups])
    return csr_matrix((weights, (group_of, member_rows)), shape=(len(groups), n))


def _main_names(articles: Sequence[Article], groups: Sequence[Sequence[int]], share: float) -> csr_matrix:
    """One row per group over the inbox's names: the square root of a name's weight where at least
    ``share`` of the group's articles use it (its main names), else 0. A name's weight, from 0 to 1,
    is how rare it is in the inbox (idf over the largest idf) times how rare in English (``rarity``),
    so the product of two rows is the weight of the main names two groups share: high for the same
    people, organisations and places, low for two events of one kind with other people."""
    names, features = count_matrix(
        ([f for f in set(_entity_text(a)) if f.startswith("e:")] for a in articles), sort=True
    )
    if not features:
        return csr_matrix((len(groups), 1))
    df = np.bincount(names.indices, minlength=len(features))
    idf = np.log((len(articles) + 1.0) / (df + 1.0)) + 1.0
    weight = np.sqrt(idf / idf.max() * rarity(features))
    shares = csr_matrix(_membership(groups, len(articles)) @ names)  # share of a group's articles using each name
    shares.data = np.where(shares.data >= share - 1e-9, weight[shares.indices], 0.0)
    shares.eliminate_zeros()
    return shares


def _group_days(days: np.ndarray, groups: Sequence[Sequence[int]]) -> np.ndarray:
    """The middle known publication day of each group (NaN when none is known)."""
    middle = np.full(len(groups), np.nan)
    for k, group in enumerate(groups):
        known = days[np.asarray(group)]
        known = known[~np.isnan(known)]
        if len(known):
            middle[k] = float(np.median(known))
    return middle


def _join(
    articles: Sequence[Article],
    matrix: csr_matrix,
    groups: Sequence[Sequence[int]],
    bar: float,
    name_bar: float,
    params: ClusterParams,
    window: float,
) -> list[list[int]]:
    """Groups of ``groups`` (as their indexes): average linkage over the groups' centroids, where
    two groups count as alike only when they also share their main names (``name_bar``) and their
    middle days are at most ``window`` days apart; cut at ``bar``. Singles come back alone."""
    if len(groups) < 2:
        return [[k] for k in range(len(groups))]
    centroids = _centroids(matrix, groups)
    names = _main_names(articles, groups, params.main_share)
    days = _group_days(_day_numbers(articles), groups)
    first, second, alike = _pairs_above(centroids, bar - 1e-9, days, window)
    shared = np.asarray(names[first].multiply(names[second]).sum(axis=1)).ravel()
    keep = shared >= name_bar - 1e-9
    graph = csr_matrix((alike[keep], (first[keep], second[keep])), shape=(len(groups), len(groups)))
    _, component = connected_components(graph, directed=False)
    joined: list[list[int]] = []
    for label in np.unique(component):
        members = np.flatnonzero(component == label)
        if len(members) == 1:
            joined.append([int(members[0])])
            continue
        for piece, link in _pieces(members, graph + graph.T, params, bar):
            if len(piece) == 1 or not link:
                joined.append([int(k) for k in piece])
                continue
            rows, own_names = centroids[piece], names[piece]
            sub = (rows @ rows.T).toarray()
            sub[(own_names @ own_names.T).toarray() < name_bar - 1e-9] = 0.0
            sub[np.abs(days[piece][:, None] - days[piece][None, :]) > window] = 0.0
            np.fill_diagonal(sub, 1.0)
            distance = np.clip(np.subtract(1.0, sub, out=sub), 0.0, 1.0, out=sub)
            labels = fcluster(linkage(squareform(distance, checks=False), method="average"), 1.0 - bar, "distance")
            for value in np.unique(labels):
                joined.append([int(k) for k in piece[labels == value]])
    return joined


def _subject_vectors(articles: Sequence[Article], params: ClusterParams) -> csr_matrix:
    """Row-normalised TF-IDF of each article's words without the words of its names: what it is
    about (rates, inflation, a central bank) rather than where and who (Northland, its governor)."""
    docs = []
    for article in articles:
        named = {f[2:] for f in _entity_text(article) if f.startswith("e:")}
        docs.append([t for t in _lexical_text(article, params) if t not in named])
    block, features = _tfidf(docs)
    if not features:
        return csr_matrix((len(articles), 1))
    block.data *= rarity(features)[block.indices]
    return normalize(block)


def topics(
    articles: Sequence[Article],
    matrix: csr_matrix,
    groups: Sequence[Sequence[int]],
    params: ClusterParams | None = None,
) -> list[list[int]]:
    """Stories (indexes into ``groups``) gathered into topics: stories of one broad subject whose
    centroids are ``params.topic_threshold`` alike and that share main names. Every story is in
    exactly one topic; biggest topics (in articles) first, each topic's stories in the given order."""
    params = params or ClusterParams()
    joined = _join(articles, matrix, groups, params.topic_threshold, params.topic_names, params, math.inf)
    if params.topic_subject and any(len(t) > 1 for t in joined):
        # stories that share names but not a subject (a cup final and a rail crash in one town) part
        subject = _centroids(_subject_vectors(articles, params), groups)
        parted: list[list[int]] = []
        for topic in joined:
            if len(topic) == 1:
                parted.append(topic)
                continue
            rows = subject[topic]
            alike = csr_matrix((rows @ rows.T).toarray() >= params.topic_subject)
            _, part = connected_components(alike, directed=False)
            parted += [[topic[k] for k in np.flatnonzero(part == label)] for label in np.unique(part)]
        joined = parted
    for topic in joined:
        topic.sort()
    joined.sort(key=lambda t: (-sum(len(groups[k]) for k in t), -len(t), t[0]))
    return joined
