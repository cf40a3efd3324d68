"""``digest serve``: watch the inbox, ingest articles as they arrive, publish on a schedule.

Three threads share the work:

* the **watcher** (watchdog: inotify events, or polling where events are unavailable) only notes
  that something changed in the inbox;
* the **reader** waits until the inbox has been quiet for ``settle_seconds`` and reads new files
  into the store (files modified more recently are left for the next pass: they may still be
  being written), so the daily edition finds its articles already ingested;
* **APScheduler** runs, one at a time, the edition job at the configured times in the configured
  time zone, and the preparation of the next edition (stories grouped and summarised ahead, kept
  in the store) once no new article has come for ``PREPARE_QUIET_SETTLES`` settle times. The
  job lives in a persistent job store (a table of the state database), so an edition that falls
  due while the daemon is down is made once when it starts again: ``coalesce`` folds any number
  of missed runs into one, and ``misfire_grace_time`` is set deliberately (``catch_up_days``)
  instead of APScheduler's default of one second, which would silently drop it.

The main thread waits for signals: SIGTERM/SIGINT stop the daemon after the current step (an
edition in progress is finished; a second signal abandons it, which is safe because outputs are
renamed into place whole and the store is transactional); SIGUSR1 asks for an edition now
(``digest run --via-daemon`` sends it).
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date as Date
from datetime import datetime, timedelta, tzinfo
from functools import partial
from pathlib import Path
from types import FrameType
from typing import Any

from .config import ScheduleSettings, Settings, parse_time_of_day
from .errors import ConfigError, DeliveryError, DigestError, LockBusyError, NothingNewError, StoreError, plural
from .newsdesk import Newsdesk
from .pipeline import check_inbox, check_output
from .sources.ingest import is_candidate
from .store import JOB_TABLE, EditionLock, job_store_options, job_store_url, open_store, scheduled_run, store_lock

log = logging.getLogger(__name__)

JOB_ID = "edition"
# A scheduled edition waits this long for a manual run holding the edition lock.
EDITION_WAIT_SECONDS = 3600.0
# On a store shared by several machines, an edition made at most this long before a scheduled run
# fired was made for that run by another digest serve (its time is kept to the second).
SAME_RUN_SECONDS = 5.0
# Even with file-system events, the inbox is listed this often in case an event was missed.
RESCAN_SECONDS = 300.0
# The next edition is prepared once the inbox has given no new article for this many settle times
# (30 s with the default settle time): a burst of arrivals is prepared once, after it.
PREPARE_QUIET_SETTLES = 15


def build_trigger(schedule: ScheduleSettings, tz: tzinfo) -> Any:
    """The APScheduler trigger for the schedule, in time zone ``tz`` (DST-correct cron arithmetic)."""
    from apscheduler.triggers.combining import OrTrigger
    from apscheduler.triggers.cron import CronTrigger

    try:
        if schedule.cron:
            return CronTrigger.from_crontab(schedule.cron, timezone=tz)
        triggers = []
        for text in schedule.at:
            parsed = parse_time_of_day(text)
            if parsed is None:
                raise ConfigError(f"schedule.at: {text!r} is not a time of day like '07:00'")
            hour, minute, second = parsed
            triggers.append(
                CronTrigger(day_of_week=schedule.days, hour=hour, minute=minute, second=second, timezone=tz)
            )
    except ValueError as exc:
        what = f"schedule.cron {schedule.cron!r}" if schedule.cron else f"schedule.days {schedule.days!r}"
        raise ConfigError(f"{what} is not valid: {exc}") from None
    return triggers[0] if len(triggers) == 1 else OrTrigger(triggers)


def describe_schedule(schedule: ScheduleSettings) -> str:
    if schedule.cron:
        return f"cron '{schedule.cron}'"
    days = "" if schedule.days == "*" else f" on {schedule.days}"
    return f"at {', '.join(schedule.at)}{days}"


def daemon_lock(settings: Settings) -> EditionLock:
    return store_lock(settings, "daemon", busy="another digest serve is already running on this store")


def _load_edition_libraries() -> None:
    """Import what an edition needs (numpy, scipy, scikit-learn, through the story and summary code)
    here, before the daemon's threads start: scipy loads its submodules lazily, and two threads that
    first import them at once can see one half-initialised ("partially initialized module"), which
    failed a catch-up edition while the inbox reader was preparing."""
    from .mail import deliver  # noqa: F401  # (and the renderer): newsdesk loads them when it first sends
    from .stories import cluster, continuity  # noqa: F401
    from .summaries import claims, summarize  # noqa: F401


@dataclass(frozen=True)
class DaemonState:
    pid: int | None  # the running daemon, or None
    next_edition: datetime | None  # when the scheduled edition is next due (as stored by the daemon)


def daemon_state(settings: Settings) -> DaemonState:
    """What ``digest status`` says about the daemon: is one running, and when is the next edition due."""
    pid = daemon_lock(settings).held_by()
    when = scheduled_run(settings, JOB_ID)  # None: no daemon has run on this store yet
    return DaemonState(pid, None if when is None else datetime.fromtimestamp(when, settings.tz))


def request_edition(settings: Settings) -> int:
    """Ask the running daemon for an edition now (SIGUSR1); return its pid."""
    pid = daemon_lock(settings).held_by()
    if pid is None or pid <= 0:
        raise DigestError(f"no digest serve is running on {settings.store_path}; run 'digest run' without --via-daemon")
    try:
        os.kill(pid, signal.SIGUSR1)
    except ProcessLookupError:
        raise DigestError(f"the digest serve with pid {pid} has just stopped; run 'digest run' instead") from None
    except PermissionError:
        raise DigestError(f"not allowed to signal the digest serve with pid {pid} (it runs as another user)") from None
    return pid


def send_and_log(settings: Settings, day: Date, cancel: threading.Event | None = None) -> None:
    """Deliver an edition by e-mail and log one line per recipient; ``cancel`` cuts it short."""
    from .mail.deliver import SendReport

    started = time.monotonic()
    report: object
    try:
        with Newsdesk(settings) as desk:  # a newsdesk per job: each thread uses a store of its own
            report = desk.send(day, cancel=cancel)
    except DeliveryError as exc:
        report = exc.report
        log.error("delivery of edition %s failed: %s", day.isoformat(), exc)
    if isinstance(report, SendReport):
        for result in report.results:
            level = logging.ERROR if result.status == "failed" else logging.INFO
            log.log(
                level,
                "delivery of edition %s to %s: %s %s",
                day.isoformat(),
                result.recipient,
                result.status,
                result.detail,
            )
        log.info(
            "delivery of edition %s finished in %.1f s: %d sent, %d already had it, %d failed",
            day.isoformat(),
            time.monotonic() - started,
            len(report.sent),
            len(report.skipped),
            len(report.failed),
        )


def _scheduled_edition() -> None:
    """The persistent job's target (stored by reference, so it must be a module-level function)."""
    daemon = Daemon.current
    if daemon is None:  # pragma: no cover - the job store is only processed by a running daemon
        log.error("scheduled edition fired outside a running daemon; ignored")
        return
    reason, daemon.catching_up = ("catch-up" if daemon.catching_up else "scheduled"), False
    daemon.make_edition(reason)


class Daemon:
    """One running ``digest serve``. Create, then :meth:`run` (blocks until stopped)."""

    current: Daemon | None = None

    def __init__(
        self,
        settings: Settings,
        *,
        deliver: Callable[[Settings, Date], None] | None = None,
        http: str | None = None,
    ) -> None:
        self.settings = settings
        self.schedule = settings.schedule
        self.tz = settings.tz
        self.trigger = build_trigger(self.schedule, self.tz)  # configuration errors surface before anything starts
        check_inbox(settings.inbox)
        check_output(settings.output)
        self.stop = threading.Event()
        # With [email] configured, each edition is mailed after it is made (exactly once per recipient),
        # by a thread of its own: a slow mail server never holds the next edition, and stopping cuts it.
        self.deliver = deliver or (partial(send_and_log, cancel=self.stop) if settings.email is not None else None)
        self.mail: queue.SimpleQueue[Date | None] = queue.SimpleQueue()
        self.mailer: threading.Thread | None = None
        self.changed = threading.Event()
        self.requests: queue.SimpleQueue[str] = queue.SimpleQueue()
        self.signals = 0
        self.catching_up = False  # the stored job's next run is the catch-up of a missed edition
        self.lock = daemon_lock(settings)
        self.scheduler: Any = None
        self.observer: Any = None
        self.reader: threading.Thread | None = None
        self.watched: tuple[int, int] | None = None  # (device, inode) of the inbox being watched
        self.http = http  # HOST:PORT of the web app, served in a thread of its own (see digest.web)
        if http is not None:
            from .web import check_bind, parse_address

            check_bind(settings, parse_address(http)[0])  # refused before anything starts
        self.web: Any = None

    # the edition job ------------------------------------------------------------------------
    def make_edition(self, reason: str) -> None:
        """Make today's edition (exactly what ``digest run`` makes), then deliver it if configured."""
        started = time.monotonic()
        log.info("edition job started (%s)", reason)
        try:
            if reason != "requested" and self.settings.store_url is not None and self._made_elsewhere(datetime.now()):
                return
            with Newsdesk(self.settings) as desk:
                digest = desk.make_edition(wait=EDITION_WAIT_SECONDS)
        except NothingNewError as exc:
            log.info("edition job finished in %.1f s: %s", time.monotonic() - started, exc)
            return
        except DigestError as exc:
            log.error("edition job failed after %.1f s: %s", time.monotonic() - started, exc)
            return
        except Exception:
            log.exception("edition job failed after %.1f s with an unexpected error", time.monotonic() - started)
            return
        log.info(
            "edition job finished in %.1f s: edition %s, %s, %s, %s set aside",
            time.monotonic() - started,
            digest.date.isoformat(),
            plural(digest.article_count, "article"),
            plural(len(digest.stories), "story"),
            plural(len(digest.quarantined), "file"),
        )
        if self.deliver is not None:
            self.mail.put(digest.date)

    def _made_elsewhere(self, fired: datetime) -> bool:
        """On a store shared by several machines, each digest serve runs the scheduled edition: the first
        to take the edition lock makes it; the others wait for the lock, then find it made since their
        run fired, and leave it. If the one making it dies, its lock goes with its connection and the
        next in line makes it."""
        lock = store_lock(self.settings)
        lock.acquire(wait=EDITION_WAIT_SECONDS)
        try:
            with open_store(self.settings) as store:
                day = fired.astimezone(self.tz).date().isoformat()
                made = store.edition(day)
        finally:
            lock.release()
        since = fired.astimezone() - timedelta(seconds=SAME_RUN_SECONDS)
        if made is None or datetime.fromisoformat(made.generated_at) < since:
            return False
        log.info("edition job finished: the edition %s was made by another digest serve at %s", day, made.generated_at)
        return True

    def _mail_editions(self) -> None:
        """The mail thread: deliver each edition made, in order, until the daemon stops."""
        while (day := self.mail.get()) is not None and self.deliver is not None:
            try:
                self.deliver(self.settings, day)
            except DigestError as exc:
                log.error("delivery of edition %s failed: %s", day.isoformat(), exc)
            except Exception:
                log.exception("delivery of edition %s failed with an unexpected error", day.isoformat())

    def prepare(self) -> None:
        """Group and summarise the articles waiting for the next edition, so it only has to render."""
        started = time.monotonic()
        # For the edition that comes next: after today's, that is tomorrow's, which does not take
        # the articles today's edition already published.
        job = self.scheduler.get_job(JOB_ID) if self.scheduler is not None else None
        due = job.next_run_time if job is not None else None
        try:
            with Newsdesk(self.settings) as desk:
                stories = desk.prepare(due.astimezone(self.tz).date() if due else None)
        except DigestError as exc:
            log.warning("preparing the next edition failed (it will be made in full): %s", exc)
            return
        except Exception:
            log.exception("preparing the next edition failed with an unexpected error (it will be made in full)")
            return
        log.info("next edition prepared in %.1f s: %s so far", time.monotonic() - started, plural(stories, "story"))

    def _prepare_soon(self) -> None:
        """Prepare the next edition once no new article has come for a while (each arrival defers it)."""
        if self.scheduler is None:
            return
        quiet = PREPARE_QUIET_SETTLES * self.schedule.settle_seconds
        self.scheduler.add_job(
            self.prepare,
            "date",
            run_date=datetime.now(self.tz) + timedelta(seconds=quiet),
            id="prepare",
            jobstore="memory",
            replace_existing=True,
            misfire_grace_time=None,
        )

    # reading the inbox as files arrive ---------------------------------------------------------
    def _read_inbox(self) -> None:
        settle = self.schedule.settle_seconds
        timeout: float | None = 0.0  # read once at start: files may have arrived while the daemon was down
        while not self.stop.is_set():
            if timeout is None or timeout > 0:
                self.changed.wait(RESCAN_SECONDS if timeout is None else timeout)
            if self.stop.is_set():
                return
            # Wait for a quiet inbox: a copy of many files produces a burst of events.
            while self.changed.is_set() and not self.stop.is_set():
                self.changed.clear()
                self.stop.wait(settle)
            if self.stop.is_set():
                return
            started = time.monotonic()
            try:
                with Newsdesk(self.settings) as desk:
                    report = desk.ingest(settle_seconds=settle)
            except DigestError as exc:
                log.error("reading the inbox failed: %s", exc)
                timeout = RESCAN_SECONDS / 10
                continue
            except Exception:
                log.exception("reading the inbox failed with an unexpected error")
                timeout = RESCAN_SECONDS / 10
                continue
            if report.files_read:
                log.info(
                    "inbox: read %s as they arrived in %.1f s: %s, %d set aside",
                    plural(report.files_read, "file"),
                    time.monotonic() - started,
                    plural(report.articles_added, "new article"),
                    len(report.quarantined),
                )
            if report.articles_added:
                self._prepare_soon()
            # Files still being written are looked at again once they have had time to settle.
            timeout = settle if report.unsettled else None

    def _start_watching(self) -> None:
        self.observer = self._observe()
        self.reader = threading.Thread(target=self._read_inbox, name="digest-reader", daemon=True)
        self.reader.start()

    @staticmethod
    def _identity(folder: Path) -> tuple[int, int] | None:
        try:
            info = folder.stat()
        except OSError:
            return None
        return (info.st_dev, info.st_ino)

    def _check_inbox_moved(self) -> None:
        """Watch the inbox anew when it was moved away or replaced by another folder of the same name.

        The watcher follows the folder it was given, wherever it moves: without this, files put in a
        recreated inbox would wait for the next re-scan, silently.
        """
        now = self._identity(self.settings.inbox)
        if now == self.watched:
            return
        if now is None:
            log.warning("the inbox %s is gone; it is watched again once it is back", self.settings.inbox)
        else:
            log.warning("the inbox %s was moved or replaced; watching the new folder", self.settings.inbox)
            if self.observer is not None:
                self.observer.stop()
                self.observer.join()
            self.observer = self._observe()
            self.changed.set()  # files already in the new folder are read at once
        self.watched = now

    def _observe(self) -> Any:
        """Start watching the inbox (file-system events, or polling); return the observer."""
        from watchdog.events import FileSystemEvent, FileSystemEventHandler
        from watchdog.observers import Observer
        from watchdog.observers.polling import PollingObserver

        inbox = self.settings.inbox
        changed = self.changed
        self.watched = self._identity(inbox)

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: FileSystemEvent) -> None:
                # Our own reads produce "opened"/"closed_no_write" events: those must not wake the reader.
                if event.event_type not in ("created", "modified", "moved", "closed"):
                    return
                target = event.dest_path if event.event_type == "moved" else event.src_path
                name = Path(os.fsdecode(target))
                if event.is_directory or is_candidate(name):
                    changed.set()

        observer: Any = None
        if self.schedule.watch == "auto":
            try:
                observer = Observer()
                observer.schedule(Handler(), str(inbox), recursive=True)
                observer.start()
                log.info("watching %s for new articles (file-system events)", inbox)
            except OSError as exc:
                log.warning("file-system events are unavailable for %s (%s); polling instead", inbox, exc)
                observer = None
        if observer is None:
            observer = PollingObserver(timeout=self.schedule.poll_seconds)
            observer.schedule(Handler(), str(inbox), recursive=True)
            observer.start()
            log.info("watching %s for new articles (polling every %g s)", inbox, self.schedule.poll_seconds)
        return observer

    # the schedule ---------------------------------------------------------------------------------
    def _start_scheduler(self) -> None:
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.jobstores.memory import MemoryJobStore
        from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
        from apscheduler.schedulers.background import BackgroundScheduler
        from sqlalchemy.exc import SQLAlchemyError

        store = SQLAlchemyJobStore(
            url=job_store_url(self.settings),
            tablename=JOB_TABLE,
            engine_options=job_store_options(self.settings),
        )
        grace = int(self.schedule.catch_up_days * 86400)
        scheduler = BackgroundScheduler(
            jobstores={"default": store, "memory": MemoryJobStore()},
            # one edition at a time; fetching feeds and mail beside it, in a thread of its own
            executors={"default": ThreadPoolExecutor(max_workers=1), "fetch": ThreadPoolExecutor(max_workers=1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": grace},
            timezone=self.tz,
        )
        # Daemons starting together on one database create the job table and the job one at a time.
        setup = store_lock(self.settings, "schedule", busy="another digest serve is setting up the schedule")
        setup.acquire(wait=60)
        try:
            self._set_up_schedule(scheduler, grace)
        except SQLAlchemyError as exc:
            raise StoreError(f"the schedule cannot be kept in the store ({' '.join(str(exc).split())[:300]})") from None
        finally:
            setup.release()
        scheduler.resume()
        upcoming = self.trigger.get_next_fire_time(None, datetime.now(self.tz))
        log.info("editions %s (%s); next at %s", describe_schedule(self.schedule), self.tz, _when(upcoming))

    def _set_up_schedule(self, scheduler: Any, grace: int) -> None:
        scheduler.start(paused=True)
        self.scheduler = scheduler
        now = datetime.now(self.tz)
        job = scheduler.get_job(JOB_ID)
        missed = self._last_missed_run(job, now) if job is not None else None
        if job is not None and repr(job.trigger) == repr(self.trigger):
            # Unchanged schedule: APScheduler itself runs the missed edition (once) on resume.
            self.catching_up = missed is not None and now - missed <= timedelta(seconds=grace)
        else:
            if job is not None:
                log.info("schedule changed: now %s", describe_schedule(self.schedule))
            scheduler.add_job(_scheduled_edition, self.trigger, id=JOB_ID, name="daily edition", replace_existing=True)
            if missed is not None and now - missed <= timedelta(seconds=grace):
                self._run_soon("catch-up")
        if missed is not None:
            late = now - missed
            if late <= timedelta(seconds=grace):
                log.info("the edition due at %s was missed (%s ago); making it now", _when(missed), _ago(late))
            else:
                log.warning(
                    "the edition due at %s was missed %s ago, more than catch_up_days; its articles wait "
                    "for the next edition",
                    _when(missed),
                    _ago(late),
                )
        self._schedule_fetching()

    def _schedule_fetching(self) -> None:
        """Fetch the feeds and read the Maildir now, then every minute that a feed or the Maildir may be due."""
        cadences = [self.settings.fetch_minutes, *(f.fetch_minutes for f in self.settings.feeds if f.fetch_minutes)]
        self.scheduler.add_job(
            self.fetch_sources,
            "interval",
            minutes=min(cadences),
            next_run_time=datetime.now(self.tz),
            id="fetch",
            jobstore="memory",
            executor="fetch",
            misfire_grace_time=None,
        )

    def fetch_sources(self) -> None:
        """Fetch the feeds that are due and read the Maildir into the inbox (the watcher reads what comes).
        A failure is logged, feed by feed; it never stops the daemon."""
        from .sources.feeds import fetch_feeds
        from .sources.newsletters import read_maildir

        started = time.monotonic()
        try:
            outcomes = fetch_feeds(self.settings, due_only=True)
        except DigestError as exc:
            log.error("fetching the feeds failed: %s", exc)
            outcomes = []
        except Exception:
            log.exception("fetching the feeds failed with an unexpected error")
            outcomes = []
        if outcomes:
            new = sum(1 for o in outcomes for _, path in o.written if path)
            failed = sum(1 for o in outcomes if o.error)
            log.info(
                "feeds fetched in %.1f s: %s, %s, %d failed",
                time.monotonic() - started,
                plural(len(outcomes), "feed"),
                plural(new, "new item"),
                failed,
            )
        try:
            read_maildir(self.settings)
        except DigestError as exc:
            log.error("reading the Maildir failed: %s", exc)
        except Exception:
            log.exception("reading the Maildir failed with an unexpected error")

    def _last_missed_run(self, job: Any, now: datetime) -> datetime | None:
        """The latest time the stored job should have run before ``now``, if it did not."""
        due = job.next_run_time
        if due is None or due > now:
            return None
        last: datetime = due
        for _ in range(100_000):  # a schedule firing every minute, down for two months
            following = job.trigger.get_next_fire_time(last, now)
            if following is None or following > now:
                break
            last = following
        return last

    def _run_soon(self, reason: str) -> None:
        self.scheduler.add_job(self.make_edition, args=(reason,), jobstore="memory", misfire_grace_time=None)

    # signals and the main loop -----------------------------------------------------------------
    def _on_signal(self, number: int, frame: FrameType | None) -> None:
        if number == signal.SIGUSR1:
            self.requests.put("requested")
            return
        self.signals += 1
        if self.signals > 1:
            log.warning("second %s: stopping now; an edition in progress is abandoned", signal.Signals(number).name)
            os._exit(130 if number == signal.SIGINT else 143)
        self.requests.put("stop")

    def run(self) -> None:
        """Start everything, then block until SIGTERM/SIGINT."""
        try:
            self.lock.acquire(wait=1.0)
        except LockBusyError:
            holder = self.lock.holder()
            who = f" (pid {holder})" if holder else ""
            raise LockBusyError(f"another digest serve is already running on this store{who}; stop it first") from None
        if self.lock.previous_holder:
            log.warning(
                "a previous digest serve (pid %d) ended without stopping cleanly; taking over",
                self.lock.previous_holder,
            )
        Daemon.current = self
        _load_edition_libraries()
        handlers = {
            number: signal.signal(number, self._on_signal) for number in (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1)
        }
        log.info(
            "digest serve started (pid %d): inbox %s, output %s", os.getpid(), self.settings.inbox, self.settings.output
        )
        try:
            if self.http is not None:
                from .web import WebServer

                self.web = WebServer(self.settings, self.http)  # a bad address or a port in use: one line, before all
                self.web.start()
                log.info("web app at %s/", self.web.url)
            if self.deliver is not None:
                self.mailer = threading.Thread(target=self._mail_editions, name="digest-mail", daemon=True)
                self.mailer.start()
            self._start_scheduler()
            self._start_watching()
            while True:
                try:
                    request = self.requests.get(timeout=1.0)
                except queue.Empty:
                    self._check_inbox_moved()
                    continue
                if request == "stop":
                    break
                log.info("edition requested from outside")
                self._run_soon(request)
        finally:
            self._shutdown()
            for number, handler in handlers.items():
                signal.signal(number, handler)
            Daemon.current = None
            self.lock.release()
        log.info("digest serve stopped")

    def _shutdown(self) -> None:
        log.info("stopping: finishing the step in progress")
        self.stop.set()
        if self.web is not None:
            self.web.stop()
        self.changed.set()
        if self.observer is not None:
            self.observer.stop()
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        if self.reader is not None:
            self.reader.join()
        if self.observer is not None:
            self.observer.join()
        if self.mailer is not None:  # the delivery in progress was cut by self.stop
            self.mail.put(None)
            self.mailer.join()


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S %Z") if moment else "never"


def _ago(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


def serve(
    settings: Settings, *, deliver: Callable[[Settings, Date], None] | None = None, http: str | None = None
) -> None:
    """Run the daemon in this process until SIGTERM/SIGINT; with ``http`` (HOST:PORT), serve the web app too."""
    Daemon(settings, deliver=deliver, http=http).run()
