"""Fit the claim matcher's weights (digest/data/claims_model.json) on the TRAIN half of MSRP.

    python scripts/train_claims.py [--eval ../shared/eval] [--out digest/data/claims_model.json]

Data: the Microsoft Research Paraphrase Corpus (Dolan, Quirk and Brockett, COLING 2004), news
sentence pairs from different outlets judged as stating the same thing or not; the copy in
``<eval>/paraphrase/msr_paraphrase_train.txt`` (from galsang/ABCNN). Only the train half is read
here: the regression is fitted on it, and the thresholds are chosen on its 5-fold
cross-validated scores: ``threshold`` (best F1; what ``same_claim`` uses), ``accurate`` (best
accuracy) and ``strict`` (the lowest with precision 0.90 or more; for citations). The test half is
for benchmarks/claims_eval.py alone.

Each pair is used in both orders, so the score barely depends on which sentence comes first.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's digest

from digest.summaries.claims import FEATURES, features

ROOT = Path(__file__).resolve().parent.parent
C = 1.0


def load_pairs(path: Path) -> tuple[list[tuple[str, str]], np.ndarray]:
    """MSRP's pairs and labels (tab-separated, a header line, UTF-8 with a byte-order mark)."""
    pairs: list[tuple[str, str]] = []
    labels: list[int] = []
    for line in path.read_text(encoding="utf-8-sig").splitlines()[1:]:
        fields = line.split("\t")
        if len(fields) != 5:
            continue
        labels.append(int(fields[0]))
        pairs.append((fields[3], fields[4]))
    return pairs, np.asarray(labels)


def feature_table(pairs: list[tuple[str, str]]) -> tuple[np.ndarray, np.ndarray]:
    """Each pair's features in its order and in the other."""
    forward = np.vstack([features(a, b) for a, b in pairs])
    backward = np.vstack([features(b, a) for a, b in pairs])
    return forward, backward


def fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, LogisticRegression]:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    regression = LogisticRegression(C=C, max_iter=2000)
    regression.fit((x - mean) / scale, y)
    return mean, scale, regression


def scores(mean: np.ndarray, scale: np.ndarray, regression: LogisticRegression, x: np.ndarray) -> np.ndarray:
    z = ((x - mean) / scale) @ regression.coef_[0] + regression.intercept_[0]
    return 1.0 / (1.0 + np.exp(-z))


def cross_validated(forward: np.ndarray, backward: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Each training pair's score from a model fitted without it (mean of its two orders)."""
    out = np.zeros(len(y))
    for fit_rows, held in StratifiedKFold(5, shuffle=True, random_state=0).split(forward, y):
        x = np.vstack([forward[fit_rows], backward[fit_rows]])
        mean, scale, regression = fit(x, np.concatenate([y[fit_rows], y[fit_rows]]))
        out[held] = scores(mean, scale, regression, forward[held])
    return out


def f1(chosen: np.ndarray, y: np.ndarray) -> float:
    true = float((chosen & (y == 1)).sum())
    return 2 * true / (chosen.sum() + y.sum()) if true else 0.0


def thresholds(score: np.ndarray, y: np.ndarray, precision: float = 0.90) -> tuple[float, float, float]:
    """The most accurate threshold, the one with the best F1, and the lowest whose precision is
    ``precision`` or more."""
    candidates = np.unique(score)
    accuracy = [((score >= t) == y).mean() for t in candidates]
    best = float(candidates[int(np.argmax(accuracy))])
    balanced = float(candidates[int(np.argmax([f1(score >= t, y) for t in candidates]))])
    strict = 1.0
    for t in candidates:
        chosen = score >= t
        if chosen.sum() and y[chosen].mean() >= precision:
            strict = float(t)
            break
    return best, balanced, strict


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--out", type=Path, default=ROOT / "digest" / "data" / "claims_model.json")
    args = parser.parse_args()
    pairs, y = load_pairs(args.eval / "paraphrase" / "msr_paraphrase_train.txt")
    forward, backward = feature_table(pairs)
    held_out = cross_validated(forward, backward, y)
    accurate, threshold, strict = thresholds(held_out, y)
    mean, scale, regression = fit(np.vstack([forward, backward]), np.concatenate([y, y]))
    cv_accuracy = float(((held_out >= threshold) == y).mean())
    cv_f1 = f1(held_out >= threshold, y)
    model = {
        "about": "Claim matcher: logistic regression on MSRP train (4,076 pairs, both orders); "
        "thresholds from 5-fold cross-validation on train. Fitted by scripts/train_claims.py.",
        "features": list(FEATURES),
        "mean": [round(float(v), 6) for v in mean],
        "scale": [round(float(v), 6) for v in scale],
        "coef": [round(float(v), 6) for v in regression.coef_[0]],
        "intercept": round(float(regression.intercept_[0]), 6),
        "threshold": round(threshold, 6),
        "accurate": round(accurate, 6),
        "strict": round(strict, 6),
        "cv_accuracy": round(cv_accuracy, 4),
        "cv_f1": round(cv_f1, 4),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
    print(
        f"train pairs {len(y)}; cross-validated at the best-F1 threshold {threshold:.3f}: accuracy {cv_accuracy:.3f}, "
        f"F1 {cv_f1:.3f}; most accurate threshold {accurate:.3f}; strict (precision >= 0.90) {strict:.3f}"
    )
    for name, weight in sorted(zip(FEATURES, regression.coef_[0], strict=True), key=lambda p: -abs(p[1])):
        print(f"  {name:16} {weight:+.3f}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
