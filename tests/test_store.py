"""The store's behaviour; the tests taking ``store_settings`` run on SQLite and on PostgreSQL."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable

import pytest

from digest.errors import LockBusyError, StoreError
from digest.models import Article, Continuation, Story, SummarySentence, Topic
from digest.store import MIGRATIONS, SCHEMA_VERSION, EditionLock, EditionRecord, FileRecord, Store, open_store


def article(ident: str, path: str = "/inbox/a.txt") -> Article:
    return Article(ident, path, "Title", "Src", None, "2019-11-02", ("One. Two.",), ("One.", "Two."), (0, 0))


def test_schema_is_migrated_and_versioned(tmp_path):
    path = tmp_path / "s.sqlite3"
    with Store(path):
        pass
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")} >= {
        "files",
        "articles",
        "editions",
    }


def test_newer_schema_and_garbage_are_refused(tmp_path):
    path = tmp_path / "s.sqlite3"
    with Store(path):
        pass
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="newer digest"):
        Store(path)
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="is damaged"):
        Store(junk)


def test_articles_are_stored_once_and_round_trip(store_settings):
    with open_store(store_settings) as store:
        record = FileRecord("/inbox/a.txt", 10, 1, "sha", "ok", None)
        assert store.record_file(record, "2019-11-03T07:00:00", [article("x1"), article("x2")]) == 2
        renamed = FileRecord("/inbox/b.txt", 10, 2, "sha", "ok", None)
        assert store.record_file(renamed, "2019-11-03T08:00:00", [article("x1", "/inbox/b.txt")]) == 0
        assert store.article_count() == 2
        (first, second) = store.articles_for_edition("2019-11-03")
        assert first == article("x1", "/inbox/b.txt")
        assert store.articles_for_edition("2019-11-03", paths=["/inbox/a.txt"]) == [second]


def test_features_round_trip_and_other_versions_are_ignored(store_settings):
    from digest.text.features import with_features

    text = "The harbour bridge reopened on Monday in Sydney. Officials said the work on the bridge cost $45 million."
    plain = Article(
        "f1", "/inbox/f.txt", "Bridge reopens", None, None, "2019-11-04", (text,), (text[:48], text[49:]), (0, 0)
    )
    full = with_features(plain)
    assert full.terms and full.entities and full.shingles is not None and len(full.shingles) > 0
    with open_store(store_settings) as store:
        store.record_file(FileRecord("/inbox/f.txt", 1, 1, "s", "ok", None), "t", [full], features="v1")
        (loaded,) = store.articles_for_edition("2019-11-04", features="v1")
        assert loaded.terms == full.terms and loaded.entities == full.entities
        assert loaded.shingles.tolist() == full.shingles.tolist()
        (other,) = store.articles_for_edition("2019-11-04", features="v2")
        assert (other.terms, other.entities, other.shingles) == (None, None, None)


def test_articles_come_without_their_text_only_when_their_features_say_what_comparing_needs(store_settings):
    from digest.text.features import with_features

    text = "The harbour bridge reopened on Monday in Sydney. Officials said the work on the bridge cost $45 million."
    plain = Article(
        "f1", "/inbox/f.txt", "Bridge reopens", None, None, "2019-11-04", (text,), (text[:48], text[49:]), (0, 0)
    )
    other = Article("f2", "/inbox/g.txt", "Ferry late", None, None, "2019-11-04", ("Late.",), ("Late.",), (0,))
    with open_store(store_settings) as store:
        store.record_file(FileRecord("/inbox/f.txt", 1, 1, "s", "ok", None), "t", [with_features(plain)], features="v1")
        store.record_file(FileRecord("/inbox/g.txt", 1, 1, "u", "ok", None), "t", [other])  # no features stored
        light = store.articles_by_id(["f2", "f1", "nope"], features="v1", text=False)
        assert list(light) == ["f2", "f1"]
        assert light["f1"].sentences == () and light["f1"].paragraphs == ()
        assert light["f1"].terms == with_features(plain).terms and light["f1"].title == "Bridge reopens"
        assert light["f2"].sentences == ("Late.",)  # its features are not stored: it comes whole
        assert store.articles_by_id(["f1"], features="v2", text=False)["f1"].sentences == plain.sentences
        assert store.articles_by_id(["f1"], features="v1")["f1"].sentences == plain.sentences


def test_the_records_of_some_files_are_read_without_the_others(store_settings):
    odd = "/inbox/caf\udce9.txt"  # a name that is not UTF-8, as the file system gave it
    with open_store(store_settings) as store:
        for path in ("/inbox/a.txt", "/inbox/b.txt", odd, "/other/c.txt"):
            store.record_file(FileRecord(path, 1, 1, "s", "ok", None), "t")
        store.record_file(FileRecord("/inbox/bad.bin", 1, 1, "s", "quarantined", "not text"), "t")
        assert set(store.files(["/inbox/a.txt", odd, "/inbox/missing.txt"])) == {"/inbox/a.txt", odd}
        assert store.files([]) == {}
        assert len(store.files()) == 5
        assert [r.path for r in store.quarantined_files()] == ["/inbox/bad.bin"]


def test_edition_assignment_and_rerun(store_settings):
    with open_store(store_settings) as store:
        store.record_file(FileRecord("/a", 1, 1, "s", "ok", None), "t", [article("x1"), article("x2")])
        store.record_edition(EditionRecord("2019-11-03", "t", 1, 2, {}), ["x1", "x2"])
        assert store.waiting_count() == 0
        # remaking the same date takes the same articles again, and nothing else
        assert [a.id for a in store.articles_for_edition("2019-11-03")] == ["x1", "x2"]
        assert store.articles_for_edition("2019-11-04") == []
        store.record_file(FileRecord("/b", 1, 1, "t", "ok", None), "t2", [article("x3", "/b")])
        assert [a.id for a in store.articles_for_edition("2019-11-04")] == ["x3"]
        store.record_edition(EditionRecord("2019-11-04", "t", 1, 1, {}), ["x1", "x3"])
        assert store.edition_of("x1") == "2019-11-03"  # an article stays in its first edition
        assert store.edition_of("x3") == "2019-11-04"


def test_quarantine_is_recorded(store_settings):
    with open_store(store_settings) as store:
        store.record_file(FileRecord("/inbox/junk.bin", 3, 1, "s", "quarantined", "not text"), "t")
        assert store.quarantined() == [("/inbox/junk.bin", "not text")]
        assert store.quarantined(["/elsewhere"]) == []


def test_lock_excludes_a_second_holder_and_is_removed(tmp_path):
    store_path = tmp_path / "s.sqlite3"
    first = EditionLock(store_path)
    first.acquire()
    with pytest.raises(LockBusyError, match="in progress"):
        EditionLock(store_path).acquire(wait=0.3)
    first.release()
    assert not first.path.exists()
    with EditionLock(store_path):
        pass


def test_lock_of_a_killed_process_is_free(tmp_path):
    store_path = tmp_path / "s.sqlite3"
    code = (
        f"from pathlib import Path; from digest.store import EditionLock; import time; "
        f"EditionLock(Path({str(store_path)!r})).acquire(); print('held', flush=True); time.sleep(60)"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(LockBusyError):
            EditionLock(store_path).acquire()
        holder.kill()
        holder.wait()
        time.sleep(0.1)
        lock = EditionLock(store_path)
        lock.acquire()  # the kernel released the dead holder's lock
        lock.release()
    finally:
        holder.kill()


def test_a_version_1_database_gains_deliveries_and_keeps_its_data(tmp_path):
    path = tmp_path / "s.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0] + "\nPRAGMA user_version = 1;")
    db.execute("INSERT INTO editions VALUES ('2019-11-03', 't', 1, 2, '{}')")
    db.commit()
    db.close()
    with Store(path) as store:
        assert [e.date for e in store.editions()] == ["2019-11-03"]
        assert store.deliveries() == []
        assert store.prepared("summary", ["k"], "v") == {}
        assert store.feeds() == [] and store.fetched_keys("https://example.org/rss.xml") == set()
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 8


def test_deliveries_keep_the_last_state_and_count_attempts(store_settings):
    with open_store(store_settings) as store:
        day, who = "2019-11-03", "a@example.org"
        store.record_delivery(day, who, "sending", now="t1", message_id="<m1@x>", attempt=True)
        store.record_delivery(day, who, "failed", now="t1", reply="451 busy")
        store.record_delivery(day, who, "sending", now="t2", message_id="<m1@x>", attempt=True)
        sent = store.record_delivery(day, who, "sent", now="t3", reply="250 queued")
        assert (sent.status, sent.reply, sent.message_id, sent.attempts, sent.sent_at) == (
            "sent",
            "250 queued",
            "<m1@x>",
            2,
            "t3",
        )
        # a forced re-send that fails keeps when it was last accepted
        store.record_delivery(day, who, "sending", now="t4", message_id="<m2@x>", attempt=True)
        failed = store.record_delivery(day, who, "failed", now="t4", reply="550 gone")
        assert (failed.status, failed.message_id, failed.attempts, failed.sent_at) == ("failed", "<m2@x>", 3, "t3")
        assert store.delivery(day, "b@example.org") is None
        assert [d.recipient for d in store.deliveries(day)] == [who]


def test_a_version_5_database_gains_stories_and_keeps_its_data(tmp_path):
    path = tmp_path / "s.sqlite3"
    db = sqlite3.connect(path)
    db.executescript("\n".join(MIGRATIONS[:5]) + "\nPRAGMA user_version = 5;")
    db.execute("INSERT INTO editions VALUES ('2019-11-03', 't', 1, 2, '{}')")
    db.execute("INSERT INTO feeds (url, origin, added_at) VALUES ('https://example.org/rss.xml', 'cli', 't')")
    db.execute("INSERT INTO prepared VALUES ('summary', 'k', 'v', '[]', 't')")
    db.commit()
    db.close()
    with Store(path) as store:
        assert [e.date for e in store.editions()] == ["2019-11-03"]
        assert [f.url for f in store.feeds()] == ["https://example.org/rss.xml"]
        assert store.prepared("summary", ["k"], "v") == {"k": "[]"}
        assert store.edition_stories("2019-11-03") == []  # made before stories were kept, without its JSON
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 8


def _stories() -> tuple[list[Story], list[Topic]]:
    a, b, c = article("x1"), article("x2", "/inbox/b.txt"), article("x3", "/inbox/c.txt")
    said = "Two, as the other outlet put it."
    first = Story(
        "s1",
        "First",
        (a, b),
        (SummarySentence("One.", ("x1", "x2"), "x1", (("x2", said),)), SummarySentence("Two.", ("x2",), "x2")),
        related=("s2",),
        continues=Continuation("2019-11-02", "s0", "Earlier", "2019-11-01"),
        topic="t1",
    )
    second = Story("s2", "Second", (c,), (SummarySentence("Three.", ("x3",), "x3"),), related=("s1",), topic="t1")
    return [first, second], [Topic("t1", "Both", ("s1", "s2"))]


def test_an_editions_stories_are_kept_and_replaced_by_a_rerun(store_settings):
    stories, topics = _stories()
    with open_store(store_settings) as store:
        store.record_file(FileRecord("/a", 1, 1, "s", "ok", None), "t", [s.articles[0] for s in stories])
        store.record_file(FileRecord("/b", 1, 1, "u", "ok", None), "t", [stories[0].articles[1]])
        store.record_edition(EditionRecord("2019-11-03", "t", 2, 3, {}), ["x1", "x2", "x3"], stories, topics)
        assert store.edition_stories("2019-11-03") == stories
        assert store.edition_topics("2019-11-03") == topics
        assert store.edition_stories("2019-11-04") == []
        # a re-run of the date keeps only what it published
        alone = Story("s3", "Alone", (stories[1].articles[0],), stories[1].summary)
        store.record_edition(EditionRecord("2019-11-03", "t", 1, 1, {}), ["x3"], [alone])
        assert store.edition_stories("2019-11-03") == [alone]
        assert store.edition_topics("2019-11-03") == [Topic("s3", "Alone", ("s3",))]
        for table in ("story_articles", "summary_sentences", "citations"):
            assert store.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 1


def test_file_names_that_are_not_utf8_round_trip(store_settings):
    odd = b"/inbox/caf\xe9.txt".decode("utf-8", "surrogateescape")
    with open_store(store_settings) as store:
        store.record_file(FileRecord(odd, 1, 2**40, "s", "quarantined", "not text"), "t")
        store.record_file(FileRecord("/inbox/z.txt", 1, 1, "u", "ok", None), "t", [article("x1", odd)])
        assert store.file(odd) == FileRecord(odd, 1, 2**40, "s", "quarantined", "not text")
        assert store.quarantined() == [(odd, "not text")]
        (loaded,) = store.articles_for_edition("2019-11-03", paths=[odd])
        assert loaded.path == odd
        store.forget_files([odd])
        assert store.file(odd) is None


def test_a_delivery_is_claimed_by_one_sender_only(store_settings):
    day, who = "2019-11-03", "a@example.org"
    with open_store(store_settings) as store:
        mine = store.claim_delivery(day, who, now="t1", message_id="<m1@x>")
        assert mine is not None and (mine.status, mine.attempts, mine.message_id) == ("sending", 1, "<m1@x>")
        assert store.claim_delivery(day, who, now="t1", message_id="<m2@x>") is None  # being sent elsewhere
        store.record_delivery(day, who, "failed", now="t2", reply="451 busy")
        again = store.claim_delivery(day, who, now="t3", message_id="<m1@x>")
        assert again is not None and (again.attempts, again.reply) == (2, None)
        store.record_delivery(day, who, "sent", now="t4", reply="250 queued")
        assert store.claim_delivery(day, who, now="t5", message_id="<m3@x>") is None
        forced = store.claim_delivery(day, who, now="t6", message_id="<m3@x>", force=True)
        assert forced is not None and (forced.status, forced.sent_at, forced.attempts) == ("sending", "t4", 3)


def test_concurrent_claims_of_a_delivery_have_one_winner(store_settings):
    """Senders in processes of their own (as on several machines) claim the same deliveries at once."""
    with open_store(store_settings):
        pass  # created and migrated before the race
    code = (
        "import sys; from digest.config import Settings, StoreURL; from digest.store import open_store\n"
        "where = sys.argv[1]\n"
        "settings = Settings(store=StoreURL(where) if '://' in where else __import__('pathlib').Path(where))\n"
        "with open_store(settings) as store:\n"
        "    won = [store.claim_delivery('2019-11-03', f'r{k}@x', now='t', message_id=None) is not None"
        " for k in range(20)]\n"
        "print(sum(won))\n"
    )
    where = store_settings.store_url or str(store_settings.store_path)
    command = [sys.executable, "-c", code, where]
    racers = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(4)]
    wins = [int(racer.communicate(timeout=60)[0]) for racer in racers]
    assert sum(wins) == 20
    with open_store(store_settings) as store:
        assert {(d.status, d.attempts) for d in store.deliveries("2019-11-03")} == {("sending", 1)}


def _plans(store: Store, run: Callable[[], object]) -> list[str]:
    """The query plan of every statement ``run`` makes the store execute (SQLite's EXPLAIN QUERY PLAN)."""
    statements: list[str] = []
    store.db.set_trace_callback(statements.append)
    try:
        run()
    finally:
        store.db.set_trace_callback(None)
    plans = []
    for sql in statements:
        if sql.lstrip().upper().startswith("SELECT"):
            plans.append(" / ".join(row[3] for row in store.db.execute(f"EXPLAIN QUERY PLAN {sql}")))
    assert plans
    return plans


def test_an_archive_of_editions_is_read_through_indexes(tmp_path):
    # search's stories of an article, and the editions still to adopt, look up a few rows by an index
    # instead of reading every story the store keeps
    stories, topics = _stories()
    with Store(tmp_path / "s.sqlite3") as store:
        store.record_file(FileRecord("/a", 1, 1, "s", "ok", None), "t", [a for s in stories for a in s.articles])
        store.record_edition(EditionRecord("2019-11-03", "t", 2, 3, {}), ["x1", "x2", "x3"], stories, topics)
        store.record_edition(EditionRecord("2019-11-04", "t", 1, 0, {}), [])
        assert store.stories_carrying(["x3"]) == [("x3", "2019-11-03", "s2", stories[1].title)]
        assert store.dates_without_stories() == ["2019-11-04"]
        plans = _plans(store, lambda: (store.stories_carrying(["x3"]), store.dates_without_stories()))
    for plan in plans:
        assert "SCAN s " not in f"{plan} " and "SCAN stories" not in plan and "SCAN story_articles" not in plan, plan
    assert any("story_articles_article" in plan for plan in plans)


def test_an_edition_keeps_its_count_of_sources(store_settings):
    stories, _ = _stories()
    with open_store(store_settings) as store:
        store.record_file(FileRecord("/a", 1, 1, "s", "ok", None), "t", [a for s in stories for a in s.articles])
        store.record_edition(EditionRecord("2019-11-03", "t", 2, 3, {}, sources=2), ["x1", "x2", "x3"], stories)
        store.record_edition(EditionRecord("2019-11-04", "t", 0, 0, {}), [])
        assert [(e.date, e.sources) for e in store.editions()] == [("2019-11-04", None), ("2019-11-03", 2)]
        assert store.edition("2019-11-03") == store.editions()[1]
        assert store.edition_headlines("2019-11-03", 1) == [(stories[0].id, stories[0].title)]
