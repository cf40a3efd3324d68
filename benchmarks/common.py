"""Data loading and scores shared by the benchmark scripts (no printing here)."""

from __future__ import annotations

import gzip
import json
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn.feature_extraction.text import TfidfVectorizer

from digest.models import Article
from digest.text.segment import sentences_of

DEFAULT_EVAL = Path(__file__).resolve().parent.parent.parent / "shared" / "eval"


# --- clustering ---------------------------------------------------------------------------------


def bcubed(pred: Sequence[int], gold: Sequence[str]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 of predicted cluster labels against gold labels."""
    by_pred: dict[int, set[int]] = defaultdict(set)
    by_gold: dict[str, set[int]] = defaultdict(set)
    for i, (p, g) in enumerate(zip(pred, gold, strict=True)):
        by_pred[p].add(i)
        by_gold[g].add(i)
    precision = recall = 0.0
    for i in range(len(gold)):
        shared = len(by_pred[pred[i]] & by_gold[gold[i]])
        precision += shared / len(by_pred[pred[i]])
        recall += shared / len(by_gold[gold[i]])
    precision /= len(gold)
    recall /= len(gold)
    return precision, recall, 2 * precision * recall / (precision + recall)


def labels_of(groups: Sequence[Sequence[int]], n: int) -> list[int]:
    """One cluster label per item from a list of groups of item indexes."""
    labels = [0] * n
    for k, group in enumerate(groups):
        for i in group:
            labels[i] = k
    return labels


def load_ecb(eval_dir: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in (eval_dir / "ecbplus" / "docs.jsonl").read_text().splitlines()]


def ecb_article(doc: dict[str, str]) -> Article:
    """An ECB+ document as an article: one sentence per line, no publication date."""
    lines = tuple(doc["text"].split("\n"))
    return Article(doc["id"], doc["id"], doc["title"] or None, None, None, None, lines, lines)


def split_topics(docs: Sequence[dict[str, str]], seed: int) -> tuple[set[str], set[str]]:
    """ECB+ topics split in two halves (calibration, evaluation) by a seeded shuffle."""
    topics = sorted({d["topic"] for d in docs}, key=int)
    random.Random(seed).shuffle(topics)
    half = (len(topics) + 1) // 2
    return set(topics[:half]), set(topics[half:])


def tfidf_agglomerative(texts: Sequence[str], thresholds: Iterable[float]) -> dict[float, list[int]]:
    """The baseline: TF-IDF (English stop words, sublinear tf), cosine, average linkage; one cut per threshold.

    ``thresholds`` are cosine distances at which the dendrogram is cut.
    """
    matrix = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(list(texts))
    similarity = (matrix @ matrix.T).toarray()
    distance = np.clip(1.0 - similarity, 0.0, 2.0)
    tree = linkage(distance[np.triu_indices(len(texts), k=1)], method="average")
    return {t: fcluster(tree, t=t, criterion="distance").tolist() for t in thresholds}


# --- extraction ---------------------------------------------------------------------------------

_TOKEN = re.compile(r"\w+")


def shingles(text: str, size: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text)
    if len(tokens) < size:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1))


def shingle_scores(gold: dict[str, str], predicted: dict[str, str]) -> tuple[float, float, float, float]:
    """The article-extraction benchmark's metric: macro P and R over pages, F1 of the two, exact-token accuracy."""
    precisions, recalls, exact = [], [], 0
    for key, truth in gold.items():
        prediction = predicted.get(key, "")
        a, b = shingles(truth), shingles(prediction)
        tp = sum((a & b).values())
        fp = sum((b - a).values())
        fn = sum((a - b).values())
        total = tp + fp + fn
        if fp == 0 and fn == 0:
            precisions.append(1.0)
            recalls.append(1.0)
        else:
            tp_, fp_, fn_ = tp / total, fp / total, fn / total
            precisions.append(tp_ / (tp_ + fp_) if tp_ + fp_ else 0.0)
            recalls.append(tp_ / (tp_ + fn_) if tp_ + fn_ else 0.0)
        exact += _TOKEN.findall(truth) == _TOKEN.findall(prediction)
    p = float(np.mean(precisions))
    r = float(np.mean(recalls))
    return p, r, 2 * p * r / (p + r) if p + r else 0.0, exact / len(gold)


def load_extraction(eval_dir: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(gold article bodies, HTML pages) keyed by page id."""
    folder = eval_dir / "extraction"
    truth = json.loads((folder / "ground-truth.json").read_text())
    gold = {key: value["articleBody"] for key, value in truth.items()}
    pages = {key: gzip.decompress((folder / "html" / f"{key}.html.gz").read_bytes()).decode("utf-8") for key in gold}
    return gold, pages


# --- summarization ------------------------------------------------------------------------------


def load_bbc(eval_dir: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in (eval_dir / "bbc" / "articles.jsonl").read_text().splitlines()]


def bbc_article(item: dict[str, str]) -> Article:
    """A BBC article with its paragraphs split into sentences by ``digest.text.segment``."""
    paragraphs = tuple(p.strip() for p in item["text"].split("\n\n") if p.strip())
    sentences, owner = sentences_of(paragraphs)
    return Article(item["id"], item["id"], item["title"], "BBC", None, None, paragraphs, sentences, owner)


def reference_sentences(item: dict[str, str], article: Article) -> int:
    """How many of the article's sentences the reference summary holds (at least one)."""
    return max(1, sum(1 for s in article.sentences if s in item["summary"]))
