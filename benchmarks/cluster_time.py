"""Seconds that the edition's grouping stage takes on a synthetic inbox, without the rest of the edition.

    python benchmarks/cluster_time.py [--size 10000] [--repeat 3]

The inbox is ``benchmarks/corpus.py``'s (the one ``speed.py`` uses); it is read once into a store
kept in the corpus cache, and its articles for the edition are pickled there, so later runs only
cluster. Each repeat runs what ``pipeline._grouping`` runs (vectors, stories, topics); the best time
of the repeats is printed, with the number of stories and topics.
"""

from __future__ import annotations

import argparse
import logging
import pickle
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # measure this checkout's digest

import corpus

from digest.models import Article

EDITION = date(2026, 11, 23)


def articles_of(size: int) -> list[Article]:
    """The articles of the ``size`` inbox's edition, read once and then kept as a pickle."""
    from digest.config import Settings
    from digest.pipeline import features_version, scan_inbox
    from digest.store import Store

    cache = corpus.DEFAULT_CACHE / f"cluster-time-{size}-v{corpus.VERSION}-{features_version()}.pickle"
    if cache.exists():
        return list(pickle.loads(cache.read_bytes()))
    inbox = corpus.build(size)
    work = corpus.DEFAULT_CACHE / f"cluster-time-{size}-work"
    settings = Settings(inbox=inbox, output=work / "output", timezone="UTC", pdf=False)
    work.mkdir(parents=True, exist_ok=True)
    with Store(settings.store_path) as store:
        scan_inbox(settings, store, lambda: datetime(2026, 11, 23, 7, 0, tzinfo=UTC))
        articles = store.articles_for_edition(EDITION.isoformat(), None, features_version())
    cache.write_bytes(pickle.dumps(articles))
    return list(articles)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    articles = articles_of(args.size)
    from digest.stories import cluster as clustering

    best = float("inf")
    stories = topics = 0
    for _ in range(args.repeat):
        started = time.perf_counter()
        params = clustering.ClusterParams()
        matrix = clustering.vectors(articles, params)
        groups = clustering.cluster(articles, params, matrix)
        topics = len(clustering.topics(articles, matrix, groups, params))
        best = min(best, time.perf_counter() - started)
        stories = len(groups)
    print(f"{len(articles)} articles: {stories} stories, {topics} topics; grouping {best:.2f} s, best of {args.repeat}")


if __name__ == "__main__":
    main()
