"""The PostgreSQL store against a real server (conftest.postgres_server): editions as on SQLite, locks across
processes, the doctor's checks, and several digest serve processes sharing one database."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from digest.config import Settings, StoreURL
from digest.doctor import check_store
from digest.errors import LockBusyError
from digest.pipeline import ingest, run_edition
from digest.store import SCHEMA_VERSION, open_store, store_lock

from .conftest import BRIDGE_ARTICLE, SEEDS, free_port
from .test_scheduler import Daemon, seconds_ahead


def on_postgres(settings: Settings, url: str) -> Settings:
    return replace(settings, store=StoreURL(url))


def stories_of(output: Path, day: str) -> list[dict]:
    return json.loads((output / day / "digest.json").read_text())["stories"]


def test_an_edition_and_its_rerun_are_the_same_on_both_stores(settings, pg_url, clock, tmp_path):
    on_sqlite = run_edition(settings, clock=clock)
    pg = on_postgres(replace(settings, output=tmp_path / "pg-output"), pg_url)
    on_pg = run_edition(pg, clock=clock)
    day = on_sqlite.date.isoformat()
    assert on_pg.article_count == on_sqlite.article_count > 0
    assert stories_of(pg.output, day) == stories_of(settings.output, day)
    # a re-run of the date takes the same articles again; stories are kept in the store
    again = run_edition(pg, clock=clock)
    assert [s.id for s in again.stories] == [s.id for s in on_pg.stories]
    with open_store(pg) as store:
        assert [e.date for e in store.editions()] == [day]
        assert store.edition_stories(day) == list(again.stories)
        assert store.waiting_count() == 0


def test_two_inboxes_ingest_into_one_database(settings, pg_url, tmp_path):
    other = tmp_path / "other-inbox"
    other.mkdir()
    (other / "bridge.json").write_text(json.dumps(BRIDGE_ARTICLE))
    first = on_postgres(settings, pg_url)
    second = replace(first, inbox=other, output=tmp_path / "other-output")
    seeds = ingest(first).articles_added
    assert seeds > 0 and ingest(second).articles_added == 1
    assert ingest(first).articles_added == 0  # the other machine's files are not this inbox's business
    with open_store(first) as store:
        assert store.article_count() == store.waiting_count() == seeds + 1


def test_each_machine_forgets_only_its_own_set_aside_files(settings, pg_url, tmp_path):
    """A file set aside on one machine stays reported when the other machine scans its own inbox."""
    other = tmp_path / "other-inbox"
    other.mkdir()
    (other / "broken.json").write_text("{not json")
    first = on_postgres(settings, pg_url)
    second = replace(first, inbox=other, output=tmp_path / "other-output")
    ingest(second)
    ingest(first)  # scans the seeds' inbox, where broken.json is not
    with open_store(first) as store:
        assert [Path(p).name for p, _ in store.quarantined()] == ["broken.json"]


def test_status_and_backup_name_the_database_without_its_password(settings, pg_url, tmp_path):
    from digest.pipeline import status
    from digest.store import shown_store

    pg = on_postgres(settings, pg_url)
    ingest(pg)
    assert status(pg).store == pg_url  # no password in it to hide
    secret = "postgresql://digest:s3cret@db.example.org:5432/news"
    assert shown_store(replace(pg, store=StoreURL(secret))) == "postgresql://digest:***@db.example.org:5432/news"
    config = tmp_path / "digest.toml"
    config.write_text(f'store = "{secret}"\n')
    command = [sys.executable, "-m", "digest", "backup", "--config", str(config), "--inbox", str(settings.inbox)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "pg_dump" in result.stderr and "s3cret" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_schema_is_versioned_and_a_newer_one_refused(pg_url):
    import psycopg

    settings = Settings(store=StoreURL(pg_url))
    with open_store(settings):
        pass
    with psycopg.connect(pg_url, autocommit=True) as db:
        assert db.execute("SELECT version FROM digest_schema").fetchone()[0] == SCHEMA_VERSION
        db.execute("UPDATE digest_schema SET version = version + 1")
    (check,) = check_store(settings)
    assert check.status == "fail" and "newer than this digest knows" in check.detail
    with pytest.raises(Exception, match="newer digest"):
        open_store(settings)


def test_doctor_checks_the_database(pg_url):
    fresh = Settings(store=StoreURL(pg_url))
    (check,) = check_store(fresh)
    assert check.status == "ok" and "the first run creates" in check.detail
    with open_store(fresh):
        pass
    (check,) = check_store(fresh)
    assert check.status == "ok" and f"reachable and writable, schema {SCHEMA_VERSION}" in check.detail
    nowhere = Settings(store=StoreURL(f"postgresql://digest:secret@127.0.0.1:{free_port()}/digest"))
    (check,) = check_store(nowhere)
    assert check.status == "fail" and "cannot be reached" in check.detail and "secret" not in check.detail


def test_advisory_lock_holds_across_processes_and_dies_with_its_holder(pg_url):
    settings = Settings(store=StoreURL(pg_url))
    code = (
        "import sys, time; from digest.config import Settings, StoreURL; from digest.store import store_lock\n"
        "lock = store_lock(Settings(store=StoreURL(sys.argv[1]))); lock.acquire()\n"
        "print('held', flush=True); time.sleep(60)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code, pg_url], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        lock = store_lock(settings)
        assert lock.held_by() == holder.pid
        with pytest.raises(LockBusyError, match=rf"in progress on this store \(pid {holder.pid} on "):
            lock.acquire(wait=0.3)
        holder.kill()
        holder.wait()
        lock.acquire(wait=10)  # the server released the dead holder's lock with its connection
        assert lock.held_by() is not None
        lock.release()
        assert lock.held_by() is None
    finally:
        holder.kill()


# several digest serve processes on one database -------------------------------------------------


def serving(folder: Path, url: str, files: list[Path], at: str, mail_port: int, pdf: bool) -> Daemon:
    """A digest serve with an inbox of its own, on the shared database, mailing two readers."""
    (folder / "inbox").mkdir(parents=True)
    for path in files:
        shutil.copy(path, folder / "inbox")
    (folder / "digest.toml").write_text(
        f'inbox = "{folder / "inbox"}"\noutput = "{folder / "out"}"\nstore = "{url}"\ntimezone = "UTC"\n'
        f"pdf = {json.dumps(pdf)}\n"
        f'[schedule]\nat = ["{at}"]\nsettle_seconds = 0.3\n'
        f'[email]\nhost = "127.0.0.1"\nport = {mail_port}\nsecurity = "none"\nfrom = "digest@example.org"\n'
        'to = ["ada@example.org", "grace@example.org"]\nretries = 0\n'
    )
    return Daemon(folder)


def daemons(tmp_path: Path, url: str, port: int, pdf: bool = False) -> tuple[Daemon, Daemon]:
    seeds = sorted(SEEDS.glob("*.txt"))
    at, _ = seconds_ahead(12)
    return (
        serving(tmp_path / "a", url, seeds[:3], at, port, pdf),
        serving(tmp_path / "b", url, seeds[3:], at, port, pdf),
    )


def edition_rows(url: str) -> list[tuple[str, int]]:
    import psycopg

    with psycopg.connect(url) as db:
        return [(str(d), int(n)) for d, n in db.execute("SELECT date, articles FROM editions").fetchall()]


@pytest.mark.slow
def test_two_daemons_on_one_database_make_one_edition_and_mail_it_once(tmp_path, pg_url, smtp, seed_articles):
    server = smtp()
    first, second = daemons(tmp_path, pg_url, server.port)
    try:
        for daemon in (first, second):
            daemon.wait_for("edition job finished", timeout=60)
        logs = first.text() + second.text()
        assert logs.count("was made by another digest serve") == 1
        day = datetime.now(UTC).date().isoformat()
        assert edition_rows(pg_url) == [(day, len(seed_articles))]  # the articles of both inboxes
        maker = first if "edition job finished in" in first.text() else second
        maker.wait_for("delivery of edition", timeout=30)
    finally:
        assert first.stop() == 0 and second.stop() == 0
    assert sorted(to for _, (to,), _ in server.mailbox.received) == ["ada@example.org", "grace@example.org"]


@pytest.mark.slow
def test_the_other_daemon_makes_the_edition_when_its_maker_is_killed(tmp_path, pg_url, smtp, seed_articles):
    server = smtp()
    first, second = daemons(tmp_path, pg_url, server.port, pdf=True)  # the PDF leaves time to kill the maker
    try:
        day = datetime.now(UTC).date().isoformat()
        needle = f"edition {day}: {len(seed_articles)} articles"  # logged by the one holding the edition lock
        deadline = time.monotonic() + 40
        while not (makers := [d for d in (first, second) if needle in d.text()]):
            assert time.monotonic() < deadline, "no daemon started the edition"
            time.sleep(0.05)
        (maker,) = makers
        other = second if maker is first else first
        maker.stop(signal.SIGKILL)
        assert edition_rows(pg_url) == []  # killed before it recorded the edition
        other.wait_for("edition job finished in", timeout=40)
        assert edition_rows(pg_url) == [(day, len(seed_articles))]
        other.wait_for("delivery of edition", timeout=30)
    finally:
        first.stop()
        second.stop()
    assert sorted(to for _, (to,), _ in server.mailbox.received) == ["ada@example.org", "grace@example.org"]


def _pg_rows(url: str, query: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(url) as db:
        return list(db.execute(query).fetchall())


@pytest.mark.slow
def test_runs_killed_at_any_point_lose_nothing_on_postgresql(tmp_path, pg_url):
    """test_crash's kills, on a PostgreSQL store: after any SIGKILL the next run completes the edition,
    every file is read and every article is in it once."""
    import random

    from .test_cli import digest
    from .test_crash import DATE, STAGES, add_articles, killed_run

    folder = tmp_path / "a"
    (folder / "inbox").mkdir(parents=True)
    for path in SEEDS.iterdir():
        (folder / "inbox" / path.name).write_bytes(path.read_bytes())
    config = tmp_path / "digest.toml"
    config.write_text(f'store = "{pg_url}"\n')
    rng = random.Random(7)
    outcomes = []
    for number in range(6):  # kills at every stage (a random moment included) and one more
        add_articles(folder / "inbox", number)
        outcomes.append(killed_run(folder, STAGES[number % len(STAGES)], rng, ["--config", str(config)]))
    assert len([o for o in outcomes if not o.startswith("finished")]) >= 4, outcomes
    final = digest(
        "run",
        "--inbox",
        str(folder / "inbox"),
        "--output",
        str(folder / "out"),
        "--date",
        DATE,
        "--config",
        str(config),
    )
    assert final.returncode == 0, final.stderr
    files = _pg_rows(pg_url, "SELECT status FROM files")
    assert len(files) == 5 + 6 * 3 and {status for (status,) in files} == {"ok"}
    stored = dict(_pg_rows(pg_url, "SELECT id, edition FROM articles"))
    assert set(stored.values()) == {DATE}
    edition = json.loads((folder / "out" / DATE / "digest.json").read_text())
    assert sorted(a["id"] for story in edition["stories"] for a in story["articles"]) == sorted(stored)


@pytest.mark.slow
def test_eight_runs_at_once_on_postgresql_make_one_edition(tmp_path, pg_url):
    import os
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from .test_crash import DATE

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for path in SEEDS.iterdir():
        (inbox / path.name).write_bytes(path.read_bytes())
    config = tmp_path / "digest.toml"
    config.write_text(f'store = "{pg_url}"\n')
    args = [sys.executable, "-m", "digest", "run", "--inbox", str(inbox), "--output", str(tmp_path / "out")]
    args += ["--date", DATE, "--no-pdf", "--config", str(config)]
    start = threading.Barrier(8)

    def one() -> subprocess.CompletedProcess[str]:
        start.wait()
        return subprocess.run(args, capture_output=True, text=True, timeout=300, env={**os.environ})

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: one(), range(8)))
    codes = sorted(r.returncode for r in results)
    assert codes[0] == 0 and set(codes) <= {0, 3}, [(r.returncode, r.stderr) for r in results]
    assert all("Traceback" not in r.stderr for r in results)
    assert _pg_rows(pg_url, "SELECT count(*), count(DISTINCT edition) FROM articles") == [(8, 1)]
    assert _pg_rows(pg_url, "SELECT date FROM editions") == [(DATE,)]
