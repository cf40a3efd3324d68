"""Fit the citation model (digest/data/states_model.json): does this article state this sentence?

    python scripts/train_states.py [--eval ../shared/eval] [--out digest/data/states_model.json]

Data: benchmarks/data/citation_labels.jsonl, (sentence, article) pairs from 45 multi-outlet stories
of Multi-News (Fabbri et al., ACL 2019) and ECB+ (Cybulska and Vossen, LREC 2014), labelled by
reading (benchmarks/data/citation_labels.md), with the texts read from ``<eval>/multinews`` and
``<eval>/ecbplus``. An article states a sentence when one of its sentences, or two adjacent ones,
does; which one is not labelled, so the regression is fitted the multiple-instance way: each pair
starts from the article unit that covers most of the sentence's rare words, then takes the unit the
model scores highest, three rounds.

The figures printed are held out: 5-fold cross-validation with whole stories held out, and each
data set scored by a model fitted on the other. The threshold is the one with the best F0.5 (precision
weighing twice) in the 5-fold run; the shipped weights are fitted on all pairs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]  # this checkout's digest and benchmarks

from citations_eval import LABELS, load_texts, units_of  # noqa: E402

from digest.summaries.claims import STATES_FEATURES, read, states_features  # noqa: E402

C = 0.3
_RARE_AB = STATES_FEATURES.index("rare_ab")


def tables(eval_dir: Path) -> tuple[list[np.ndarray], np.ndarray, np.ndarray, np.ndarray]:
    """Each pair's features against every unit of its article, its label, story and data set."""
    texts = load_texts(eval_dir)
    pairs = [p for p in map(json.loads, LABELS.read_text(encoding="utf-8").splitlines()) if not p["own"]]
    units: dict[str, list] = {}
    rows: list[np.ndarray] = []
    for pair in pairs:
        if pair["article"] not in units:
            units[pair["article"]] = [read(u) for u in units_of(texts[pair["article"]])]
        sentence = read(texts[pair["from"]][pair["start"] : pair["end"]])
        found = [states_features(sentence, unit) for unit in units[pair["article"]]]
        rows.append(np.vstack(found) if found else np.zeros((1, len(STATES_FEATURES))))
    y = np.array([p["states"] for p in pairs], dtype=int)
    return rows, y, np.array([p["story"] for p in pairs]), np.array([p["set"] for p in pairs])


class Fitted:
    def __init__(self, rows: list[np.ndarray], y: np.ndarray) -> None:
        x = np.vstack([r[int(np.argmax(r[:, _RARE_AB]))] for r in rows])
        for _ in range(3):
            self.mean = x.mean(axis=0)
            self.scale = x.std(axis=0)
            self.scale[self.scale == 0] = 1.0
            self.regression = LogisticRegression(C=C, max_iter=5000).fit((x - self.mean) / self.scale, y)
            x = np.vstack([r[int(np.argmax(self.unit_scores(r)))] for r in rows])

    def unit_scores(self, table: np.ndarray) -> np.ndarray:
        z = ((table - self.mean) / self.scale) @ self.regression.coef_[0] + self.regression.intercept_[0]
        return 1.0 / (1.0 + np.exp(-z))

    def score(self, rows: list[np.ndarray]) -> np.ndarray:
        return np.array([self.unit_scores(r).max() for r in rows])


def recall_precision(chosen: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    hits = float((chosen & (y == 1)).sum())
    return hits / max(int(y.sum()), 1), hits / max(int(chosen.sum()), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--out", type=Path, default=ROOT / "digest" / "data" / "states_model.json")
    args = parser.parse_args()
    rows, y, stories, sets = tables(args.eval)
    held = np.zeros(len(y))
    for fit_rows, test_rows in GroupKFold(5).split(np.zeros(len(y)), y, stories):
        model = Fitted([rows[i] for i in fit_rows], y[fit_rows])
        held[test_rows] = model.score([rows[i] for i in test_rows])
    across = np.zeros(len(y))
    for name in np.unique(sets):
        model = Fitted([rows[i] for i in np.flatnonzero(sets != name)], y[sets != name])
        across[sets == name] = model.score([rows[i] for i in np.flatnonzero(sets == name)])
    candidates = np.unique(np.round(held, 3))
    # A wrong citation misleads a reader, a missing one only undersells: precision weighs twice (F0.5).
    f_half = [
        1.25 * r * p / (0.25 * p + r) if r + p else 0.0 for r, p in (recall_precision(held >= t, y) for t in candidates)
    ]
    threshold = float(candidates[int(np.argmax(f_half))])
    strict = next((float(t) for t in candidates if recall_precision(held >= t, y)[1] >= 0.9), 1.0)
    final = Fitted(rows, y)
    print(
        f"{len(y)} pairs, {int(y.sum())} stating; best-F0.5 threshold {threshold:.3f}, precision 0.90 from {strict:.3f}"
    )
    for name, scores in (("5-fold by story", held), ("each data set by the other", across)):
        for bar in (threshold, strict):
            complete, precise = recall_precision(scores >= bar, y)
            print(f"  {name:28} >= {bar:.3f}: complete {complete:.3f}, precise {precise:.3f}")
    data = {
        "about": "Citation model: does an article (its best sentence or pair) state a sentence? Logistic regression "
        f"on {len(y)} hand-labelled pairs (benchmarks/data/citation_labels.jsonl); fitted by scripts/train_states.py.",
        "features": list(STATES_FEATURES),
        "mean": [round(float(v), 6) for v in final.mean],
        "scale": [round(float(v), 6) for v in final.scale],
        "coef": [round(float(v), 6) for v in final.regression.coef_[0]],
        "intercept": round(float(final.regression.intercept_[0]), 6),
        "threshold": round(threshold, 6),
        "accurate": round(threshold, 6),
        "strict": round(strict, 6),
    }
    args.out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
