"""Continuing stories: a story of this edition that carries on one from an earlier edition.

A story continues an earlier one when its new articles would have joined that story had they
arrived together: the average similarity between the two stories' articles (the clustering's
own vectors, date window and threshold, from :mod:`digest.stories.cluster`) reaches the threshold that
joins articles into one story. The earlier stories are the last few editions' stories, as the
store keeps them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date as Date

import numpy as np
from scipy.sparse import csr_matrix

from ..cores import map_in_threads, usable_cores
from ..models import Article, Continuation, Story
from ..store import EditionRecord, Store
from .cluster import ClusterParams, vectors
from .cluster import _day_numbers as day_numbers

log = logging.getLogger(__name__)

# How far back to look: the last few editions, none older than the clustering's date window allows.
EDITIONS_BACK = 7


@dataclass(frozen=True)
class EarlierStory:
    """A story as an earlier edition published it."""

    date: str
    id: str
    title: str
    articles: tuple[Article, ...]
    since: str  # the first edition of its chain (its own date unless it continued another)


def earlier_stories(
    store: Store,
    editions: Sequence[EditionRecord],
    before: Date,
    *,
    back: int = EDITIONS_BACK,
    window_days: int | None = None,
    features: str = "",
) -> list[EarlierStory]:
    """The stories of up to ``back`` editions before ``before`` (newest first), as the store keeps them,
    their articles with the features stored at ingestion when ``features`` names the version that made them.

    Editions older than ``window_days`` (the clustering's date window by default) are not read:
    their articles could not link to new ones anyway.
    """
    window = ClusterParams().date_window_days if window_days is None else window_days
    dates = sorted((e.date for e in editions if e.date < before.isoformat()), reverse=True)[:back]
    found: list[EarlierStory] = []
    for day in dates:
        if (before - Date.fromisoformat(day)).days > window:
            break
        for story in store.edition_stories(day, features, text=False):
            since = story.continues.since if story.continues else day
            if story.articles:
                found.append(EarlierStory(day, story.id, story.title, story.articles, since))
    return found


def mark_continuing(
    stories: Sequence[Story], earlier: Sequence[EarlierStory], params: ClusterParams | None = None
) -> list[Story]:
    """The stories, each with ``continues`` set when it carries on an earlier edition's story.

    Of the earlier stories it matches, the one of the latest edition is linked (the best match
    within that edition); ``since`` is the earliest date among all matched stories' chains. A
    story made only of articles earlier editions already had (a re-run with ``--all``) brings
    nothing new and is not a continuation.
    """
    params = params or ClusterParams()
    if not stories or not earlier:
        return list(stories)
    articles = [a for s in stories for a in s.articles] + [a for e in earlier for a in e.articles]
    owner = [i for i, s in enumerate(stories) for _ in s.articles]
    owner += [len(stories) + j for j, e in enumerate(earlier) for _ in e.articles]
    average = _average_similarity(articles, np.array(owner), len(stories), len(earlier), params)
    published = {a.id for e in earlier for a in e.articles}
    result = []
    for i, story in enumerate(stories):
        matches = list(average[i])
        if not matches or {a.id for a in story.articles} <= published:
            result.append(story)
            continue
        latest = max(earlier[j].date for j in matches)
        best = max((j for j in matches if earlier[j].date == latest), key=lambda j: average[i][j])
        since = min(earlier[j].since for j in matches)
        link = earlier[best]
        result.append(replace(story, continues=Continuation(link.date, link.id, link.title, since)))
    return result


def _average_similarity(
    articles: Sequence[Article], owner: np.ndarray, new: int, old: int, params: ClusterParams, block: int = 256
) -> list[dict[int, float]]:
    """For each of ``new`` stories, the earlier stories (of ``old``) whose average similarity with it
    reaches the threshold, with that average. ``owner`` gives each article's story: 0..new-1 for the
    new stories (their articles first, story by story), new.. for the earlier ones.

    The sum of the similarities between two stories' articles is the dot product of their vector sums,
    save for the pairs that :func:`similarity` rules out by date. So articles are summed by story and
    day of publication (articles of unknown date apart), and the sums of a few new stories at a time are
    multiplied with those of every earlier story: memory and time grow with the stories and their days,
    never with the square of the articles (tens of thousands when the editions before were large).
    """
    matrix = vectors(articles, params)
    days = day_numbers(articles)
    keys: dict[tuple[int, float | None], int] = {}
    group = np.array(
        [
            keys.setdefault((int(o), None if np.isnan(d) else float(d)), len(keys))
            for o, d in zip(owner, days, strict=True)
        ]
    )
    group_owner = np.array([o for o, _ in keys], dtype=np.int64)
    group_day = np.array([np.nan if d is None else d for _, d in keys])
    sums = csr_matrix((np.ones(len(articles)), (group, np.arange(len(articles)))), shape=(len(keys), len(articles)))
    sums = (sums @ matrix).tocsr()
    old_groups = np.flatnonzero(group_owner >= new)
    old_sums = sums[old_groups].T.tocsr()
    to_old_story = csr_matrix(
        (np.ones(len(old_groups)), (np.arange(len(old_groups)), group_owner[old_groups] - new)),
        shape=(len(old_groups), old),
    )
    sizes = np.bincount(owner, minlength=new + old).astype(float)
    found: list[dict[int, float]] = [{} for _ in range(new)]
    new_groups = np.flatnonzero(group_owner < new)  # in story order: the new articles come first, by story
    # The blocks' products share the cores as threads (scipy multiplies without holding the GIL),
    # each block smaller so that the products held at once take the memory one block did.
    block = -(-block // usable_cores())
    spans = []
    first = 0
    while first < len(new_groups):
        last = min(first + block, len(new_groups))
        while last < len(new_groups) and group_owner[new_groups[last]] == group_owner[new_groups[last - 1]]:
            last += 1  # all of a story's groups in one block
        spans.append(new_groups[first:last])
        first = last

    def averages(rows: np.ndarray) -> list[tuple[int, dict[int, float]]]:
        product = (sums[rows] @ old_sums).toarray()
        product[np.abs(group_day[rows][:, None] - group_day[old_groups][None, :]) > params.date_window_days] = 0.0
        by_story = np.asarray((to_old_story.T @ product.T).T)  # rows: groups of new stories; columns: old stories
        stories = group_owner[rows]
        out = []
        for i in np.unique(stories):
            total = by_story[stories == i].sum(axis=0) / (sizes[i] * sizes[new:])
            out.append((int(i), {int(j): float(total[j]) for j in np.flatnonzero(total >= params.threshold)}))
        return out

    for part in map_in_threads(averages, spans):
        for i, matches in part:
            found[i] = matches
    return found
