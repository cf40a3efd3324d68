"""How long the PDF of a 40-story edition takes to render (goal: under 5 seconds).

The edition is made from ECB+ news documents (../shared/eval/ecbplus/docs.jsonl): three articles
from each of 40 topics, one real-world event per topic (the ``ecbplus`` half, whose documents
carry a headline and a web address). The articles are read, cleaned, clustered and summarised
as in ``digest run``; only the PDF (HTML for print, then WeasyPrint) is timed.

    python benchmarks/render_pdf.py                      # prints the seconds per PDF
    python benchmarks/render_pdf.py --inbox /tmp/ecb40   # also leaves the inbox there
    python benchmarks/render_pdf.py --pdf /tmp/ecb40.pdf # and the PDF
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path

from digest.models import Digest
from digest.output.render import render_html, render_pdf
from digest.pipeline import build_stories
from digest.sources.ingest import read_file
from digest.text.clean import clean_document, common_head_lines

DOCS = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "ecbplus" / "docs.jsonl"


def build_inbox(folder: Path, docs: Path = DOCS, stories: int = 40, per_story: int = 3) -> int:
    """Write ``per_story`` articles of each of ``stories`` ECB+ events into ``folder``; return files written."""
    by_event: dict[str, list[dict[str, str]]] = defaultdict(list)
    with docs.open(encoding="utf-8") as lines:
        for line in lines:
            doc = json.loads(line)
            if doc["subtopic"].endswith("ecbplus") and doc["title"] and doc["text"].count("\n") >= 3:
                by_event[doc["subtopic"]].append(doc)
    events = sorted(
        (s for s, d in by_event.items() if len(d) >= per_story), key=lambda s: int(s.removesuffix("ecbplus"))
    )
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for event in events[:stories]:
        for doc in by_event[event][:per_story]:
            header = f"Title: {doc['title']}\n" + (f"URL: {doc['url']}\n" if doc["url"] else "")
            (folder / f"{doc['id']}.txt").write_text(f"{header}\n{doc['text']}\n", encoding="utf-8")
            written += 1
    return written


def edition(inbox: Path, day: date) -> Digest:
    docs = [doc for path in sorted(inbox.glob("*.txt")) for doc in read_file(path).docs]
    furniture = common_head_lines(docs)
    articles = [a for doc in docs for a in clean_document(doc, furniture)]
    stories = build_stories(articles, 120)[:40]  # a few events split in two: keep the 40 biggest stories
    return Digest(day, datetime(day.year, day.month, day.day, 7, tzinfo=UTC), tuple(stories))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=Path, default=DOCS, help="ECB+ docs.jsonl")
    parser.add_argument("--inbox", type=Path, help="write the 40-story inbox here (default: a temporary folder)")
    parser.add_argument("--pdf", type=Path, help="also write the PDF here")
    parser.add_argument("--stories", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3, help="renders to time (the median is printed)")
    args = parser.parse_args()
    if not args.docs.is_file():
        print(f"render_pdf: {args.docs} not found", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as scratch:
        inbox = args.inbox or Path(scratch) / "inbox"
        build_inbox(inbox, args.docs, stories=args.stories)
        digest = edition(inbox, date(2024, 5, 6))
    stories = len(digest.stories)
    seconds = []
    pdf = b""
    for _ in range(args.repeat):
        start = time.perf_counter()
        pdf = render_pdf(render_html(digest, max_stories=stories, mode="pdf"))
        seconds.append(time.perf_counter() - start)
    if args.pdf:
        args.pdf.write_bytes(pdf)
    from pypdf import PdfReader  # the test extra's PDF reader: page count only

    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    print(f"stories: {stories}, articles: {digest.article_count}, PDF: {len(pdf) / 1024:.0f} KiB, {pages} pages")
    print(f"PDF render seconds (median of {len(seconds)}): {statistics.median(seconds):.2f}  (goal < 5)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
