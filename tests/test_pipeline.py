from __future__ import annotations

import hashlib
import json
import os
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from digest.errors import ConfigError, LockBusyError, NothingNewError, RenderError
from digest.output.render import digest_json
from digest.pipeline import ingest, prepare_edition, published, run_edition, status, stories_version
from digest.store import EditionLock, Store

from .conftest import BRIDGE_ARTICLE

JUNK = bytes(range(256)) * 20


def edition_json(settings, day: str) -> dict:
    return json.loads((settings.output / day / "digest.json").read_text())


def test_seed_edition_structure_and_citations(settings, clock):
    digest = run_edition(settings, clock=clock, date=date(2019, 11, 3))
    data = edition_json(settings, "2019-11-03")
    groups = sorted(sorted(Path(a["path"]).name[:3] for a in s["articles"]) for s in data["stories"])
    assert groups == [["000", "001", "002", "004"], ["003"], ["003"], ["003"], ["003"]]
    top = data["stories"][0]  # four sources: ranked first
    assert len(top["articles"]) == 4
    ids = {Path(a["path"]).name[:3]: a["id"] for a in top["articles"]}
    for sentence in top["summary"]:
        if "We in Iran know how to deal with protests" in sentence["text"]:
            assert {ids["000"], ids["001"], ids["002"]} <= set(sentence["citations"])
    analysis = next(s for s in data["stories"] if s["title"].startswith("Analysis"))
    assert top["id"] in analysis["related"]
    assert set(digest.outputs) == {"html", "json"}
    assert (settings.output / "index.html").is_file()


def test_an_edition_keeps_its_stories_in_the_store(settings, clock):
    """The store holds what the edition published: its stories in order, their articles, summaries,
    citations with evidence, topics and links, as digest.json has them; a re-run replaces them."""
    digest = run_edition(settings, clock=clock, date=date(2019, 11, 3))
    with Store(settings.store_path) as store:
        assert store.edition_stories("2019-11-03") == list(digest.stories)
        assert store.edition_topics("2019-11-03") == list(digest.topics)
        kept = replace(digest, stories=tuple(store.edition_stories("2019-11-03")))
    assert sum(len(s.evidence) for story in kept.stories for s in story.summary) > 0
    data = edition_json(settings, "2019-11-03")
    assert digest_json(published(kept, settings.inbox))["stories"] == data["stories"]
    (settings.inbox / "new.json").write_text(json.dumps(BRIDGE_ARTICLE))
    again = run_edition(settings, clock=clock, date=date(2019, 11, 3), include_all=True)
    with Store(settings.store_path) as store:
        assert store.edition_stories("2019-11-03") == list(again.stories) != list(digest.stories)
        counted = store.db.execute("SELECT COUNT(*) FROM story_articles WHERE edition = '2019-11-03'").fetchone()[0]
    assert counted == again.article_count == 9


def test_editions_made_before_the_store_kept_stories_are_adopted_from_their_json(settings, clock):
    """An archive made before schema 6 has editions with no stories kept: they are read once from their
    digest.json, so continuity, the archive and mail see them as before the upgrade."""
    from digest.mail.deliver import load_edition

    run_edition(settings, clock=clock, date=date(2019, 11, 3))
    with Store(settings.store_path) as store:
        kept = store.edition_stories("2019-11-03")
        topics = store.edition_topics("2019-11-03")
        with store.transaction() as db:  # as a version-5 store left it
            for table in ("stories", "story_articles", "summary_sentences", "citations"):
                db.execute(f"DELETE FROM {table}")
        assert store.edition_stories("2019-11-03") == [] and store.dates_without_stories() == ["2019-11-03"]
        mailed = load_edition(settings, store, date(2019, 11, 3))  # mail adopts it
        assert [s.title for s in mailed.digest.stories] == [s.title for s in kept]
        assert store.edition_stories("2019-11-03") == kept and store.edition_topics("2019-11-03") == topics
        assert store.dates_without_stories() == []
    (settings.inbox / "new.json").write_text(json.dumps(BRIDGE_ARTICLE))
    with Store(settings.store_path) as store, store.transaction() as db:
        db.execute("DELETE FROM stories")
    run_edition(settings, clock=clock, date=date(2019, 11, 4))  # the next edition adopts it too
    with Store(settings.store_path) as store:
        assert [s.id for s in store.edition_stories("2019-11-03")] == [s.id for s in kept]


def test_rerun_neither_loses_nor_duplicates(settings, clock):
    run_edition(settings, clock=clock, date=date(2019, 11, 3))
    first = edition_json(settings, "2019-11-03")
    run_edition(settings, clock=clock, date=date(2019, 11, 3))
    again = edition_json(settings, "2019-11-03")
    ids = lambda data: sorted(a["id"] for s in data["stories"] for a in s["articles"])  # noqa: E731
    assert ids(first) == ids(again) and len(ids(again)) == 8 == len(set(ids(again)))
    # a renamed copy of a seed is the same article, not a new one
    (settings.inbox / "000_7c368ac86b694baf.txt").rename(settings.inbox / "renamed.txt")
    (settings.inbox / "copy.txt").write_bytes((settings.inbox / "001_90c3d18951d23e06.txt").read_bytes())
    with pytest.raises(NothingNewError):
        run_edition(settings, clock=clock, date=date(2019, 11, 4))
    with Store(settings.store_path) as store:
        assert store.article_count() == 8


def test_prepared_work_gives_the_same_edition_and_follows_new_articles(tmp_path, settings, clock, caplog):
    import logging

    fresh = replace(settings, output=tmp_path / "fresh")
    run_edition(fresh, clock=clock, date=date(2019, 11, 3))
    # the daemon's way: read the inbox, prepare, then make the edition
    ingest(settings, clock=clock)
    assert prepare_edition(settings, clock=clock, date=date(2019, 11, 3)) == 5
    with caplog.at_level(logging.INFO, logger="digest"):
        run_edition(settings, clock=clock, date=date(2019, 11, 3))
    assert "the grouping of these 8 articles was prepared earlier" in caplog.text
    assert "5 of 5 summaries were prepared earlier" in caplog.text
    without_time = lambda data: {k: v for k, v in data.items() if k != "generated_at"}  # noqa: E731
    assert without_time(edition_json(settings, "2019-11-03")) == without_time(edition_json(fresh, "2019-11-03"))
    # a new article joins: the grouping is made again, unchanged stories keep their summaries
    (settings.inbox / "new.json").write_text(json.dumps(BRIDGE_ARTICLE))
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="digest"):
        run_edition(settings, clock=clock, date=date(2019, 11, 3), include_all=True)
    assert "grouping of these" not in caplog.text
    assert "5 of 6 summaries were prepared earlier" in caplog.text
    # prepared for the next day's edition, after this one was published: only the new article
    caplog.clear()
    (settings.inbox / "later.json").write_text(
        json.dumps({**BRIDGE_ARTICLE, "text": BRIDGE_ARTICLE["text"] + " More."})
    )
    ingest(settings, clock=clock)
    assert prepare_edition(settings, clock=clock, date=date(2019, 11, 4)) == 1
    with caplog.at_level(logging.INFO, logger="digest"):
        run_edition(settings, clock=clock, date=date(2019, 11, 4))
    assert "the grouping of these 1 article was prepared earlier" in caplog.text
    # other summary lengths are summaries of their own
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="digest"):
        run_edition(replace(settings, summary_words=60), clock=clock, date=date(2019, 11, 3), include_all=True)
    assert "summaries were prepared earlier" not in caplog.text


def test_prepared_work_of_other_code_is_not_used(settings, clock, caplog):
    import logging

    run_edition(settings, clock=clock, date=date(2019, 11, 3))
    with Store(settings.store_path) as store:
        store.db.execute("UPDATE prepared SET version = 'other'")
    with caplog.at_level(logging.INFO, logger="digest"):
        run_edition(settings, clock=clock, date=date(2019, 11, 3))
    assert "prepared earlier" not in caplog.text
    with Store(settings.store_path) as store:
        versions = {row[0] for row in store.db.execute("SELECT DISTINCT version FROM prepared")}
    assert versions == {stories_version()}  # the work was made again, by this code


def test_next_edition_takes_only_new_articles(settings, clock):
    run_edition(settings, clock=clock, date=date(2019, 11, 3))
    (settings.inbox / "new.json").write_text(json.dumps(BRIDGE_ARTICLE))
    digest = run_edition(settings, clock=clock, date=date(2019, 11, 4))
    assert [s.title for s in digest.stories] == ["Harbour bridge reopens"]
    everything = run_edition(settings, clock=clock, date=date(2019, 11, 5), include_all=True)
    assert everything.article_count == 9


def test_junk_is_set_aside_untouched_and_reported(settings, clock):
    junk = settings.inbox / "junk.txt"
    junk.write_bytes(JUNK)
    before = hashlib.sha256(junk.read_bytes()).hexdigest()
    digest = run_edition(settings, clock=clock, date=date(2019, 11, 3))
    assert len(digest.stories) == 5
    assert [(Path(q.path).name, q.reason) for q in digest.quarantined] == [
        ("junk.txt", "not text (binary data or unknown encoding)")
    ]
    assert hashlib.sha256(junk.read_bytes()).hexdigest() == before
    assert edition_json(settings, "2019-11-03")["quarantined"][0]["reason"].startswith("not text")
    report = status(settings)
    assert report.waiting == 0 and report.last_edition and report.last_edition.date == "2019-11-03"
    assert [Path(p).name for p, _ in report.quarantined] == ["junk.txt"]


def test_overlapping_run_is_refused(settings, clock):
    lock = EditionLock(settings.store_path)
    lock.acquire()
    try:
        with pytest.raises(LockBusyError):
            run_edition(settings, clock=clock, date=date(2019, 11, 3))
    finally:
        lock.release()
    assert not (settings.output / "2019-11-03").exists()


def test_empty_inbox_writes_nothing_unless_asked(tmp_path, settings, clock):
    empty = replace(settings, inbox=tmp_path / "empty")
    empty.inbox.mkdir()
    with pytest.raises(NothingNewError, match=f"no new articles in {empty.inbox}; nothing written"):
        run_edition(empty, clock=clock)
    assert not settings.output.exists() or not (settings.output / "2019-11-03").exists()
    digest = run_edition(empty, clock=clock, allow_empty=True)
    assert digest.stories == () and digest.date == date(2019, 11, 3)
    assert "No new articles" in (settings.output / "2019-11-03" / "digest.html").read_text()


def test_no_new_articles_keep_the_last_edition(settings, clock):
    run_edition(settings, clock=clock, date=date(2019, 11, 3))
    before = (settings.output / "2019-11-03" / "digest.json").read_bytes()
    with pytest.raises(NothingNewError, match="no new articles since the edition of 2019-11-03; nothing written"):
        run_edition(settings, clock=clock, date=date(2019, 11, 4))
    assert not (settings.output / "2019-11-04").exists()
    assert (settings.output / "2019-11-03" / "digest.json").read_bytes() == before
    last = status(settings).last_edition
    assert last is not None and last.date == "2019-11-03"


@pytest.mark.parametrize("kind", ["missing", "file"])
def test_a_missing_inbox_is_an_error_not_an_empty_edition(tmp_path, settings, clock, kind):
    wrong = tmp_path / "inbxo"
    if kind == "file":
        wrong.write_text("not a folder")
    with pytest.raises(ConfigError, match=r"inbxo (does not exist|is not a folder); fix --inbox"):
        run_edition(replace(settings, inbox=wrong), clock=clock)
    with pytest.raises(ConfigError, match="inbxo"):
        ingest(replace(settings, inbox=wrong), clock=clock)
    assert not (settings.output / "2019-11-03").exists()


def test_a_full_output_disk_leaves_the_old_edition_and_the_articles_waiting(tmp_path, settings, clock):
    import contextlib
    import subprocess

    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", str(disk)], capture_output=True).returncode:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        settings = replace(settings, output=disk, store=tmp_path / "store.sqlite3")
        run_edition(settings, clock=clock, date=date(2019, 11, 3))
        before = {p.name: p.read_bytes() for p in (disk / "2019-11-03").iterdir()}
        (settings.inbox / "new.json").write_text(json.dumps(BRIDGE_ARTICLE))
        with open(disk / "filler", "wb", buffering=0) as filler, contextlib.suppress(OSError):
            while True:
                filler.write(b"x" * 4096)
        os.truncate(disk / "filler", os.path.getsize(disk / "filler") - 20_000)  # room for the JSON only
        with pytest.raises(RenderError, match="No space left on device"):
            run_edition(settings, clock=clock, date=date(2019, 11, 3))
        assert {p.name: p.read_bytes() for p in (disk / "2019-11-03").iterdir()} == before
        assert status(settings).waiting == 1  # the new article was not published
        (disk / "filler").unlink()
        run_edition(settings, clock=clock, date=date(2019, 11, 3))
        assert status(settings).waiting == 0
        assert "Harbour bridge" in (disk / "2019-11-03" / "digest.json").read_text()
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_outputs_name_no_local_folder(settings, clock):
    (settings.inbox / "sub").mkdir()
    (settings.inbox / "sub" / "new.json").write_text(json.dumps(BRIDGE_ARTICLE))
    (settings.inbox / "junk.txt").write_bytes(JUNK)
    run_edition(settings, clock=clock, date=date(2019, 11, 3))
    data = edition_json(settings, "2019-11-03")
    paths = sorted(a["path"] for s in data["stories"] for a in s["articles"])
    assert paths[-1] == "sub/new.json" and all(not p.startswith("/") for p in paths)
    assert [q["path"] for q in data["quarantined"]] == ["junk.txt"]
    local = str(settings.inbox.resolve().parent)
    for name in ("digest.json", "digest.html"):
        text = (settings.output / "2019-11-03" / name).read_text()
        assert local not in text and "file:" not in text


def test_stories_summarised_by_the_pool_come_back_in_order():
    from digest import pipeline
    from digest.models import Article
    from digest.summaries.summarize import summarize

    def story(number: int) -> tuple[Article, ...]:
        # sizes vary, as in a real edition, so the dealing of stories to chunks matters
        sentences = tuple(
            f"Report {number} says the council of town {number} approved plan {k} for {number + k} new homes."
            for k in range(1 + number % 7)
        )
        return (Article(f"a{number}", f"/{number}.txt", f"Town {number}", None, None, None, sentences, sentences),)

    stories = [story(number) for number in range(300)]
    assert pipeline._pool_context(len(stories) // 4) is not None or pipeline.usable_cores() < 2
    assert pipeline._summaries(stories, 40, None) == [summarize(s, max_words=40) for s in stories]
