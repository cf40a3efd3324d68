"""The claim matcher (digest.summaries.claims) on the TEST half of MSRP, beside the TF-IDF cosine baseline.

    python benchmarks/claims_eval.py [--eval ../shared/eval]

Nothing here is fitted or tuned: the weights and the thresholds were chosen on the train half
(scripts/train_claims.py). Prints accuracy, precision, recall and F1 at the model's threshold; the
precision and recall at its strict threshold (precision >= 0.90 on train); and, for reference,
the best recall at a test precision of 0.90 or more (read off the test curve, not a tuned figure);
then the speed of the batched form on a story-sized comparison.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # measure this checkout's digest

from digest.summaries.claims import claim_score, claim_scores, features, model, read

ROOT = Path(__file__).resolve().parent.parent


def load_pairs(path: Path) -> tuple[list[tuple[str, str]], np.ndarray]:
    pairs: list[tuple[str, str]] = []
    labels: list[int] = []
    for line in path.read_text(encoding="utf-8-sig").splitlines()[1:]:
        fields = line.split("\t")
        if len(fields) == 5:
            labels.append(int(fields[0]))
            pairs.append((fields[3], fields[4]))
    return pairs, np.asarray(labels)


def measures(chosen: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float]:
    true = float((chosen & (y == 1)).sum())
    precision = true / chosen.sum() if chosen.sum() else 0.0
    recall = true / (y == 1).sum()
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return float((chosen == (y == 1)).mean()), precision, float(recall), f1


def recall_at_precision(score: np.ndarray, y: np.ndarray, floor: float = 0.90) -> float:
    order = np.argsort(-score, kind="stable")
    hits = np.cumsum(y[order])
    precision = hits / np.arange(1, len(y) + 1)
    ok = precision >= floor
    return float(hits[ok].max() / y.sum()) if ok.any() else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", type=Path, default=ROOT.parent / "shared" / "eval")
    args = parser.parse_args()
    pairs, y = load_pairs(args.eval / "paraphrase" / "msr_paraphrase_test.txt")
    m = model()
    start = time.perf_counter()
    regression = m.scores(np.vstack([features(a, b) for a, b in pairs]))
    score = np.array([claim_score(a, b) for a, b in pairs])
    elapsed = time.perf_counter() - start
    near_misses = int((score < regression).sum())
    print(f"MSRP test: {len(y)} pairs, {int(y.sum())} stating the same thing")
    print("| method | threshold | accuracy | precision | recall | F1 |")
    print("|---|---|---|---|---|---|")
    rows = (
        ("claim matcher (same_claim: best F1 on train)", m.threshold),
        ("claim matcher, most accurate on train", m.accurate),
        ("claim matcher, strict (precision >= 0.90 on train)", m.strict),
    )
    for scored, kind in ((regression, "regression alone"), (score, "claim_score (near misses held down)")):
        for label, t in rows:
            acc, p, r, f = measures(scored >= t, y)
            print(f"| {label}, {kind} | {t:.3f} | {acc:.3f} | {p:.3f} | {r:.3f} | {f:.3f} |")
        print(f"{kind}: recall at test precision >= 0.90 (curve): {recall_at_precision(scored, y):.3f}")
    print(
        f"near misses held down: {near_misses} pairs, of which MSRP calls {int(y[score < regression].sum())} the same"
    )
    print("baselines (README): TF-IDF cosine >= 0.54: 0.706 / 0.745 / 0.847 / 0.793; >= 0.76: recall 0.432")
    print(f"reading and scoring one pair at a time: {1e6 * elapsed / len(pairs):.0f} µs a pair")
    # Batched speed: 100 sentences against 2,000 sentences of the same news (test half, both sides).
    texts = [a for a, _ in pairs[:100]]
    units = [s for pair in pairs[100:1100] for s in pair]
    read.cache_clear()
    start = time.perf_counter()
    table = claim_scores(texts, units)
    elapsed = time.perf_counter() - start
    print(f"claim_scores 100 x {len(units)}: {elapsed:.2f} s, {int((table > 0).sum())} pairs scored")


if __name__ == "__main__":
    main()
