"""The library core: one :class:`Newsdesk` does what a user does with digest.

The command line, the daemon and scripts all make one from :class:`~digest.config.Settings` and call
its methods: :meth:`~Newsdesk.ingest` the inbox, :meth:`~Newsdesk.prepare` the next edition,
:meth:`~Newsdesk.make_edition`, :meth:`~Newsdesk.send` it, ask for its :meth:`~Newsdesk.status`, and
:meth:`~Newsdesk.search` what it has read. Its store (opened once, on first use, through
``store.open_store``), its clock and its output formats are given to it, or taken from the settings::

    from digest import Newsdesk, load_settings

    with Newsdesk(load_settings()) as desk:
        edition = desk.make_edition()
"""

from __future__ import annotations

import logging
import os
import ssl
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date as Date
from types import TracebackType
from typing import TYPE_CHECKING

from .config import Settings
from .errors import NothingNewError, plural
from .models import Article, Digest, Quarantined
from .pipeline import (
    INGEST_WAIT_SECONDS,
    Clock,
    ScanReport,
    Status,
    adopt_earlier_editions,
    build_stories,
    check_inbox,
    check_output,
    edition_date,
    features_version,
    files_to_read,
    ingest_lock,
    published,
    rank_stories,
    scan_inbox,
    system_clock,
    topics_of,
)
from .store import EditionRecord, Store, open_store, shown_path, shown_store, store_lock

if TYPE_CHECKING:  # mail (and the renderer it uses) is loaded by send, not by a status or a search
    from .mail.deliver import Connect, SendReport, Sleep

log = logging.getLogger(__name__)

# The most hits a search gives.
SEARCH_LIMIT = 500


@dataclass(frozen=True)
class Carried:
    """A story of an edition that carried an article."""

    edition: str  # the edition's date, YYYY-MM-DD
    story_id: str
    title: str


@dataclass(frozen=True)
class SearchHit:
    """A stored article that matches a search, with the stories of the editions that carried it
    (none while it waits for the next edition)."""

    article: Article
    carried: tuple[Carried, ...] = ()

    @property
    def editions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.edition for c in self.carried))


class Newsdesk:
    """What a user does with digest, on the store, clock and output formats it is given.

    ``store`` defaults to the one ``settings`` name (opened on first use and closed by :meth:`close`;
    a store given is left open), ``clock`` to the system's, ``formats`` to ``settings.formats``.
    Use it as a context manager, or call :meth:`close`. One newsdesk serves one thread.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        store: Store | None = None,
        clock: Clock | None = None,
        formats: Sequence[str] | None = None,
    ) -> None:
        self.settings = settings
        self.clock: Clock = clock or system_clock
        self.formats = tuple(settings.formats if formats is None else formats)
        self._store = store
        self._owns_store = store is None

    @property
    def store(self) -> Store:
        """The store, opened on first use (so that a mistake in the settings is named before it is)."""
        if self._store is None:
            self._store = open_store(self.settings)
        return self._store

    def close(self) -> None:
        if self._owns_store and self._store is not None:
            self._store.close()
            self._store = None

    def __enter__(self) -> Newsdesk:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._owns_store and self._store is not None:
            store, self._store = self._store, None
            store.__exit__(kind, exc, traceback)  # closes it, and names a database error as the store's

    def edition_date(self, date: Date | None = None) -> Date:
        """``date``, or today by the clock in the settings' time zone."""
        return edition_date(self.settings, self.clock, date)

    # reading -------------------------------------------------------------------------------
    def ingest(self, *, settle_seconds: float = 0.0, wait: float = INGEST_WAIT_SECONDS) -> ScanReport:
        """Read new and changed inbox files into the store now, without making an edition.

        The daemon calls this as files arrive, so the daily edition finds them already ingested.
        """
        check_inbox(self.settings.inbox)
        with ingest_lock(self.settings, wait):
            return scan_inbox(self.settings, self.store, self.clock, settle_seconds)

    def prepare(self, date: Date | None = None) -> int:
        """Group the articles waiting for the edition of ``date`` into stories and summarise them now,
        keeping the work in the store; return how many stories there are.

        The daemon calls this once the inbox has been quiet for a while after new articles came,
        so that the scheduled edition only has to render. Nothing is published or marked.
        """
        day = self.edition_date(date)
        settings = self.settings
        articles = self.store.articles_for_edition(day.isoformat(), None, features_version())
        return len(build_stories(articles, settings.summary_words, store=self.store, summarizer=settings.summarizer))

    # editions ------------------------------------------------------------------------------
    def make_edition(
        self,
        date: Date | None = None,
        *,
        include_all: bool = False,
        pdf: bool | None = None,
        wait: float = 0.0,
        timings: dict[str, float] | None = None,
        allow_empty: bool = False,
    ) -> Digest:
        """Make (or remake) the edition for ``date`` (default today): ingest, cluster, summarise,
        render, record.

        With no article for it, nothing is written (a good edition is never replaced by an empty one)
        and :class:`NothingNewError` says so, unless ``allow_empty``. ``timings``, when given,
        receives the seconds each stage took (ingest, select, cluster, summarize, render).
        """
        # Imported here: they load numpy, scipy and scikit-learn, which commands that make no edition
        # (status, send, serve's start, --help) should not pay for.
        from .output import atom, render
        from .stories.continuity import earlier_stories, mark_continuing

        settings = self.settings
        check_inbox(settings.inbox)
        check_output(settings.output)
        day = self.edition_date(date)
        stages: dict[str, float] = {} if timings is None else timings
        mark = time.perf_counter()

        def lap(stage: str) -> None:
            nonlocal mark
            now = time.perf_counter()
            stages[stage] = now - mark
            mark = now

        lock = store_lock(settings)
        lock.acquire(wait=wait)
        try:
            store = self.store
            adopt_earlier_editions(store, settings.output)  # once, after an upgrade: continuity reads them
            with ingest_lock(settings):
                report = scan_inbox(settings, store, self.clock)
            lap("ingest")
            paths = report.inbox_paths if include_all else None
            articles = store.articles_for_edition(day.isoformat(), paths, features_version())
            log.info("edition %s: %s", day.isoformat(), plural(len(articles), "article"))
            if not articles and not allow_empty:
                editions = store.editions()
                since = f"since the edition of {editions[0].date}" if editions else f"in {settings.inbox}"
                raise NothingNewError(
                    f"no new articles {since}; nothing written (use --allow-empty to write an empty edition)"
                )
            lap("select")
            stories = build_stories(articles, settings.summary_words, stages, store, settings.summarizer)
            mark = time.perf_counter()
            earlier = earlier_stories(store, store.editions(), day, features=features_version())
            stories = rank_stories(mark_continuing(stories, earlier))
            quarantined = tuple(Quarantined(shown_path(p), r) for p, r in store.quarantined(report.inbox_paths))
            generated = self.clock().astimezone(settings.tz).replace(microsecond=0)
            digest = Digest(day, generated, tuple(stories), quarantined, topics=topics_of(stories))
            previous = [e for e in store.editions() if e.date != day.isoformat()]
            outputs = render.write_edition(
                published(digest, settings.inbox),
                settings.output,
                pdf=settings.pdf if pdf is None else pdf,
                max_stories=settings.max_stories,
                editions=previous,
                formats=self.formats,
            )
            sources = len({article.source_key for story in stories for article in story.articles})
            record = EditionRecord(
                day.isoformat(), digest.generated_at.isoformat(), len(stories), digest.article_count, outputs, sources
            )
            store.record_edition(record, [a.id for s in stories for a in s.articles], digest.stories, digest.topics)
            render.write_archive(settings.output, store.editions(), store)
            atom.write_feed(settings.output, store.editions(), store, settings.base_url)
            lap("render")
            log.info(
                "edition %s written: %s from %s -> %s",
                day.isoformat(),
                plural(len(stories), "story"),
                plural(digest.article_count, "article"),
                settings.output / day.isoformat(),
            )
            return replace(digest, outputs=outputs)
        finally:
            lock.release()

    def send(
        self,
        date: Date | None = None,
        *,
        recipients: Sequence[str] | None = None,
        force: bool = False,
        wait: float = 0.0,
        cancel: threading.Event | None = None,
        sleep: Sleep = time.sleep,
        connect: Connect | None = None,
        env: Mapping[str, str] | None = None,
        context: ssl.SSLContext | None = None,
    ) -> SendReport:
        """E-mail the recorded edition of ``date`` (default today) to each recipient that has not had
        it yet (see :func:`digest.mail.deliver.deliver_edition`); ``connect`` defaults to SMTP."""
        from .mail.deliver import deliver_edition, smtp_connect

        return deliver_edition(
            self.settings,
            self.store,
            self.edition_date(date),
            recipients=recipients,
            force=force,
            clock=self.clock,
            sleep=sleep,
            connect=connect or smtp_connect,
            env=env,
            context=context,
            wait=wait,
            cancel=cancel,
        )

    # looking ------------------------------------------------------------------------------
    def status(self) -> Status:
        """Articles known and waiting, inbox files not read yet, the last edition, files set aside."""
        settings = self.settings
        check_output(settings.output)
        store = self.store
        editions = store.editions()
        return Status(
            settings.inbox,
            shown_store(settings),
            store.article_count(),
            store.waiting_count(),
            len(files_to_read(settings.inbox, store.files)),
            editions[0] if editions else None,
            # those still there, named so that they can be printed
            [(shown_path(path), reason) for path, reason in store.quarantined() if os.path.lexists(path)],
        )

    def search(self, query: str, limit: int = SEARCH_LIMIT) -> list[SearchHit]:
        """The stored articles holding every word of ``query`` in their title, dek and text, or in the
        title of a story that carried them (case and accents aside; the last word may be the start of
        one); best match first, at most ``limit``, each with the stories of the editions that carried
        it, oldest edition first. Only letters and digits make words (see ``Store.search``): no word,
        no hit. The store's full-text index answers, so a search does not read every article."""
        store = self.store
        ids = store.search(query, limit)
        articles = store.articles_by_id(ids)
        carried: dict[str, list[Carried]] = {}
        for article_id, edition, story_id, title in store.stories_carrying(ids):
            carried.setdefault(article_id, []).append(Carried(edition, story_id, title))
        return [SearchHit(articles[key], tuple(carried.get(key, ()))) for key in ids if key in articles]
