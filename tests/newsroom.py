"""The newsroom inbox (tests/data/newsroom/) and a judge of an edition made from it.

``expected.json`` lists, for every fact of every story told by several outlets, the exact words
with which each file states it and the files that do not. An edition's summary sentence is taken to
say a fact when it holds the words its own file states it with. Then:

* a *repeat* is a fact said by two sentences of one summary;
* a *wrong* citation names a file that states none of the facts the sentence says;
* a *missing* citation leaves out a file that states every fact the sentence says.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

NEWSROOM = Path(__file__).resolve().parent / "data" / "newsroom"


def expected() -> dict[str, Any]:
    return json.loads((NEWSROOM / "expected.json").read_text(encoding="utf-8"))


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class Judgement:
    sentences: int = 0
    citations: int = 0  # citations of other files than the sentence's own
    repeats: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def judge(edition: dict[str, Any]) -> Judgement:
    facts = expected()["facts"]
    result = Judgement()
    for story in edition["stories"]:
        files = {a["id"]: Path(a["path"]).name for a in story["articles"]}
        said: set[int] = set()
        for sentence in story["summary"]:
            result.sentences += 1
            own = files[sentence["citations"][0]]
            text = _plain(sentence["text"])
            mine = [k for k, f in enumerate(facts) if own in f["stated_by"] and _plain(f["stated_by"][own]) in text]
            result.repeats += [f"{facts[k]['fact']} | {text}" for k in mine if k in said]
            said.update(mine)
            cited = {files[c] for c in sentence["citations"][1:]}
            result.citations += len(cited)
            if not mine:
                continue
            stating = set.union(*(set(facts[k]["stated_by"]) for k in mine)) - {own}
            every = set.intersection(*(set(facts[k]["stated_by"]) for k in mine)) - {own}
            result.wrong += [f"{name} | {text}" for name in sorted(cited - stating)]
            result.missing += [f"{name} | {text}" for name in sorted(every - cited)]
    return result
