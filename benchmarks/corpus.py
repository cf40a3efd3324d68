"""Deterministic synthetic inboxes for the speed benchmark, built from the real texts in ``shared/eval``.

    python benchmarks/corpus.py 2000 [--eval ../shared/eval] [--cache DIR]

An inbox of N articles mixes three sources of real news text: ECB+ documents (86 stories of about
eleven articles each, the story structure clustering has to find), BBC articles (mostly stories of
one article) and the saved web pages of the extraction benchmark (real HTML with its furniture).
Around a fifth of the ECB+ and BBC articles also appear as a syndicated copy: another outlet, a
byline and a footer added, a paragraph dropped. Articles are written as ``.txt`` with a header
block, ``.md`` with front matter, ``.html`` pages with navigation and footer, ``.json`` (single
objects and small feed dumps) and ``.eml``, with publication dates spread over four days.

More articles than the eval sets hold come from *replicas*: replica ``r`` rewrites every text with
its own vocabulary (each content word, name included, is swapped for another word of about the same
frequency, digits are shifted), so a replica of a story is a different story with the same shape,
and the articles of one replica's story still share their words with each other.

The stories of all replicas are shuffled once with a fixed seed and an inbox of N articles takes
them in that order until it holds N articles, so a smaller inbox is a prefix of a larger one and
every size has the same mix. Built inboxes are cached (``$DIGEST_BENCH_CACHE``, default
``/tmp/digest-bench``).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import random
import re
import shutil
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from html import escape
from pathlib import Path

VERSION = 2
DEFAULT_EVAL = Path(__file__).resolve().parent.parent.parent / "shared" / "eval"
DEFAULT_CACHE = Path(os.environ.get("DIGEST_BENCH_CACHE", "/tmp/digest-bench"))
REPLICAS = 6  # enough for about 23,000 articles
FIRST_DAY = date(2026, 11, 19)
DAYS = 4
EDITION_DAY = FIRST_DAY + timedelta(days=DAYS)

OUTLETS = (
    "The Morning Ledger",
    "Evening Courier",
    "Harbour Times",
    "Northern Gazette",
    "Capital Wire",
    "Daily Observer",
    "Valley Herald",
    "Metro Dispatch",
    "Coastline News",
    "The Chronicle",
    "Union Tribune Online",
    "Riverside Post",
    "Global Newsdesk",
    "Weekend Review",
    "City Press",
    "Continental Report",
    "Plains Standard",
    "Lakeside Journal",
    "Summit Times",
    "Independent Monitor",
)
FORMATS = ("txt", "txt", "txt", "md", "md", "html", "html", "json", "json", "eml")
_WORD = re.compile(r"[A-Za-z]+")
_DIGIT = re.compile(r"\d")
_STOP = frozenset(
    """a about after all also an and any are as at be been but by can could did do does for from had has have
    he her his how i if in into is it its more most no not of on one or our out over said says she so some
    than that the their them then there these they this those to two up was we were what when where which
    who will with would you your""".split()
)


@dataclass(frozen=True)
class Item:
    """One article before it is written: text paragraphs and metadata, plus where it came from."""

    key: str  # unique within a replica
    title: str
    paragraphs: tuple[str, ...]
    story: str  # the gold story label (ECB+ subtopic, else the item itself)
    html: str | None = None  # a real saved page (extraction benchmark)
    copy_of: str | None = None


@dataclass
class Family:
    """The articles of one story in one replica."""

    replica: int
    story: str
    items: list[Item] = field(default_factory=list)


def _seed(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "big")


def _read_jsonl(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _ecb_paragraphs(text: str, rng: random.Random) -> tuple[str, ...]:
    """ECB+ has one sentence per line: group them into paragraphs of one to three sentences."""
    sentences = [s.strip() for s in text.split("\n") if s.strip()]
    paragraphs = []
    index = 0
    while index < len(sentences):
        take = rng.choice((1, 2, 2, 3))
        paragraphs.append(" ".join(sentences[index : index + take]))
        index += take
    return tuple(paragraphs)


def _syndicated(item: Item, rng: random.Random) -> Item:
    """Another outlet's copy of an article: same words, one paragraph dropped, a little furniture."""
    paragraphs = list(item.paragraphs)
    if len(paragraphs) > 4:
        del paragraphs[rng.randrange(2, len(paragraphs))]
    return replace(item, key=item.key + "~copy", paragraphs=tuple(paragraphs), copy_of=item.key)


@lru_cache(maxsize=4)
def base_items(eval_dir: Path) -> tuple[tuple[str, tuple[Item, ...]], ...]:
    """The real articles grouped into stories (before replicas), in a fixed order."""
    rng = random.Random(7)
    stories: dict[str, list[Item]] = defaultdict(list)
    for doc in _read_jsonl(eval_dir / "ecbplus" / "docs.jsonl"):
        item = Item(doc["id"], doc["title"], _ecb_paragraphs(doc["text"], rng), "ecb:" + doc["subtopic"])
        stories[item.story].append(item)
    seen_texts: set[str] = set()
    for doc in _read_jsonl(eval_dir / "bbc" / "articles.jsonl"):
        if doc["text"] in seen_texts:  # the data set repeats some articles verbatim
            continue
        seen_texts.add(doc["text"])
        paragraphs = tuple(p.strip() for p in doc["text"].split("\n\n") if p.strip())
        item = Item("bbc:" + doc["id"], doc["title"], paragraphs, "bbc:" + doc["id"])
        stories[item.story].append(item)
    truth = json.loads((eval_dir / "extraction" / "ground-truth.json").read_text(encoding="utf-8"))
    for key in sorted(truth):
        page = gzip.decompress((eval_dir / "extraction" / "html" / f"{key}.html.gz").read_bytes())
        item = Item("web:" + key[:16], "", (), "web:" + key, html=page.decode("utf-8", errors="replace"))
        stories[item.story].append(item)
    for story, items in stories.items():
        copies = [_syndicated(i, rng) for i in items if i.html is None and rng.random() < 0.2]
        items.extend(copies)
        stories[story] = items
    return tuple((story, tuple(items)) for story, items in sorted(stories.items()))


class Rewriter:
    """Replica ``r``'s vocabulary: each content word becomes another of about the same frequency."""

    def __init__(self, texts: list[str], replica: int, band: int = 64) -> None:
        self.replica = replica
        counts = Counter(w.lower() for text in texts for w in _WORD.findall(text))
        vocabulary = sorted((w for w in counts if len(w) > 2 and w not in _STOP), key=lambda w: (-counts[w], w))
        self.mapping: dict[str, str] = {}
        if replica == 0:
            return
        for start in range(0, len(vocabulary), band):
            chunk = vocabulary[start : start + band]
            shuffled = chunk[:]
            random.Random(_seed("band", replica, start)).shuffle(shuffled)
            self.mapping.update(zip(chunk, shuffled, strict=True))

    def _word(self, match: re.Match[str]) -> str:
        word = match.group(0)
        new = self.mapping.get(word.lower())
        if new is None:
            return word
        if word.isupper() and len(word) > 1:
            return new.upper()
        if word[0].isupper():
            return new.capitalize()
        return new

    def text(self, text: str) -> str:
        if self.replica == 0:
            return text
        text = _WORD.sub(self._word, text)
        return _DIGIT.sub(lambda m: str((int(m.group(0)) + self.replica) % 10), text)

    def html(self, page: str) -> str:
        """Rewrite the text between tags only (attributes, scripts' code words stay as they are)."""
        if self.replica == 0:
            return page
        return re.sub(r">([^<]+)<", lambda m: ">" + self.text(m.group(1)) + "<", page)


@lru_cache(maxsize=4)
def families(eval_dir: Path) -> tuple[Family, ...]:
    """Every story of every replica, in the benchmark's fixed shuffled order."""
    base = base_items(eval_dir)
    texts = [" ".join((i.title, *i.paragraphs)) for _, items in base for i in items if i.html is None]
    result = []
    for replica in range(REPLICAS):
        rewriter = Rewriter(texts, replica)
        for story, items in base:
            family = Family(replica, f"r{replica}:{story}")
            for item in items:
                family.items.append(
                    replace(
                        item,
                        title=rewriter.text(item.title),
                        paragraphs=tuple(rewriter.text(p) for p in item.paragraphs),
                        html=rewriter.html(item.html) if item.html is not None else None,
                        story=family.story,
                    )
                )
            result.append(family)
    random.Random(20261123).shuffle(result)
    return tuple(result)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "article"


def _outlet(key: str) -> str:
    return OUTLETS[_seed("outlet", key) % len(OUTLETS)]


def _day(family: Family, key: str) -> date:
    base = _seed("day", family.story) % DAYS
    jitter = (0, 0, 0, 1, -1)[_seed("jitter", key) % 5]
    return FIRST_DAY + timedelta(days=min(DAYS - 1, max(0, base + jitter)))


def _render(item: Item, family: Family, fmt: str) -> tuple[str, str]:
    """(suffix, file content) of one article in one format."""
    outlet = _outlet(item.key)
    day = _day(family, item.key).isoformat()
    url = f"https://news.example/{_slug(outlet)}/{day}/{_slug(item.title or item.key)}"
    paragraphs = list(item.paragraphs)
    if item.copy_of is not None:  # a syndicated copy carries the agency's furniture
        paragraphs = [f"By {outlet} staff", *paragraphs, f"Copyright 2026 {outlet}. All rights reserved."]
    body = "\n\n".join(paragraphs)
    title = item.title
    if fmt == "txt":
        header = [f"Title: {title}"] if title else []
        header += [f"Source: {outlet}", f"URL: {url}", f"Date: {day}"]
        return ".txt", "\n".join(header) + "\n\n" + body + "\n"
    if fmt == "md":
        front = ["---", *([f'title: "{title}"'] if title else []), f"source: {outlet}", f"date: {day}", "---", ""]
        head = f"# {title}\n\n" if title else ""
        return ".md", "\n".join(front) + "\n" + head + body + "\n"
    if fmt == "html":
        nav = "".join(f'<li><a href="/{_slug(s)}">{s}</a></li>' for s in ("World", "Business", "Sport", "Culture"))
        paras = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
        page = (
            f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)} | {outlet}</title>'
            f'<meta property="og:site_name" content="{outlet}"><meta property="og:url" content="{url}">'
            f'<meta property="article:published_time" content="{day}T08:00:00Z"></head><body>'
            f"<header><div class=logo>{outlet}</div><nav><ul>{nav}</ul></nav></header>"
            f"<main><article><h1>{escape(title)}</h1><time datetime='{day}'>{day}</time>{paras}</article></main>"
            f"<aside><h3>Most read</h3><ul>{nav}</ul></aside>"
            f"<footer><p>Sign up for our newsletter to get the news in your inbox.</p>"
            f"<p>&copy; 2026 {outlet}</p></footer></body></html>"
        )
        return ".html", page
    if fmt == "json":
        record = {"title": title or None, "text": body, "url": url, "source": outlet, "published": day}
        return ".json", json.dumps(record, ensure_ascii=False, indent=1)
    # e-mail newsletter: a text/plain message
    weekday = _day(family, item.key).strftime("%a, %d %b %Y")
    return ".eml", (
        f"From: {outlet} <desk@{_slug(outlet)}.example>\nTo: reader@example.org\n"
        f"Subject: {title or outlet + ' bulletin'}\nDate: {weekday} 07:30:00 +0000\n"
        f"MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n{body}\n"
    )


def files(n_articles: int, eval_dir: Path = DEFAULT_EVAL) -> Iterator[tuple[str, str, list[str]]]:
    """(relative path, content, gold stories of its articles) for an inbox of ``n_articles``."""
    count = 0
    feed: list[tuple[Item, Family]] = []  # articles waiting to go into one JSON feed file
    for number, family in enumerate(families(eval_dir)):
        for item in family.items:
            if count >= n_articles:
                break
            count += 1
            name = f"{number:05d}-{_slug(item.key)}"
            if item.html is not None:
                yield f"web/{name}.html", item.html, [family.story]
                continue
            fmt = FORMATS[_seed("format", family.replica, item.key) % len(FORMATS)]
            if fmt == "json" and _seed("feed", item.key) % 4 == 0:
                feed.append((item, family))
                if len(feed) == 4:  # a feed dump: a list of four articles in one file
                    records = [json.loads(_render(i, f, "json")[1]) for i, f in feed]
                    yield f"feeds/{name}.json", json.dumps(records, ensure_ascii=False), [f.story for _, f in feed]
                    feed = []
                continue
            suffix, content = _render(item, family, fmt)
            yield f"{fmt}/{name}{suffix}", content, [family.story]
        if count >= n_articles:
            break
    for item, family in feed:
        suffix, content = _render(item, family, "json")
        yield f"json/{_slug(item.key)}{suffix}", content, [family.story]


def build(n_articles: int, eval_dir: Path = DEFAULT_EVAL, cache: Path = DEFAULT_CACHE) -> Path:
    """The inbox folder of ``n_articles`` (built once, then taken from the cache)."""
    target = cache / f"inbox-{n_articles}-v{VERSION}"
    if (target / ".complete").exists():
        return target
    partial = cache / f".inbox-{n_articles}-v{VERSION}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    gold: dict[str, list[str]] = {}
    for relative, content, stories in files(n_articles, eval_dir):
        path = partial / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        gold[relative] = stories
    (partial / ".gold.json").write_text(json.dumps(gold), encoding="utf-8")
    (partial / ".complete").write_text("")
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    return target


def giant_story(n_articles: int = 500, eval_dir: Path = DEFAULT_EVAL, cache: Path = DEFAULT_CACHE) -> Path:
    """An inbox of ``n_articles`` about one event: ECB+ story 13ecb retold by many outlets.

    Each article keeps the lead of one real report of the event and adds about half of the other
    paragraphs of two more reports of it, so no two articles are the same.
    """
    target = cache / f"giant-{n_articles}-v{VERSION}"
    if (target / ".complete").exists():
        return target
    reports = [i for story, items in base_items(eval_dir) if story == "ecb:13ecb" for i in items if i.copy_of is None]
    rng = random.Random(13)
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    seen: set[str] = set()
    number = 0
    while number < n_articles:
        first, *others = rng.sample(reports, 3)
        paragraphs = list(first.paragraphs[:2])
        for other in others:  # what the other reports add, in their order
            paragraphs += [p for p in other.paragraphs[1:] if rng.random() < 0.5]
        body = "\n\n".join(paragraphs)
        if body in seen:
            continue
        seen.add(body)
        outlet = OUTLETS[number % len(OUTLETS)]
        day = FIRST_DAY + timedelta(days=number % 2)
        header = f"Title: {first.title}\n" if first.title else ""
        header += f"Source: {outlet} {number // len(OUTLETS) + 1}\nDate: {day.isoformat()}\n\n"
        (target / f"{number:04d}.txt").write_text(header + body + "\n", encoding="utf-8")
        number += 1
    (target / ".complete").write_text("")
    return target


def story_sentences(n_sentences: int = 1000, eval_dir: Path = DEFAULT_EVAL) -> list[str]:
    """``n_sentences`` distinct sentences of ECB+ documents, topic by topic (one long story)."""
    seen: dict[str, None] = {}
    for doc in _read_jsonl(eval_dir / "ecbplus" / "docs.jsonl"):
        for sentence in doc["text"].split("\n"):
            if len(sentence.split()) >= 6:
                seen.setdefault(sentence.strip(), None)
            if len(seen) >= n_sentences:
                return list(seen)
    return list(seen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", type=int, nargs="+", help="articles per inbox, e.g. 1000 2000")
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args()
    for size in args.sizes:
        path = build(size, args.eval, args.cache)
        print(f"{size} articles: {path} ({sum(1 for _ in path.rglob('*.*')) - 2} files)")


if __name__ == "__main__":
    main()
