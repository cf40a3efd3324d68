"""Seconds that the edition's summaries take on a synthetic inbox, in one process, without the rest.

    python benchmarks/summary_time.py [--size 10000] [--repeat 1] [--words 120]

The articles are ``cluster_time.py``'s (``benchmarks/corpus.py``'s inbox, read once and pickled);
they are grouped into stories as the edition groups them, then every story is summarised with
``digest.summaries.summarize.summarize`` in this one process (the edition spreads the stories over workers).
Printed: the number of stories, of summary sentences and of citations, and the best time of the
repeats (each repeat starts with the claim matcher's caches empty).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # measure this checkout's digest

import cluster_time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--words", type=int, default=120)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    articles = cluster_time.articles_of(args.size)
    from digest.stories import cluster as clustering
    from digest.summaries import claims
    from digest.summaries.summarize import summarize

    params = clustering.ClusterParams()
    groups = clustering.cluster(articles, params, clustering.vectors(articles, params))
    stories = [tuple(articles[i] for i in group) for group in groups]
    best = float("inf")
    sentences = citations = 0
    for _ in range(args.repeat):
        claims.read.cache_clear()
        started = time.perf_counter()
        made = [summarize(story, max_words=args.words) for story in stories]
        best = min(best, time.perf_counter() - started)
        sentences = sum(len(summary) for summary in made)
        citations = sum(len(s.citations) - 1 for summary in made for s in summary)
    print(
        f"{len(articles)} articles, {len(stories)} stories ({sum(len(s) > 1 for s in stories)} with several): "
        f"{sentences} sentences, {citations} citations of other articles; summaries {best:.2f} s, best of {args.repeat}"
    )


if __name__ == "__main__":
    main()
