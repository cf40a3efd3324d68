"""Time per search query on a store of 10,000 articles (the full-text index: SQLite FTS5).

    python benchmarks/search_time.py [--size 10000] [--queries 50]

The inbox is ``benchmarks/corpus.py``'s (the one ``speed.py`` uses), read into a new SQLite store in a
temporary folder. The queries are 1 to 3 words: most taken in a row from an article's title (so they
find something), some from its text, one in five with a word no article holds (they find nothing);
the last word is searched as a prefix, as a user's is. Each query is timed twice: the index alone
(``Store.search``: the ranked ids) and what ``digest search`` and the web app call
(``Newsdesk.search``: the articles read and the editions that carried them). Printed: the median and
95th percentile of each, and the time the migration takes to fill the index of a store made before it.
"""

from __future__ import annotations

import argparse
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sized
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # measure this checkout's digest

import corpus

from digest import Newsdesk, Settings
from digest.store import SCHEMA_VERSION, Store

GOAL_MS = 100.0


def queries_of(store: Store, count: int, seed: int = 7) -> list[str]:
    """``count`` queries of 1 to 3 words drawn from the stored articles' titles and texts."""
    rng = random.Random(seed)
    rows = store.db.execute("SELECT title, paragraphs FROM articles ORDER BY id").fetchall()
    out: list[str] = []
    while len(out) < count:
        title, paragraphs = rng.choice(rows)
        source = title if title and rng.random() < 0.6 else paragraphs
        words = [w for w in re.findall(r"[^\W\d_]{3,}", source or "")]
        if len(words) < 3:
            continue
        size = rng.randint(1, 3)
        start = rng.randrange(len(words) - size + 1)
        picked = words[start : start + size]
        if rng.random() < 0.2:
            picked[-1] = "zqx" + picked[-1]  # a miss
        out.append(" ".join(picked))
    return out


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed(search: Callable[[str], Sized], queries: list[str]) -> tuple[list[float], list[int]]:
    seconds, found = [], []
    for query in queries:
        started = time.perf_counter()
        hits = search(query)
        seconds.append((time.perf_counter() - started) * 1000)
        found.append(len(hits))
    return seconds, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args()
    inbox = corpus.build(args.size)
    with tempfile.TemporaryDirectory(prefix="digest-search-") as work:
        settings = Settings(inbox=inbox, output=Path(work) / "output", timezone="UTC", pdf=False)
        started = time.perf_counter()
        with Newsdesk(settings) as desk:
            report = desk.ingest()
        ingested = time.perf_counter() - started
        with Newsdesk(settings) as desk:
            store = desk.store
            articles = store.article_count()
            queries = queries_of(store, args.queries)
            desk.search(queries[0])  # the first query opens the index's pages; not counted
            index_ms, found = timed(lambda q: store.search(q, 500), queries)
            desk_ms, _ = timed(desk.search, queries)
        # the index of a store made before it, filled by the migration
        db = sqlite3.connect(settings.store_path, isolation_level=None)
        for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            db.execute(f"DROP TRIGGER {name}")
        db.executescript(
            f"DROP TABLE article_search; DROP TABLE story_search; PRAGMA user_version = {SCHEMA_VERSION - 1};"
        )
        db.close()
        started = time.perf_counter()
        Store(settings.store_path).close()
        backfill = time.perf_counter() - started
    print(
        f"# search on {articles} articles ({report.articles_added} ingested in {ingested:.0f} s), "
        f"{len(queries)} queries of 1-3 words, {sum(1 for n in found if n)} with hits "
        f"(median {statistics.median(found):.0f} hits, at most {max(found)})"
    )
    for name, values in (("index (Store.search)", index_ms), ("hits (Newsdesk.search)", desk_ms)):
        median, p95 = statistics.median(values), percentile(values, 0.95)
        verdict = "met" if p95 < GOAL_MS else "MISSED"
        print(
            f"{name}: median {median:.1f} ms, 95th percentile {p95:.1f} ms, slowest {max(values):.1f} ms"
            f"  [goal < {GOAL_MS:.0f} ms: {verdict}]"
        )
    print(f"index filled by the migration for {articles} stored articles: {backfill:.1f} s")


if __name__ == "__main__":
    main()
