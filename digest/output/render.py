"""Rendering: Jinja2 -> self-contained HTML; WeasyPrint -> PDF; JSON; the archive index.

Every output appears atomically (written beside its final name, then renamed), so a reader or a
crash never sees half a file. WeasyPrint may fetch nothing from the network or the disk: the
templates inline everything they need.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import multiprocessing
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date as Date
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from ..cores import usable_cores
from ..errors import ConfigError, RenderError
from ..models import UNNAMED, Article, Digest, Story, SummarySentence
from ..store import EditionRecord, Store

log = logging.getLogger(__name__)


def templates_dir() -> Path:
    """$DIGEST_TEMPLATES if set; else the templates installed with the package (the package data
    ``digest.templates``, which is the repository's top-level templates/ folder); else, in a source
    checkout run without installing, that folder beside the package."""
    override = os.environ.get("DIGEST_TEMPLATES")
    if override:
        return Path(override)
    try:
        # a folder of data only is a namespace package: its files() is not a Path, a file in it is
        return Path(str(resources.files("digest.templates").joinpath("digest.html.j2"))).parent
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[2] / "templates"


def environment() -> Environment:
    """The Jinja environment of the edition's templates (and the web app's, under web/)."""
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
    env.filters["short_date"] = short_date
    return env


def _day_month_year(value: str | Date | None, month: str) -> str:
    """A date as day, month (strftime ``month``) and year; other strings are returned as they are."""
    if value is None:
        return ""
    try:
        day = value if isinstance(value, Date) else Date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    return f"{day.day} {day:{month} %Y}"


def nice_date(value: str | Date | None) -> str:
    """'2019-11-03' -> '3 November 2019'; other strings are returned as they are."""
    return _day_month_year(value, "%B")


def short_date(value: str | Date | None) -> str:
    """'2019-11-03' -> '3 Nov 2019'; other strings are returned as they are."""
    return _day_month_year(value, "%b")


def safe_link(article: Article) -> str | None:
    """The article's web address if it is http(s) with a host, else None.

    Never the inbox file itself: a file: URL is broken in mail and on the web, and shows the
    machine's folders.
    """
    if article.url:
        parsed = urlparse(article.url)
        if parsed.scheme.lower() in ("http", "https") and parsed.netloc:
            return article.url
    return None


def short_url(url: str, limit: int = 60) -> str:
    """An address as a reader copies it: no scheme, no 'www.', middle elided past ``limit``."""
    parsed = urlparse(url)
    text = (parsed.netloc.removeprefix("www.") + parsed.path.rstrip("/")) or url
    if parsed.query:
        text += "?" + parsed.query
    return text if len(text) <= limit else text[: limit - 16] + "…" + text[-15:]


def _first_words(text: str, max_words: int) -> str:
    words = text.split()
    return text if len(words) <= max_words else " ".join(words[:max_words]) + " …"


def supporting_sentence(text: str, article: Article, own: bool, max_words: int = 60) -> str | None:
    """The words of ``article`` that state ``text``: the text itself if quoted from it, else the
    sentence (or pair of adjacent sentences) that states the same claim (as the summary's
    citations judge it), sharing most content words with it; None if nothing shares a word."""
    if own:
        return _first_words(text, max_words)
    return supporting_sentences([text], article, max_words)[0]


def supporting_sentences(texts: Sequence[str], article: Article, max_words: int = 60) -> list[str | None]:
    """:func:`supporting_sentence` for each of ``texts`` (none known to be quoted from ``article``);
    the article's sentences are read and compared with all of the texts at once."""
    from ..summaries.summarize import (  # numpy, scipy: loaded when needed
        quoted_terms,
        shown_sentences,
        stating_units,
        term_set,
    )

    found: list[str | None] = [None] * len(texts)
    search: list[int] = []
    sentences = shown_sentences(article)  # as the summary and its citations read them
    for k, text in enumerate(texts):
        if text in sentences:
            found[k] = _first_words(text, max_words)
        else:
            search.append(k)
    units = list(sentences) + [f"{a} {b}" for a, b in pairwise(sentences)]
    if not search or not units:
        return found
    # the unit the citation decision found, else (a summary made before it) the one sharing most words
    stated = stating_units([texts[k] for k in search], article)
    # a word never spans the space that joins two sentences: a pair's words are its sentences' words
    unit_terms = [term_set(sentence) for sentence in sentences]
    unit_terms += [a | b for a, b in pairwise(unit_terms)]
    unit_quoted = [quoted_terms(unit) for unit in units]
    for unit_found, k in zip(stated, search, strict=True):
        wanted, quoted = term_set(texts[k]), quoted_terms(texts[k])
        top = max(
            (unit == unit_found, len(quoted & unit_quoted[j]), len(wanted & unit_terms[j]), -len(unit), unit)
            for j, unit in enumerate(units)
        )
        if top[0] or top[2] > 0:
            found[k] = _first_words(top[4], max_words)
    return found


def marked(sentence: str, note: str) -> Markup:
    """``note`` (what a cited article says) with the words that state ``sentence`` in ``<mark>``."""
    from ..summaries.claims import stating_marks

    return Markup("").join(
        Markup("<mark>{}</mark>").format(piece) if stating else escape(piece)
        for piece, stating in stating_marks(sentence, note)
    )


@dataclass(frozen=True)
class SourceEntry:
    number: int
    anchor: str
    article: Article
    outlet: str | None
    link: str | None

    @property
    def name(self) -> str:
        return self.outlet or UNNAMED

    @property
    def url_text(self) -> str | None:
        return short_url(self.link) if self.link and self.link.startswith(("http://", "https://")) else None


@dataclass(frozen=True)
class Citation:
    entry: SourceEntry
    pop_id: str  # id of the note showing the cited words (HTML)
    words: Markup | None  # what the cited article says, the words that state the sentence marked


@dataclass(frozen=True)
class Paragraph:
    text: str
    citations: list[Citation]


@dataclass(frozen=True)
class Byline:
    """One outlet in a story's source line, with the latest date it published."""

    name: str
    published: str | None


@dataclass(frozen=True)
class ContinuationView:
    since: str
    date: str
    title: str
    href: str


@dataclass(frozen=True)
class StoryView:
    """A story as every format shows it (HTML, PDF, e-mail): numbered sources, paragraphs of cited
    sentences, bylines, related stories and its place in a topic. Built by :func:`story_views` alone."""

    number: int
    anchor: str
    story: Story
    sources: list[SourceEntry]
    paragraphs: list[Paragraph]
    related: list[tuple[str, str]]  # (anchor, title)
    bylines: list[Byline]
    unnamed: int  # articles of the story whose outlet is unknown
    continues: ContinuationView | None
    topic: str | None = None  # on the first story of a topic of several stories: the topic's title
    grouped: bool = False  # the story is one of a topic of several (which stand together: no "Related" line)

    @property
    def outlets(self) -> list[SourceEntry]:
        """One source entry per named outlet (its first article), then each unnamed one."""
        seen: dict[str, SourceEntry] = {}
        for entry in self.sources:
            seen.setdefault(entry.article.source_key, entry)
        return list(seen.values())


@dataclass(frozen=True)
class Section:
    """Stories shown together: those of one topic under its title, or a lone story (no title)."""

    title: str | None
    anchor: str
    views: list[StoryView]


def sections(digest: Digest, views: Sequence[StoryView]) -> list[Section]:
    """``views`` (in the edition's order, where a topic's stories stand together) as sections: the
    stories of a topic of more than one story under its title, every other story on its own."""
    topics = {topic.id: topic for topic in digest.topics}
    found: list[Section] = []
    for view in views:
        topic = topics.get(view.story.topic)
        if topic is None or len(topic.stories) < 2:
            found.append(Section(None, view.anchor, [view]))
        elif found and found[-1].anchor == f"topic-{topic.id}":
            found[-1].views.append(view)
        else:
            found.append(Section(topic.title, f"topic-{topic.id}", [view]))
    return found


def story_anchor(story_id: str) -> str:
    """The fragment of a story in its edition's HTML and PDF; stable while the story's articles are."""
    return f"story-{story_id}"


def _bylines(entries: Sequence[SourceEntry]) -> tuple[list[Byline], int]:
    latest: dict[str, Byline] = {}
    unnamed = 0
    for entry in entries:
        if entry.outlet is None:
            unnamed += 1
            continue
        key = entry.outlet.casefold()
        known = latest.get(key)
        date = entry.article.published
        if known is None or (date and (known.published or "") < date):
            latest[key] = Byline(entry.outlet, date)
    return list(latest.values()), unnamed


def _note(sentence: SummarySentence, article_id: str, max_words: int = 60) -> str | None:
    """What the cited article ``article_id`` says of ``sentence``: the sentence itself for its own
    article, else the evidence its citation was decided on; None if not known."""
    said = sentence.text if article_id == sentence.article_id else sentence.evidence_of(article_id)
    return _first_words(said, max_words) if said else None


def story_views(
    digest: Digest, mode: str = "html", full: int | None = None, paragraph_sentences: int | None = None
) -> list[StoryView]:
    """What the templates of every format show of each story (``mode``: "html", "pdf" or "mail").

    Only the first ``full`` stories are shown in full; the others are listed by title, with their
    outlets: they get no paragraphs, bylines or related links (and marking the stating words in the
    notes compares many words). Consecutive sentences citing the same articles make one paragraph,
    of at most ``paragraph_sentences`` sentences when given (a long block is hard to read on a phone).
    Only the HTML shows what each cited article says (the notes).
    """
    anchors = {story.id: story_anchor(story.id) for story in digest.stories}
    titles = {story.id: story.title for story in digest.stories}
    several = [topic for topic in digest.topics if len(topic.stories) > 1]
    opening = {topic.stories[0]: topic.title for topic in several}
    grouped = {story for topic in several for story in topic.stories}
    views = []
    for number, story in enumerate(digest.stories, start=1):
        anchor = anchors[story.id]
        entries = {
            article.id: SourceEntry(k, f"{anchor}-src{k}", article, article.outlet, safe_link(article))
            for k, article in enumerate(story.articles, start=1)
        }
        continues = None
        if story.continues:
            kind = "pdf" if mode == "pdf" else "html"
            href = f"../{story.continues.date}/digest.{kind}#{story_anchor(story.continues.story_id)}"
            continues = ContinuationView(story.continues.since, story.continues.date, story.continues.title, href)
        topic, in_topic = opening.get(story.id), story.id in grouped
        if full is not None and number > full:
            views.append(
                StoryView(number, anchor, story, list(entries.values()), [], [], [], 0, continues, topic, in_topic)
            )
            continue
        # Consecutive sentences citing the same articles read as one paragraph with one marker set.
        groups: list[tuple[list[SummarySentence], list[SourceEntry]]] = []  # sentences, cited
        for sentence in story.summary:
            cited = sorted((entries[c] for c in sentence.citations if c in entries), key=lambda e: e.number)
            same = groups and [e.number for e in groups[-1][1]] == [e.number for e in cited]
            if same and (paragraph_sentences is None or len(groups[-1][0]) < paragraph_sentences):
                groups[-1][0].append(sentence)
            else:
                groups.append(([sentence], cited))
        paragraphs = []
        for index, (sentences, cited) in enumerate(groups, start=1):
            citations = []
            for entry in cited:
                said: Markup | None = None
                if mode == "html":  # the PDF shows no notes
                    key = entry.article.id
                    shown: dict[str, Markup] = {}
                    for sentence in sentences:
                        note = _note(sentence, key)
                        if note and note not in shown:
                            own = sentence.article_id == key
                            shown[note] = escape(note) if own else marked(sentence.text, note)
                    said = Markup(" … ").join(shown.values()) or None
                citations.append(Citation(entry, f"{anchor}-p{index}-c{entry.number}", said))
            paragraphs.append(Paragraph(" ".join(s.text for s in sentences), citations))
        related = [(anchors[r], titles[r]) for r in story.related if r in anchors]
        bylines, unnamed = _bylines(list(entries.values()))
        views.append(
            StoryView(
                number,
                anchor,
                story,
                list(entries.values()),
                paragraphs,
                related,
                bylines,
                unnamed,
                continues,
                topic,
                in_topic,
            )
        )
    return views


def remove_leftovers(folder: Path, pattern: str = ".digest.*.tmp") -> None:
    """Delete temporary files and folders a killed run left behind (the caller holds the edition lock)."""
    if folder.is_dir():
        for leftover in folder.glob(pattern):
            with contextlib.suppress(FileNotFoundError):
                if leftover.is_dir() and not leftover.is_symlink():
                    shutil.rmtree(leftover)
                else:
                    leftover.unlink()
                log.info("removed %s, left by an interrupted run", leftover)


def umask() -> int:
    """The process's umask, read without changing it where the system tells (Linux)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(handle, 0o666 & ~umask())  # mkstemp makes 0600: others could not publish the file
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
                "summary": [
                    {"text": s.text, "citations": list(s.citations), "evidence": dict(s.evidence)}
                    for s in story.summary
                ],
                "related": list(story.related),
                "continues": None
                if story.continues is None
                else {
                    "date": story.continues.date,
                    "story": story.continues.story_id,
                    "title": story.continues.title,
                    "since": story.continues.since,
                },
            }
            for story in digest.stories
        ],
        "topics": [{"id": t.id, "title": t.title, "stories": list(t.stories)} for t in digest.topics],
        "quarantined": [{"path": q.path, "reason": q.reason} for q in digest.quarantined],
    }


_ROOT_RULE = re.compile(r":root\s*\{(.*?)\}", re.S)
_CUSTOM_PROPERTY = re.compile(r"(--[\w-]+)\s*:\s*([^;]+);")
_VAR = re.compile(r"var\((--[\w-]+)\)")


def resolve_variables(css: str) -> str:
    """Replace ``var(--name)`` by the value ``:root`` gives it, and drop the ``:root`` rule.

    WeasyPrint resolves custom properties for every element and pseudo-element, which costs
    about a tenth of a large edition's PDF time; the PDF has one theme, so they are resolved once here.
    """
    values: dict[str, str] = {}
    for block in _ROOT_RULE.findall(css):
        values.update((name, value.strip()) for name, value in _CUSTOM_PROPERTY.findall(block))
    return _VAR.sub(lambda m: values.get(m.group(1), m.group(0)), _ROOT_RULE.sub("", css))


def stylesheet(mode: str) -> str:
    """The CSS to inline: shared rules, plus the browser-only ones for HTML."""
    names = ["digest.css"] + (["screen.css"] if mode == "html" else [])
    css = "\n".join((templates_dir() / name).read_text(encoding="utf-8") for name in names)
    return resolve_variables(css) if mode == "pdf" else css


def edition_nav(previous: str | None, following: str | None) -> Markup:
    """Links to the neighbouring editions (dates) and the archive, for an edition's HTML."""
    parts = []
    if previous:
        parts.append(f'<a href="../{escape(previous)}/digest.html" rel="prev">← {escape(nice_date(previous))}</a>')
    parts.append('<a href="../index.html">All editions</a>')
    if following:
        parts.append(f'<a href="../{escape(following)}/digest.html" rel="next">{escape(nice_date(following))} →</a>')
    return Markup(f'<nav class="edition-nav" aria-label="Other editions">{" ".join(parts)}</nav>')


_NAV = re.compile(r'<nav class="edition-nav" aria-label="Other editions">.*?</nav>', re.S)


def render_html(
    digest: Digest, *, max_stories: int, mode: str = "html", previous: str | None = None, following: str | None = None
) -> str:
    """The edition as one self-contained HTML page; ``mode="pdf"`` is the variant WeasyPrint lays out.

    ``previous`` and ``following`` are the dates (YYYY-MM-DD) of the neighbouring editions.
    """
    env = environment()
    views = story_views(digest, mode, full=max_stories)
    return env.get_template("digest.html.j2").render(
        digest=digest,
        full=views[:max_stories],
        sections=sections(digest, views[:max_stories]),
        more=views[max_stories:],
        css=stylesheet(mode),
        mode=mode,
        nav=edition_nav(previous, following),
        source_count=digest.source_count,
    )


def _fetcher() -> Any:
    """A URL fetcher for WeasyPrint that loads only ``data:`` URIs.

    Everything a digest PDF needs is inline; an address in article text (``file:///etc/passwd``,
    ``http://127.0.0.1/…``) is never fetched.
    """
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, allow_redirects=False, timeout=1)


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector, then collect once.

    WeasyPrint allocates a few million objects for a long edition, and each allocation burst
    starts a collection that walks every live object again (a fifth of a 70-page PDF's time);
    its garbage is freed by reference counting anyway, the rest by the one collection after.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
            gc.collect()


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML

    try:
        with _no_cycle_collection():
            document: bytes = HTML(string=html, base_url=None, url_fetcher=_fetcher()).write_pdf()
    except OSError as exc:
        raise RenderError(f"cannot render the PDF: {exc}") from None
    return document


def _format_worker(kind: OutputFormat, page: EditionPage, send: Any) -> None:
    """In a forked process: write one format of the edition and send back its bytes, or the exception."""
    try:
        result: tuple[bool, Any] = (True, kind.write(page))
    except Exception as exc:  # sent to the parent, which raises it
        result = (False, exc)
    try:
        send.send(result)
    except Exception:  # an exception that does not pickle: its message does
        send.send((False, RenderError(f"cannot render the {kind.title}: {result[1]}")))
    finally:
        send.close()


class _FormatProcess:
    """One slow format of the edition (the PDF), written by a forked process while this one writes the others.

    Only where forking is safe and pays: more than one core, and no other thread in this
    process (the daemon runs several; it renders in turn).
    """

    @staticmethod
    def possible() -> bool:
        return (
            usable_cores() > 1 and threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()
        )

    @classmethod
    def start(cls, kind: OutputFormat, page: EditionPage) -> _FormatProcess | None:
        """The process writing ``kind``, or None if it is better written in turn."""
        if not cls.possible():
            return None
        try:
            return cls(kind, page)
        except Exception as exc:  # no memory to fork, or this is itself a daemonic worker
            log.debug("rendering the %s in turn: no process for it (%s)", kind.title, exc)
            return None

    def __init__(self, kind: OutputFormat, page: EditionPage) -> None:
        self._kind = kind
        context = multiprocessing.get_context("fork")
        self._receive, send = context.Pipe(duplex=False)
        try:
            self._process = context.Process(target=_format_worker, args=(kind, page, send), daemon=True)
            self._process.start()
        except BaseException:
            self._receive.close()
            raise
        finally:
            send.close()
        log.debug("rendering the %s in process %s", kind.title, self._process.pid)

    def result(self) -> bytes:
        try:
            done, value = self._receive.recv()
        except EOFError:
            self._process.join()
            raise RenderError(
                f"cannot render the {self._kind.title}: its process ended with code {self._process.exitcode}"
            ) from None
        if not done:
            raise value
        assert isinstance(value, bytes)
        return value

    def close(self) -> None:
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        self._receive.close()


def _relink(output: Path, day: str, previous: str | None, following: str | None) -> None:
    """Point an existing edition's HTML at its current neighbours (a new edition appeared beside it)."""
    path = output / day / "digest.html"
    try:
        html = path.read_text(encoding="utf-8")
    except OSError:
        return
    updated = _NAV.sub(lambda _: str(edition_nav(previous, following)), html, count=1)
    if updated != html:
        _atomic_write(path, updated.encode("utf-8"))


def _publish_folder(folder: Path, files: dict[str, bytes]) -> None:
    """Make ``folder`` hold exactly ``files`` (name -> bytes), all of them new or none.

    The files are written into a temporary folder beside it, which then takes its place (the old
    folder is renamed aside first and removed after): a full disk or a crash leaves the old folder
    as it was. Files and folder get the modes the umask allows.
    """
    folder.parent.mkdir(parents=True, exist_ok=True)
    day = folder.name
    # What an interrupted swap left: the old folder set aside but the new one not yet in place.
    for left in sorted(folder.parent.glob(f".{day}.old.*.tmp")):
        if not folder.exists() and left.is_dir():
            os.rename(left, folder)
            log.info("restored %s, set aside by an interrupted run", folder)
    remove_leftovers(folder.parent, f".{day}.*.tmp")
    staging = Path(tempfile.mkdtemp(prefix=f".{day}.new.", suffix=".tmp", dir=folder.parent))
    aside: Path | None = None
    try:
        for name, data in files.items():
            with open(staging / name, "xb") as out:  # created with 0666 less the umask
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
        os.chmod(staging, 0o777 & ~umask())  # mkdtemp makes 0700
        if folder.exists():
            aside = folder.parent / f".{day}.old.{staging.name.split('.')[-2]}.tmp"
            os.rename(folder, aside)
        os.rename(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if aside is not None and not folder.exists():
            os.rename(aside, folder)
        raise
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)
    with contextlib.suppress(OSError):  # the renames reach the disk before the store records the edition
        directory = os.open(folder.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


# ---- output formats -----------------------------------------------------------------------------


@dataclass(frozen=True)
class EditionPage:
    """What a format's writer is given: the edition, the stories shown in full, and the neighbouring editions."""

    digest: Digest
    max_stories: int
    previous: str | None = None  # date of the edition before, if any
    following: str | None = None  # date of the edition after, if any


@dataclass(frozen=True)
class OutputFormat:
    """One output of an edition: its name in settings, the file it is written to and how to make its bytes."""

    name: str  # as settings and --format name it, and as the edition's record keys it
    file_name: str  # in output/<date>/
    media_type: str
    write: Callable[[EditionPage], bytes]
    slow: bool = False  # written in a forked process while the others are, where that pays
    title: str = ""  # how messages name it; default: the name in capitals

    def __post_init__(self) -> None:
        if not self.title:
            object.__setattr__(self, "title", self.name.upper())


# The formats an edition can be written in, by name, in the order they were registered.
OUTPUT_FORMATS: dict[str, OutputFormat] = {}


def register_format(kind: OutputFormat) -> OutputFormat:
    """Make ``kind`` a format settings and --format may name (replacing one of the same name)."""
    OUTPUT_FORMATS[kind.name] = kind
    return kind


def _html_bytes(page: EditionPage) -> bytes:
    html = render_html(page.digest, max_stories=page.max_stories, previous=page.previous, following=page.following)
    return html.encode("utf-8")


def _pdf_bytes(page: EditionPage) -> bytes:
    return render_pdf(render_html(page.digest, max_stories=page.max_stories, mode="pdf"))


def _json_bytes(page: EditionPage) -> bytes:
    return json.dumps(digest_json(page.digest), ensure_ascii=False, indent=2).encode("utf-8")


register_format(OutputFormat("html", "digest.html", "text/html; charset=utf-8", _html_bytes))
register_format(OutputFormat("pdf", "digest.pdf", "application/pdf", _pdf_bytes, slow=True))
register_format(OutputFormat("json", "digest.json", "application/json", _json_bytes))


def _epub_bytes(page: EditionPage) -> bytes:
    from .epub import render_epub  # ebooklib: loaded when an EPUB is made

    return render_epub(page)


register_format(OutputFormat("epub", "digest.epub", "application/epub+zip", _epub_bytes))

DEFAULT_FORMATS = ("html", "pdf", "json")


def output_format(name: str) -> OutputFormat:
    """The registered format ``name``, or a ConfigError naming the known ones."""
    try:
        return OUTPUT_FORMATS[name]
    except KeyError:
        raise ConfigError(f"output format {name!r} is not known; choose from {', '.join(OUTPUT_FORMATS)}") from None


def write_edition(
    digest: Digest,
    output: Path,
    *,
    pdf: bool = True,
    max_stories: int,
    editions: Sequence[EditionRecord] = (),
    formats: Sequence[str] = DEFAULT_FORMATS,
) -> dict[str, str]:
    """Write output/<date>/ in each of ``formats`` (less the PDF if not ``pdf``); return {format: path}.

    The files appear together or not at all (see :func:`_publish_folder`). ``editions`` are the
    other editions: the new one links to its neighbours, and their HTML is updated to link to it.
    """
    folder = output / digest.date.isoformat()
    day = digest.date.isoformat()
    kinds = [output_format(name) for name in dict.fromkeys(formats) if pdf or name != "pdf"]
    if not kinds:
        raise ConfigError("no output format left to write: formats names only the PDF, and the PDF is left out")
    dates = sorted({e.date for e in editions if "html" in e.outputs} | {day})
    at = dates.index(day)

    def neighbour(k: int) -> str | None:
        return dates[k] if 0 <= k < len(dates) else None

    page = EditionPage(digest, max_stories, neighbour(at - 1), neighbour(at + 1))
    files: dict[str, bytes] = {}
    background = {kind.name: process for kind in kinds if kind.slow if (process := _FormatProcess.start(kind, page))}
    try:
        for kind in sorted(kinds, key=lambda kind: kind.slow):  # the slow ones last: they are made meanwhile
            if kind.slow:
                log.info("rendering the %s", kind.title)
            files[kind.name] = background[kind.name].result() if kind.name in background else kind.write(page)
        _publish_folder(folder, {OUTPUT_FORMATS[name].file_name: data for name, data in files.items()})
        if "html" in files:
            for k in (at - 1, at + 1):
                other = neighbour(k)
                if other:
                    _relink(output, other, neighbour(k - 1), neighbour(k + 1))
    except OSError as exc:
        raise RenderError(f"cannot write the edition to {folder}: {exc.strerror or exc}") from None
    finally:
        for process in background.values():
            process.close()
    return {kind.name: str(folder / kind.file_name) for kind in kinds}


def write_archive(output: Path, editions: Sequence[EditionRecord], store: Store | None = None) -> Path:
    """output/index.html: every edition, newest first, with links to its HTML and PDF, and (from the
    ``store``) its first headlines and how many sources it had."""
    remove_leftovers(output, ".index.html.*.tmp")
    env = environment()
    css = stylesheet("html")
    rows: list[dict[str, Any]] = []
    for edition in editions:
        headlines: list[tuple[str, str]] = []  # (title, link)
        sources = None
        top = store.edition_headlines(edition.date) if store is not None else []
        if store is not None and (top or not edition.stories):  # (an edition made before stories were kept: none)
            headlines = [(title, f"{edition.date}/digest.html#{story_anchor(story_id)}") for story_id, title in top]
            sources = edition.sources  # kept when it was recorded; counted from its articles if not
            if sources is None:
                sources = len({article.source_key for article in store.edition_outline(edition.date)[1]})
        rows.append(
            {
                "date": edition.date,
                "stories": edition.stories,
                "articles": edition.articles,
                "sources": sources,
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
