"""The store in bad conditions: odd file names, lock files that point elsewhere, a full disk, a
read-only folder, a damaged file; and ``digest backup``."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from digest.errors import StoreError
from digest.models import Article
from digest.store import EditionLock, FileRecord, Store, backup_store, store_problem

from .conftest import SEEDS
from .test_cli import digest
from .test_store import article

DATE = "2019-11-03"
SEED = "000_7c368ac86b694baf.txt"
OTHER = "001_90c3d18951d23e06.txt"
NEVER_ADVISED = "move it away"  # a fresh store would publish and mail every article again


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr and "unexpected failure" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("digest: error:")]
    assert len(errors) == 1, result.stderr
    assert NEVER_ADVISED not in errors[0] and "afresh" not in errors[0]
    return errors[0]


# ---- item 1: a file name that is not UTF-8 ----------------------------------------------------


def test_a_file_name_that_is_not_utf8_is_read_and_stops_nothing(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(SEEDS / SEED, inbox)
    raw = os.fsencode(inbox)
    with open(os.path.join(raw, b"caf\xe9.txt"), "wb") as handle:  # Latin-1 bytes in the name
        handle.write((SEEDS / OTHER).read_bytes())
    with open(os.path.join(raw, b"notes\xff.bin"), "wb") as handle:  # set aside, and named in messages
        handle.write(b"binary")
    output = tmp_path / "out"
    flags = ("--inbox", str(inbox), "--output", str(output))
    log_file = tmp_path / "digest.log"
    result = digest("run", *flags, "--date", DATE, "--no-pdf", env={"DIGEST_LOG_FILE": str(log_file)})
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "set aside notes\\xff.bin: unsupported file type" in result.stderr
    assert "set aside notes\\xff.bin: unsupported file type" in log_file.read_text(encoding="utf-8")
    assert "Logging error" not in result.stderr
    data = json.loads((output / DATE / "digest.json").read_text(encoding="utf-8"))
    paths = {a["path"] for story in data["stories"] for a in story["articles"]}
    assert paths == {SEED, "caf\\xe9.txt"}  # outputs name inbox files relative to the inbox
    assert [q["path"] for q in data["quarantined"]] == ["notes\\xff.bin"]
    # the store keeps the names losslessly: the file system's own bytes
    db = sqlite3.connect(output / "digest.sqlite3")
    stored = {os.fsencode(p) if isinstance(p, str) else p for (p,) in db.execute("SELECT path FROM files")}
    db.close()
    assert stored == {os.path.join(raw, name) for name in (SEED.encode(), b"caf\xe9.txt", b"notes\xff.bin")}
    again = digest("run", *flags, "--date", "2019-11-04", "--no-pdf")
    assert again.returncode == 0 and "reading" not in again.stderr  # known by its stored name: not read twice
    status = digest("status", *flags)
    assert status.returncode == 0, status.stderr
    assert "articles known:   2" in status.stdout
    assert f"  {inbox}/notes\\xff.bin: unsupported file type" in status.stdout


def test_odd_names_round_trip_through_the_store(tmp_path):
    odd = os.fsdecode(b"/inbox/caf\xe9.txt")
    with Store(tmp_path / "s.sqlite3") as store:
        store.record_file(FileRecord(odd, 1, 1, "s", "quarantined", "why"), "t")
        store.record_file(FileRecord("/inbox/caf\\xe9.txt", 2, 2, "s2", "ok", None), "t", [article("a1")])
        assert store.file(odd) == FileRecord(odd, 1, 1, "s", "quarantined", "why")  # two files, not one
        assert set(store.files()) == {odd, "/inbox/caf\\xe9.txt"}
        assert store.quarantined([odd]) == [(odd, "why")]
        store.forget_files([odd])
        assert set(store.files()) == {"/inbox/caf\\xe9.txt"}


# ---- item 5: lock files never follow links ----------------------------------------------------


def test_a_lock_file_that_is_a_symlink_is_refused_and_its_target_untouched(tmp_path):
    output = tmp_path / "out"
    output.mkdir()
    victim = tmp_path / "precious.txt"
    victim.write_bytes(b"do not overwrite me\n")
    (output / "digest.sqlite3.ingest.lock").symlink_to(victim)
    result = digest("run", "--inbox", str(SEEDS), "--output", str(output), "--date", DATE, "--no-pdf")
    assert result.returncode == 4
    assert "is a symbolic link; remove it" in one_line_error(result)
    assert victim.read_bytes() == b"do not overwrite me\n"
    for name in ("edition", "delivery", "daemon"):
        lock = EditionLock(output / "digest.sqlite3", name)
        lock.path.symlink_to(victim)
        with pytest.raises(StoreError, match="symbolic link"):
            lock.acquire()
        assert victim.read_bytes() == b"do not overwrite me\n"


def test_a_lock_file_that_is_not_ours_or_not_a_file_is_refused(tmp_path):
    store_path = tmp_path / "s.sqlite3"
    theirs = EditionLock(store_path, "edition")
    theirs.path.write_text("12345")
    os.chown(theirs.path, 54321, 54321)
    with pytest.raises(StoreError, match="owned by another user"):
        theirs.acquire()
    assert theirs.path.read_text() == "12345"
    folder = EditionLock(store_path, "ingest")
    folder.path.mkdir()
    with pytest.raises(StoreError, match="not a regular file"):
        folder.acquire()
    pipe = EditionLock(store_path, "daemon")
    os.mkfifo(pipe.path)
    with pytest.raises(StoreError, match="not a regular file"):
        pipe.acquire()


# ---- item 7: a full disk, a read-only folder and a damaged file are told apart ----------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 1 MB file system (tmpfs), where mounting is allowed."""
    where = tmp_path / "disk"
    where.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(where)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode(errors='replace').strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(folder: Path) -> Path:
    """Fill the file system holding ``folder`` until it refuses another byte."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    return filler


def test_a_full_disk_says_so_and_loses_nothing(tmp_path, small_disk):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    flags = ("--inbox", str(inbox), "--output", str(tmp_path / "out"), "--store", str(small_disk / "s.sqlite3"))
    assert digest("run", *flags, "--date", DATE, "--no-pdf").returncode == 0  # an empty store, made
    for path in SEEDS.glob("*.txt"):
        shutil.copy(path, inbox)
    filler = fill(small_disk)
    full = digest("run", *flags, "--date", DATE, "--no-pdf")
    assert full.returncode == 4
    assert "is full" in (line := one_line_error(full)) and "free some space and run again" in line
    filler.unlink()
    again = digest("run", *flags, "--date", DATE, "--no-pdf")
    assert again.returncode == 0, again.stderr
    assert "written: 5 stories from 8 articles" in again.stderr


def test_a_read_only_store_folder_says_so(tmp_path, small_disk):
    flags = ("--inbox", str(SEEDS), "--output", str(tmp_path / "out"), "--store", str(small_disk / "s.sqlite3"))
    assert digest("run", *flags, "--date", DATE, "--no-pdf").returncode == 0
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    for command in (("run", *flags, "--date", "2019-11-04", "--no-pdf"), ("status", *flags)):
        result = digest(*command)
        assert result.returncode == 4, result.stderr
        line = one_line_error(result)
        assert "cannot be written" in line and "digest doctor" in line
    doctor = digest("doctor", *flags)
    assert f"{small_disk / 's.sqlite3'} or its folder cannot be written" in doctor.stdout


def test_the_full_disk_that_sqlite_reports_is_told_apart(tmp_path):
    path = tmp_path / "s.sqlite3"
    big = Article("x1", "/a", "T", None, None, None, ("words " * 20000,), ("words",), (0,))
    with (
        pytest.raises(StoreError, match=r"is full \(database or disk is full\); free some space"),
        Store(path) as store,
    ):
        pages = store.db.execute("PRAGMA page_count").fetchone()[0]
        store.db.execute(f"PRAGMA max_page_count = {pages}")  # SQLite itself: no room for one more page
        store.record_file(FileRecord("/a", 1, 1, "s", "ok", None), "t", [big])
    with Store(path) as store:
        assert store.article_count() == 0  # the transaction was undone, the store is sound


def test_a_read_only_database_is_told_apart(tmp_path):
    path = tmp_path / "s.sqlite3"
    with Store(path):
        pass
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as raised:
        db.execute("CREATE TABLE t (x)")
    db.close()
    assert "cannot be written (attempt to write a readonly database)" in str(store_problem(path, raised.value))
    assert "cannot be written (Read-only file system)" in str(store_problem(path, OSError(30, "Read-only file system")))


def damage(path: Path) -> None:
    """Overwrite the first page of the files table, in the middle of a real store, with garbage."""
    db = sqlite3.connect(path)
    page_size = db.execute("PRAGMA page_size").fetchone()[0]
    (root,) = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'files'").fetchone()
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.close()
    assert 1 < root < pages
    with path.open("r+b") as handle:
        handle.seek((root - 1) * page_size)
        handle.write(os.urandom(page_size))


def test_a_damaged_store_says_restore_a_backup(tmp_path):
    output = tmp_path / "out"
    flags = ("--inbox", str(SEEDS), "--output", str(output))
    assert digest("run", *flags, "--date", DATE, "--no-pdf").returncode == 0
    assert digest("backup", *flags, "--to", str(tmp_path / "saved.sqlite3")).returncode == 0
    store = output / "digest.sqlite3"
    damage(store)
    for command in (("run", *flags, "--date", "2019-11-04", "--no-pdf"), ("status", *flags)):
        result = digest(*command)
        assert result.returncode == 4, result.stderr
        line = one_line_error(result)
        assert f"{store} is damaged (database disk image is malformed)" in line and "digest backup" in line
    doctor = digest("doctor", *flags)
    assert doctor.returncode == 1
    assert f"FAIL  store   {store} is damaged" in doctor.stdout and "copy your last 'digest backup'" in doctor.stdout
    assert NEVER_ADVISED not in doctor.stdout and "afresh" not in doctor.stdout
    shutil.copy(tmp_path / "saved.sqlite3", store)  # the restore the README describes
    status = digest("status", *flags)
    assert status.returncode == 0 and "last edition:     2019-11-03 (5 stories, 8 articles" in status.stdout


def test_garbage_in_place_of_a_store_is_not_advised_away(tmp_path):
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match=r"is damaged \(file is not a database\); stop digest serve") as raised:
        Store(junk)
    assert NEVER_ADVISED not in str(raised.value)


# ---- digest backup --------------------------------------------------------------------------


def test_backup_is_a_consistent_copy_that_opens(tmp_path):
    output = tmp_path / "out"
    flags = ("--inbox", str(SEEDS), "--output", str(output))
    assert digest("run", *flags, "--date", DATE, "--no-pdf").returncode == 0
    result = digest("backup", *flags)
    assert result.returncode == 0, result.stderr
    copy = Path(result.stdout.strip())
    assert copy.parent == output and copy.name.startswith("digest.sqlite3.backup-")
    with Store(output / "digest.sqlite3") as original, Store(copy) as backup:
        assert backup.editions() == original.editions() and len(backup.editions()) == 1
        assert backup.articles_for_edition(DATE) == original.articles_for_edition(DATE)
        assert backup.article_count() == 8 and backup.files() == original.files()
    into = tmp_path / "backups"
    into.mkdir()
    assert backup_store(output / "digest.sqlite3", into).parent == into
    missing = digest("backup", "--output", str(tmp_path / "nothing-here"))
    assert missing.returncode == 4 and "there is no state database" in one_line_error(missing)
    assert not (tmp_path / "nothing-here").exists()
