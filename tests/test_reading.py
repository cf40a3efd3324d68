"""What a reader gets: the PDF read back with pypdf, the HTML parsed with lxml."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from urllib.parse import urlparse

import pytest
from lxml import html as lxml_html
from pypdf import PdfReader

from digest.models import Article, Digest, Story, SummarySentence
from digest.output.render import render_html, render_pdf, short_url, story_anchor, supporting_sentence
from digest.pipeline import build_stories

FULL = 3  # stories shown in full; the seed edition's other two are listed in brief


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def seed_digest(seed_articles) -> Digest:
    return Digest(date(2019, 11, 3), datetime(2019, 11, 3, 7, tzinfo=UTC), tuple(build_stories(seed_articles, 120)))


@pytest.fixture(scope="module")
def pdf(seed_digest) -> PdfReader:
    return PdfReader(io.BytesIO(render_pdf(render_html(seed_digest, max_stories=FULL, mode="pdf"))))


@pytest.fixture(scope="module")
def page_texts(pdf) -> list[str]:
    return [flat(page.extract_text()) for page in pdf.pages]


@pytest.fixture(scope="module")
def tree(seed_digest):
    return lxml_html.fromstring(render_html(seed_digest, max_stories=FULL, previous="2019-11-02"))


# ---- PDF -------------------------------------------------------------------------------------


def test_pdf_outline_lists_every_story(pdf, seed_digest):
    titles = [s.title for s in seed_digest.stories]
    outline = pdf.outline
    top = [item.title for item in outline if not isinstance(item, list)]
    assert top == [*titles[:FULL], "Also in this edition"]
    brief = outline[-1]  # the children of "Also in this edition"
    assert isinstance(brief, list) and [item.title for item in brief] == titles[FULL:]


def test_pdf_masthead_running_heads_and_page_numbers(page_texts, seed_digest):
    first = page_texts[0]
    assert "Sunday, 3 November 2019" in first
    assert "5 stories from 5 sources · 8 articles" in first
    for number, text in enumerate(page_texts, start=1):
        assert f"page {number} of {len(page_texts)}" in text
        if number > 1:
            assert "Sunday, 3 November 2019" in text and "DAILY DIGEST" in text.upper()


def test_pdf_story_titles_are_in_the_text_layer(page_texts, seed_digest):
    everything = " ".join(page_texts)
    for story in seed_digest.stories:
        assert flat(story.title) in everything


def test_pdf_contents_page_numbers_are_where_the_stories_start(pdf, page_texts, seed_digest):
    contents = page_texts[0].split("IN THIS EDITION", 1)[1]
    destinations = {
        item.title: pdf.get_destination_page_number(item) + 1 for item in pdf.outline if not isinstance(item, list)
    }
    for story in seed_digest.stories[:FULL]:
        match = re.search(re.escape(flat(story.title)) + r"[ .]*?(\d+)\b", contents)
        assert match, story.title
        listed = int(match.group(1))
        assert listed == destinations[story.title]
        assert flat(story.title) in page_texts[listed - 1]
        # the headline starts on that page: it is not carried over from the page before
        if listed > 1:
            assert not page_texts[listed - 2].rstrip().endswith(flat(story.title))


def test_pdf_every_link_resolves(pdf, seed_digest):
    names = set(pdf.named_destinations)
    internal, external = [], []
    for page in pdf.pages:
        for annotation in page.get("/Annots", []):
            link = annotation.get_object()
            if "/Dest" in link:
                internal.append(str(link["/Dest"]))
            else:
                external.append(str(link["/A"]["/URI"]))
    assert internal and set(internal) <= names
    for uri in external:
        assert urlparse(uri).scheme in ("http", "https", "file"), uri
    # one link per citation marker, each to its story's own source list
    markers = [d for d in internal if "-src" in d]
    expected = []
    for story in seed_digest.stories[:FULL]:
        previous: tuple[str, ...] | None = None
        for sentence in story.summary:  # sentences citing the same articles share one marker set
            if sentence.citations != previous:
                numbers = sorted(story.articles.index(a) + 1 for a in story.articles if a.id in sentence.citations)
                expected += [f"{story_anchor(story.id)}-src{n}" for n in numbers]
            previous = sentence.citations
    assert sorted(markers) == sorted(expected)
    # the contents link to every story shown in full, and to the stories in brief
    assert {story_anchor(s.id) for s in seed_digest.stories[:FULL]} | {"more"} <= set(internal)


GLYPHS = {
    "arabic": "قالت الحكومة يوم الأحد إن المحادثات ستستمر",
    "chinese": "中国政府周日表示新的规定将于明年生效",
    "cyrillic": "Правительство заявило в воскресенье",
    "emoji": "Fans cheered 🎉🔥 as the team won",
}


def test_pdf_draws_arabic_chinese_cyrillic_and_emoji_with_fonts_that_have_them():
    articles, stories = [], []
    for n, (name, text) in enumerate(GLYPHS.items()):
        sentence = f"{text} after the meeting on Sunday."
        article = Article(f"a{n}", f"/in/{name}.txt", text, None, None, "2019-11-02", (sentence,), (sentence,), (0,))
        articles.append(article)
        stories.append(Story(f"s{n}", text, (article,), (SummarySentence(sentence, (article.id,), article.id),)))
    digest = Digest(date(2019, 11, 3), datetime(2019, 11, 3, 7, tzinfo=UTC), tuple(stories))
    reader = PdfReader(io.BytesIO(render_pdf(render_html(digest, max_stories=10, mode="pdf"))))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    assert any("Arabic" in f for f in fonts), fonts
    assert any("WenQuanYi" in f for f in fonts), fonts
    assert any("Emoji" in f for f in fonts), fonts
    # Latin text, digits and Cyrillic come from the text faces, never from the emoji font
    text = "".join(page.extract_text() for page in reader.pages)
    assert GLYPHS["cyrillic"] in flat(text) and GLYPHS["chinese"] in text.replace("\n", "")


# ---- HTML ------------------------------------------------------------------------------------


def test_html_headings_and_landmarks(tree, seed_digest):
    assert [flat(h.text_content()) for h in tree.iter("h1")] == ["Sunday, 3 November 2019"]
    titles = [flat(h.text_content()) for h in tree.xpath("//article[@class='story']/header/h2")]
    assert titles == [s.title for s in seed_digest.stories[:FULL]]
    brief = [flat(li.text_content()) for li in tree.xpath("//section[@id='more']//li/span[@class='more-title']")]
    assert brief == [s.title for s in seed_digest.stories[FULL:]]
    for landmark in ("header", "nav", "main", "footer"):
        assert tree.xpath(f"/html/body/{landmark}"), landmark
    assert tree.get("lang") == "en"
    for article in tree.xpath("//article"):  # each story is labelled by its own headline
        assert tree.get_element_by_id(article.get("aria-labelledby")).tag == "h2"


def test_html_every_citation_and_contents_link_has_its_target(tree, seed_digest):
    ids = set(tree.xpath("//@id"))
    assert len(ids) == len(tree.xpath("//@id")), "ids are unique"
    markers = tree.xpath("//a[@class='cite']")
    assert len(markers) >= sum(len(s.summary) for s in seed_digest.stories[:FULL]) // 2
    for marker in markers:
        target = marker.get("href")
        assert target.startswith("#") and target[1:] in ids
        assert tree.get_element_by_id(target[1:]).tag == "li"  # an entry of the story's source list
        note = tree.get_element_by_id(marker.get("aria-describedby"))
        assert note.get("role") == "tooltip" and note.text_content().strip()
    for link in tree.xpath("//a[starts-with(@href, '#')]"):
        assert link.get("href")[1:] in ids


def test_html_notes_show_the_cited_articles_own_words(tree, seed_digest):
    top = seed_digest.stories[0]
    quote = next(s for s in top.summary if "know how to deal with protests" in s.text)
    anchor = story_anchor(top.id)
    for cited in quote.citations:
        number = top.articles.index(next(a for a in top.articles if a.id == cited)) + 1
        notes = tree.xpath(f"//a[@class='cite'][@href='#{anchor}-src{number}']/following-sibling::span")
        words = [flat(n.xpath("string(.//span[@class='note-words'])")) for n in notes]
        article = top.articles[number - 1]
        # the note quotes sentences of the cited article itself, and this one holds the quotation
        assert any("know how to deal with protests" in w for w in words)
        said = next(w for w in words if "know how to deal with protests" in w)
        assert all(part.removesuffix(" …") in " ".join(article.sentences) for part in said.split(" … "))


def test_html_notes_mark_the_words_that_state_the_sentence(tree, seed_digest):
    """In another article's note, the words that state the summary sentence are marked, and only words
    of the note; a note quoting the sentence's own article marks nothing (all of it is the sentence)."""
    marks = tree.xpath("//span[@class='note-words']/mark")
    assert marks, "other articles' notes mark the words that state the sentence"
    for mark in marks:
        note = flat(mark.getparent().text_content())
        assert flat(mark.text_content()) in note and flat(mark.text_content()) != note
    # a note that is a summary sentence itself quotes the sentence's own article: nothing to mark
    summary = {flat(s.text) for story in seed_digest.stories[:FULL] for s in story.summary}
    own = [n for n in tree.xpath("//span[@class='note-words']") if flat(n.text_content()) in summary]
    assert own and not any(n.xpath("./mark") for n in own)


def test_html_is_self_contained(tree):
    assert not tree.xpath("//script | //link | //img | //iframe | //object | //embed | //video | //audio")
    assert not tree.xpath("//@src | //@srcset")
    css = "".join(tree.xpath("//style/text()"))
    assert "url(" not in css and "@import" not in css
    for href in tree.xpath("//a/@href"):
        assert href.startswith(("#", "../", "https://", "http://", "file:///")), href


def test_html_links_to_other_editions(tree):
    nav = tree.xpath("//nav[@class='edition-nav']")[0]
    assert [(a.get("href"), flat(a.text_content())) for a in nav.iter("a")] == [
        ("../2019-11-02/digest.html", "← 2 November 2019"),
        ("../index.html", "All editions"),
    ]


def test_source_lines_name_outlets_never_file_names(tree, seed_digest):
    visible = flat(tree.xpath("string(//main)"))
    assert ".txt" not in visible and "7c368ac86b694baf" not in visible
    meta = [flat(p.text_content()) for p in tree.xpath("//p[@class='story-meta']")]
    assert meta[0] == "PMOI/MEK, 10 Nov 2019 · 3 articles without a named source"
    assert meta[1] == "Source not named"


def test_outlet_and_short_url():
    base = Article("a", "/in/0001_9f8e7d6c.txt", None, None, None, None, (), ())
    assert base.outlet is None
    assert (
        Article("a", "/in/x.txt", None, None, "https://www.Reuters.com/world/x", None, (), ()).outlet == "reuters.com"
    )
    assert Article("a", "/in/x.txt", None, "  BBC News ", "https://bbc.co.uk/x", None, (), ()).outlet == "BBC News"
    assert Article("a", "/in/x.txt", None, None, "javascript:alert(1)", None, (), ()).outlet is None
    assert short_url("https://www.example.org/news/") == "example.org/news"
    long = "https://example.org/" + "a" * 100 + "/end.html"
    assert len(short_url(long)) == 60 and short_url(long).endswith("aaaaaa/end.html") and "…" in short_url(long)


def test_supporting_sentence_finds_the_matching_words():
    article = Article(
        "b",
        "/in/b.txt",
        None,
        None,
        None,
        None,
        (),
        ("The weather was fine.", "Officials said the harbour bridge reopened on Monday after repairs.", "More later."),
    )
    found = supporting_sentence("The harbour bridge reopened to traffic on Monday.", article, own=False)
    assert found == "Officials said the harbour bridge reopened on Monday after repairs."
    assert supporting_sentence("Nothing in common here at all.", article, own=False) is None
