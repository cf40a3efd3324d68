"""Citations against hand labels: does each article state each sentence?

    python benchmarks/citations_eval.py [--eval ../shared/eval]

``benchmarks/data/citation_labels.jsonl`` holds (sentence, article) pairs from 45 multi-outlet
stories of Multi-News and ECB+, labelled by reading (``citation_labels.md`` says how). Sentences
and articles are given as offsets into the shared data, which stays outside the repository.

For every pair that is not the sentence's own article, a decision cites the article or not; the
table gives *complete* (the share of stating articles cited: recall) and *precise* (the share of
cited articles that state it: precision), for the lexical rule the summaries used before and for
the claim matcher at its thresholds.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import itertools

from digest.summaries import claims
from digest.summaries.summarize import same_claim
from digest.text.segment import split_sentences

LABELS = Path(__file__).resolve().parent / "data" / "citation_labels.jsonl"


def load_texts(eval_dir: Path) -> dict[str, str]:
    texts: dict[str, str] = {}
    with (eval_dir / "multinews" / "clusters.jsonl").open(encoding="utf-8") as stream:
        for line in stream:
            for doc in json.loads(line)["docs"]:
                texts[doc["id"]] = doc["text"]
    with (eval_dir / "ecbplus" / "docs.jsonl").open(encoding="utf-8") as stream:
        for line in stream:
            doc = json.loads(line)
            texts[doc["id"]] = doc["text"]
    return texts


def units_of(text: str) -> list[str]:
    """An article's sentences and each pair of adjacent ones (outlets split sentences differently)."""
    sentences = [s for line in text.split("\n") for s in split_sentences(line)]
    return sentences + [f"{a} {b}" for a, b in itertools.pairwise(sentences)]


Decide = Callable[[str, Sequence[str]], bool]


def lexical(sentence: str, units: Sequence[str]) -> bool:
    """The rule summaries cited by before the claim matcher: 3 shared content words covering 40 %."""
    return bool(same_claim([sentence], list(units), 3, 0.4).any())


def by_claims(bar: float) -> Decide:
    def decide(sentence: str, units: Sequence[str]) -> bool:
        scores = claims.claim_scores([sentence], list(units))
        return bool(scores.size and scores.max() >= bar)

    return decide


def by_states(sentence: str, units: Sequence[str]) -> bool:
    """The summaries' citation rule: the citation model (fitted on these very pairs: in-sample)."""
    scores = claims.states_scores([claims.read(sentence)], [claims.read(u) for u in units])
    return bool(scores.size and scores.max() >= claims.states_model().threshold)


def score(pairs: Sequence[dict], texts: dict[str, str], decide: Decide) -> tuple[float, float, int]:
    hits = cited = stating = 0
    units: dict[str, list[str]] = {}
    for pair in pairs:
        sentence = texts[pair["from"]][pair["start"] : pair["end"]]
        article = pair["article"]
        if article not in units:
            units[article] = units_of(texts[article])
        said = decide(sentence, units[article])
        cited += said
        stating += pair["states"]
        hits += said and pair["states"]
    return hits / max(stating, 1), hits / max(cited, 1), cited


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "eval")
    args = parser.parse_args(argv)
    texts = load_texts(args.eval)
    pairs = [p for p in map(json.loads, LABELS.read_text(encoding="utf-8").splitlines()) if not p["own"]]
    model = claims.model()
    print(f"{len(pairs)} labelled pairs (not the sentence's own article), {sum(p['states'] for p in pairs)} stating")
    print(f"{'rule':<40} {'complete':>9} {'precise':>8} {'cited':>6}")
    rules: list[tuple[str, Decide]] = [("lexical (3 words, 40 %)", lexical)]
    rules += [(f"claims >= {bar:.3f}", by_claims(bar)) for bar in (model.threshold, model.strict)]
    rules += [(f"claims >= {bar:.2f}", by_claims(bar)) for bar in np.arange(0.2, 0.45, 0.05)]
    rules += [("citation model, in-sample (see train_states)", by_states)]
    for name, decide in rules:
        complete, precise, cited = score(pairs, texts, decide)
        print(f"{name:<40} {complete:>9.3f} {precise:>8.3f} {cited:>6}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
