"""Page furniture in what digest makes of scraped text without paragraphs (Multi-News).

    python benchmarks/furniture.py [--eval ../shared/eval] [--show 20] [--words 250]

Every Multi-News article is one paragraph as it was scraped, with captions, credits, share prompts,
headings and runs of related links glued into it. Each story's documents are read and cleaned as the
pipeline does (``read_file``, ``common_head_lines`` over the whole inbox, ``clean_document``) and
summarised (``summarize``); the story's title is the pipeline's (``pipeline._story_title``). Prints:

* (a) how many of the 666 documents yield no article (set aside as furniture), and how many of those
  are the placeholder pages the README lists (texts found in more than one story);
* (b) how many summary sentences look like furniture by :func:`furniture_reason` below, by reason;
* (c) how many story titles look like furniture by the same check.

``furniture_reason`` is this benchmark's own check, not digest's: written by reading the sentences
and titles it flags (``--show``) and the ones it passes, and kept independent of the cleaning rules.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # measure this checkout's digest

from benchmarks.common import DEFAULT_EVAL
from digest.models import Article
from digest.pipeline import _story_title
from digest.sources.ingest import read_file
from digest.summaries.summarize import summarize
from digest.text.clean import clean_document, common_head_lines

_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_CHECKS: list[tuple[str, re.Pattern[str]]] = [
    # A photo caption ends on the day the photo was taken: "… storm the office … Sunday, April 6, 2014."
    # (a date after a place or a weekday; "will release the film July 22, 2011." is a sentence).
    ("caption", re.compile(rf"(?:{_WEEKDAY}|\b[A-Z][\w.]+),? {_MONTH}\.? \d{{1,2}}, \d{{4}}\.?\s*\)?$")),
    ("caption", re.compile(r"^\(?(?:FILE\b|In this\b.{0,120}\b(?:photo|image|picture)\b)|\bImage caption\b", re.I)),
    (
        "credit",
        re.compile(
            r"\b(?:AP Photo|Getty Images|Image copyright|Photo(?:graph)?s? (?:by|courtesy|credit)|Credit:|Photo:|"
            r"Reuters/|/AP\b|/AFP\b|Shutterstock)",
            re.I,
        ),
    ),
    (
        "notice",
        re.compile(
            r"\b(?:video has been rented|rating is available|tweet with a location|add your thoughts|"
            r"sign up|share this|click here|read more|watch (?:the )?video|embed this|follow us|newsletter|"
            r"all rights reserved|copyright \d{4}|media playback)\b",
            re.I,
        ),
    ),
    ("notice", re.compile(r"(?:^|\. )Advertisement\b|\bADVERTISEMENT\b")),
    # Two words glued without a space where one line of a page ended and the next began
    # ("McConnellSunday shows preview"); names written that way (McDonald, YouTube) are not.
    # A heading glued to the sentence it heads: Title Case words, then a capitalised function word.
    (
        "glued heading",
        re.compile(r"^(?:[A-Z][\w'’-]* ){2,8}(?:The|A|An|In|On|At|This|It|He|She|They|We) \w"),
    ),
    # A run of links or headlines: many capitalised words in a row.
    ("capital run", re.compile(r"(?:\b[A-Z][\w'’.-]*\b[,:]? ){9,}")),
]
# Two words glued without a space where one line of a page ended and the next began
# ("Mitch McConnell Addison (Mitch) Mitchell McConnellSunday shows preview"): the first is a word the
# text also gives alone. Names written as one (McDonald, AirAsia, CouponCabin.com) are not.
_GLUED = re.compile(r"\b((?:Mc|Mac)?[A-Z]?[a-z]{2,})([A-Z][a-z]{2,})\b(?![.@/])")
_EXCUSED = re.compile(r"\b(?:YouTube|PayPal|LinkedIn|JavaScript|PowerPoint|iPhone|iPad|WikiLeaks|FedEx|GoPro)\b")


def furniture_reason(text: str) -> str | None:
    """Why ``text`` (a summary sentence or a title) reads as page furniture rather than news; None if it does not."""
    cleaned = _EXCUSED.sub("X", text)
    if cleaned.upper() == cleaned:  # a sentence in capitals says nothing by its capitals
        cleaned = cleaned.lower()
    for match in _GLUED.finditer(cleaned):
        alone = re.search(rf"\b{match.group(1)}\b", cleaned[: match.start()])
        if alone:
            return "glued words"
    for reason, pattern in _CHECKS:
        if pattern.search(cleaned):
            return reason
    return None


def load(eval_dir: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (eval_dir / "multinews" / "clusters.jsonl").read_text().splitlines()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--words", type=int, default=250, help="summary budget per story (the ROUGE measure's 250)")
    parser.add_argument("--show", type=int, default=0, help="print this many flagged sentences and titles")
    parser.add_argument("--dump", type=Path, help="write every story's title and summary to this file")
    args = parser.parse_args()
    rows = load(args.eval)
    stories_of: dict[str, set[str]] = {}
    for row in rows:
        for doc in row["docs"]:  # type: ignore[attr-defined]
            stories_of.setdefault(doc["text"], set()).add(row["cluster"])  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory() as folder:
        raw = {}
        for row in rows:
            for doc in row["docs"]:  # type: ignore[attr-defined]
                path = Path(folder) / f"{doc['id']}.txt"
                path.write_text(doc["text"] + "\n", encoding="utf-8")
                raw[doc["id"]] = (read_file(path).docs, doc["text"])
        furniture = common_head_lines(d for docs, _ in raw.values() for d in docs)
        articles_of = {key: [a for d in docs for a in clean_document(d, furniture)] for key, (docs, _) in raw.items()}
    set_aside = [key for key, articles in articles_of.items() if not articles]
    placeholders = [key for key in set_aside if len(stories_of[raw[key][1]]) > 1]
    reasons: Counter[str] = Counter()
    title_reasons: Counter[str] = Counter()
    flagged: list[str] = []
    sentences = 0
    dump: list[str] = []
    for row in rows:
        members: list[Article] = [a for doc in row["docs"] for a in articles_of[doc["id"]]]  # type: ignore[attr-defined]
        if not members:
            continue
        title = _story_title(members)
        why = furniture_reason(title)
        if why:
            title_reasons[why] += 1
            flagged.append(f"TITLE [{why}] {title}")
        summary = summarize(members, max_words=args.words)
        dump.append(f"## {row['cluster']}: {title}\n" + "\n".join(f"- {s.text}" for s in summary) + "\n")
        for sentence in summary:
            sentences += 1
            why = furniture_reason(sentence.text)
            if why:
                reasons[why] += 1
                flagged.append(f"[{why}] {sentence.text}")
    print(f"(a) documents set aside as furniture: {len(set_aside)} of {len(raw)} ({len(placeholders)} placeholders)")
    print(f"    real articles set aside: {sorted(k for k in set_aside if k not in placeholders)}")
    share = sum(reasons.values()) / max(1, sentences)
    print(f"(b) summary sentences looking like furniture: {sum(reasons.values())} of {sentences} ({share:.1%})")
    print(f"    by reason: {dict(reasons.most_common())}")
    print(f"(c) story titles looking like furniture: {sum(title_reasons.values())} of {len(rows)}")
    print(f"    by reason: {dict(title_reasons.most_common())}")
    for line in flagged[: args.show]:
        print("   ", line[:300])
    if args.dump:
        args.dump.write_text("\n".join(dump), encoding="utf-8")


if __name__ == "__main__":
    main()
