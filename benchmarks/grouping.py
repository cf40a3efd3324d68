"""Story and topic grouping measured on the shared data (used by ``quality.py --only stories/topics``).

* Multi-News: all 666 scraped articles written into one inbox, read and cleaned as the pipeline
  does, clustered at once; B-cubed against its stories on the 621 articles whose text occurs in
  one story only (its README).
* ECB+: stories against the subtopics, and how many ECB+ topics have their two subtopics (two
  different events of one kind) sharing one of our topics.
* BBC topics (``benchmarks/data/bbc_topics.jsonl``, labelled by reading): topic-level B-cubed,
  each article mapped through its story's topic, and story-level B-cubed against the labelled stories.
"""

from __future__ import annotations

import json
import random
import tempfile
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

from benchmarks.common import bbc_article, bcubed, labels_of
from digest.models import Article
from digest.sources.ingest import read_file
from digest.stories.cluster import ClusterParams, cluster, topics, vectors
from digest.text.clean import clean_document, common_head_lines
from digest.text.features import with_features

HERE = Path(__file__).resolve().parent
BBC_TOPICS = HERE / "data" / "bbc_topics.jsonl"


def group(articles: Sequence[Article], params: ClusterParams | None = None) -> tuple[list[list[int]], list[list[int]]]:
    """(stories as article indexes, topics as story indexes), as the pipeline makes them."""
    params = params or ClusterParams()
    matrix = vectors(articles, params)
    stories = cluster(articles, params, matrix)
    return stories, topics(articles, matrix, stories, params)


def topic_labels(stories: Sequence[Sequence[int]], grouped: Sequence[Sequence[int]], n: int) -> list[int]:
    """One topic label per article: the topic of its story."""
    return labels_of([[i for s in topic for i in stories[s]] for topic in grouped], n)


def load_multinews(eval_dir: Path) -> tuple[list[Article], list[str | None]]:
    """The articles of the Multi-News inbox (with features, as stored) and each one's gold story,
    None for the articles whose text is in several stories (not scored)."""
    rows = [json.loads(line) for line in (eval_dir / "multinews" / "clusters.jsonl").read_text().splitlines()]
    stories_of: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        for doc in row["docs"]:
            stories_of[doc["text"]].add(row["cluster"])
    gold_of: dict[str, str | None] = {}
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for row in rows:
            for doc in row["docs"]:
                path = Path(folder) / f"{doc['id']}.txt"
                path.write_text(doc["text"] + "\n", encoding="utf-8")
                paths.append(path)
                owners = stories_of[doc["text"]]
                gold_of[str(path)] = next(iter(owners)) if len(owners) == 1 else None
        docs = [doc for path in paths for doc in read_file(path).docs]
        furniture = common_head_lines(docs)
        articles = [with_features(a) for doc in docs for a in clean_document(doc, furniture)]
    return articles, [gold_of.get(a.path) for a in articles]


def multinews_scores(eval_dir: Path, params: ClusterParams | None = None) -> tuple[tuple[float, float, float], int]:
    """Story-level B-cubed (P, R, F1) on the scored Multi-News articles, and their number."""
    articles, gold = load_multinews(eval_dir)
    stories, _ = group(articles, params)
    pred = labels_of(stories, len(articles))
    scored = [i for i, g in enumerate(gold) if g is not None]
    return bcubed([pred[i] for i in scored], [str(gold[i]) for i in scored]), len(scored)


def merged_topics(
    docs: Sequence[dict[str, str]], stories: Sequence[Sequence[int]], grouped: Sequence[Sequence[int]]
) -> int:
    """ECB+ topics with articles of both their subtopics in one of our topics."""
    labels = topic_labels(stories, grouped, len(docs))
    halves: dict[tuple[int, str], set[str]] = defaultdict(set)
    for doc, label in zip(docs, labels, strict=True):
        halves[(label, doc["topic"])].add(doc["subtopic"])
    return len({topic for (_, topic), subtopics in halves.items() if len(subtopics) > 1})


def load_bbc_topics(eval_dir: Path) -> tuple[list[Article], list[str], list[str]]:
    """The labelled BBC articles, their topics and their stories."""
    labels = [json.loads(line) for line in BBC_TOPICS.read_text().splitlines() if line.strip()]
    items = {}
    for line in (eval_dir / "bbc" / "articles.jsonl").read_text().splitlines():
        item = json.loads(line)
        items[item["id"]] = item
    articles = [with_features(bbc_article(items[label["id"]])) for label in labels]
    return articles, [str(label["topic"]) for label in labels], [str(label["story"]) for label in labels]


def bbc_scores(
    eval_dir: Path, params: ClusterParams | None = None
) -> tuple[tuple[float, float, float], tuple[float, float, float], int, int]:
    """(topic-level B-cubed, story-level B-cubed, articles, topics) on the labelled BBC set."""
    articles, gold_topics, gold_stories = load_bbc_topics(eval_dir)
    stories, grouped = group(articles, params)
    topic_level = bcubed(topic_labels(stories, grouped, len(articles)), gold_topics)
    story_level = bcubed(labels_of(stories, len(articles)), gold_stories)
    return topic_level, story_level, len(articles), len(Counter(gold_topics))


def bbc_halves(
    eval_dir: Path, seed: int, params: ClusterParams | None = None
) -> list[tuple[str, tuple[float, float, float], int, int]]:
    """Topic-level B-cubed on the labelled BBC set split by topic into a calibration and an evaluation
    half (a seeded shuffle, as the ECB+ topics are split), each half grouped on its own as one inbox:
    (half, B-cubed, articles, topics). Choices are made on the calibration half only."""
    articles, gold_topics, _ = load_bbc_topics(eval_dir)
    names = sorted(set(gold_topics))
    random.Random(seed).shuffle(names)
    calibration = set(names[: (len(names) + 1) // 2])
    halves = []
    for half, keep in (("calibration", True), ("evaluation", False)):
        index = [i for i, topic in enumerate(gold_topics) if (topic in calibration) == keep]
        subset = [articles[i] for i in index]
        stories, grouped = group(subset, params)
        gold = [gold_topics[i] for i in index]
        halves.append((half, bcubed(topic_labels(stories, grouped, len(subset)), gold), len(subset), len(set(gold))))
    return halves
