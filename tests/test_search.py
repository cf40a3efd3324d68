"""Search with the store's full-text index (SQLite FTS5, PostgreSQL tsvector), on both stores: every word
required, the last one a prefix; odd queries never fail; an article is found as soon as it is read; a
store made before the index is filled when it is migrated."""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from digest import Newsdesk, Settings
from digest.models import Article, Story
from digest.store import SCHEMA_VERSION, open_store

from .conftest import BRIDGE_ARTICLE

DAY = date(2019, 11, 3)
# Articles of our own beside the seeds: one with the words in its title, one with them in its text only.
OWN = {
    "ferry.json": {
        "title": "Ferry strike halts crossings to Islay",
        "source": "Island News",
        "published": "2019-11-02",
        "dek": "Crews walk out over rosters",
        "text": "Ferry crews walked out on Saturday. The crossings to Islay will not run until Tuesday, the "
        "operator said. Hauliers wait at Kennacraig.",
    },
    "harbour.json": {
        "title": "Council budget passes",
        "source": "Island News",
        "published": "2019-11-02",
        "text": "The council passed its budget on Friday. Money for the ferry terminal and its car park was cut "
        "after a long debate about the strike last spring.",
    },
}


def clock() -> datetime:
    return datetime(2019, 11, 3, 18, 0, tzinfo=UTC)


@pytest.fixture
def desk_settings(store_settings: Settings) -> Settings:
    for name, item in OWN.items():
        (store_settings.inbox / name).write_text(json.dumps(item), encoding="utf-8")
    return store_settings


def words_of(article: Article) -> list[str]:
    return re.findall(r"[^\W_]+", f"{article.title or ''}\n{article.dek or ''}\n{article.text}".lower())


def expected(articles: list[Article], query: str) -> set[str]:
    """The ids of the articles holding every word of ``query``, the last as a prefix, found the slow way."""
    wanted = re.findall(r"[^\W_]+", query.lower())
    found = set()
    for article in articles:
        words = set(words_of(article))
        *whole, last = wanted
        if all(w in words for w in whole) and any(w.startswith(last) for w in words):
            found.add(article.id)
    return found


def all_articles(desk: Newsdesk) -> list[Article]:
    return desk.store.articles_for_edition("")  # before any edition: every article


QUERIES = ["ferry strike", "baghdad iran", "Ferry STRIKE", "soleimani", "soleim", "islay kennacraig", "strike"]


def test_search_finds_every_word_and_nothing_else(desk_settings: Settings) -> None:
    with Newsdesk(desk_settings, clock=clock) as desk:
        desk.ingest()
        articles = all_articles(desk)
        assert len(articles) == 10  # the seed files hold eight
        for query in QUERIES:
            hits = desk.search(query)
            assert {hit.article.id for hit in hits} == expected(articles, query) != set(), query
            assert all(hit.carried == () for hit in hits)  # none is in an edition yet
        assert desk.search("ferry zeppelin") == []  # every word must be there
        assert desk.search("zeppelin") == []
        assert desk.search("soleimani", limit=2) == desk.search("soleimani")[:2]


def test_a_title_match_ranks_above_a_match_in_the_text(desk_settings: Settings) -> None:
    with Newsdesk(desk_settings, clock=clock) as desk:
        desk.ingest()
        titles = [hit.article.title for hit in desk.search("ferry strike")]
    assert titles == ["Ferry strike halts crossings to Islay", "Council budget passes"]


@pytest.mark.parametrize(
    ("query", "same_as"),
    [
        ('"ferry strike"', "ferry strike"),
        ('"ferry', "ferry"),
        ("ferry*", "ferry"),
        ("ferry AND strike", "ferry and strike"),
        ("ferry OR zeppelin", "ferry or zeppelin"),
        ("ferry NOT strike", "ferry not strike"),
        ("ferry -strike", "ferry strike"),
        ("ferry's strike!", "ferry s strike"),
        ("title:ferry", "title ferry"),
        ("NEAR(ferry strike)", "near ferry strike"),
        ("ferry & strike | islay:*", "ferry strike islay"),
        ("ferry_strike", "ferry strike"),
    ],
)
def test_odd_queries_are_words_never_syntax(desk_settings: Settings, query: str, same_as: str) -> None:
    """Quotes, ``*``, ``-``, AND, OR, NOT, column filters and tsquery operators are not the index's syntax
    here: the query means its words, and never fails."""
    with Newsdesk(desk_settings, clock=clock) as desk:
        desk.ingest()
        articles = all_articles(desk)
        found = {hit.article.id for hit in desk.search(query)}
        assert found == expected(articles, same_as)
    if query == "ferry AND strike":  # 'and' is a word to find: the rules say so, and the council's text has it
        assert found and all("and" in words_of(a) for a in articles if a.id in found)


@pytest.mark.parametrize("query", ["", "   ", '"', "*", "-", "AND", '""', "()", "'", ":*", "&|!", "^", "—", "\x00"])
def test_a_query_of_no_word_finds_nothing_and_never_fails(desk_settings: Settings, query: str) -> None:
    with Newsdesk(desk_settings, clock=clock) as desk:
        desk.ingest()
        found = desk.search(query)
    if query == "AND":  # a word like any other: the articles holding 'and'
        assert found and all("and" in words_of(hit.article) for hit in found)
    else:
        assert found == []


def test_an_article_read_after_an_edition_is_found_at_once(desk_settings: Settings) -> None:
    with Newsdesk(desk_settings, clock=clock) as desk:
        edition = desk.make_edition(DAY)
        carried = desk.search("ferry strike")
        assert carried and all(hit.editions == ("2019-11-03",) for hit in carried)
        stories = {story.id: story for story in edition.stories}
        for hit in carried:
            (where,) = hit.carried
            assert hit.article.id in [a.id for a in stories[where.story_id].articles]
            assert where.title == stories[where.story_id].title
        assert desk.search("harbour bridge") == []
        (desk_settings.inbox / "bridge.json").write_text(json.dumps(BRIDGE_ARTICLE), encoding="utf-8")
        desk.ingest()
        (hit,) = desk.search("harbour bridge")
        assert hit.article.title == "Harbour bridge reopens" and hit.carried == ()


def test_the_title_of_a_story_finds_its_articles(desk_settings: Settings) -> None:
    """A story's title is searched too (it may be worded unlike its articles'); a story kept again
    under another title is found by the new one only."""
    with Newsdesk(desk_settings, clock=clock) as desk:
        desk.make_edition(DAY)
        ferry = next(a for a in all_articles_in_store(desk) if a.title and a.title.startswith("Ferry"))
        story = Story("s1", "Islanders stranded by walkout", (ferry,), ())
        desk.store.keep_stories("2019-11-03", [story])
        (hit,) = desk.search("stranded islanders")
        assert hit.article.id == ferry.id and [c.title for c in hit.carried] == ["Islanders stranded by walkout"]
        desk.store.keep_stories("2019-11-03", [replace(story, title="Rosters row")])
        assert desk.search("stranded islanders") == []
        assert [hit.article.id for hit in desk.search("rosters row")] == [ferry.id]


def all_articles_in_store(desk: Newsdesk) -> list[Article]:
    ids = [row[0] for row in desk.store.db.execute("SELECT id FROM articles").fetchall()]
    return list(desk.store.articles_by_id(ids).values())


def _back_to_version_6(settings: Settings) -> None:
    """Take the search index (and what came after it) out of the store, as a store made before it was."""
    assert SCHEMA_VERSION == 8
    if settings.store_url is None:
        db = sqlite3.connect(settings.store_path, isolation_level=None)
        for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            db.execute(f"DROP TRIGGER {name}")
        db.executescript(
            "DROP TABLE article_search; DROP TABLE story_search; DROP INDEX story_articles_article; "
            "ALTER TABLE editions DROP COLUMN sources; PRAGMA user_version = 6;"
        )
        db.close()
        return
    import psycopg

    with psycopg.connect(settings.store_url, autocommit=True) as db:
        db.execute(
            "DROP TABLE article_search; DROP FUNCTION article_search_keep CASCADE; "
            "ALTER TABLE stories DROP COLUMN search; DROP INDEX story_articles_article; "
            "ALTER TABLE editions DROP COLUMN sources; UPDATE digest_schema SET version = 6"
        )


def test_a_store_made_before_the_index_is_filled_when_migrated(desk_settings: Settings) -> None:
    with Newsdesk(desk_settings, clock=clock) as desk:
        desk.make_edition(DAY)
        before = [hit.article.id for hit in desk.search("ferry strike")]
        story_title = desk.store.edition_stories("2019-11-03")[0].title
    assert len(before) == 2
    _back_to_version_6(desk_settings)
    with open_store(desk_settings) as store:  # migrates: the index is filled with what is there
        assert store.search("ferry strike") == before
        assert store.search(story_title)
    with Newsdesk(desk_settings, clock=clock) as desk:
        (desk_settings.inbox / "bridge.json").write_text(json.dumps(BRIDGE_ARTICLE), encoding="utf-8")
        desk.ingest()  # and kept up to date after
        assert [hit.article.title for hit in desk.search("harbour bridg")] == ["Harbour bridge reopens"]


def test_digest_search_from_the_shell_uses_the_index(desk_settings: Settings, tmp_path: Path) -> None:
    from .test_cli import digest as run_digest

    if desk_settings.store_url is not None:
        pytest.skip("the command line's store is named in digest.toml; the SQLite run covers the command")
    where = ["--inbox", str(desk_settings.inbox), "--output", str(desk_settings.output)]
    made = run_digest("run", *where, "--date", "2019-11-03", "--no-pdf", "--timezone", "UTC")
    assert made.returncode == 0, made.stderr
    found = run_digest("search", *where, "ferry", "strike")
    assert found.returncode == 0, found.stderr
    lines = found.stdout.splitlines()
    assert lines[0] == "Ferry strike halts crossings to Islay — Island News, 2019-11-02 — edition 2019-11-03"
    assert len(lines) == 2
    odd = run_digest("search", *where, '"', "AND", "-")
    assert odd.returncode == 0 and "Traceback" not in odd.stderr
    none = run_digest("search", *where, "*")
    assert none.returncode == 1 and none.stderr.strip() == "digest: no article matches '*'"
