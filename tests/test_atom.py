"""output/feed.xml: an Atom feed of the editions, read back by feedparser (as a feed reader would) and lxml."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import feedparser
import pytest
from lxml import etree

from digest.config import load_settings
from digest.errors import ConfigError
from digest.output.atom import feed_xml
from digest.pipeline import run_edition
from digest.store import EditionRecord, Store

from .conftest import BRIDGE_ARTICLE
from .test_formats import _digest

ATOM = "{http://www.w3.org/2005/Atom}"


def _clock(day: int) -> dt.datetime:
    return dt.datetime(2019, 11, day, 7, 0, tzinfo=dt.UTC)


@pytest.fixture
def three_editions(settings):
    """Editions of 3, 4 and 5 November: the seeds in HTML and EPUB, then a new article a day in other formats."""
    formats = {3: ("html", "epub"), 4: ("json",), 5: ("html", "json")}
    for day, kinds in formats.items():
        if day > 3:
            article = {**BRIDGE_ARTICLE, "title": f"Bridge news of day {day}", "published": f"2019-11-0{day}"}
            (settings.inbox / f"bridge-{day}.json").write_text(json.dumps(article))
        run_edition(replace(settings, formats=kinds), clock=lambda day=day: _clock(day), date=dt.date(2019, 11, day))
    return settings


def test_feed_has_one_entry_per_edition_newest_first_with_links_to_its_files(three_editions):
    path = three_editions.output / "feed.xml"
    root = etree.parse(str(path)).getroot()  # well-formed XML
    assert root.tag == f"{ATOM}feed"
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    feed = parsed.feed
    assert feed.title == "Daily digest" and feed.id.startswith("urn:uuid:") and feed.author == "digest"
    assert feed.updated == "2019-11-05T07:00:00+00:00"  # the newest edition's time
    assert [(link.rel, link.href) for link in feed.links] == [("self", "feed.xml"), ("alternate", "index.html")]

    entries = parsed.entries
    assert [e.updated for e in entries] == [f"2019-11-0{day}T07:00:00+00:00" for day in (5, 4, 3)]
    assert [e.title for e in entries][:2] == [
        "5 November 2019: Bridge news of day 5",
        "4 November 2019: Bridge news of day 4",
    ]
    assert entries[2].title.startswith("3 November 2019: Iranian general met Iraqi security officials")
    assert all(e.title.split(": ", 1)[1] in e.summary for e in entries)  # the top story leads the summary
    assert entries[2].summary.startswith("5 stories. Top stories: ") and entries[2].summary.count("; ") == 2
    assert len({e.id for e in entries}) == 3 and all(e.id.startswith("urn:uuid:") for e in entries)
    links = [[(link.type, link.href) for link in e.links] for e in entries]
    assert links == [
        [("text/html", "2019-11-05/digest.html")],
        [("application/json", "2019-11-04/digest.json")],  # no HTML, PDF or EPUB: the file it has
        [("text/html", "2019-11-03/digest.html"), ("application/epub+zip", "2019-11-03/digest.epub")],
    ]
    for entry in entries:  # every link names a file that is there
        assert all((three_editions.output / link.href).is_file() for link in entry.links)
    # the feed written again has the same ids: a reader does not see an edition twice
    again = feedparser.parse(feed_xml(list(reversed(parsed_records(three_editions)))))
    assert [e.id for e in again.entries] == [e.id for e in entries] and again.feed.id == feed.id


def parsed_records(settings) -> list[EditionRecord]:
    """The editions the store records, newest first."""
    with Store(settings.store_path) as store:
        return store.editions()


def test_feed_keeps_the_last_fifty_editions():
    editions = [
        EditionRecord(
            (dt.date(2019, 1, 1) + dt.timedelta(days=k)).isoformat(),
            f"2019-06-01T07:{k % 60:02d}:00",
            1,
            1,
            {"html": "digest.html"},
        )
        for k in range(60)
    ]
    parsed = feedparser.parse(feed_xml(editions))
    assert not parsed.bozo
    dates = [e.title for e in parsed.entries]
    assert len(dates) == 50 and dates[0] == "1 March 2019" and dates[-1] == "11 January 2019"
    assert parsed.entries[0].updated == "2019-06-01T07:59:00+00:00"  # a time without offset is UTC


def test_base_url_makes_the_links_absolute(settings, clock):
    settings = replace(settings, formats=("html",), base_url="https://example.org/digest/")
    run_edition(settings, clock=clock)
    parsed = feedparser.parse((settings.output / "feed.xml").read_bytes())
    assert not parsed.bozo
    assert parsed.feed.links[0].href == "https://example.org/digest/feed.xml"
    assert [link.href for link in parsed.entries[0].links] == ["https://example.org/digest/2019-11-03/digest.html"]


def test_base_url_setting_is_checked(tmp_path):
    def load(value: str) -> str | None:
        (tmp_path / "digest.toml").write_text(f"base_url = {value}\n")
        return load_settings(tmp_path / "digest.toml", env={}).base_url

    assert load('"https://example.org/digest"') == "https://example.org/digest/"
    assert load_settings(env={"DIGEST_BASE_URL": "http://localhost:8000/"}).base_url == "http://localhost:8000/"
    for bad in ('"example.org/digest"', '"ftp://example.org/"', '"https://example.org/?a=1"', "3"):
        with pytest.raises(ConfigError, match="base_url must be the http"):
            load(bad)
    result = _digest("run", "--inbox", str(tmp_path), "--output", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "base_url must be the http(s) address the output folder is served at" in result.stderr
