"""Story clustering on ECB+ against the gold stories (subtopics), beside a plain TF-IDF baseline.

    python benchmarks/cluster_ecb.py [--eval ../shared/eval]

Prints B-cubed precision, recall, F1 and the adjusted Rand index for our clustering and for
TF-IDF + average-linkage agglomerative clustering at its own best threshold, measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # measure this checkout's digest

from benchmarks.common import DEFAULT_EVAL, bcubed, ecb_article, labels_of
from digest.stories.cluster import ClusterParams, cluster


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL, help="the shared eval folder")
    args = parser.parse_args()
    docs = [json.loads(line) for line in (args.eval / "ecbplus" / "docs.jsonl").read_text().splitlines()]
    gold = [d["subtopic"] for d in docs]
    articles = [ecb_article(d) for d in docs]
    print(f"ECB+: {len(docs)} documents, {len(set(gold))} gold stories\n")
    print(f"{'system':<38} {'B3 P':>6} {'B3 R':>6} {'B3 F1':>6} {'ARI':>6} {'secs':>6}")
    started = time.perf_counter()
    pred = labels_of(cluster(articles, ClusterParams()), len(articles))
    seconds = time.perf_counter() - started
    p, r, f = bcubed(pred, gold)
    print(
        f"{'digest (default threshold)':<38} {p:6.3f} {r:6.3f} {f:6.3f} {adjusted_rand_score(gold, pred):6.3f} "
        f"{seconds:6.2f}"
    )
    texts = [f"{d['title']}\n{d['text']}" for d in docs]
    matrix = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(texts).toarray()
    best = None
    started = time.perf_counter()
    for threshold in np.arange(0.5, 1.0, 0.05):
        model = AgglomerativeClustering(
            n_clusters=None, metric="cosine", linkage="average", distance_threshold=float(threshold)
        )
        base = model.fit_predict(matrix).tolist()
        score = bcubed(base, gold)
        if best is None or score[2] > best[1][2]:
            best = (threshold, score, base)
    seconds = time.perf_counter() - started
    assert best is not None
    threshold, (p, r, f), base = best
    label = f"TF-IDF + agglomerative (best, d={threshold:.2f})"
    print(f"{label:<38} {p:6.3f} {r:6.3f} {f:6.3f} {adjusted_rand_score(gold, base):6.3f} {seconds:6.2f}")


if __name__ == "__main__":
    main()
