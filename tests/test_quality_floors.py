"""Quality floors on small fixed samples of the public benchmarks (benchmarks/quality.py measures the full sets).

A regression in extraction, clustering, summarising or citing breaks one of these.
"""

from __future__ import annotations

import gzip
import json
import logging

import pytest

from benchmarks.common import bbc_article, bcubed, ecb_article, labels_of, shingle_scores, tfidf_agglomerative
from benchmarks.quality import _states, load_facts, stating_articles, truncate
from digest.sources.ingest import read_file
from digest.stories.cluster import ClusterParams, cluster, topics, vectors
from digest.summaries.summarize import summarize
from digest.text.clean import clean_document, common_head_lines

from .conftest import REPO

DATA = REPO / "tests" / "data"


def _lines(name: str) -> list[dict[str, str]]:
    return [json.loads(line) for line in (DATA / name).read_text().splitlines()]


def test_ecb_stories_are_told_apart():
    """Six ECB+ topics, each holding two events of one kind (12 gold stories)."""
    docs = _lines("ecb_sample.jsonl")
    gold = [d["subtopic"] for d in docs]
    articles = [ecb_article(d) for d in docs]
    _, _, ours = bcubed(labels_of(cluster(articles), len(articles)), gold)
    baseline = tfidf_agglomerative([f"{d['title']}\n{d['text']}" for d in docs], [0.8])[0.8]
    _, _, base = bcubed(baseline, gold)
    assert ours >= 0.87  # measured 0.891
    assert ours >= base + 0.04  # the baseline at its calibrated cut: 0.832


def test_bbc_summaries_beat_the_lead():
    rouge_scorer = pytest.importorskip("rouge_score.rouge_scorer")
    scorer = rouge_scorer.RougeScorer(["rouge2"], use_stemmer=True)
    ours = lead = 0.0
    items = _lines("bbc_100.jsonl")
    for item in items:
        article = bbc_article(item)
        budget = len(item["summary"].split())
        picked = truncate([s.text for s in summarize([article], max_words=budget)], budget)
        ours += scorer.score(item["summary"], " ".join(picked))["rouge2"].fmeasure
        lead += scorer.score(item["summary"], " ".join(truncate(article.sentences, budget)))["rouge2"].fmeasure
    ours /= len(items)
    lead /= len(items)
    assert ours >= 0.64  # measured 0.665
    assert ours >= lead + 0.10  # the lead at the same length: 0.503


def test_extraction_keeps_the_article(tmp_path):
    logging.disable(logging.WARNING)
    try:
        truth = json.loads((DATA / "extraction" / "ground-truth.json").read_text())
        gold = {key: value["articleBody"] for key, value in truth.items()}
        results = {}
        for key in gold:
            page = tmp_path / f"{key}.html"
            page.write_bytes(gzip.decompress((DATA / "extraction" / f"{key}.html.gz").read_bytes()))
            results[key] = read_file(page)
    finally:
        logging.disable(logging.NOTSET)
    furniture = common_head_lines(doc for result in results.values() for doc in result.docs)
    predicted = {
        key: "\n".join(p for doc in result.docs for a in clean_document(doc, furniture) for p in a.paragraphs)
        for key, result in results.items()
    }
    precision, recall, f1, _ = shingle_scores(gold, predicted)
    assert f1 >= 0.86, (precision, recall)  # measured 0.880


def test_citations_name_the_articles_that_state_the_fact():
    docs = _lines("ecb_sample.jsonl")
    facts = [f for f in load_facts() if f[0] in {d["subtopic"] for d in docs}]
    assert len(facts) >= 3
    complete = labelled = cited = wrong = 0
    recall = 0.0
    for story in sorted({f[0] for f in facts}):
        articles = [ecb_article(d) for d in docs if d["subtopic"] == story]
        ids = {a.id for a in articles}
        for sentence in summarize(articles, max_words=120):
            assert set(sentence.citations) <= ids
            assert sentence.single_source == (len(sentence.citations) == 1)
            for _, _, patterns in (f for f in facts if f[0] == story):
                if _states(patterns, sentence.text):
                    stating = stating_articles(articles, patterns)
                    labelled += 1
                    complete += stating <= set(sentence.citations)
                    recall += len(stating & set(sentence.citations)) / len(stating)
                    cited += len(sentence.citations)
                    wrong += len(set(sentence.citations) - stating)
    assert labelled >= 3
    # Citations come from the citation model (claims.py), which cites an article only when it states
    # all the sentence says: fewer citations than the old word-overlap rule (recall 0.850 here), none wrong.
    assert recall / labelled >= 0.45, (recall / labelled, complete, labelled)  # measured 0.538
    assert wrong <= 0.05 * cited, (wrong, cited)  # measured 0 of 65


def _stories_and_topic_labels(articles: list) -> tuple[list[list[int]], list[int]]:
    """The stories of ``articles`` as the edition groups them, and each article's topic number."""
    params = ClusterParams()
    matrix = vectors(articles, params)
    stories = cluster(articles, params, matrix)
    grouped = topics(articles, matrix, stories, params)
    return stories, labels_of([[i for k in topic for i in stories[k]] for topic in grouped], len(articles))


def test_bbc_topics_gather_their_stories():
    """89 articles of 14 labelled BBC topics (benchmarks/data/bbc_topics.md), each topic several stories."""
    items = _lines("bbc_topics_sample.jsonl")
    articles = [bbc_article(item) for item in items]
    stories, labels = _stories_and_topic_labels(articles)
    precision, recall, f1 = bcubed(labels, [item["topic"] for item in items])
    assert f1 >= 0.90, (precision, recall)  # measured 0.939 (P 1.000, R 0.886); each story its own topic: 0.791
    _, _, story_f1 = bcubed(labels_of(stories, len(articles)), [item["story"] for item in items])
    assert story_f1 >= 0.56  # measured 0.587


def test_ecb_topics_keep_different_events_apart():
    """ECB+ topics hold two events of one kind with other people: few may share one of our topics."""
    docs = _lines("ecb_sample.jsonl")
    articles = [ecb_article(d) for d in docs]
    _, labels = _stories_and_topic_labels(articles)
    subtopics: dict[int, set[str]] = {}
    for doc, label in zip(docs, labels, strict=True):
        subtopics.setdefault(label, set()).add(doc["subtopic"])
    merged = {doc["topic"] for doc, label in zip(docs, labels, strict=True) if len(subtopics[label]) > 1}
    assert len(merged) <= 3, merged  # measured 3 of 6 (the stories alone: 1); the goal, at most 10 %, is not met yet
