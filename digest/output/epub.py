"""The edition as an EPUB 3 book, for e-readers: a title page, one chapter per story (its summary, the
citations linking to its sources list, the sources), and a navigation document listing the stories under
their topics.

The bytes depend only on the edition: the book's identifier is derived from its date, its modification
time is the edition's generated time, and every file in the archive carries that time.
"""

from __future__ import annotations

import io
import re
import uuid
import zipfile
from datetime import UTC
from typing import Any

from markupsafe import Markup, escape

from ..models import Digest
from .render import EditionPage, StoryView, nice_date, sections, story_views

LANGUAGE = "en"

# The PDF's typography, kept to what e-readers honour: a serif text face, sans-serif headings and
# apparatus, small superscript citation numbers, muted sources. Sizes are relative, so the reader's
# own font size setting governs.
CSS = """\
body { font-family: "Noto Serif", "DejaVu Serif", Georgia, serif; line-height: 1.5; margin: 0 .4em;
  hyphens: auto; -epub-hyphens: auto; overflow-wrap: break-word; }
h1, h2, .kicker, .overview, .story-meta, .continues, .topic-label, .sources, .colophon, .quarantine {
  font-family: "Noto Sans", "DejaVu Sans", Arial, sans-serif; }
h1, h2 { hyphens: manual; -epub-hyphens: manual; line-height: 1.2; }
.masthead { text-align: center; border-bottom: 3px double #1c1c1e; padding-bottom: .6em; margin-bottom: 1.2em; }
.kicker { text-transform: uppercase; letter-spacing: .2em; font-size: .75em; color: #8a1c1c; font-weight: bold;
  margin: 0; }
.masthead h1 { font-size: 1.8em; margin: .2em 0; }
.overview { color: #55555c; font-size: .9em; margin: 0; }
.topic-label { display: block; text-transform: uppercase; letter-spacing: .08em; font-size: .72em; color: #8a1c1c;
  font-weight: bold; margin: 0 0 .3em; }
.story-title { font-size: 1.4em; margin: 0 0 .3em; }
.story-meta, .continues { color: #55555c; font-size: .82em; margin: 0 0 .8em; }
.outlet { font-weight: bold; }
.summary p { margin: 0 0 .7em; text-indent: 0; orphans: 2; widows: 2; }
.cites { font-family: "Noto Sans", "DejaVu Sans", Arial, sans-serif; font-size: .66em; font-weight: bold;
  vertical-align: super; line-height: 0; margin-left: .15em; }
a.cite { text-decoration: none; color: #1a4f8b; }
.sources { border-top: 1px solid #d9d4ca; margin-top: 1.2em; font-size: .82em; color: #55555c; }
.sources h2 { font-size: .85em; text-transform: uppercase; letter-spacing: .12em; margin: .8em 0 .3em; }
.sources ol { margin: 0; padding-left: 1.6em; }
.sources li { margin: .25em 0; }
.url { display: block; font-size: .92em; word-break: break-all; }
.quarantine, .colophon { color: #55555c; font-size: .8em; margin-top: 1.5em; }
"""

# Characters XML 1.0 does not allow, which an article's title or text may still hold.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: str) -> str:
    """``value`` without the characters XML 1.0 cannot hold (controls an article may carry)."""
    return _NOT_XML.sub("", value)


def _text(value: str) -> Markup:
    return escape(xml_text(value))


def book_identifier(digest: Digest) -> str:
    """The same for every making of one day's edition, so an e-reader's library replaces the book."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'digest:edition:{digest.date.isoformat()}')}"


def chapter_name(view: StoryView) -> str:
    return f"story-{view.number:03d}.xhtml"


def _chapter(view: StoryView) -> str:
    """The body of one story's chapter."""
    parts: list[Markup] = [Markup('<article class="story" id="{}">').format(view.anchor)]
    if view.topic:
        parts.append(Markup('<p class="topic-label" dir="auto">{}</p>').format(_text(view.topic)))
    parts.append(Markup('<h1 class="story-title" dir="auto">{}</h1>').format(_text(view.story.title)))
    bylines = [
        Markup('<span class="outlet" dir="auto">{}</span>{}').format(
            _text(b.name), f", {nice_date(b.published)}" if b.published else ""
        )
        for b in view.bylines
    ]
    if view.unnamed:
        bylines.append(Markup("{} without a named source").format(f"{view.unnamed} article" + "s" * (view.unnamed > 1)))
    if bylines:
        parts.append(Markup('<p class="story-meta">{}</p>').format(Markup(" · ").join(bylines)))
    if view.continues:
        last = "" if view.continues.since == view.continues.date else f"; last on {nice_date(view.continues.date)}"
        parts.append(
            Markup('<p class="continues">Continuing since {}{}: <span dir="auto">{}</span></p>').format(
                nice_date(view.continues.since), last, _text(view.continues.title)
            )
        )
    parts.append(Markup('<div class="summary">'))
    for paragraph in view.paragraphs:
        # commas between the numbers: a reader that ignores the style sheet still shows "2,3", not "23"
        cites = Markup(",").join(
            Markup('<a class="cite" href="#{}">{}</a>').format(c.entry.anchor, c.entry.number)
            for c in paragraph.citations
        )
        parts.append(Markup('<p dir="auto">{}<sup class="cites">{}</sup></p>').format(_text(paragraph.text), cites))
    parts.append(Markup("</div>"))
    parts.append(Markup('<section class="sources"><h2>Sources</h2><ol>'))
    for entry in view.sources:
        title = _text(entry.article.display_title)
        shown = Markup('<a href="{}">{}</a>').format(_text(entry.link), title) if entry.link else title
        date = f", {nice_date(entry.article.published)}" if entry.article.published else ""
        url = Markup('<span class="url">{}</span>').format(_text(entry.url_text)) if entry.url_text else ""
        parts.append(
            Markup(
                '<li id="{}"><span class="outlet" dir="auto">{}</span> · <span dir="auto">{}</span>{}{}</li>'
            ).format(entry.anchor, _text(entry.name), shown, date, url)
        )
    parts.append(Markup("</ol></section></article>"))
    return "\n".join(parts)


def _title_page(digest: Digest) -> str:
    stories, articles = len(digest.stories), digest.article_count
    overview = (
        f"{stories} {'story' if stories == 1 else 'stories'} from {digest.source_count} "
        f"{'source' if digest.source_count == 1 else 'sources'} · {articles} {'article' if articles == 1 else 'articles'}"
    )
    parts = [
        Markup('<header class="masthead"><p class="kicker">Daily digest</p>'),
        Markup('<h1><time datetime="{}">{}, {}</time></h1>').format(
            digest.date.isoformat(), digest.date.strftime("%A"), nice_date(digest.date)
        ),
        Markup('<p class="overview">{}</p></header>').format(overview),
    ]
    if not digest.stories:
        parts.append(Markup('<p class="overview">No new articles arrived for this edition.</p>'))
    if digest.quarantined:
        parts.append(Markup('<section class="quarantine"><h2>Files set aside</h2><ul>'))
        parts.extend(
            Markup("<li><code>{}</code> — {}</li>").format(_text(q.path), _text(q.reason)) for q in digest.quarantined
        )
        parts.append(Markup("</ul></section>"))
    parts.append(
        Markup(
            '<p class="colophon">Each summary sentence is taken word for word from the first source it cites; the '
            "other numbers are outlets that state the same, in their own words. The numbers point to the sources "
            "listed after each story. Made {}.</p>"
        ).format(digest.generated_at.strftime("%Y-%m-%d %H:%M %Z").strip())
    )
    return "\n".join(parts)


def _fixed_times(book: bytes, when: tuple[int, int, int, int, int, int]) -> bytes:
    """``book`` (a zip) with every entry stamped ``when``, in the same order and compression."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(book)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=when)
            entry.compress_type = info.compress_type
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info), compresslevel=9 if info.compress_type else None)
    return out.getvalue()


def render_epub(page: EditionPage) -> bytes:
    """The edition as EPUB 3: every story in full, one chapter each."""
    from ebooklib import epub  # loaded only when an EPUB is made

    digest = page.digest
    day = nice_date(digest.date)
    book = epub.EpubBook()
    book.set_identifier(book_identifier(digest))
    book.set_title(f"Daily digest — {day}")
    book.set_language(LANGUAGE)
    book.add_author("digest")
    book.add_metadata("DC", "date", digest.date.isoformat())
    style = epub.EpubItem(uid="style", file_name="style.css", media_type="text/css", content=CSS.encode("utf-8"))
    book.add_item(style)

    def chapter(file_name: str, title: str, body: str) -> Any:
        item = epub.EpubHtml(title=xml_text(title), file_name=file_name, lang=LANGUAGE)
        item.content = f"<html><head></head><body>{body}</body></html>"
        item.add_item(style)
        book.add_item(item)
        return item

    cover = chapter("edition.xhtml", day, _title_page(digest))
    views = story_views(digest, "epub")
    chapters = {view.number: chapter(chapter_name(view), view.story.title, _chapter(view)) for view in views}
    toc: list[Any] = [epub.Link("edition.xhtml", f"Daily digest — {day}", "edition")]
    for section in sections(digest, views):
        links = [epub.Link(chapter_name(v), xml_text(v.story.title), v.anchor) for v in section.views]
        if section.title:
            first = chapter_name(section.views[0])
            toc.append((epub.Section(xml_text(section.title), first), links))
        else:
            toc.extend(links)
    book.toc = toc
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = [cover, "nav", *chapters.values()]
    generated = digest.generated_at.astimezone(UTC)
    written = io.BytesIO()
    epub.write_epub(written, book, {"mtime": generated, "raise_exceptions": True})
    when = (
        max(generated.year, 1980),
        generated.month,
        generated.day,
        generated.hour,
        generated.minute,
        generated.second,
    )
    return _fixed_times(written.getvalue(), when)
