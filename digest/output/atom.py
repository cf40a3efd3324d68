"""output/feed.xml: an Atom feed (RFC 4287) of the editions, so that a feed reader can subscribe to the digest.

One entry per edition, newest first (the last :data:`ENTRIES`): its date and top story as the title, its
first headlines as the summary, links to its files. Links are relative to the feed (the output folder),
or absolute under ``base_url`` when the settings give one. Ids are derived from the date (and the
``base_url``), so an edition made again keeps its entry.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree

from ..errors import RenderError
from ..store import EditionRecord, Store
from .epub import xml_text
from .render import OUTPUT_FORMATS, _atomic_write, nice_date, remove_leftovers

ATOM = "http://www.w3.org/2005/Atom"
ENTRIES = 50
FEED_TITLE = "Daily digest"
LINKED = ("html", "pdf", "epub")  # the files of an edition an entry links to, those that exist


def _id(base_url: str | None, name: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, (base_url or 'digest:') + name)}"


def _time(value: str) -> str:
    """An ISO time as RFC 3339 (a time without an offset is taken as UTC)."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat()


def _element(parent: ElementTree.Element, tag: str, text: str | None = None, **attributes: str) -> ElementTree.Element:
    element = ElementTree.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
    if text is not None:
        element.text = xml_text(text)
    return element


def feed_xml(
    editions: Sequence[EditionRecord],
    store: Store | None = None,
    base_url: str | None = None,
    now: datetime | None = None,
) -> bytes:
    """The feed of ``editions`` (newest first, as the store lists them); headlines come from the ``store``."""
    ElementTree.register_namespace("", ATOM)
    base = base_url or ""
    feed = ElementTree.Element(f"{{{ATOM}}}feed")
    _element(feed, "id", _id(base_url, "feed"))
    _element(feed, "title", FEED_TITLE)
    shown = sorted(editions, key=lambda e: e.date, reverse=True)[:ENTRIES]
    newest = max((_time(e.generated_at) for e in shown), key=datetime.fromisoformat, default=None)
    _element(feed, "updated", newest or (now or datetime.now(UTC)).replace(microsecond=0).isoformat())
    author = _element(feed, "author")
    _element(author, "name", "digest")
    _element(feed, "link", rel="self", type="application/atom+xml", href=f"{base}feed.xml")
    _element(feed, "link", rel="alternate", type="text/html", href=f"{base}index.html")
    _element(feed, "generator", "digest")
    for edition in shown:
        top = store.edition_headlines(edition.date) if store is not None else []
        day = nice_date(edition.date)
        entry = _element(feed, "entry")
        _element(entry, "id", _id(base_url, f"edition/{edition.date}"))
        _element(entry, "title", f"{day}: {top[0][1]}" if top else day)
        _element(entry, "updated", _time(edition.generated_at))
        stories = f"{edition.stories} {'story' if edition.stories == 1 else 'stories'}"
        headlines = "; ".join(title for _, title in top)
        _element(entry, "summary", f"{stories}. Top stories: {headlines}." if headlines else f"{stories}.")
        linked = [name for name in LINKED if name in edition.outputs] or list(edition.outputs)[:1]
        for name in linked:
            kind = OUTPUT_FORMATS.get(name)
            file_name = kind.file_name if kind else Path(edition.outputs[name]).name
            media_type = kind.media_type.partition(";")[0] if kind else "application/octet-stream"
            href = f"{base}{edition.date}/{file_name}"
            _element(entry, "link", rel="alternate", type=media_type, href=href, title=f"{day} ({name.upper()})")
    ElementTree.indent(feed)
    return bytes(ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)) + b"\n"


def write_feed(
    output: Path, editions: Sequence[EditionRecord], store: Store | None = None, base_url: str | None = None
) -> Path:
    """output/feed.xml: the feed of ``editions``, replacing the one before in one step."""
    remove_leftovers(output, ".feed.xml.*.tmp")
    target = output / "feed.xml"
    try:
        _atomic_write(target, feed_xml(editions, store, base_url))
    except OSError as exc:
        raise RenderError(f"cannot write {target}: {exc.strerror or exc}") from None
    return target
