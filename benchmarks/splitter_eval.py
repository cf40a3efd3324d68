"""How the sentence splitter compares with syntok, which it replaced, on real news text.

    python benchmarks/splitter_eval.py [--eval ../shared/eval] [--examples 20]

Splits every paragraph of the BBC, Multi-News and ECB+ sets and of the seed articles with our
splitter (``digest.text.segment._pieces``) and with syntok's segmenter (both followed by the
same repairs), prints how many paragraphs
come out the same, the boundaries only one of them puts, examples of each, and the time both take.
syntok is not a dependency of digest: install it to run this (``pip install syntok``).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from pathlib import Path

from digest.text import segment

ROOT = Path(__file__).resolve().parent.parent


def paragraphs(eval_dir: Path) -> list[str]:
    """Every paragraph of the data sets, spaces folded as the splitter receives them."""
    texts: list[str] = []
    for name in ("bbc/articles.jsonl", "ecbplus/docs.jsonl"):
        for line in (eval_dir / name).read_text().splitlines():
            texts.append(json.loads(line)["text"])
    for line in (eval_dir / "multinews/clusters.jsonl").read_text().splitlines():
        texts.extend(doc["text"] for doc in json.loads(line)["docs"])
    seeds = eval_dir.parent / "seeds"
    if seeds.is_dir():
        texts.extend(p.read_text(errors="replace") for p in sorted(seeds.rglob("*")) if p.is_file())
    out = []
    for text in texts:
        for paragraph in re.split(r"\n\s*\n|\n", text):
            folded = re.sub(r"\s+", " ", paragraph).strip()
            if folded:
                out.append(folded)
    return out


def syntok_pieces(text: str) -> list[str]:
    from syntok import segmenter

    return [
        "".join(f"{token.spacing}{token.value}" for token in sentence).strip()
        for part in segmenter.analyze(text)
        for sentence in part
    ]


def boundaries(text: str, pieces: list[str]) -> set[int]:
    """Where in ``text`` each piece but the last ends (character offsets)."""
    found, at = set(), 0
    for piece in pieces[:-1]:
        at = text.find(piece, at) + len(piece)
        found.add(at)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eval", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--examples", type=int, default=15)
    args = parser.parse_args()
    texts = paragraphs(args.eval)
    # Both through the same repairs (title abbreviations, quotations, datelines, long sentences).
    started = time.perf_counter()
    ours = [list(segment._split(t)) for t in texts]
    ours_seconds = time.perf_counter() - started
    ours_pieces = segment._pieces
    segment._pieces = syntok_pieces
    segment._split.cache_clear()
    try:
        started = time.perf_counter()
        theirs = [list(segment._split(t)) for t in texts]
        syntok_seconds = time.perf_counter() - started
    finally:
        segment._pieces = ours_pieces
        segment._split.cache_clear()
    same = sum(a == b for a, b in zip(ours, theirs, strict=True))
    only_ours: list[str] = []
    only_syntok: list[str] = []
    shared = 0
    for text, a, b in zip(texts, ours, theirs, strict=True):
        mine, other = boundaries(text, a), boundaries(text, b)
        shared += len(mine & other)
        only_ours += [f"{text[max(0, k - 60):k]} | {text[k:k + 40]}" for k in sorted(mine - other)]
        only_syntok += [f"{text[max(0, k - 60):k]} | {text[k:k + 40]}" for k in sorted(other - mine)]
    print(f"{len(texts)} paragraphs, {sum(map(len, theirs))} syntok sentences")
    print(f"paragraphs split the same: {same} ({same / len(texts):.1%})")
    print(f"boundaries both put: {shared}; only ours: {len(only_ours)}; only syntok: {len(only_syntok)}")
    print(f"time: ours {ours_seconds:.2f} s, syntok {syntok_seconds:.2f} s (×{syntok_seconds / ours_seconds:.0f})")
    rng = random.Random(0)
    for title, cases in (("only ours", only_ours), ("only syntok", only_syntok)):
        print(f"\n## boundaries {title} (sample)")
        for case in rng.sample(cases, min(args.examples, len(cases))):
            print(" ", case)


if __name__ == "__main__":
    main()
