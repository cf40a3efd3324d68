from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from digest.config import ScheduleSettings, Settings
from digest.errors import ConfigError
from digest.pipeline import ingest
from digest.scheduler import build_trigger, daemon_lock, daemon_state
from digest.store import Store

from .conftest import REPO, SEEDS
from .test_cli import digest

SEED_FILES = sorted(SEEDS.glob("*.txt"))


# the schedule ---------------------------------------------------------------------------------
def fire_times(schedule: ScheduleSettings, zone: str, start: datetime, count: int) -> list[datetime]:
    trigger = build_trigger(schedule, ZoneInfo(zone))
    times, previous = [], None
    now = start
    for _ in range(count):
        moment = trigger.get_next_fire_time(previous, now)
        times.append(moment.astimezone(UTC))
        previous, now = moment, moment
    return times


def test_daily_time_follows_daylight_saving_time():
    # Berlin moves from CET (UTC+1) to CEST (UTC+2) on 2026-03-29 and back on 2026-10-25.
    start = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)
    spring = fire_times(ScheduleSettings(at=("07:00",)), "Europe/Berlin", start, 3)
    assert [t.strftime("%m-%d %H:%M") for t in spring] == ["03-28 06:00", "03-29 05:00", "03-30 05:00"]
    start = datetime(2026, 10, 23, 12, 0, tzinfo=UTC)
    autumn = fire_times(ScheduleSettings(at=("07:00",)), "Europe/Berlin", start, 3)
    assert [t.strftime("%m-%d %H:%M") for t in autumn] == ["10-24 05:00", "10-25 06:00", "10-26 06:00"]


def test_several_times_weekdays_and_cron():
    start = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # a Friday
    twice = fire_times(ScheduleSettings(at=("07:00", "18:30:15"), days="mon-fri"), "UTC", start, 3)
    assert [t.strftime("%a %H:%M:%S") for t in twice] == ["Fri 18:30:15", "Mon 07:00:00", "Mon 18:30:15"]
    cron = fire_times(ScheduleSettings(cron="15 6 * * sat"), "UTC", start, 2)
    assert [t.strftime("%m-%d %H:%M") for t in cron] == ["11-21 06:15", "11-28 06:15"]


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        (ScheduleSettings(days="someday"), "schedule.days 'someday' is not valid"),
        (ScheduleSettings(cron="0 7 * * blursday"), "schedule.cron '0 7 * * blursday' is not valid"),
        (ScheduleSettings(at=("25:00",)), "schedule.at: '25:00' is not a time of day"),
    ],
)
def test_bad_schedule_is_one_line(schedule, message):
    with pytest.raises(ConfigError, match=re.escape(message)) as caught:
        build_trigger(schedule, UTC)
    assert "\n" not in str(caught.value)


# reading the inbox as files arrive -----------------------------------------------------------
def test_a_file_still_being_written_is_left_for_later(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    settings = Settings(inbox=inbox, output=tmp_path / "out", timezone="UTC", pdf=False)
    fresh = inbox / "fresh.txt"
    fresh.write_text(SEED_FILES[0].read_text(encoding="utf-8")[:300], encoding="utf-8")  # half of it, so far
    report = ingest(settings, settle_seconds=0.5)
    assert (report.files_read, report.unsettled) == (0, 1)
    # the writer finishes; once the file has been left alone for the settle time, it is read whole
    fresh.write_text(SEED_FILES[0].read_text(encoding="utf-8"), encoding="utf-8")
    time.sleep(0.6)
    report = ingest(settings, settle_seconds=0.5)
    assert (report.files_read, report.articles_added, report.unsettled) == (1, 1, 0)
    with Store(settings.store_path) as store:
        (article,) = store.articles_for_edition("2026-11-23")
    assert article.sentences[-1].startswith("“We are sure that the Iraqi government")  # the end of the whole file


def test_a_file_dated_in_the_future_settles_and_is_read(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    settings = Settings(inbox=inbox, output=tmp_path / "out", timezone="UTC", pdf=False)
    future = inbox / "future.txt"
    future.write_text(SEED_FILES[0].read_text(encoding="utf-8"), encoding="utf-8")
    tomorrow = time.time() + 86400
    os.utime(future, (tomorrow, tomorrow))
    time.sleep(0.6)
    # left alone for the settle time: read now, not looked at again (and the inbox listed) every settle time
    report = ingest(settings, settle_seconds=0.5)
    assert (report.files_read, report.articles_added, report.unsettled) == (1, 1, 0)
    assert ingest(settings, settle_seconds=0.5).unsettled == 0


def test_a_second_daemon_is_refused_without_advice_it_cannot_take(tmp_path):
    path = config(tmp_path)
    lock = daemon_lock(Settings(output=tmp_path / "out"))
    lock.acquire()
    try:
        second = digest("serve", "--config", str(path))
    finally:
        lock.release()
    assert second.returncode == 3
    assert second.stderr.splitlines() == [
        f"digest: error: another digest serve is already running on this store (pid {os.getpid()}); stop it first"
    ]


def test_no_daemon_state_on_a_new_store(tmp_path):
    state = daemon_state(Settings(inbox=tmp_path, output=tmp_path / "out", timezone="UTC"))
    assert state.pid is None and state.next_edition is None


# the real daemon, as a subprocess ------------------------------------------------------------
class Daemon:
    """``digest serve`` in a subprocess, with its log in a file the test reads."""

    def __init__(self, folder: Path, *args: str, name: str = "serve") -> None:
        self.log = folder / f"{name}.log"
        self.args = [
            sys.executable,
            "-m",
            "digest",
            "serve",
            "--config",
            str(folder / "digest.toml"),
            *args,
        ]
        self.process = subprocess.Popen(
            self.args, cwd=REPO, stdout=subprocess.DEVNULL, stderr=self.log.open("w"), env={**os.environ}
        )

    def text(self) -> str:
        return self.log.read_text()

    def wait_for(self, needle: str, count: int = 1, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.text()
            if text.count(needle) >= count:
                return text
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"{needle!r} not seen {count} time(s) in the daemon's log:\n{self.text()}")

    def stop(self, how: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(how)
        return self.process.wait(timeout=120)


def mailing_daemon(folder: Path, email: str, at: list[str] | None = None) -> Daemon:
    """A daemon over the seed articles that mails its editions as the ``[email]`` table says."""
    config(folder, at)
    with (folder / "digest.toml").open("a") as toml:
        toml.write(f"[email]\n{email}")
    for path in SEED_FILES:
        shutil.copy(path, folder / "inbox")
    return Daemon(folder)


def config(folder: Path, at: list[str] | None = None, **schedule: object) -> Path:
    lines = [
        f'inbox = "{folder / "inbox"}"',
        f'output = "{folder / "out"}"',
        'timezone = "UTC"',
        "[schedule]",
        f"at = {json.dumps(at or ['03:00'])}",
        "settle_seconds = 0.3",
        *(f"{key} = {json.dumps(value)}" for key, value in schedule.items()),
    ]
    (folder / "inbox").mkdir(exist_ok=True)
    path = folder / "digest.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def seconds_ahead(seconds: float) -> tuple[str, datetime]:
    """A schedule time a few seconds from now (in UTC, as configured), and that moment."""
    moment = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=seconds)
    return moment.strftime("%H:%M:%S"), moment


def logged_at(log: str, needle: str) -> datetime:
    """When the daemon logged the first line holding ``needle`` (its log is in local time)."""
    line = next(line for line in log.splitlines() if needle in line)
    return datetime.strptime(line[:19], "%Y-%m-%d %H:%M:%S").astimezone(UTC)


def leftovers(folder: Path) -> list[str]:
    """Lock files and temporary files: none may remain after the daemon stops."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.name.endswith((".lock", ".tmp")))


def edition(folder: Path) -> dict:
    day = datetime.now(UTC).date().isoformat()
    return json.loads((folder / "out" / day / "digest.json").read_text())


@pytest.mark.slow
def test_daemon_reads_arrivals_publishes_on_time_and_stops_cleanly(tmp_path):
    at, due = seconds_ahead(14)
    config(tmp_path, [at])
    daemon = Daemon(tmp_path)
    try:
        daemon.wait_for("watching")
        # a file arrives: it is read without any manual run, long before the edition
        shutil.copy(SEED_FILES[0], tmp_path / "inbox" / "first.txt")
        log = daemon.wait_for("inbox: read 1 file as they arrived")
        assert "edition job started" not in log
        # a second instance on the same store is refused, clearly
        second = digest("serve", "--config", str(tmp_path / "digest.toml"))
        assert second.returncode == 3
        assert "another digest serve is already running on this store (pid" in second.stderr
        status = digest("status", "--config", str(tmp_path / "digest.toml"))
        assert f"daemon:           running (pid {daemon.process.pid}), next edition" in status.stdout
        assert "waiting:          1 article for" in status.stdout
        # once the inbox has been quiet for a while, the next edition is prepared ahead
        log = daemon.wait_for("next edition prepared")
        assert "next edition prepared in" in log and ": 1 story so far" in log
        # the edition appears at the scheduled time, with the article read earlier, and only
        # renders what was prepared
        log = daemon.wait_for("edition job finished")
        assert "edition job started (scheduled)" in log
        assert logged_at(log, "edition job started") >= due
        assert logged_at(log, "next edition prepared") < logged_at(log, "edition job started")
        assert "stories: 1 of 1 summaries were prepared earlier" in log
        assert len(edition(tmp_path)["stories"]) == 1
        # a file arriving after the edition waits for the next one
        shutil.copy(SEED_FILES[4], tmp_path / "inbox" / "later.txt")
        daemon.wait_for("inbox: read 1 file as they arrived", count=2)
    finally:
        code = daemon.stop()
    assert code == 0, daemon.text()
    assert "digest serve stopped" in daemon.text()
    assert leftovers(tmp_path) == []
    status = digest("status", "--config", str(tmp_path / "digest.toml"))
    assert "daemon:           not running" in status.stdout
    assert "waiting:          1 article for" in status.stdout


@pytest.mark.slow
def test_missed_editions_are_made_once_after_a_crash(tmp_path):
    times = [seconds_ahead(seconds)[0] for seconds in (6, 7)]
    last, due = seconds_ahead(8)
    config(tmp_path, [*times, last])
    for path in SEED_FILES[:2]:
        shutil.copy(path, tmp_path / "inbox")
    first = Daemon(tmp_path, name="first")
    first.wait_for("editions at")
    assert first.stop(signal.SIGKILL) == -signal.SIGKILL  # a crash: no clean-up at all
    assert "edition job started" not in first.text()
    time.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()) + 1.5)
    # down over three scheduled times: one catch-up edition on restart, not three
    second = Daemon(tmp_path, name="second")
    try:
        log = second.wait_for("edition job finished")
        assert f"a previous digest serve (pid {first.process.pid}) ended without stopping cleanly" in log
        assert f"the edition due at {due:%Y-%m-%d %H:%M:%S} UTC was missed" in log
        time.sleep(2)
        log = second.text()
        assert log.count("edition job started") == 1 and "edition job started (catch-up)" in log
    finally:
        assert second.stop() == 0
    assert len(edition(tmp_path)["stories"]) == 1
    # started again, nothing is due: no further edition
    third = Daemon(tmp_path, name="third")
    try:
        third.wait_for("watching")
        time.sleep(1.5)
    finally:
        assert third.stop() == 0
    assert "edition job started" not in third.text() and "was missed" not in third.text()
    assert leftovers(tmp_path) == []


@pytest.mark.slow
def test_manual_runs_beside_the_daemon(tmp_path):
    config(tmp_path, poll_seconds=0.3)
    daemon = Daemon(tmp_path, "--poll")
    try:
        daemon.wait_for("polling every 0.3 s")
        for path in SEED_FILES:
            shutil.copy(path, tmp_path / "inbox")
        daemon.wait_for("inbox: read 5 files as they arrived")
        # ask the daemon for an edition, and at the same time make one by hand
        asked = digest("run", "--via-daemon", "--config", str(tmp_path / "digest.toml"))
        assert asked.returncode == 0 and f"pid {daemon.process.pid}" in asked.stdout
        manual = digest("run", "--wait", "120", "--config", str(tmp_path / "digest.toml"))
        assert manual.returncode == 0, manual.stderr
        log = daemon.wait_for("edition job finished")
        assert "edition requested from outside" in log and "edition job started (requested)" in log
    finally:
        assert daemon.stop() == 0
    # neither corrupted the other: the store is sound, the edition whole, every article in it once
    db = sqlite3.connect(tmp_path / "out" / "digest.sqlite3")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    articles = db.execute("SELECT count(*), count(DISTINCT edition) FROM articles").fetchone()
    assert articles == (8, 1)
    data = edition(tmp_path)
    assert sum(len(story["articles"]) for story in data["stories"]) == 8
    pdf = tmp_path / "out" / data["date"] / "digest.pdf"
    assert pdf.read_bytes().rstrip().endswith(b"%%EOF")
    assert leftovers(tmp_path) == []


@pytest.mark.slow
def test_sigterm_during_an_edition_finishes_it_and_leaves_nothing_behind(tmp_path):
    config(tmp_path)
    for path in SEED_FILES:
        shutil.copy(path, tmp_path / "inbox")
    daemon = Daemon(tmp_path)
    daemon.wait_for("inbox: read 5 files as they arrived")
    assert digest("run", "--via-daemon", "--config", str(tmp_path / "digest.toml")).returncode == 0
    daemon.wait_for("edition job started")
    assert daemon.stop() == 0
    log = daemon.text()
    assert log.index("stopping: finishing the step in progress") < log.index("edition job finished")
    assert leftovers(tmp_path) == []
    data = edition(tmp_path)
    folder = tmp_path / "out" / data["date"]
    assert sorted(p.name for p in folder.iterdir()) == ["digest.html", "digest.json", "digest.pdf"]
    assert (folder / "digest.html").read_text().rstrip().endswith("</html>")


def test_via_daemon_without_a_daemon_says_so(tmp_path):
    config(tmp_path)
    result = digest("run", "--via-daemon", "--config", str(tmp_path / "digest.toml"))
    assert result.returncode == 1
    assert "no digest serve is running on" in result.stderr and "without --via-daemon" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_the_daemon_mails_each_edition_once(tmp_path, smtp):
    server = smtp()
    at, _ = seconds_ahead(8)
    daemon = mailing_daemon(
        tmp_path,
        f'host = "127.0.0.1"\nport = {server.port}\nsecurity = "none"\n'
        'from = "Digest <digest@example.org>"\nto = ["ada@example.org", "grace@example.org"]\n',
        [at],
    )
    try:
        daemon.wait_for("edition job finished")

        daemon.wait_for("2 sent, 0 already had it, 0 failed")
        assert sorted(to for _, (to,), _ in server.mailbox.received) == ["ada@example.org", "grace@example.org"]
        # an edition asked for by hand later the same day is remade, but nobody gets it twice
        assert digest("run", "--via-daemon", "--config", str(tmp_path / "digest.toml")).returncode == 0
        daemon.wait_for("0 sent, 2 already had it, 0 failed")
    finally:
        assert daemon.stop() == 0
    assert len(server.mailbox.received) == 2
    message = server.mailbox.messages()[0]
    assert message["Subject"].startswith("Daily digest — ")
    assert any(part.get_filename() for part in message.iter_attachments())


@pytest.mark.slow
def test_an_inbox_moved_and_recreated_is_watched_again(tmp_path):
    config(tmp_path)
    daemon = Daemon(tmp_path)
    try:
        daemon.wait_for("watching")
        (tmp_path / "inbox").rename(tmp_path / "inbox.old")
        daemon.wait_for("is gone; it is watched again once it is back", timeout=20)
        (tmp_path / "inbox").mkdir()
        log = daemon.wait_for("was moved or replaced; watching the new folder", timeout=20)
        shutil.copy(SEED_FILES[0], tmp_path / "inbox" / "first.txt")
        # read as it arrives, not at the next re-scan minutes later
        log = daemon.wait_for("inbox: read 1 file as they arrived", timeout=20)
    finally:
        code = daemon.stop()
    assert code == 0, daemon.text()
    assert log.count("for new articles (file-system events)") == 2
