from __future__ import annotations

import json
from datetime import date
from email.message import EmailMessage
from pathlib import Path

import pytest

from digest.output.render import nice_date
from digest.sources.ingest import decode_bytes, is_candidate, read_file
from digest.stories.cluster import _day_numbers
from digest.text.clean import clean_document

ARTICLE = (
    "The city council approved the new budget on Tuesday after a long debate. "
    "The plan raises spending on schools by four percent."
)


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def test_text_with_header_block(tmp_path):
    path = write(
        tmp_path, "a.txt", f"Title: Budget passes\nSource: City Times\nURL: https://example.org/b\n\n{ARTICLE}\n"
    )
    (doc,) = read_file(path).docs
    assert (doc.title, doc.source, doc.url) == ("Budget passes", "City Times", "https://example.org/b")
    assert doc.text.strip() == ARTICLE


def test_markdown_front_matter_links_and_headings(tmp_path):
    md = (
        "---\ntitle: Budget passes\nsource: City Times\n---\n# Budget passes\n\n"
        f"The [council](https://x.org) met. ![img](a.png)\n\n**{ARTICLE}**\n"
    )
    (doc,) = read_file(write(tmp_path, "a.md", md)).docs
    assert doc.title == "Budget passes"
    assert "The council met." in doc.text
    assert "https://x.org" not in doc.text and "**" not in doc.text and "#" not in doc.text


def test_markdown_of_brackets_is_read_and_links_still_unwrapped(tmp_path):
    """A line of 250,000 "[" (minutes with the old quadratic link pattern) is plain text; links next to
    stray brackets and CRLF front matter are still read."""
    (doc,) = read_file(write(tmp_path, "brackets.md", "[" * 250_000 + f"\n\n{ARTICLE}\n")).docs
    assert doc.text.startswith("[" * 1000) and ARTICLE in doc.text
    md = "---\r\ntitle: Budget\r\nsource: Times\r\n---\r\n[[1] The [council](https://x.org/a_b) met](. ![i](p.png)\r\n"
    (doc,) = read_file(write(tmp_path, "b.md", md)).docs
    assert (doc.title, doc.source) == ("Budget", "Times")
    assert doc.text.strip() == "[[1] The council met](."


def test_html_page_is_extracted(tmp_path):
    body = " ".join([ARTICLE] * 3)
    html = f"""<html><head><title>Budget passes | City Times</title>
    <meta property="og:site_name" content="City Times"></head><body>
    <nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
    <article><h1>Budget passes</h1><p>{body}</p><p>{ARTICLE}</p></article>
    <footer>Copyright City Times. All rights reserved. Privacy policy.</footer></body></html>"""
    (doc,) = read_file(write(tmp_path, "a.html", html)).docs
    assert doc.title and "Budget passes" in doc.title
    assert "city council approved" in doc.text
    assert "All rights reserved" not in doc.text and "Privacy policy" not in doc.text
    assert doc.extracted


def test_email_plain_and_html(tmp_path):
    message = EmailMessage()
    message["Subject"] = "Morning briefing"
    message["From"] = "City Times <news@citytimes.example>"
    message["Date"] = "Sun, 03 Nov 2019 07:00:00 +0000"
    message.set_content(ARTICLE)
    message.add_alternative(f"<html><body><p>{ARTICLE}</p></body></html>", subtype="html")
    (doc,) = read_file(write(tmp_path, "a.eml", message.as_bytes())).docs
    assert doc.source == "City Times" and doc.published == "2019-11-03T07:00:00+00:00"
    assert doc.text.strip() == ARTICLE

    only_html = EmailMessage()
    only_html["Subject"] = "Evening briefing"
    only_html.set_content(f"<html><body><article><p>{ARTICLE} {ARTICLE}</p></article></body></html>", subtype="html")
    (doc,) = read_file(write(tmp_path, "b.eml", only_html.as_bytes())).docs
    assert doc.title == "Evening briefing"
    assert "city council approved" in doc.text


def test_json_object_and_list(tmp_path):
    item = {
        "title": "Budget passes",
        "text": ARTICLE,
        "url": "https://e.org/1",
        "source": "CT",
        "published": "2019-11-02",
    }
    (doc,) = read_file(write(tmp_path, "a.json", json.dumps(item))).docs
    assert (doc.title, doc.source, doc.published) == ("Budget passes", "CT", "2019-11-02")
    docs = read_file(write(tmp_path, "b.json", json.dumps([item, {**item, "title": "Second"}]))).docs
    assert [d.title for d in docs] == ["Budget passes", "Second"]


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("binary.txt", bytes(range(256)) * 40, "not text"),
        ("notes.docx", b"PK\x03\x04", "unsupported file type"),
        ("shape.json", b'{"headline": "no text field"}', "no 'text' string"),
        ("broken.json", b'{"text": ', "cannot parse json"),
        ("list.json", b"[1, 2]", "not an object"),
        ("blank.md", b"\n\n   \n", "no article text"),
    ],
)
def test_bad_files_give_reasons(tmp_path, name, data, reason):
    result = read_file(write(tmp_path, name, data))
    assert result.docs == ()
    assert result.error and reason in result.error


def test_encodings(tmp_path):
    latin = "Le maire a présenté le budget à la presse. Les écoles recevront plus d'argent."
    assert read_file(write(tmp_path, "l.txt", latin.encode("latin-1"))).docs[0].text == latin
    assert read_file(write(tmp_path, "u.txt", latin.encode("utf-16"))).docs[0].text == latin
    assert decode_bytes("\ufeffhello".encode()) == "hello"


def test_size_limit_and_symlink(tmp_path):
    big = write(tmp_path, "big.txt", "word " * 1000)
    assert "limit" in (read_file(big, max_bytes=100).error or "")
    link = tmp_path / "link.txt"
    link.symlink_to(big)
    assert read_file(link).error == "symbolic links are not followed"


def test_partial_and_hidden_files_are_not_candidates():
    assert is_candidate(Path("story.txt"))
    for name in ("story.txt.part", ".hidden.txt", "story.tmp", "story.txt~"):
        assert not is_candidate(Path(name))


@pytest.mark.parametrize(
    ("given", "read"),
    [
        ("2026-11-29T09:30:00Z", "2026-11-29T09:30:00+00:00"),
        ("2026-11-29T09:30:00.250+05:30", "2026-11-29T09:30:00+05:30"),
        ("2026-11-29 09:30", "2026-11-29T09:30:00"),
        ("Sun, 29 Nov 2026 09:30:00 +0100", "2026-11-29T09:30:00+01:00"),
        ("November 29, 2026 9:30 AM", "2026-11-29T09:30:00"),
        ("Sunday, November 29, 2026 9:30 PM EST", "2026-11-29T21:30:00-05:00"),
        ("Nov. 29, 2026, 9:30 a.m. CET", "2026-11-29T09:30:00+01:00"),
        ("29 Nov 2026", "2026-11-29"),
        ("2026-11-29", "2026-11-29"),
        ("Published: November 29, 2026", "2026-11-29"),
        ("next Tuesday at 9:30", None),
    ],
)
def test_published_dates_keep_their_time_of_day(tmp_path, given, read):
    """JSON ``published``, a text header's ``Date:``, Markdown front matter: all read the same way."""
    files = {
        "a.json": json.dumps({"title": "Budget passes", "published": given, "text": ARTICLE}),
        "a.txt": f"Title: Budget passes\nDate: {given}\n\n{ARTICLE}\n",
        "a.md": f"---\ntitle: Budget passes\ndate: {given}\n---\n{ARTICLE}\n",
    }
    for name, data in files.items():
        (doc,) = read_file(write(tmp_path, name, data)).docs
        (article,) = clean_document(doc)
        assert article.published == read, name
        if read:  # what the edition shows, and the day clustering uses
            assert nice_date(article.published) == "29 November 2026"
            assert _day_numbers([article])[0] == date(2026, 11, 29).toordinal()


def test_plain_text_email_subject_is_the_title(tmp_path):
    message = EmailMessage()
    message["Subject"] = "Council passes the budget"
    message["From"] = "City Times <news@citytimes.example>"
    message["Date"] = "Sun, 29 Nov 2026 09:30:00 +0100"
    message.set_content(f"{ARTICLE}\n\nThe mayor said the vote was the closest in a decade.\n")
    (doc,) = read_file(write(tmp_path, "a.eml", message.as_bytes())).docs
    (article,) = clean_document(doc)
    assert (article.title, article.source) == ("Council passes the budget", "City Times")
    assert article.published == "2026-11-29T09:30:00+01:00"
