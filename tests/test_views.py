"""One view of a story for every format (HTML, PDF, e-mail), and one definition of an outlet."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from digest.mail.deliver import Edition, render_bodies
from digest.models import Article, Digest, Story, SummarySentence, Topic, outlet_name
from digest.output.render import render_html, story_views
from digest.stories.editing import outlets


def _article(key: str, path: str, url: str | None, source: str | None = None) -> Article:
    sentences = tuple(f"Sentence {n} of the {key} article says the Harwick bridge fell." for n in range(1, 5))
    return Article(key, path, f"Title {key}", source, url, "2019-11-03", (" ".join(sentences),), sentences, (0,) * 4)


def _digest() -> Digest:
    # Two files with no named source from one web site (two host spellings), one from a named outlet
    # whose name is written in two cases: two outlets in all.
    articles = (
        _article("a1", "inbox/0001.txt", "https://www.harwick-herald.example/bridge"),
        _article("a2", "inbox/0002.txt", "https://m.harwick-herald.example/bridge-2"),
        _article("a3", "inbox/0003.txt", None, "Northland Post"),
        _article("a4", "inbox/0004.txt", None, "northland post"),
    )
    cited = ("a1", "a2")
    summary = tuple(SummarySentence(sentence, cited, "a1") for sentence in articles[0].sentences)
    story = Story("s1", "The Harwick bridge fell", articles, summary, topic="s1")
    made = datetime(2019, 11, 3, 18, 0, tzinfo=UTC)
    return Digest(date(2019, 11, 3), made, (story,), topics=(Topic("s1", story.title, ("s1",)),))


def test_an_outlet_is_defined_once_and_every_count_and_output_agrees():
    digest = _digest()
    story = digest.stories[0]
    assert outlet_name(None, "https://www.harwick-herald.example/x") == "harwick-herald.example"
    assert [a.outlet for a in story.articles] == [
        "harwick-herald.example",
        "harwick-herald.example",
        "Northland Post",
        "northland post",
    ]
    # The model's count (once by file name: four), the ranking's and the outputs' are one count.
    assert len(story.sources) == outlets(story) == digest.source_count == 2
    html = render_html(digest, max_stories=5)
    text, mail_html = render_bodies(Edition(digest, None), subject="Digest", max_stories=5, attached=False)
    for body in (html, text, mail_html):
        assert re.search(r"from\s+2\s+sources", body), body[:2000]


def test_html_pdf_and_mail_show_one_view_of_the_story():
    digest = _digest()
    html_view, pdf_view, mail_view = (
        story_views(digest, "html")[0],
        story_views(digest, "pdf")[0],
        story_views(digest, "mail", paragraph_sentences=3)[0],
    )
    names = [e.name for e in html_view.sources]
    assert names == [e.name for e in mail_view.sources] == [e.name for e in pdf_view.sources]
    # Four sentences citing the same sources: one paragraph on a page, at most three sentences in a mail.
    assert [len(p.text.split(". ")) for p in html_view.paragraphs] == [4]
    assert [len(p.text.split(". ")) for p in mail_view.paragraphs] == [3, 1]
    assert " ".join(p.text for p in mail_view.paragraphs) == html_view.paragraphs[0].text
    # Only the HTML carries what each cited article says.
    assert [bool(c.words) for p in html_view.paragraphs for c in p.citations] == [True, False]  # a2: no evidence
    assert not any(c.words for view in (pdf_view, mail_view) for p in view.paragraphs for c in p.citations)
    text, _ = render_bodies(Edition(digest, None), subject="Digest", max_stories=5, attached=False)
    assert "[1] harwick-herald.example: Title a1, 3 November 2019" in text
    assert text.count("[1, 2]") == 2  # one marker set per mail paragraph
