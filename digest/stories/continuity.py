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

from ..models import Article, Continuation, Story
from ..store import EditionRecord, Store
from .cluster import ClusterParams, similarity, vectors

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
) -> list[EarlierStory]:
    """The stories of up to ``back`` editions before ``before`` (newest first), as the store keeps them.

    Editions older than ``window_days`` (the clustering's date window by default) are not read:
    their articles could not link to new ones anyway.
    """
    window = ClusterParams().date_window_days if window_days is None else window_days
    dates = sorted((e.date for e in editions if e.date < before.isoformat()), reverse=True)[:back]
    found: list[EarlierStory] = []
    for day in dates:
        if (before - Date.fromisoformat(day)).days > window:
            break
        for story in store.edition_stories(day):
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
    owner = np.array(
        [i for i, s in enumerate(stories) for _ in s.articles] + [-1] * sum(len(e.articles) for e in earlier)
    )
    old_owner = np.array(
        [-1] * sum(len(s.articles) for s in stories) + [j for j, e in enumerate(earlier) for _ in e.articles]
    )
    sim = similarity(articles, vectors(articles, params), params).toarray()
    sums = np.zeros((len(stories), len(earlier)))
    new_rows, old_cols = np.flatnonzero(owner >= 0), np.flatnonzero(old_owner >= 0)
    block = sim[np.ix_(new_rows, old_cols)]
    np.add.at(sums, (owner[new_rows][:, None], old_owner[old_cols][None, :]), block)
    sizes = np.outer([len(s.articles) for s in stories], [len(e.articles) for e in earlier])
    average = sums / sizes
    published = {a.id for e in earlier for a in e.articles}
    result = []
    for i, story in enumerate(stories):
        matches = [int(j) for j in np.flatnonzero(average[i] >= params.threshold)]
        if not matches or {a.id for a in story.articles} <= published:
            result.append(story)
            continue
        latest = max(earlier[j].date for j in matches)
        best = max((j for j in matches if earlier[j].date == latest), key=lambda j: average[i, j])
        since = min(earlier[j].since for j in matches)
        link = earlier[best]
        result.append(replace(story, continues=Continuation(link.date, link.id, link.title, since)))
    return result
