"""Read one inbox file of any supported format into RawDoc(s).

Never raises on a bad file: :func:`read_file` returns an :class:`IngestResult` that holds either
documents or the reason the file was set aside.
"""

from __future__ import annotations

import codecs
import json
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..models import RawDoc

log = logging.getLogger(__name__)

# Names a writer uses while a file is still being written, and our own folders.
_IGNORED = re.compile(r"(^\.|~$|\.part$|\.tmp$|\.crdownload$|\.swp$|^#.*#$)", re.IGNORECASE)


@dataclass(frozen=True)
class IngestResult:
    path: str
    docs: tuple[RawDoc, ...] = ()
    error: str | None = None


def is_candidate(path: Path) -> bool:
    """True for files the inbox scan should look at (hidden, temporary and partial files are not)."""
    return not _IGNORED.search(path.name)


# Encodings preferred when the detector finds several equally likely: the common ones for news text.
_PREFERRED = ("cp1252", "iso8859_1", "iso8859_15", "cp1250", "iso8859_2")


def _mostly_utf8(data: bytes, error: UnicodeDecodeError) -> str | None:
    """UTF-8 with a few broken bytes (a file cut mid-character, a stray byte) is still UTF-8."""
    if error.reason == "unexpected end of data" and error.start >= len(data) - 3:
        return data[: error.start].decode("utf-8", errors="replace").replace("\ufffd", "")
    text = data.decode("utf-8", errors="replace")
    broken = text.count("\ufffd")
    wide = sum(1 for char in text if ord(char) > 127) - broken  # well-formed multi-byte characters
    if broken * 1000 <= len(data) and wide >= 3 * broken:
        return text.replace("\ufffd", "")
    return None


def _guess_encoding(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    matches = from_bytes(data[:2_000_000])
    best = matches.best()
    if best is None:
        return None
    tied = {m.encoding for m in matches if m.chaos == best.chaos and m.coherence == best.coherence}
    return next((name for name in _PREFERRED if name in tied), best.encoding)


def decode_bytes(data: bytes) -> str | None:
    """Decode text of unknown encoding; None when it is not text at all."""
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                return None
    text: str | None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        text = _mostly_utf8(data, error)
    if text is None:
        encoding = _guess_encoding(data)
        if encoding is None:
            return None
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            return None
    # Control characters other than whitespace mean binary data, whatever the decoder said.
    sample = text[:20_000]
    if sample:
        controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f\v")
        if "\x00" in sample or controls / len(sample) > 0.01:
            return None
    return text


_META_KEYS = {
    "title": "title",
    "headline": "title",
    "source": "source",
    "publisher": "source",
    "url": "url",
    "link": "url",
    "date": "published",
    "published": "published",
}
_HEADER = re.compile(r"^(title|headline|source|publisher|url|link|date|published)\s*:\s*(.+)$", re.I)


def _header_block(lines: list[str]) -> tuple[dict[str, Any], list[str]]:
    """``Title: …`` / ``Source: …`` lines at the very top of a text file are metadata."""
    meta: dict[str, Any] = {}
    index = 0
    while index < len(lines):
        match = _HEADER.match(lines[index].strip())
        if not match:
            break
        meta.setdefault(_META_KEYS[match.group(1).lower()], match.group(2).strip())
        index += 1
    if len(meta) < 2:  # one "Date: …" line alone is not a header block
        return {}, lines
    return meta, lines[index:]


def _from_text(path: str, text: str) -> list[RawDoc]:
    meta, lines = _header_block(text.splitlines())
    return [RawDoc(path=path, text="\n".join(lines), **meta)]


# Every pattern below runs in time linear in the line: a bracket's text and a link's target are
# bounded and cannot hold another bracket, so a line of a million "[" or "](" is read in one pass
# (unbounded "[^\]]*" made such a line quadratic).
_MD_IMAGE = re.compile(r"!\[[^\[\]]{0,1000}\]\([^()\n]{0,2000}\)")
_MD_LINK = re.compile(r"\[([^\[\]]{1,1000})\]\([^()\n]{0,2000}\)")
_MD_REF = re.compile(r"^\s*+\[[^\[\]]{1,1000}\]:\s*+\S")
_MD_RULE = re.compile(r"^\s*+(?:[-*_]\s*+){3,}$")
_MD_PREFIX = re.compile(r"^\s{0,3}(?:#{1,6}\s++|>\s?|[-*+]\s++|\d++[.)]\s++)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")
_MD_FRONT = re.compile(r"^---[ \t\r]*+\n(.*?)\n---[ \t\r]*+\n", re.S)


def _from_markdown(path: str, text: str) -> list[RawDoc]:
    meta: dict[str, Any] = {}
    front = _MD_FRONT.match(text)
    if front:
        for line in front.group(1).splitlines():
            key, _, value = line.partition(":")
            if key.strip().lower() in _META_KEYS and value.strip():
                meta.setdefault(_META_KEYS[key.strip().lower()], value.strip().strip("\"'"))
        text = text[front.end() :]
    lines = []
    for line in text.splitlines():
        if _MD_REF.match(line) or _MD_RULE.match(line):
            continue
        line = _MD_IMAGE.sub("", line)
        line = _MD_LINK.sub(r"\1", line)
        line = _MD_PREFIX.sub("", line)
        line = _MD_EMPHASIS.sub("", line)
        lines.append(line)
    return [RawDoc(path=path, text="\n".join(lines), **meta)]


def _from_html(path: str, html: str) -> list[RawDoc]:
    import trafilatura

    # fast: no second opinion from readability or jusText; the date from the page's markup and
    # its own patterns, without dateparser's language-by-language search (a second per process to
    # load, for the pages that state no date where a page states it).
    doc = trafilatura.bare_extraction(
        html,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        as_dict=False,
        fast=True,
        date_extraction_params={
            "extensive_search": False,
            "original_date": True,
            "max_date": datetime.now().astimezone().strftime("%Y-%m-%d"),  # trafilatura's own bound
        },
    )
    text = getattr(doc, "text", None) if doc is not None else None
    if not text or not text.strip():
        return []
    date = getattr(doc, "date", None)
    # htmldate falls back to the file's own date when the page has none: that is not a publication date.
    if date and date == getattr(doc, "filedate", None):
        date = None
    return [
        RawDoc(
            path=path,
            text=text,
            title=getattr(doc, "title", None) or None,
            source=getattr(doc, "sitename", None) or getattr(doc, "hostname", None) or None,
            url=getattr(doc, "url", None) or None,
            published=date,
            extracted=True,
        )
    ]


def _from_email(path: str, data: bytes) -> list[RawDoc]:
    import email  # here: loading the e-mail package is a quarter of what 'digest summarize' of a text file loads
    import email.policy
    from email.message import EmailMessage
    from email.utils import parsedate_to_datetime

    message = email.message_from_bytes(data, policy=email.policy.default)
    if not isinstance(message, EmailMessage) or not (message.keys() or message.get_payload()):
        return []
    try:
        subject = str(message.get("subject") or "").strip() or None
        sender = message.get("from")
        source = None
        if sender is not None:
            addresses = getattr(sender, "addresses", ())
            source = (addresses[0].display_name or addresses[0].domain) if addresses else str(sender)
        published = None
        if message.get("date"):
            published = parsedate_to_datetime(str(message["date"])).isoformat()  # with its time of day
    except (ValueError, TypeError, IndexError, AttributeError):
        subject = source = published = None
    # A newsletter's HTML part shows its stories' headings, which its plain-text part may have lost.
    newsletter = bool(message.get("list-unsubscribe") or message.get("list-id"))
    body = message.get_body(preferencelist=("html", "plain") if newsletter else ("plain", "html"))
    if body is None:
        return []
    try:
        content = body.get_content()
    except (LookupError, UnicodeError, AssertionError, KeyError):
        payload = body.get_payload(decode=True)
        content = decode_bytes(payload) if isinstance(payload, bytes) else None
    if not isinstance(content, str) or not content.strip():
        return []
    if newsletter:  # one article per story, greeting, sign-off, footer and sponsors left out
        from .newsletters import newsletter_docs

        html = body.get_content_subtype() == "html"
        return newsletter_docs(path, content, html=html, title=subject, source=source, published=published)
    if body.get_content_subtype() == "html":
        docs = _from_html(path, content)
        return [
            RawDoc(
                path=path,
                text=d.text,
                title=subject or d.title,
                source=source or d.source,
                url=d.url,
                published=published or d.published,
                extracted=False,
            )
            for d in docs
        ]
    return [RawDoc(path=path, text=content, title=subject, source=source, published=published)]


def _from_json(path: str, text: str) -> list[RawDoc]:
    data: Any = json.loads(text)
    items = data if isinstance(data, list) else [data]
    docs = []
    for number, item in enumerate(items):
        where = f"item {number}" if isinstance(data, list) else "the object"
        if not isinstance(item, dict):
            raise ValueError(f"{where} is not an object with a 'text' field")
        body = item.get("text")
        if not isinstance(body, str) or not body.strip():
            raise ValueError(f"{where} has no 'text' string")
        meta = {}
        for key in ("title", "url", "source", "published"):
            value = item.get(key)
            if value is not None and not isinstance(value, str):
                raise ValueError(f"{where}: '{key}' must be a string or null")
            meta[key] = value.strip() if isinstance(value, str) and value.strip() else None
        docs.append(RawDoc(path=path, text=body, extracted=True, **meta))
    return docs


# ---- the readers, by file name suffix ---------------------------------------------------------


class NotText(ValueError):
    """The file's bytes are no text in any encoding we recognise."""


@dataclass(frozen=True)
class Reader:
    """How one type of inbox file is read: its name in messages, and its documents from its path and bytes."""

    kind: str
    read: Callable[[str, bytes], list[RawDoc]]


# The readers of inbox files, by lower-case suffix (".txt"); read_file sets aside a file of any other suffix.
READERS: dict[str, Reader] = {}


def register_reader(kind: str, suffixes: Iterable[str], read: Callable[[str, bytes], list[RawDoc]]) -> None:
    """Read files with these suffixes with ``read`` (replacing the reader a suffix had)."""
    for suffix in suffixes:
        READERS[suffix.lower()] = Reader(kind, read)


def from_text(parse: Callable[[str, str], list[RawDoc]]) -> Callable[[str, bytes], list[RawDoc]]:
    """A reader of bytes for ``parse``, a reader of text: the bytes decoded as :func:`decode_bytes` guesses."""

    def read(path: str, data: bytes) -> list[RawDoc]:
        text = decode_bytes(data)
        if text is None:
            raise NotText("not text (binary data or unknown encoding)")
        return parse(path, text)

    return read


def readable_types() -> dict[str, list[str]]:
    """The suffixes read, by type of file: {"text": [".txt", ".text"], ...}."""
    kinds: dict[str, list[str]] = {}
    for suffix, reader in READERS.items():
        kinds.setdefault(reader.kind, []).append(suffix)
    return kinds


register_reader("text", (".txt", ".text"), from_text(_from_text))
register_reader("markdown", (".md", ".markdown"), from_text(_from_markdown))
register_reader("html", (".html", ".htm", ".xhtml"), from_text(_from_html))
register_reader("email", (".eml",), _from_email)
register_reader("json", (".json",), from_text(_from_json))


def read_file(path: Path, *, max_bytes: int = 50 * 1024 * 1024, display: str | None = None) -> IngestResult:
    """Read one file. ``display`` is the path to record (relative to the inbox)."""
    name = display or str(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        return IngestResult(
            name,
            error=f"unsupported file type {path.suffix or '(no extension)'!r}; supported: {', '.join(sorted(READERS))}",
        )
    try:
        if path.is_symlink():
            return IngestResult(name, error="symbolic links are not followed")
        if not path.is_file():
            return IngestResult(name, error="not a regular file")
        size = path.stat().st_size
        if size == 0:
            return IngestResult(name, error="empty file")
        if size > max_bytes:
            return IngestResult(name, error=f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit")
        data = path.read_bytes()
    except OSError as exc:
        return IngestResult(name, error=f"cannot read: {exc.strerror or exc}")
    kind = reader.kind
    try:
        docs = reader.read(name, data)
    except NotText as exc:
        return IngestResult(name, error=str(exc))
    except (ValueError, RecursionError, UnicodeError) as exc:
        return IngestResult(name, error=f"cannot parse {kind}: {exc}")
    except Exception as exc:  # a parser bug on odd input must not stop the edition
        log.debug("parser failure on %s", name, exc_info=True)
        return IngestResult(name, error=f"cannot parse {kind}: {type(exc).__name__}: {exc}")
    docs = [d for d in docs if d.text.strip()]
    if not docs:
        return IngestResult(name, error="no article text found")
    return IngestResult(name, docs=tuple(docs))
