"""The EPUB edition: valid under epubcheck, every story in a chapter of its own, the same bytes each time."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from digest.config import EmailSettings, load_settings
from digest.errors import ConfigError
from digest.mail.deliver import send_edition
from digest.output.epub import book_identifier, render_epub
from digest.output.render import EditionPage
from digest.pipeline import run_edition

from .test_formats import _digest

XHTML = "{http://www.w3.org/1999/xhtml}"
EPUB_NS = "{http://www.idpf.org/2007/ops}"
EPUB = "application/epub+zip"
DAY = dt.date(2019, 11, 3)


def epubcheck_jar() -> Path | None:
    """Debian's epubcheck is a jar on the PATH, run by binfmt where that is set up; we run it with java."""
    found = shutil.which("epubcheck")
    return Path(found).resolve() if found and shutil.which("java") else None


@pytest.fixture
def edition(settings, clock):
    """The seed inbox's edition in HTML and EPUB, with one more article whose title is hostile to XML."""
    (settings.inbox / "hostile.json").write_text(
        json.dumps(
            {
                "title": "Harbour <b>bridge</b> & tunnel\x01 reopen",
                "source": "City <Times>",
                "url": "https://example.org/bridge?a=1&b=2",
                "published": "2019-11-03",
                "text": "The harbour bridge & tunnel reopened to traffic on Sunday after two years of repairs. "
                "Officials said the <work> finished a month early.",
            }
        )
    )
    settings = replace(settings, formats=("html", "epub"))
    digest = run_edition(settings, clock=clock)
    return digest, Path(digest.outputs["epub"])


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as book:
        return {info.filename: book.read(info) for info in book.infolist()}


def _text(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


@pytest.mark.skipif(epubcheck_jar() is None, reason="epubcheck (Debian package epubcheck) or java is not installed")
def test_seed_edition_epub_passes_epubcheck_with_no_error_or_warning(tmp_path):
    out = tmp_path / "out"
    where = ["--inbox", str(Path(__file__).parent.parent / "inbox"), "--output", str(out), "--timezone", "UTC"]
    result = _digest("run", *where, "--date", "2019-11-03", "--format", "epub", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    book = out / "2019-11-03" / "digest.epub"
    assert result.stdout.splitlines() == [str(book)]
    report = tmp_path / "report.json"
    check = subprocess.run(
        ["java", "-jar", str(epubcheck_jar()), str(book), "--json", str(report)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(report.read_text())["messages"]
    assert check.returncode == 0 and messages == [], (check.stdout, check.stderr)
    assert json.loads(report.read_text())["publication"]["ePubVersion"].startswith("3")


def test_chapters_hold_every_story_title_and_summary_sentence(edition):
    digest, path = edition
    parts = _parts(path)
    assert next(iter(parts)) == "mimetype" and parts["mimetype"] == b"application/epub+zip"
    with zipfile.ZipFile(path) as book:
        assert book.getinfo("mimetype").compress_type == zipfile.ZIP_STORED
    opf = etree.fromstring(parts["EPUB/content.opf"])
    dc = "{http://purl.org/dc/elements/1.1/}"
    assert opf.findtext(f".//{dc}title") == "Daily digest — 3 November 2019"
    assert opf.findtext(f".//{dc}language") == "en"
    assert opf.findtext(f".//{dc}date") == "2019-11-03"
    assert opf.findtext(f".//{dc}identifier") == book_identifier(digest)
    chapters = sorted(name for name in parts if name.startswith("EPUB/story-"))
    assert len(chapters) == len(digest.stories) > 1
    hostile = 0
    for story, name in zip(digest.stories, chapters, strict=True):
        page = etree.fromstring(parts[name])  # well-formed XML, whatever the article's title held
        body = _text(page.find(f"{XHTML}body"))
        assert _text(page.find(f".//{XHTML}h1")) == story.title.replace("\x01", "")
        for sentence in story.summary:
            assert " ".join(sentence.text.split()) in body
        # each citation points to an entry of the chapter's own sources list
        anchors = {li.get("id") for li in page.iterfind(f".//{XHTML}section/{XHTML}ol/{XHTML}li")}
        assert len(anchors) == len(story.articles)
        cites = [a.get("href") for a in page.iterfind(f".//{XHTML}a[@class='cite']")]
        assert cites and {href.removeprefix("#") for href in cites} <= anchors
        if "Harbour" in story.title:
            hostile += 1
            assert "<b>bridge</b> & tunnel" in story.title and 'href="https://example.org/bridge?a=1&amp;b=2"' in (
                parts[name].decode()
            )
    assert hostile == 1
    # the navigation document lists every story, the seed's Iraq stories under their topic's heading
    nav = etree.fromstring(parts["EPUB/nav.xhtml"]).find(f".//{XHTML}nav")
    assert nav.get(f"{EPUB_NS}type") == "toc"
    listed = [_text(a) for a in nav.iterfind(f".//{XHTML}li/{XHTML}a")]
    nested = [_text(a) for a in nav.iterfind(f".//{XHTML}ol/{XHTML}li/{XHTML}ol/{XHTML}li/{XHTML}a")]
    several = [topic for topic in digest.topics if len(topic.stories) > 1]
    assert several and len(nested) == sum(len(topic.stories) for topic in several)
    titles = {story.title.replace("\x01", "") for story in digest.stories}
    assert titles <= set(listed)


def test_epub_bytes_depend_only_on_the_edition(edition):
    digest, path = edition
    first = render_epub(EditionPage(digest, max_stories=10))
    again = render_epub(EditionPage(digest, max_stories=10))
    assert first == again == path.read_bytes()
    with zipfile.ZipFile(path) as book:
        assert {info.date_time for info in book.infolist()} == {(2019, 11, 3, 7, 0, 0)}  # the edition's time
    assert b'<meta property="dcterms:modified">2019-11-03T07:00:00Z</meta>' in _parts(path)["EPUB/content.opf"]
    later = replace(digest, date=digest.date.replace(day=4))
    assert book_identifier(later) != book_identifier(digest)


def test_mail_attaches_the_pdf_and_the_epub_when_attach_names_both(settings, clock, smtp):
    settings = replace(settings, pdf=True, formats=("html", "pdf", "epub"))
    run_edition(settings, clock=clock)
    server = smtp()
    email = EmailSettings(
        host="127.0.0.1", port=server.port, security="none", sender="digest@example.org", to=("ada@example.org",)
    )
    folder = settings.output / "2019-11-03"
    for attach, expected in [
        (("pdf", "epub"), [("application/pdf", "digest-2019-11-03.pdf"), (EPUB, "digest-2019-11-03.epub")]),
        (("epub",), [(EPUB, "digest-2019-11-03.epub")]),
    ]:
        report = send_edition(replace(settings, email=replace(email, attach=attach)), DAY, clock=clock, force=True)
        assert [r.status for r in report.results] == ["sent"]
        message = server.mailbox.messages()[-1]
        attachments = list(message.iter_attachments())
        assert [(a.get_content_type(), a.get_filename()) for a in attachments] == expected
        assert attachments[-1].get_content() == (folder / "digest.epub").read_bytes()
        text = message.get_body(("plain",)).get_content()
        said = "a PDF and an EPUB" if len(attach) == 2 else "an EPUB"
        assert f"The whole edition is attached as {said}." in text


def test_attach_setting_and_attach_pdf_mean_the_same(tmp_path):
    def email(lines: str) -> EmailSettings:
        (tmp_path / "digest.toml").write_text(f'[email]\nfrom = "d@example.org"\n{lines}\n')
        return load_settings(tmp_path / "digest.toml", env={}).email

    assert email("").attach == ("pdf",)  # as before: the PDF
    assert email("attach_pdf = false").attach == ()
    assert email("attach_pdf = true").attach == ("pdf",)
    assert email('attach = ["pdf", "epub", "pdf"]').attach == ("pdf", "epub")
    assert email("attach = []").attach == () and not email("attach = []").attach_pdf
    with pytest.raises(ConfigError, match=r"^email.attach: 'mobi' is not an output format; choose from html, pdf"):
        email('attach = ["mobi"]')
    with pytest.raises(ConfigError, match="set attach or attach_pdf, not both"):
        email('attach = ["epub"]\nattach_pdf = true')
