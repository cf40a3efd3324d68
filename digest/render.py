"""Rendering: Jinja2 -> self-contained HTML; WeasyPrint -> PDF; JSON; the archive index.

Every output appears atomically (written beside its final name, then renamed), so a reader or a
crash never sees half a file. WeasyPrint may fetch nothing from the network or the disk: the
templates inline everything they need.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date as Date
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from .errors import RenderError
from .models import Article, Digest, Story
from .store import EditionRecord

log = logging.getLogger(__name__)


def templates_dir() -> Path:
    override = os.environ.get("DIGEST_TEMPLATES")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent.parent / "templates"


def _environment() -> Environment:
    folder = templates_dir()
    if not (folder / "digest.html.j2").is_file():
        raise RenderError(f"templates not found in {folder}; set DIGEST_TEMPLATES to the templates folder")
    env = Environment(
        loader=FileSystemLoader(folder),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["nice_date"] = nice_date
    return env


def nice_date(value: str | Date | None) -> str:
    """'2019-11-03' -> '3 November 2019'; other strings are returned as they are."""
    if value is None:
        return ""
    try:
        day = value if isinstance(value, Date) else Date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    return f"{day.day} {day:%B %Y}"


def safe_link(article: Article) -> str | None:
    """The article's web address if it is http(s), else its file as a file: URL, else None."""
    if article.url:
        scheme = urlparse(article.url).scheme.lower()
        if scheme in ("http", "https"):
            return article.url
    if article.path.startswith("/"):
        return Path(article.path).as_uri()
    return None


@dataclass(frozen=True)
class SourceEntry:
    number: int
    anchor: str
    article: Article
    outlet: str
    link: str | None


@dataclass(frozen=True)
class StoryView:
    number: int
    anchor: str
    story: Story
    sources: list[SourceEntry]
    sentences: list[tuple[str, list[SourceEntry]]]
    related: list[tuple[str, str]]  # (anchor, title)


def outlet(article: Article) -> str:
    if article.source:
        return article.source
    if article.url:
        host = urlparse(article.url).hostname
        if host:
            return host.removeprefix("www.")
    return Path(article.path).name


def _views(digest: Digest) -> list[StoryView]:
    anchors = {story.id: f"story-{n}" for n, story in enumerate(digest.stories, start=1)}
    titles = {story.id: story.title for story in digest.stories}
    views = []
    for number, story in enumerate(digest.stories, start=1):
        entries = {
            article.id: SourceEntry(k, f"s{number}-src{k}", article, outlet(article), safe_link(article))
            for k, article in enumerate(story.articles, start=1)
        }
        # Consecutive sentences citing the same articles read as one paragraph with one marker set.
        sentences: list[tuple[str, list[SourceEntry]]] = []
        for sentence in story.summary:
            cited = sorted((entries[c] for c in sentence.citations if c in entries), key=lambda e: e.number)
            if sentences and [e.number for e in sentences[-1][1]] == [e.number for e in cited]:
                sentences[-1] = (f"{sentences[-1][0]} {sentence.text}", cited)
            else:
                sentences.append((sentence.text, cited))
        related = [(anchors[r], titles[r]) for r in story.related if r in anchors]
        views.append(StoryView(number, anchors[story.id], story, list(entries.values()), sentences, related))
    return views


def remove_leftovers(folder: Path, pattern: str = ".digest.*.tmp") -> None:
    """Delete temporary files a killed run left behind (the caller holds the edition lock)."""
    if folder.is_dir():
        for leftover in folder.glob(pattern):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
                log.info("removed %s, left by an interrupted run", leftover)


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def digest_json(digest: Digest) -> dict[str, Any]:
    """The stable machine-readable form (see README: digest.json)."""
    return {
        "date": digest.date.isoformat(),
        "generated_at": digest.generated_at.isoformat(),
        "stories": [
            {
                "id": story.id,
                "title": story.title,
                "articles": [
                    {
                        "id": a.id,
                        "path": a.path,
                        "title": a.title,
                        "source": a.source,
                        "url": a.url,
                        "published": a.published,
                    }
                    for a in story.articles
                ],
                "summary": [{"text": s.text, "citations": list(s.citations)} for s in story.summary],
                "related": list(story.related),
            }
            for story in digest.stories
        ],
        "quarantined": [{"path": q.path, "reason": q.reason} for q in digest.quarantined],
    }


def stylesheet(mode: str) -> str:
    """The CSS to inline: shared rules, plus the browser-only ones for HTML."""
    names = ["digest.css"] + (["screen.css"] if mode == "html" else [])
    return "\n".join((templates_dir() / name).read_text(encoding="utf-8") for name in names)


def render_html(
    digest: Digest, *, max_stories: int, mode: str = "html", previous: str | None = None, following: str | None = None
) -> str:
    env = _environment()
    css = stylesheet(mode)
    views = _views(digest)
    return env.get_template("digest.html.j2").render(
        digest=digest,
        full=views[:max_stories],
        more=views[max_stories:],
        css=css,
        mode=mode,
        previous=previous,
        following=following,
        source_count=digest.source_count,
    )


def _fetcher() -> Any:
    """A URL fetcher for WeasyPrint that loads only ``data:`` URIs.

    Everything a digest PDF needs is inline; an address in article text (``file:///etc/passwd``,
    ``http://127.0.0.1/…``) is never fetched.
    """
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, allow_redirects=False, timeout=1)


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML

    try:
        document: bytes = HTML(string=html, base_url=None, url_fetcher=_fetcher()).write_pdf()
    except OSError as exc:
        raise RenderError(f"cannot render the PDF: {exc}") from None
    return document


def write_edition(
    digest: Digest, output: Path, *, pdf: bool, max_stories: int, editions: Sequence[EditionRecord] = ()
) -> dict[str, str]:
    """Write output/<date>/digest.{html,pdf,json}; return {kind: path}."""
    folder = output / digest.date.isoformat()
    day = digest.date.isoformat()
    earlier = sorted(e.date for e in editions if e.date < day)
    later = sorted(e.date for e in editions if e.date > day)
    previous = f"../{earlier[-1]}/digest.html" if earlier else None
    following = f"../{later[0]}/digest.html" if later else None
    outputs: dict[str, str] = {}
    try:
        remove_leftovers(folder)
        json_bytes = json.dumps(digest_json(digest), ensure_ascii=False, indent=2).encode("utf-8")
        _atomic_write(folder / "digest.json", json_bytes)
        outputs["json"] = str(folder / "digest.json")
        html = render_html(digest, max_stories=max_stories, previous=previous, following=following)
        _atomic_write(folder / "digest.html", html.encode("utf-8"))
        outputs["html"] = str(folder / "digest.html")
        if pdf:
            log.info("rendering the PDF")
            _atomic_write(folder / "digest.pdf", render_pdf(render_html(digest, max_stories=max_stories, mode="pdf")))
            outputs["pdf"] = str(folder / "digest.pdf")
    except OSError as exc:
        raise RenderError(f"cannot write the edition to {folder}: {exc.strerror or exc}") from None
    return outputs


def write_archive(output: Path, editions: Sequence[EditionRecord]) -> Path:
    """output/index.html: every edition, newest first, with links to its HTML and PDF."""
    remove_leftovers(output, ".index.html.*.tmp")
    env = _environment()
    css = stylesheet("html")
    rows = []
    for edition in editions:
        headlines: list[str] = []
        json_path = Path(edition.outputs.get("json", ""))
        if json_path.is_file():
            try:
                data = json.loads(json_path.read_text(encoding="utf-8"))
                headlines = [s["title"] for s in data.get("stories", [])[:3]]
            except (OSError, ValueError, KeyError, TypeError):
                headlines = []
        rows.append(
            {
                "date": edition.date,
                "stories": edition.stories,
                "articles": edition.articles,
                "html": f"{edition.date}/digest.html" if "html" in edition.outputs else None,
                "pdf": f"{edition.date}/digest.pdf" if "pdf" in edition.outputs else None,
                "headlines": headlines,
            }
        )
    html = env.get_template("archive.html.j2").render(editions=rows, css=css)
    target = output / "index.html"
    try:
        _atomic_write(target, html.encode("utf-8"))
    except OSError as exc:
        raise RenderError(f"cannot write {target}: {exc.strerror or exc}") from None
    return target
