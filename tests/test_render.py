from __future__ import annotations

import ast
import contextlib
import io
import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from digest.errors import RenderError
from digest.models import Article, Digest, Quarantined, Story, SummarySentence
from digest.output import render
from digest.output.render import digest_json, render_html, render_pdf, safe_link, write_archive, write_edition
from digest.pipeline import build_stories
from digest.store import EditionRecord, FileRecord, Store

EVIL = "<script>alert('x')</script>"


def evil_digest() -> Digest:
    article = Article(
        "a1",
        "/inbox/evil.txt",
        f"Title {EVIL}",
        f"Src {EVIL}",
        "javascript:alert(1)",
        "2019-11-02",
        (f"Body {EVIL} text.",),
        (f"The sentence {EVIL} is here.",),
        (0,),
    )
    story = Story("s1", f"Story {EVIL}", (article,), (SummarySentence(f"The sentence {EVIL} is here.", ("a1",), "a1"),))
    return Digest(
        date(2019, 11, 3),
        datetime(2019, 11, 3, 7, tzinfo=UTC),
        (story,),
        (Quarantined(f"/inbox/{EVIL}.bin", f"reason {EVIL}"),),
    )


def test_article_text_is_escaped_and_unsafe_links_dropped():
    html = render_html(evil_digest(), max_stories=10)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(" in html
    assert "javascript:" not in html
    assert "file:" not in html and "/inbox/evil.txt" not in html  # no http(s) URL: no link, no local path


def test_safe_link():
    base = Article("a", "/in/a.txt", None, None, "https://example.org/x", None, (), ())
    assert safe_link(base) == "https://example.org/x"
    assert safe_link(Article("a", "/in/a.txt", None, None, "file:///etc/passwd", None, (), ())) is None
    assert safe_link(Article("a", "/in/a.txt", None, None, None, None, (), ())) is None
    assert safe_link(Article("a", "/in/a.txt", None, None, "https:///no-host", None, (), ())) is None
    assert safe_link(Article("a", "rel.txt", None, None, None, None, (), ())) is None


def test_json_schema(seed_articles):
    stories = build_stories(seed_articles, 120)
    digest = Digest(date(2019, 11, 3), datetime(2019, 11, 3, 7, tzinfo=UTC), tuple(stories))
    data = json.loads(json.dumps(digest_json(digest)))
    assert data["date"] == "2019-11-03" and data["generated_at"].startswith("2019-11-03T07:00")
    assert data["quarantined"] == []
    assert sum(len(s["articles"]) for s in data["stories"]) == len(seed_articles)
    for story in data["stories"]:
        assert set(story) >= {"id", "title", "articles", "summary"}
        ids = {a["id"] for a in story["articles"]}
        for article in story["articles"]:
            assert set(article) == {"id", "path", "title", "source", "url", "published"}
        for sentence in story["summary"]:
            assert set(sentence) == {"text", "citations", "evidence"} and set(sentence["citations"]) <= ids
            # the words of each other cited article that state the sentence
            assert set(sentence["evidence"]) == set(sentence["citations"][1:])
            assert all(isinstance(words, str) and words for words in sentence["evidence"].values())


def test_all_stories_in_json_but_only_top_in_full(tmp_path, seed_articles):
    stories = build_stories(seed_articles, 60)
    digest = Digest(date(2019, 11, 3), datetime(2019, 11, 3, 7, tzinfo=UTC), tuple(stories))
    outputs = write_edition(digest, tmp_path, pdf=False, max_stories=2)
    html = (tmp_path / "2019-11-03" / "digest.html").read_text()
    assert html.count('class="story"') == 2 and "Also in this edition" in html
    assert len(json.loads((tmp_path / "2019-11-03" / "digest.json").read_text())["stories"]) == len(stories)
    assert set(outputs) == {"html", "json"}
    assert not list((tmp_path / "2019-11-03").glob(".*tmp"))  # no temporary files left behind


def test_pdf_has_outline_links_and_page_numbers(seed_articles):
    stories = build_stories(seed_articles, 120)
    digest = Digest(date(2019, 11, 3), datetime(2019, 11, 3, 7, tzinfo=UTC), tuple(stories))
    reader = PdfReader(io.BytesIO(render_pdf(render_html(digest, max_stories=20, mode="pdf"))))
    outline = [item.title for item in reader.outline]
    assert outline == [s.title for s in stories]
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert f"page 1 of {len(reader.pages)}" in text
    for story in stories:
        assert story.title.split()[0] in text
    links = [annot.get_object() for page in reader.pages for annot in page.get("/Annots", [])]
    internal = [link for link in links if "/Dest" in link or ("/A" in link and link["/A"].get("/S") == "/GoTo")]
    assert internal, "citation markers and contents entries link inside the PDF"


def test_pdf_variant_has_no_element_the_pdf_does_not_show(seed_articles):
    """WeasyPrint pays for every box: the PDF's HTML leaves out what the PDF hides (the contents' counts)
    and the spans its style never reads (contents headlines, source dates, byline separators), while
    the PDF still reads the same."""
    stories = build_stories(seed_articles, 120)
    digest = Digest(date(2019, 11, 3), datetime(2019, 11, 3, 7, tzinfo=UTC), tuple(stories))
    pdf_html, html = render_html(digest, max_stories=20, mode="pdf"), render_html(digest, max_stories=20)
    for only_html in ('class="toc-meta"', 'class="toc-headline"', 'class="date"', 'class="sep"'):
        assert only_html in html and only_html not in pdf_html
    reader = PdfReader(io.BytesIO(render_pdf(pdf_html)))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    dates = 0
    for view in render.story_views(digest, "pdf", full=20)[:20]:
        entry = view.sources[0]
        published = entry.article.published
        dates += bool(published)
        dated = f", {render.nice_date(published)}" if published else ""
        assert f"{entry.name} · {entry.article.display_title}{dated}" in text
        bylines = [f"{b.name}, {render.short_date(b.published)}" if b.published else b.name for b in view.bylines]
        assert " · ".join(bylines) in text
    assert dates, "the seed edition has dated sources"


def test_edition_pdf_is_the_pdf_render_makes(tmp_path, seed_articles):
    # write_edition may render the PDF in a forked process while it writes the HTML: same bytes
    digest = Digest(date(2019, 11, 3), datetime(2019, 11, 3, 7, tzinfo=UTC), tuple(build_stories(seed_articles, 60)))
    outputs = write_edition(digest, tmp_path, pdf=True, max_stories=2)
    assert set(outputs) == {"html", "json", "pdf"}
    written = (tmp_path / "2019-11-03" / "digest.pdf").read_bytes()
    assert written == render_pdf(render_html(digest, max_stories=2, mode="pdf"))


def test_edition_pdf_failure_is_a_render_error(tmp_path, seed_articles, monkeypatch):
    def broken(html: str) -> bytes:
        raise RenderError("cannot render the PDF: no fonts")

    monkeypatch.setattr(render, "render_pdf", broken)
    digest = Digest(date(2019, 11, 3), datetime(2019, 11, 3, 7, tzinfo=UTC), tuple(build_stories(seed_articles, 60)))
    with pytest.raises(RenderError, match="no fonts"):
        write_edition(digest, tmp_path, pdf=True, max_stories=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no half edition: no JSON and HTML without the PDF


def test_pdf_fetches_nothing():
    html = (
        '<html><body><img src="file:///etc/passwd"><img src="http://127.0.0.1:9/x.png">'
        '<link rel="stylesheet" href="http://127.0.0.1:9/s.css"><p>ok</p></body></html>'
    )
    assert render_pdf(html).startswith(b"%PDF")


def test_archive_lists_editions(tmp_path, seed_articles):
    digest = Digest(date(2019, 11, 3), datetime(2019, 11, 3, 7, tzinfo=UTC), tuple(build_stories(seed_articles, 60)))
    outputs = write_edition(digest, tmp_path, pdf=False, max_stories=20)
    record = EditionRecord("2019-11-03", "t", 5, 8, outputs)
    with Store(tmp_path / "s.sqlite3") as store:  # the archive lists the stories the store keeps
        store.record_file(FileRecord("/inbox/seeds", 1, 1, "s", "ok", None), "t", seed_articles)
        store.record_edition(record, [a.id for a in seed_articles], digest.stories, digest.topics)
        index = write_archive(tmp_path, [record, EditionRecord("2019-11-02", "t", 1, 1, {})], store)
    html = index.read_text()
    assert "5 sources" in html
    assert '<a href="2019-11-03/digest.html">3 November 2019</a>' in html
    assert "2 November 2019" in html and digest.stories[0].title in html


@pytest.mark.parametrize("value", ["2019-11-03", date(2019, 11, 3)])
def test_nice_date(value):
    from digest.output.render import nice_date

    assert nice_date(value) == "3 November 2019"


def test_sentences_from_one_article_read_as_one_paragraph_and_markers_ascend(seed_articles):
    stories = build_stories(seed_articles, 120)
    digest = Digest(date(2019, 11, 3), datetime(2019, 11, 3, 7, tzinfo=UTC), tuple(stories))
    html = render_html(digest, max_stories=20)
    single = next(s for s in stories if len(s.articles) == 1 and len(s.summary) > 1)
    section = html.split(f">{single.title}</h2>", 1)[1].split("</article>", 1)[0]
    summary = section.split('<div class="summary">', 1)[1].split("</div>", 1)[0]
    assert summary.count('<p dir="auto">') == 1 and summary.count('class="cite"') == 1
    import re

    for paragraph in re.findall(r'<p dir="auto">.*?</p>', html, re.S):
        numbers = [int(n) for n in re.findall(r'class="cite"[^>]*>(\d+)</a>', paragraph)]
        assert numbers == sorted(numbers)


def edition_files(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_an_edition_appears_whole_or_not_at_all_on_a_full_disk(tmp_path, seed_articles):
    import subprocess

    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(disk)], capture_output=True).returncode:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        made = datetime(2019, 11, 3, 7, tzinfo=UTC)
        first = Digest(date(2019, 11, 3), made, tuple(build_stories(seed_articles[:2], 9)))
        write_edition(first, disk, pdf=False, max_stories=20)
        before = edition_files(disk / "2019-11-03")
        # fill the disk but for a little room: the new JSON fits, the HTML does not
        with open(disk / "filler", "wb", buffering=0) as filler, contextlib.suppress(OSError):
            while True:
                filler.write(b"x" * 4096)
        os.truncate(disk / "filler", os.path.getsize(disk / "filler") - 20_000)
        again = Digest(date(2019, 11, 3), made.replace(hour=8), tuple(build_stories(seed_articles, 120)))
        assert len(json.dumps(digest_json(again), indent=2)) < 20_000 < len(render_html(again, max_stories=20))
        with pytest.raises(RenderError, match="No space left"):
            write_edition(again, disk, pdf=False, max_stories=20)
        assert edition_files(disk / "2019-11-03") == before  # the old edition, every file of it
        assert sorted(p.name for p in disk.iterdir()) == ["2019-11-03", "filler"]  # nothing left behind
        (disk / "filler").unlink()
        write_edition(again, disk, pdf=False, max_stories=20)
        after = edition_files(disk / "2019-11-03")
        assert json.loads(after["digest.json"])["generated_at"].startswith("2019-11-03T08:00")
        assert sorted(after) == ["digest.html", "digest.json"] and after["digest.html"] != before["digest.html"]
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_outputs_respect_the_umask(tmp_path, seed_articles):
    import stat

    digest = Digest(date(2019, 11, 3), datetime(2019, 11, 3, 7, tzinfo=UTC), tuple(build_stories(seed_articles, 60)))
    old = os.umask(0o022)
    try:
        outputs = write_edition(digest, tmp_path / "out", pdf=False, max_stories=20)
        index = write_archive(tmp_path / "out", [EditionRecord("2019-11-03", "t", 5, 8, outputs)])
        os.umask(0o027)
        write_edition(replace(digest, date=date(2019, 11, 4)), tmp_path / "out", pdf=False, max_stories=20)
    finally:
        os.umask(old)
    mode = lambda path: stat.S_IMODE(os.stat(path).st_mode)  # noqa: E731
    assert [mode(path) for path in (*outputs.values(), index)] == [0o644, 0o644, 0o644]
    assert mode(tmp_path / "out" / "2019-11-03") == 0o755
    assert mode(tmp_path / "out" / "2019-11-04") == 0o750
    assert mode(tmp_path / "out" / "2019-11-04" / "digest.json") == 0o640


def test_citation_notes_are_the_evidence_the_summary_decided_on(seed_articles):
    """Each summary sentence carries, for each other article it cites, the words that state it; the
    HTML's notes show them, the same words as searching the cited article again finds."""
    stories = build_stories(seed_articles, 120)
    digest = Digest(date(2019, 11, 3), datetime(2019, 11, 3, 7, tzinfo=UTC), tuple(stories))
    html = render_html(digest, max_stories=len(stories))
    checked = 0
    for story in stories:
        articles = {a.id: a for a in story.articles}
        for sentence in story.summary:
            assert [a for a, _ in sentence.evidence] == list(sentence.citations[1:])
            for cited in sentence.citations[1:]:
                searched = render.supporting_sentence(sentence.text, articles[cited], own=False)
                assert searched is not None and render._note(sentence, cited) == searched
                assert str(render.marked(sentence.text, searched)) in html
                checked += 1
    assert checked >= 5, "the seed edition has sentences citing other articles"


_RENDER_ALONE = """
import re
import sys
from datetime import UTC, date, datetime
from digest.models import Article, Digest, Story, SummarySentence
from digest.output.render import render_html

text = "The harbour bridge reopened to traffic on Monday after two years of repairs."
said = "Traffic crossed the harbour bridge again on Monday, two years after repairs began."
a = Article("a", "/in/a.txt", None, "City Times", None, "2019-11-04", (text,), (text,))
b = Article("b", "/in/b.txt", None, "Harbour News", None, "2019-11-04", (said,), (said,))
sentence = SummarySentence(text, ("a", "b"), "a", (("b", said),))
digest = Digest(date(2019, 11, 4), datetime(2019, 11, 4, 7, tzinfo=UTC), (Story("s", "Bridge", (a, b), (sentence,)),))
html = render_html(digest, max_stories=1)
assert said in re.sub("<[^>]+>", "", html), html  # the note, its stating words marked
print(sorted(name for name in sys.modules if name.startswith("digest.")))
"""


def test_rendering_an_edition_does_not_summarise_again():
    """The notes come from the summary sentences' evidence: rendering loads no summariser."""
    result = subprocess.run([sys.executable, "-c", _RENDER_ALONE], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    loaded = ast.literal_eval(result.stdout)
    assert "digest.output.render" in loaded and "digest.summaries.summarize" not in loaded
