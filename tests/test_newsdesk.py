"""The library core: a Newsdesk made from settings does what a user does, on real files, a real SQLite
store and a real SMTP server; the public API is enough for a script; ``digest search``."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

import digest
from digest import Newsdesk, Settings
from digest.config import EmailSettings
from digest.store import open_store

from .conftest import SEEDS
from .newsroom import NEWSROOM
from .test_cli import digest as run_digest

DAY = date(2019, 11, 3)


def fixed_clock() -> datetime:
    return datetime(2019, 11, 3, 18, 0, tzinfo=UTC)


@pytest.fixture
def newsroom_settings(tmp_path: Path) -> Settings:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for path in NEWSROOM.glob("*.txt"):
        shutil.copy(path, inbox)
    return Settings(inbox=inbox, output=tmp_path / "output", timezone="UTC", pdf=False)


def test_each_method_on_real_files_and_one_store(settings: Settings):
    with Newsdesk(settings, clock=fixed_clock) as desk:
        store = desk.store
        assert desk.store is store  # opened once
        before = desk.status()
        assert (before.to_read, before.articles, before.last_edition) == (5, 0, None)
        report = desk.ingest()
        assert (report.files_read, report.quarantined) == (5, []) and report.articles_added >= 5
        assert desk.status().waiting == report.articles_added and desk.status().to_read == 0
        assert desk.prepare() == 5  # today by the clock: 2019-11-03
        edition = desk.make_edition()  # takes the date from the clock too
        assert edition.date == DAY and len(edition.stories) == 5 and edition.article_count == report.articles_added
        assert edition.generated_at == fixed_clock()
        assert set(edition.outputs) == {"html", "json"}  # the settings' formats, less the PDF
        assert all(Path(path).is_file() for path in edition.outputs.values())
        after = desk.status()
        assert after.waiting == 0 and after.last_edition is not None and after.last_edition.date == "2019-11-03"
        assert store.edition_stories("2019-11-03") == list(edition.stories)
    with pytest.raises(sqlite3.ProgrammingError):  # closed with the newsdesk
        store.editions()


def test_store_clock_and_formats_are_injected(settings: Settings, tmp_path: Path):
    store = open_store(settings)
    try:
        with Newsdesk(settings, store=store, clock=lambda: datetime(2019, 11, 5, 23, 30, tzinfo=UTC)) as desk:
            assert desk.store is store
            desk.formats = ("json",)
            edition = desk.make_edition()
        assert edition.date == date(2019, 11, 5)
        assert set(edition.outputs) == {"json"}
        assert sorted(p.name for p in (settings.output / "2019-11-05").iterdir()) == ["digest.json"]
        assert store.edition("2019-11-05") is not None  # a store given is left open
    finally:
        store.close()
    with Newsdesk(settings, formats=["html"], clock=fixed_clock) as desk:
        assert desk.formats == ("html",)
        assert set(desk.make_edition(include_all=True).outputs) == {"html"}


def test_send_mails_the_edition_once(settings: Settings, smtp):
    server = smtp()
    mailed = Settings(
        inbox=settings.inbox,
        output=settings.output,
        timezone="UTC",
        pdf=False,
        email=EmailSettings(
            host="127.0.0.1",
            port=server.port,
            security="none",
            sender="Daily digest <digest@example.org>",
            to=("ada@example.org",),
            timeout=5.0,
        ),
    )
    with Newsdesk(mailed, clock=fixed_clock) as desk:
        desk.make_edition()
        first = desk.send()
        again = desk.send()
    assert [r.status for r in first.results] == ["sent"] and first.edition == DAY
    assert [r.status for r in again.results] == ["skipped"]
    assert len(server.mailbox.received) == 1
    assert server.mailbox.received[0][1] == ["ada@example.org"]


def test_search_finds_articles_and_the_editions_that_carried_them(newsroom_settings: Settings):
    with Newsdesk(newsroom_settings, clock=fixed_clock) as desk:
        assert desk.search("harwick bridge") == []  # nothing read yet
        desk.ingest()
        waiting = desk.search("Harwick BRIDGE")
        assert waiting and all(hit.editions == () for hit in waiting)
        for hit in waiting:
            text = f"{hit.article.title}\n{hit.article.text}".casefold()
            assert "harwick" in text and "bridge" in text
        assert "Rail bridge collapse in northern Northland leaves 3 dead" in [hit.article.title for hit in waiting]
        assert "Harwick in mourning after viaduct disaster" not in [hit.article.title for hit in waiting]  # no bridge
        edition = desk.make_edition()
        carried = desk.search("harwick bridge")
        assert [hit.article.id for hit in carried] == [hit.article.id for hit in waiting]
        assert all(hit.editions == ("2019-11-03",) for hit in carried)
        stories = {story.id: story for story in edition.stories}
        for hit in carried:  # the story named is the one of the edition that holds the article
            (story,) = hit.carried
            assert hit.article.id in [a.id for a in stories[story.story_id].articles]
            assert story.title == stories[story.story_id].title
        assert desk.search("harwick zeppelin") == []  # every word must be there
        assert desk.search("   ") == []


def test_digest_search_prints_hits_and_exits_1_without(newsroom_settings: Settings):
    where = ["--inbox", str(newsroom_settings.inbox), "--output", str(newsroom_settings.output)]
    made = run_digest("run", *where, "--date", "2019-11-03", "--no-pdf", "--timezone", "UTC")
    assert made.returncode == 0, made.stderr
    found = run_digest("search", *where, "harwick bridge")
    assert found.returncode == 0, found.stderr
    lines = found.stdout.splitlines()
    title = "Rail bridge collapse in northern Northland leaves 3 dead"
    assert f"{title} — Meridian Wire Service, 2026-11-26 — edition 2019-11-03" in lines
    assert all(line.endswith("edition 2019-11-03") for line in lines)
    missed = run_digest("search", *where, "harwick", "zeppelin")
    assert missed.returncode == 1 and missed.stdout == ""
    assert missed.stderr.strip() == "digest: no article matches 'harwick zeppelin'"


def test_the_public_api_is_the_newsdesk_settings_models_and_errors():
    assert set(digest.__all__) == {
        "__version__",
        "Newsdesk",
        "Settings",
        "load_settings",
        "Article",
        "Continuation",
        "Digest",
        "Quarantined",
        "RawDoc",
        "Story",
        "SummarySentence",
        "Topic",
        "ScanReport",
        "Status",
        "SearchHit",
        "Carried",
        "SendReport",
        "RecipientResult",
        "DigestError",
        "ConfigError",
        "DeliveryError",
        "InputError",
        "LockBusyError",
        "NothingNewError",
        "RenderError",
        "StoreError",
    }
    assert all(hasattr(digest, name) for name in digest.__all__)


def test_a_script_makes_an_edition_with_the_public_api_alone(tmp_path: Path):
    script = textwrap.dedent(
        f"""\
        import json
        from datetime import date
        from pathlib import Path

        import digest

        settings = digest.Settings(
            inbox=Path({str(SEEDS)!r}), output=Path({str(tmp_path / "out")!r}), timezone="UTC", pdf=False
        )
        with digest.Newsdesk(settings) as desk:
            edition = desk.make_edition(date(2019, 11, 3))
            hits = desk.search("Soleimani")
            try:
                desk.make_edition(date(2019, 11, 4))
            except digest.NothingNewError as exc:
                nothing = str(exc)
        print(json.dumps({{"stories": len(edition.stories), "json": edition.outputs["json"],
                          "hits": [h.editions for h in hits], "nothing": nothing}}))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=tmp_path, check=False
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["stories"] == 5
    written = json.loads(Path(answer["json"]).read_text(encoding="utf-8"))
    assert written["date"] == "2019-11-03" and len(written["stories"]) == 5
    assert answer["hits"] and all(editions == ["2019-11-03"] for editions in answer["hits"])
    assert answer["nothing"].startswith("no new articles since the edition of 2019-11-03")
