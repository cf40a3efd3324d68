"""News feeds (RSS, Atom, JSON Feed) fetched into the inbox, each new item as a file of its own.

The inbox stays the only way in: an item becomes ``inbox/feeds/<feed>/<title>-<hash>.json`` (title,
link, source, published, text), or, for a feed of teasers (``full_text``), the linked page as
``.html``, which the reader extracts. Files are written whole (a hidden temporary name, then a
rename), so the inbox watcher never reads half of one. The ledger of items written (a table of
the store, keyed by the item's guid or link) makes sure none is written twice, also after a
restart or when the user has deleted the file.

HTTP is done with requests: a timeout for the whole response, a size cap counted while the body
streams in (after gzip is undone), at most ``max_redirects`` redirects, a clear User-Agent, and
per host at most ``per_host`` requests at once, ``delay_seconds`` apart. Conditional GET (ETag,
Last-Modified) spares a feed that did not change. A feed that fails (no such host, refused TLS,
an HTTP error, a time-out, a response over the cap, XML that is not well-formed, an entity bomb,
which expat refuses) is recorded with its reason and never stops the others.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import threading
import time
import unicodedata
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.sax import SAXException
from xml.sax.saxutils import quoteattr

from ..config import FeedSettings, FetchSettings, Settings, check_feed_url
from ..errors import ConfigError, InputError
from ..store import EditionLock, FeedRecord, Store, open_store, store_lock

log = logging.getLogger(__name__)

FEEDS_FOLDER = "feeds"
MAX_FEED_THREADS = 8
FETCH_WAIT_SECONDS = 600.0


def user_agent() -> str:
    from .. import __version__

    return f"digest/{__version__} (+local news digest)"


def slug(text: str, limit: int = 60) -> str:
    """A safe file or folder name made from ``text``: lower-case ASCII letters, digits and dashes."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    name = "-".join(words)[:limit].strip("-")
    return name or "untitled"


def feed_slug(url: str, name: str | None) -> str:
    """The folder of a feed below inbox/feeds: its name, else its host and path."""
    if name:
        return slug(name)
    parts = urlsplit(url)
    return slug(f"{parts.hostname or ''} {parts.path.rsplit('.', 1)[0]}")


def write_whole(folder: Path, name: str, data: bytes, exclusive: bool = False) -> Path:
    """Write ``folder/name`` whole: under a hidden temporary name the inbox ignores, then renamed.
    With ``exclusive``, a temporary file already there is not written over (an error instead)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    partial = folder / f".{name}.tmp"
    try:
        with partial.open("xb" if exclusive else "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, target)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise
    return target


# HTTP ---------------------------------------------------------------------------------------------
class FetchError(Exception):
    """A fetch that failed; the message is the one-line reason shown to the user."""


class HostGate:
    """At most ``per_host`` requests at once to one host, each started ``delay`` seconds after the last."""

    def __init__(self, per_host: int, delay: float) -> None:
        self.per_host = per_host
        self.delay = delay
        self.lock = threading.Lock()
        self.slots: dict[str, threading.BoundedSemaphore] = {}
        self.next_start: dict[str, float] = {}

    @contextlib.contextmanager
    def slot(self, url: str) -> Iterator[None]:
        host = (urlsplit(url).hostname or "").lower()
        with self.lock:
            semaphore = self.slots.setdefault(host, threading.BoundedSemaphore(self.per_host))
        with semaphore:
            with self.lock:
                now = time.monotonic()
                start = max(now, self.next_start.get(host, 0.0))
                self.next_start[host] = start + self.delay
            if start > now:
                time.sleep(start - now)
            yield


@dataclass(frozen=True)
class Response:
    status: int
    url: str
    headers: dict[str, str]
    body: bytes


def make_client(fetch: FetchSettings) -> Any:
    """An HTTP session (one per thread): redirects capped, our User-Agent, gzip and deflate accepted."""
    import requests

    session = requests.Session()
    session.max_redirects = fetch.max_redirects
    session.headers.update({"User-Agent": user_agent(), "Accept-Encoding": "gzip, deflate"})
    return session


def _reason(exc: Exception, fetch: FetchSettings) -> str:
    """The one-line reason of a failed request."""
    import requests

    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, requests.TooManyRedirects):
        return f"more than {fetch.max_redirects} redirects"
    if isinstance(exc, requests.Timeout) or "timed out" in text.lower():
        return f"no answer within {fetch.timeout:g} s"
    if isinstance(exc, requests.exceptions.SSLError):
        return f"TLS failed: {text}"
    if isinstance(exc, requests.ConnectionError):
        return f"cannot connect: {text}"
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.InvalidSchema):
        return f"not a usable address: {text}"
    return f"{type(exc).__name__}: {text}"


def http_get(
    client: Any, gate: HostGate, url: str, fetch: FetchSettings, headers: dict[str, str] | None = None
) -> Response:
    """GET ``url`` within the settings' limits; a 304 is returned, any other failure raises FetchError."""
    import requests

    limit = int(fetch.max_mb * 1_000_000)
    too_big = f"the response is larger than {fetch.max_mb:g} MB; refused"
    try:
        with gate.slot(url):
            deadline = time.monotonic() + fetch.timeout
            with client.get(url, headers=headers or {}, timeout=fetch.timeout, stream=True) as response:
                if response.status_code >= 400:
                    raise FetchError(f"HTTP {response.status_code} {response.reason or ''}".strip())
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > limit and "content-encoding" not in response.headers:
                    raise FetchError(too_big)
                chunks: list[bytes] = []
                size = 0
                # iter_content undoes gzip: the cap counts what is decompressed, so a gzip bomb stops too
                for chunk in response.iter_content(64 * 1024):
                    size += len(chunk)
                    if size > limit:
                        raise FetchError(too_big)
                    if time.monotonic() > deadline:
                        raise FetchError(f"no whole answer within {fetch.timeout:g} s")
                    chunks.append(chunk)
                headers_found = {name.lower(): value for name, value in response.headers.items()}
                return Response(response.status_code, response.url, headers_found, b"".join(chunks))
    except requests.RequestException as exc:
        raise FetchError(_reason(exc, fetch)) from None


# parsing ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Item:
    key: str  # guid, else link, else a hash of title and text: what the ledger remembers
    title: str | None
    link: str | None
    published: str | None
    text: str  # plain text (content, else summary); may be empty for a teaser feed


@dataclass(frozen=True)
class ParsedFeed:
    title: str | None
    items: tuple[Item, ...]


def _item_key(guid: Any, link: Any, title: str | None, text: str) -> str:
    for value in (guid, link):
        if isinstance(value, str) and value.strip():
            return value.strip()
    return "sha256:" + hashlib.sha256(f"{title or ''}\n{text}".encode()).hexdigest()


def _text(value: Any, html: bool) -> str:
    from .newsletters import html_to_text

    if not isinstance(value, str):
        return ""
    return html_to_text(value) if html else value.strip()


def _parse_json_feed(body: bytes) -> ParsedFeed:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FetchError(f"not a feed: JSON that cannot be read ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise FetchError("not a feed: JSON without an 'items' list (JSON Feed)")
    items = []
    for entry in data["items"]:
        if not isinstance(entry, dict):
            continue
        title = entry.get("title") if isinstance(entry.get("title"), str) else None
        html = entry.get("content_html")
        text = _text(html, True) if isinstance(html, str) else _text(entry.get("content_text"), False)
        text = text or _text(entry.get("summary"), False)
        link = entry.get("url") or entry.get("external_url")
        link = link if isinstance(link, str) else None
        published = entry.get("date_published")
        items.append(
            Item(
                _item_key(entry.get("id"), link, title, text),
                title.strip() if title else None,
                link,
                published if isinstance(published, str) else None,
                text,
            )
        )
    title = data.get("title")
    return ParsedFeed(title if isinstance(title, str) else None, tuple(items))


def parse_feed(body: bytes, content_type: str = "") -> ParsedFeed:
    """The items of an RSS, Atom or JSON feed; FetchError when it is none of them."""
    if "json" in content_type.lower() or body.lstrip()[:1] == b"{":
        return _parse_json_feed(body)
    import feedparser

    parsed = feedparser.parse(body, response_headers={"content-type": content_type} if content_type else None)
    problem = parsed.get("bozo_exception")
    # feedparser reads on with a lenient parser where expat stops; XML that is not well-formed (or
    # that expat refused, like an entity bomb) is a broken feed, not one to guess at.
    if isinstance(problem, SAXException):
        raise FetchError(f"not a feed: the XML is not well-formed ({problem})")
    if not parsed.get("version") and not parsed.entries:
        raise FetchError("not a feed: no RSS, Atom or JSON Feed found in the response")
    items = []
    for entry in parsed.entries:
        text = ""
        for content in entry.get("content", []):
            text = _text(content.get("value"), "html" in str(content.get("type", "html")))
            if text:
                break
        if not text:
            detail = entry.get("summary_detail") or {}
            text = _text(entry.get("summary"), "html" in str(detail.get("type", "html")))
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        published = datetime(*tuple(stamp)[:6]).replace(tzinfo=UTC).isoformat() if stamp else None
        title = entry.get("title")
        link = entry.get("link")
        items.append(
            Item(
                _item_key(entry.get("id"), link, title, text),
                title.strip() if isinstance(title, str) and title.strip() else None,
                link if isinstance(link, str) else None,
                published,
                text,
            )
        )
    title = parsed.feed.get("title") if hasattr(parsed, "feed") else None
    return ParsedFeed(title if isinstance(title, str) else None, tuple(items))


# fetching -----------------------------------------------------------------------------------------
@dataclass
class FeedOutcome:
    """One fetch of one feed: what it wrote, or why it failed."""

    url: str
    name: str
    error: str | None = None
    not_modified: bool = False
    written: list[tuple[str, str | None]] = field(default_factory=list)  # (item key, inbox path)
    etag: str | None = None
    last_modified: str | None = None


def _item_file(item: Item, source: str, page: Response | None) -> tuple[str, bytes] | None:
    """The file an item becomes (name, bytes), or None when it carries no text at all."""
    name = f"{slug(item.title or 'item')}-{hashlib.sha256(item.key.encode()).hexdigest()[:10]}"
    if page is not None:
        return f"{name}.html", page.body
    if not item.text.strip():
        return None
    data = {"title": item.title, "url": item.link, "source": source, "published": item.published, "text": item.text}
    return f"{name}.json", json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def fetch_feed(client: Any, gate: HostGate, feed: FeedRecord, seen: set[str], settings: Settings) -> FeedOutcome:
    """Fetch one feed and write its new items into the inbox. Never raises for a feed's own failure."""
    outcome = FeedOutcome(feed.url, feed.name or feed.url)
    headers = {}
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    try:
        response = http_get(client, gate, feed.url, settings.fetch, headers)
        if response.status == 304:
            outcome.not_modified = True
            return outcome
        parsed = parse_feed(response.body, response.headers.get("content-type", ""))
    except FetchError as exc:
        outcome.error = str(exc)
        return outcome
    outcome.etag = response.headers.get("etag")
    outcome.last_modified = response.headers.get("last-modified")
    source = feed.name or parsed.title or urlsplit(feed.url).hostname or feed.url
    folder = settings.inbox / FEEDS_FOLDER / feed_slug(feed.url, feed.name)
    for item in parsed.items:
        if item.key in seen:
            continue
        page = None
        if feed.full_text and item.link:
            try:
                page = http_get(client, gate, item.link, settings.fetch)
            except FetchError as exc:
                log.warning("feed %s: the page %s cannot be fetched (%s); its summary is kept", source, item.link, exc)
        made = _item_file(item, source, page)
        path = None
        if made is not None:
            try:
                path = str(write_whole(folder, *made))
            except OSError as exc:
                outcome.error = f"cannot write into {folder}: {exc.strerror or exc}"
                return outcome
        seen.add(item.key)
        outcome.written.append((item.key, path))
    return outcome


def subscriptions(settings: Settings, store: Store) -> list[FeedRecord]:
    """The feeds to fetch: those of digest.toml (added to the store's list) and those added by command."""
    now = _now()
    for feed in settings.feeds:
        store.add_feed(feed.url, feed.name, feed.full_text, "config", now)
    return store.feeds()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _cadence(settings: Settings, url: str) -> float:
    own = next((f.fetch_minutes for f in settings.feeds if f.url == url and f.fetch_minutes), None)
    return own or settings.fetch_minutes


def _due(settings: Settings, feed: FeedRecord, now: datetime) -> bool:
    if feed.last_fetch is None:
        return True
    try:
        last = datetime.fromisoformat(feed.last_fetch)
    except ValueError:
        return True
    # A little early is on time: a job every fetch_minutes must not skip each second run.
    return now - last >= timedelta(minutes=_cadence(settings, feed.url)) - timedelta(seconds=30)


def fetch_lock(settings: Settings) -> EditionLock:
    return store_lock(settings, "fetch", busy="another digest is fetching the feeds of this store")


def fetch_feeds(settings: Settings, *, due_only: bool = False, wait: float = FETCH_WAIT_SECONDS) -> list[FeedOutcome]:
    """Fetch every subscribed feed (with ``due_only``, those whose cadence has come), write their new
    items into the inbox and record each outcome in the store. Feeds not fetched are left out."""
    lock = fetch_lock(settings)
    lock.acquire(wait=wait)
    try:
        with open_store(settings) as store:
            now = datetime.now(UTC)
            feeds = [f for f in subscriptions(settings, store) if not due_only or _due(settings, f, now)]
            if not feeds:
                return []
            seen = {feed.url: store.fetched_keys(feed.url) for feed in feeds}
            gate = HostGate(settings.fetch.per_host, settings.fetch.delay_seconds)
            outcomes: list[FeedOutcome] = []
            clients = [make_client(settings.fetch) for _ in feeds]  # a session is used by one thread only
            with ThreadPoolExecutor(min(MAX_FEED_THREADS, len(feeds))) as pool:
                futures = {
                    pool.submit(fetch_feed, client, gate, f, seen[f.url], settings): f
                    for client, f in zip(clients, feeds, strict=True)
                }
                for future in as_completed(futures):
                    feed = futures[future]
                    try:
                        outcome = future.result()
                    except Exception as exc:  # a bug on one feed's odd content must not stop the others
                        log.debug("fetching %s failed", feed.url, exc_info=True)
                        outcome = FeedOutcome(feed.url, feed.name or feed.url, error=f"{type(exc).__name__}: {exc}")
                    new = sum(1 for _, path in outcome.written if path)
                    store.record_fetch(
                        feed.url,
                        _now(),
                        error=outcome.error,
                        new_items=new,
                        etag=outcome.etag,
                        last_modified=outcome.last_modified,
                        items=outcome.written,
                    )
                    if outcome.error:
                        log.warning("feed %s failed: %s", outcome.name, outcome.error)
                    else:
                        log.info("feed %s: %s", outcome.name, "not modified" if outcome.not_modified else f"{new} new")
                    outcomes.append(outcome)
            for client in clients:
                client.close()
            order = {feed.url: number for number, feed in enumerate(feeds)}
            return sorted(outcomes, key=lambda o: order[o.url])
    finally:
        lock.release()


def feed_states(settings: Settings) -> list[FeedRecord]:
    """The subscribed feeds and their last fetch, as the store knows them (for list and status)."""
    with open_store(settings) as store:
        return subscriptions(settings, store)


def add_feed(settings: Settings, url: str, name: str | None, full_text: bool, origin: str = "cli") -> bool:
    url = check_feed_url("the feed address", url)
    with open_store(settings) as store:
        return store.add_feed(url, name, full_text, origin, _now())


# OPML ---------------------------------------------------------------------------------------------
def read_opml(path: Path) -> list[tuple[str, str | None]]:
    """The feeds of an OPML file: (address, name), outlines nested in folders included."""
    try:
        root = ElementTree.parse(path).getroot()
    except FileNotFoundError:
        raise InputError(f"{path} does not exist") from None
    except OSError as exc:
        raise InputError(f"{path} cannot be read: {exc.strerror or exc}") from None
    except ElementTree.ParseError as exc:
        raise InputError(f"{path} is not an OPML file: the XML is not well-formed ({exc})") from None
    if root.tag != "opml":
        raise InputError(f"{path} is not an OPML file (its root element is <{root.tag}>, not <opml>)")
    found: list[tuple[str, str | None]] = []
    for outline in root.iter("outline"):
        url = outline.get("xmlUrl")
        if not url:
            continue
        name = (outline.get("title") or outline.get("text") or "").strip() or None
        try:
            found.append((check_feed_url("xmlUrl", url), name))
        except ConfigError as exc:
            log.warning("%s: outline %r skipped: %s", path, name or url, exc)
    return found


def import_opml(settings: Settings, path: Path) -> tuple[int, int]:
    """Subscribe to the feeds of an OPML file; return (added, already subscribed)."""
    feeds = read_opml(path)
    added = 0
    with open_store(settings) as store:
        known = {feed.url: feed for feed in store.feeds()}
        for url, name in feeds:
            if url in known:
                continue
            added += store.add_feed(url, name, False, "opml", _now())
    return added, len(feeds) - added


def opml_text(feeds: Sequence[FeedRecord | FeedSettings]) -> str:
    """An OPML 2.0 document listing ``feeds`` (what ``digest feeds export`` prints)."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        "  <head>",
        "    <title>digest subscriptions</title>",
        f"    <dateCreated>{datetime.now(UTC).strftime('%a, %d %b %Y %H:%M:%S +0000')}</dateCreated>",
        "  </head>",
        "  <body>",
    ]
    for feed in feeds:
        name = feed.name or feed.url
        lines.append(
            f'    <outline type="rss" text={quoteattr(name)} title={quoteattr(name)} xmlUrl={quoteattr(feed.url)}/>'
        )
    lines += ["  </body>", "</opml>"]
    return "\n".join(lines) + "\n"
