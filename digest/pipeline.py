"""The stages chained: inbox -> store -> stories -> rendered edition (run on its store by newsdesk.Newsdesk)."""

from __future__ import annotations

import ast
import contextlib
import functools
import hashlib
import json
import logging
import os
import stat
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from datetime import date as Date
from pathlib import Path
from typing import Any, TypeVar

from .config import Settings
from .cores import usable_cores
from .errors import ConfigError, plural
from .models import Article, Continuation, Digest, Quarantined, RawDoc, Story, SummarySentence, Topic
from .sources.ingest import IngestResult, is_candidate, read_file
from .store import EditionRecord, FileRecord, Store, shown_path, store_lock
from .stories.editing import choose_title, significance, topic_title
from .text.clean import clean_document, head_line_keys

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
T = TypeVar("T")
R = TypeVar("R")


@dataclass
class ScanReport:
    files_seen: int = 0
    files_read: int = 0
    articles_added: int = 0
    quarantined: list[Quarantined] = field(default_factory=list)
    inbox_paths: list[str] = field(default_factory=list)
    unsettled: int = 0  # files left for later because they were still being written


def inbox_files(inbox: Path) -> Iterator[Path]:
    """Candidate article files below the inbox, skipping hidden folders and partial files."""
    if not inbox.is_dir():
        return
    for root, dirs, files in os.walk(inbox):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(root) / name
            if is_candidate(path):
                yield path


def check_inbox(inbox: Path) -> None:
    """Raise a ConfigError if the inbox is missing or cannot be listed (a typo must not make an empty edition)."""
    if not inbox.exists():
        raise ConfigError(f"the inbox {inbox} does not exist; fix --inbox or inbox in digest.toml, or create it")
    if not inbox.is_dir():
        raise ConfigError(f"the inbox {inbox} is not a folder; fix --inbox or inbox in digest.toml")
    try:
        with os.scandir(inbox):
            pass
    except OSError as exc:
        raise ConfigError(f"the inbox {inbox} cannot be read ({exc.strerror}); give this user read access") from None


def check_output(output: Path) -> None:
    """Raise a ConfigError if the output folder names something that is not a folder."""
    if output.exists() and not output.is_dir():
        raise ConfigError(f"the output {output} is not a folder; fix --output or output in digest.toml")


def files_to_read(inbox: Path, records: Callable[[Iterable[str]], Mapping[str, FileRecord]]) -> list[Path]:
    """Inbox files not read yet, or changed since they were (what the next scan reads or looks at);
    ``records`` gives the store's records of the files listed (``Store.files``)."""
    inbox = inbox.resolve() if inbox.exists() else inbox
    listed = list(inbox_files(inbox))
    known = records(str(path) for path in listed)
    unread = []
    for path in listed:
        record = known.get(str(path))
        try:
            info = path.lstat()
        except OSError:
            continue
        if not record or record.size != info.st_size or record.mtime_ns != info.st_mtime_ns:
            unread.append(path)
    return unread


def _sha256(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def _changed_since(path: Path, info: os.stat_result) -> bool:
    try:
        now = path.lstat()
    except OSError:
        return True
    return (now.st_ino, now.st_size, now.st_mtime_ns) != (info.st_ino, info.st_size, info.st_mtime_ns)


# Reading and cleaning run in a process pool when there are at least this many new files.
POOL_MIN_FILES = 64
_CHUNK = 16  # files per task sent to a worker


@functools.lru_cache(maxsize=1)
def features_version() -> str:
    """Names the code that computes stored features: any change to it makes them be computed anew.

    A hash of the modules that define them (word splitting and stemming, names and numbers), so
    features stored by another version of digest are never mistaken for current ones.
    """
    digest = hashlib.sha256(b"features 1")
    for name in ("text/segment.py", "text/features.py"):
        try:
            digest.update((Path(__file__).parent / name).read_bytes())
        except OSError:  # no source files beside the package: features are not stored
            return ""
    return digest.hexdigest()[:16]


def _read_task(batch: Sequence[tuple[Path, str, int]]) -> list[tuple[IngestResult, list[set[str]]]]:
    """Read files; with each, the head lines of its documents (for spotting site furniture)."""
    results = []
    for path, key, max_bytes in batch:
        result = read_file(path, max_bytes=max_bytes, display=shown_path(key))
        results.append((result, [head_line_keys(doc) for doc in result.docs]))
    return results


_FURNITURE: dict[str, int] = {}


def _set_furniture(furniture: dict[str, int]) -> None:
    global _FURNITURE
    _FURNITURE = furniture


def _clean_task(batch: Sequence[tuple[RawDoc, ...]]) -> list[tuple[list[Article], str | None]]:
    """Clean the documents of each file into articles with their features; or say why it failed."""
    from .text.features import with_features

    results: list[tuple[list[Article], str | None]] = []
    for docs in batch:
        articles: list[Article] = []
        try:
            for doc in docs:
                articles.extend(clean_document(doc, _FURNITURE))
            articles = [with_features(a) for a in articles]
        except Exception as exc:  # a cleaning bug on odd input must not stop the edition
            log.debug("cleaning failed for %s", docs[0].path if docs else "?", exc_info=True)
            results.append(([], f"cannot clean: {type(exc).__name__}: {exc}"))
            continue
        results.append((articles, None))
    return results


def _chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _progress(total: int, what: str) -> Any:
    """A progress bar on stderr for interactive runs (stderr is a terminal and -q not given), else nothing."""
    if not what or not progress_bars or total < POOL_MIN_FILES or not log.isEnabledFor(logging.INFO):
        return contextlib.nullcontext(None)
    if not sys.stderr.isatty():
        return contextlib.nullcontext(None)
    from tqdm import tqdm

    return tqdm(total=total, desc=what, unit=" files", leave=False, file=sys.stderr)


# Set to False to never show progress bars (e.g. under a daemon writing to a terminal).
progress_bars = True


def _iter_chunks(
    function: Callable[[Sequence[T]], list[R]],
    items: Sequence[T],
    what: str,
    pool_context: Any,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
) -> Iterator[R]:
    """``function`` over ``items`` in chunks, in a process pool when it pays; results in order,
    each as soon as it is there (so the caller can use it while the workers go on)."""
    with _progress(len(items), what) as bar:
        if pool_context is None:
            if initializer is not None:
                initializer(*initargs)
            for chunk in _chunks(items, _CHUNK):
                yield from function(chunk)
                if bar is not None:
                    bar.update(len(chunk))
            return
        with pool_context.Pool(usable_cores(), initializer=initializer, initargs=initargs) as pool:
            for chunk, done in zip(_chunks(items, _CHUNK), pool.imap(function, _chunks(items, _CHUNK)), strict=True):
                yield from done
                if bar is not None:
                    bar.update(len(chunk))


def _pool_context(files: int) -> Any:
    """A multiprocessing context when a pool pays (enough files, more than one core), else None.

    Forking copies the parent's memory for free but is unsafe in a process running other threads
    (the daemon): that one starts fresh interpreters instead.
    """
    if files < POOL_MIN_FILES or usable_cores() < 2:
        return None
    import multiprocessing
    import threading

    return multiprocessing.get_context("fork" if threading.active_count() == 1 else "spawn")


def scan_inbox(settings: Settings, store: Store, clock: Clock, settle_seconds: float = 0.0) -> ScanReport:
    """Ingest new and changed inbox files into the store; set aside what cannot be read.

    With ``settle_seconds``, a file modified more recently than that is left for a later scan
    (counted in ``unsettled``): it may still be being written. Many new files are read and
    cleaned by a process pool; the store is written by this process alone, in input order.
    """
    report = ScanReport()
    settled_before = time.time_ns() - int(settle_seconds * 1e9)
    pending: list[tuple[Path, str, os.stat_result, str]] = []
    inbox = settings.inbox.resolve() if settings.inbox.exists() else settings.inbox
    listed = list(inbox_files(inbox))
    known = store.files(str(path) for path in listed)
    for path in listed:
        key = str(path)
        report.files_seen += 1
        report.inbox_paths.append(key)
        try:
            info = path.lstat()
        except OSError:
            continue  # vanished since the listing
        record = known.get(key)
        if record and record.size == info.st_size and record.mtime_ns == info.st_mtime_ns:
            continue
        if not stat.S_ISREG(info.st_mode):
            # Links, pipes and devices are never opened (a pipe would block): read_file says why.
            pending.append((path, key, info, ""))
            continue
        # The change time, which no one can set: a file dated in the future still settles.
        if settle_seconds and info.st_ctime_ns > settled_before:
            report.unsettled += 1
            continue
        sha = _sha256(path) or ""
        if record and sha and record.sha256 == sha:
            store.touch_file(key, info.st_size, info.st_mtime_ns)
            continue
        pending.append((path, key, info, sha))
    # A set-aside file that is gone from this inbox has nothing left to report (a store shared by several
    # machines also holds other inboxes' files: those are theirs to forget).
    seen, inside = set(report.inbox_paths), str(inbox).rstrip(os.sep) + os.sep
    gone = [
        record.path
        for record in store.quarantined_files()
        if record.path not in seen and record.path.startswith(inside)
    ]
    if gone:
        store.forget_files(gone)
    if not pending:
        return report
    log.info("reading %s from %s", plural(len(pending), "new or changed file"), settings.inbox)
    max_bytes = int(settings.max_file_mb * 1024 * 1024)
    context = _pool_context(len(pending))
    read = list(_iter_chunks(_read_task, [(path, key, max_bytes) for path, key, _, _ in pending], "reading", context))
    heads: Counter[str] = Counter()
    for _, keys in read:
        for doc_keys in keys:
            heads.update(doc_keys)
    furniture = {k: v for k, v in heads.items() if v > 1}
    if context is not None and context.get_start_method() == "fork":
        from .stories import cluster  # noqa: F401  (loaded once here, not in every worker)
    # The store is written as cleaned articles come back, while the workers clean the rest.
    cleaned = _iter_chunks(
        _clean_task,
        [result.docs for result, _ in read],
        "cleaning",
        context,
        initializer=_set_furniture,
        initargs=(furniture,),
    )
    now = clock().isoformat(timespec="seconds")
    version = features_version()
    batch: list[tuple[FileRecord, Sequence[Article]]] = []
    for (path, key, info, sha), (result, _), (articles, clean_error) in zip(pending, read, cleaned, strict=True):
        report.files_read += 1
        error = result.error or clean_error
        if error is None and not articles:
            error = "no article text left after removing page furniture"
        if error and _changed_since(path, info):
            log.info("%s changed or disappeared while it was being read; it is read again later", shown_path(path.name))
            continue
        status = "quarantined" if error else "ok"
        batch.append((FileRecord(key, info.st_size, info.st_mtime_ns, sha, status, error), [] if error else articles))
        if error:
            log.warning("set aside %s: %s", shown_path(path.name), error)
            report.quarantined.append(Quarantined(shown_path(key), error))
        if len(batch) >= 500:
            report.articles_added += store.record_files(batch, now, version)
            batch = []
    if batch:
        report.articles_added += store.record_files(batch, now, version)
    log.info(
        "ingested %s: %s, %d set aside",
        plural(report.files_read, "file"),
        plural(report.articles_added, "new article"),
        len(report.quarantined),
    )
    return report


def _summarize_task(batch: Sequence[tuple[tuple[Article, ...], int, str]]) -> list[tuple[SummarySentence, ...]]:
    """The summaries of some stories (each its articles, its word budget and the summarizer to use)."""
    from .summaries.summarize import summarize

    return [summarize(members, max_words=words, summarizer=summarizer) for members, words, summarizer in batch]


# The stories being summarised, for forked workers: they inherit this list, so a task need only
# name its stories by number instead of sending their articles through a pipe.
_STORIES: list[tuple[tuple[Article, ...], int, str]] = []


def _summarize_numbered(batch: Sequence[int]) -> list[tuple[SummarySentence, ...]]:
    return _summarize_task([_STORIES[number] for number in batch])


def _story_id(articles: Sequence[Article]) -> str:
    return hashlib.sha256(" ".join(sorted(a.id for a in articles)).encode()).hexdigest()[:10]


def _story_title(articles: Sequence[Article]) -> str:
    """The fairest, most informative of the articles' titles (see editing.py), else one made from a lead."""
    return choose_title(articles) or articles[0].display_title


def _newest_day(story: Story) -> int:
    """The story's latest publication day as an ordinal; 0 when unknown or impossible (2019-02-31)."""
    if story.latest:
        with contextlib.suppress(ValueError):
            return Date.fromisoformat(story.latest[:10]).toordinal()
    return 0


def rank_stories(stories: Sequence[Story]) -> list[Story]:
    """Most significant first (outlets, deaths and injuries, continuing news: editing.significance),
    then more articles, newer, longer; the stories of one topic together, where its most
    significant story would stand."""
    ranked = sorted(stories, key=lambda s: (-significance(s), -len(s.articles), -_newest_day(s), -len(s.summary)))
    place: dict[str, int] = {}
    for story in ranked:
        place.setdefault(story.topic or story.id, len(place))
    return sorted(ranked, key=lambda s: place[s.topic or s.id])


def topics_of(stories: Sequence[Story]) -> tuple[Topic, ...]:
    """The topics of ranked stories, in their order: each titled by the names its stories share
    (editing.topic_title), a topic of one story by that story's title."""
    members: dict[str, list[Story]] = {}
    for story in stories:
        members.setdefault(story.topic or story.id, []).append(story)
    return tuple(
        Topic(key, topic_title(group) if len(group) > 1 else group[0].title, tuple(s.id for s in group))
        for key, group in members.items()
    )


# The modules that group articles into stories and summarise them. With every module of the
# package they import, and the package's data files, they name the code prepared work was made by.
STORY_MODULES = ("stories.cluster", "stories.dedupe", "summaries.summarize", "summaries.claims")


def imported_sources(roots: Sequence[str]) -> list[Path]:
    """The source files of the package's modules ``roots`` and of every package module they import,
    directly or through others, at the top or inside a function (read from the source, not run)."""
    package = Path(__file__).resolve().parent
    top = __name__.partition(".")[0]

    def source(name: str) -> Path | None:
        path = package.joinpath(*name.split(".")[1:])
        for candidate in (path.with_suffix(".py"), path / "__init__.py"):
            if candidate.is_file():
                return candidate
        return None

    found: dict[str, Path] = {}
    todo = [f"{top}.{root}" for root in roots]
    while todo:
        name = todo.pop()
        path = source(name)
        if name in found or path is None:
            continue
        found[name] = path
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_bytes())):
            if isinstance(node, ast.Import):
                todo += [alias.name for alias in node.names if alias.name.startswith(f"{top}.")]
            elif isinstance(node, ast.ImportFrom):
                base = ".".join(here.split(".")[: len(here.split(".")) - node.level + 1]) if node.level else ""
                module = ".".join(part for part in (base, node.module or "") if part)
                if module == top or module.startswith(f"{top}."):
                    # ``from .x import y``: module x, and y too where y is a module of package x
                    todo += [module, *(f"{module}.{alias.name}" for alias in node.names)]
    found.pop(top, None)  # the package's front door imports everything, and makes nothing
    return sorted(found.values())


@functools.lru_cache(maxsize=1)
def stories_version() -> str:
    """Names the code that makes stories and summaries from stored articles, as
    :func:`features_version` does for features: work prepared by other code is made anew.

    A hash of the source of :data:`STORY_MODULES` and of every module they import (so a change to a
    helper they share is never missed), and of the package's data files (the claim models' weights).
    """
    digest = hashlib.sha256(b"stories 2" + features_version().encode())
    try:
        package = Path(__file__).resolve().parent
        for path in [*imported_sources(STORY_MODULES), *sorted(package.glob("**/data/*.json"))]:
            digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    except (OSError, SyntaxError):  # no source files beside the package: nothing is prepared ahead
        return ""
    return digest.hexdigest()[:16] if features_version() else ""


def _key(*parts: object) -> str:
    return hashlib.sha256("\n".join(map(str, parts)).encode()).hexdigest()


# Prepared work older than this is dropped: no edition waits that long.
PREPARED_DAYS = 14


def _grouping(articles: Sequence[Article], store: Store | None) -> tuple[list[list[int]], list[list[int]]]:
    """The stories (as article indexes) and the topics (as story indexes); prepared ones when the
    store holds them for exactly these articles."""
    version = stories_version() if store is not None else ""
    key = _key(version, *sorted(a.id for a in articles)) if version else ""
    if store is not None and version:
        found = store.prepared("groups", [key], version).get(key)
        if found is not None:
            data = json.loads(found)
            index = {a.id: i for i, a in enumerate(articles)}
            log.info("stories: the grouping of these %s was prepared earlier", plural(len(articles), "article"))
            return [[index[i] for i in group] for group in data["groups"]], data["topics"]
    # Imported here: numpy, scipy and scikit-learn take a second or two to load, which commands
    # that make no edition (status, send, serve's start, --help) should not pay.
    from .stories.cluster import ClusterParams, cluster, topics, vectors

    params = ClusterParams()
    matrix = vectors(articles, params)
    groups = cluster(articles, params, matrix)
    gathered = topics(articles, matrix, groups, params)
    if store is not None and version:
        data = {"groups": [[articles[i].id for i in group] for group in groups], "topics": gathered}
        store.keep_prepared("groups", {key: json.dumps(data)}, version, _now())
    return groups, gathered


def _summaries(
    stories: Sequence[tuple[Article, ...]], summary_words: int, store: Store | None, summarizer: str = "digest"
) -> list[tuple[SummarySentence, ...]]:
    """Each story's summary; those the store holds for the same articles, words and summarizer are reused."""
    version = stories_version() if store is not None else ""
    keys = [_key(version, summary_words, summarizer, *(a.id for a in members)) for members in stories]
    found = store.prepared("summary", keys, version) if store is not None and version else {}
    missing = [number for number, key in enumerate(keys) if key not in found]
    if found:
        log.info("stories: %d of %d summaries were prepared earlier", len(stories) - len(missing), len(stories))
    tasks = [(stories[number], summary_words, summarizer) for number in missing]
    context = _pool_context(len(tasks) // 4)  # stories are cheaper than files: a pool pays from ~250
    if context is None:
        made = _summarize_task(tasks)
    elif context.get_start_method() == "fork":
        _STORIES[:] = tasks
        # Stories come biggest first: deal them out so that each chunk mixes big and small ones,
        # and no worker is left with all the big ones while the other one idles.
        chunks = -(-len(tasks) // _CHUNK)
        order = [number for start in range(chunks) for number in range(start, len(tasks), chunks)]
        try:
            dealt = list(_iter_chunks(_summarize_numbered, order, "", context))
        finally:
            _STORIES.clear()
        made = [()] * len(tasks)
        for number, summary in zip(order, dealt, strict=True):
            made[number] = summary
    else:
        made = list(_iter_chunks(_summarize_task, tasks, "", context))
    summaries: list[tuple[SummarySentence, ...]] = [()] * len(stories)
    for number, summary in zip(missing, made, strict=True):
        summaries[number] = summary
    for number, key in enumerate(keys):
        if key in found:
            stored = json.loads(found[key])
            summaries[number] = tuple(
                SummarySentence(text, tuple(cited), own, tuple((a, said) for a, said in evidence))
                for text, cited, own, evidence in stored
            )
    if store is not None and version and made:
        kept = {
            keys[n]: json.dumps([[s.text, s.citations, s.article_id, s.evidence] for s in summaries[n]])
            for n in missing
        }
        store.keep_prepared("summary", kept, version, _now())
        store.forget_prepared((datetime.now(UTC) - timedelta(days=PREPARED_DAYS)).isoformat(timespec="seconds"))
    return summaries


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def build_stories(
    articles: Sequence[Article],
    summary_words: int,
    timings: dict[str, float] | None = None,
    store: Store | None = None,
    summarizer: str = "digest",
) -> list[Story]:
    """Cluster articles into stories and stories into topics, summarise each story, and rank them
    (see :func:`rank_stories`; each story's ``topic`` and ``related`` name its topic and the other
    stories of that topic).

    ``timings``, when given, receives the seconds spent clustering and summarising. With a
    ``store``, work prepared earlier for the same articles (see :func:`prepare_edition`) is
    reused, and what is made is kept there. ``summarizer`` names what rates the summaries' sentences
    (see summarizers.py).
    """
    if not articles:
        return []
    started = time.perf_counter()
    groups, gathered = _grouping(articles, store)
    clustered = time.perf_counter()
    stories_members = [
        tuple(sorted((articles[i] for i in group), key=lambda a: (a.published or "", a.id), reverse=True))
        for group in groups
    ]
    summaries = _summaries(stories_members, summary_words, store, summarizer)
    drafts = [
        Story(_story_id(members), _story_title(members), members, summary)
        for members, summary in zip(stories_members, summaries, strict=True)
    ]
    summarized = time.perf_counter()
    # The other stories of its topic are a story's related ones.
    stories = []
    for topic in gathered:
        topic_id = _story_id([a for k in topic for a in drafts[k].articles])
        for k in topic:
            related = tuple(drafts[j].id for j in topic if j != k)
            stories.append(replace(drafts[k], related=related, topic=topic_id))
    ranked = rank_stories(stories)
    if timings is not None:
        timings["cluster"] = clustered - started
        timings["summarize"] = summarized - clustered
    return ranked


# Reading the inbox always ends; a run waits this long for the daemon's reading to finish.
INGEST_WAIT_SECONDS = 900.0


@contextlib.contextmanager
def ingest_lock(settings: Settings, wait: float = INGEST_WAIT_SECONDS) -> Iterator[None]:
    """Held while inbox files are read into the store, so the daemon and a run never read one twice."""
    lock = store_lock(settings, "ingest", busy="another digest is still reading the inbox into this store")
    lock.acquire(wait=wait)
    try:
        yield
    finally:
        lock.release()


def ingest(
    settings: Settings, *, clock: Clock | None = None, settle_seconds: float = 0.0, wait: float = INGEST_WAIT_SECONDS
) -> ScanReport:
    """:meth:`Newsdesk.ingest <digest.newsdesk.Newsdesk.ingest>` with a newsdesk of its own."""
    from .newsdesk import Newsdesk

    with Newsdesk(settings, clock=clock) as desk:
        return desk.ingest(settle_seconds=settle_seconds, wait=wait)


def edition_date(settings: Settings, clock: Clock, date: Date | None) -> Date:
    return date or clock().astimezone(settings.tz).date()


def system_clock() -> datetime:
    return datetime.now().astimezone()


def _stories_from_json(data: dict[str, Any], store: Store) -> tuple[list[Story], list[Topic]]:
    """The stories and topics of an edition's digest.json, with the store's articles."""
    wanted = [a["id"] for story in data.get("stories", []) for a in story.get("articles", [])]
    known = store.articles_by_id(wanted)
    stories = []
    for story in data.get("stories", []):
        summary = tuple(
            SummarySentence(
                s["text"],
                tuple(s["citations"]),
                s["citations"][0],
                tuple((k, v) for k, v in (s.get("evidence") or {}).items()),
            )
            for s in story.get("summary", [])
            if s.get("citations")
        )
        link = story.get("continues")
        stories.append(
            Story(
                story["id"],
                story["title"],
                tuple(known[a["id"]] for a in story.get("articles", []) if a["id"] in known),
                summary,
                tuple(story.get("related", [])),
                Continuation(link["date"], link["story"], link["title"], link["since"]) if link else None,
                next((t["id"] for t in data.get("topics", []) if story["id"] in t["stories"]), ""),
            )
        )
    topics = [Topic(t["id"], t["title"], tuple(t["stories"])) for t in data.get("topics", [])]
    return stories, topics


def adopt_earlier_editions(store: Store, output: Path) -> int:
    """Keep in the store the stories of editions made before it kept them, read once from their
    digest.json, so continuity, the archive and mail see them; returns how many editions were adopted.
    An edition whose digest.json is gone or unreadable is left as it is (it is logged)."""
    adopted = 0
    for day in store.dates_without_stories():
        path = output / day / "digest.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            stories, topics = _stories_from_json(data, store)
        except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
            log.warning("edition %s: its stories could not be read from %s (%s)", day, path, exc)
            continue
        store.keep_stories(day, stories, topics)
        adopted += 1
    if adopted:
        log.info("kept the stories of %s made before the store kept stories", plural(adopted, "edition"))
    return adopted


def run_edition(
    settings: Settings,
    *,
    clock: Clock = system_clock,
    date: Date | None = None,
    include_all: bool = False,
    pdf: bool | None = None,
    wait: float = 0.0,
    timings: dict[str, float] | None = None,
    allow_empty: bool = False,
) -> Digest:
    """:meth:`Newsdesk.make_edition <digest.newsdesk.Newsdesk.make_edition>` with a newsdesk of its own."""
    from .newsdesk import Newsdesk

    with Newsdesk(settings, clock=clock) as desk:
        return desk.make_edition(
            date, include_all=include_all, pdf=pdf, wait=wait, timings=timings, allow_empty=allow_empty
        )


def inbox_relative(path: str, inbox: Path) -> str:
    """An inbox file as outputs name it: relative to the inbox (never the machine's folders)."""
    try:
        return Path(path).relative_to(inbox.resolve()).as_posix()
    except ValueError:
        try:
            return Path(path).relative_to(inbox.absolute()).as_posix()
        except ValueError:
            return Path(path).name


def published(digest: Digest, inbox: Path) -> Digest:
    """The digest as it is published: file paths relative to the inbox."""
    stories = tuple(
        replace(story, articles=tuple(replace(a, path=inbox_relative(a.path, inbox)) for a in story.articles))
        for story in digest.stories
    )
    quarantined = tuple(Quarantined(inbox_relative(q.path, inbox), q.reason) for q in digest.quarantined)
    return replace(digest, stories=stories, quarantined=quarantined)


def prepare_edition(settings: Settings, *, clock: Clock = system_clock, date: Date | None = None) -> int:
    """:meth:`Newsdesk.prepare <digest.newsdesk.Newsdesk.prepare>` with a newsdesk of its own."""
    from .newsdesk import Newsdesk

    with Newsdesk(settings, clock=clock) as desk:
        return desk.prepare(date)


@dataclass(frozen=True)
class Status:
    inbox: Path
    store: str  # the SQLite file, or the PostgreSQL URL without its password
    articles: int
    waiting: int
    to_read: int  # inbox files not read yet (or changed since)
    last_edition: EditionRecord | None
    quarantined: list[tuple[str, str]]


def status(settings: Settings) -> Status:
    """:meth:`Newsdesk.status <digest.newsdesk.Newsdesk.status>` with a newsdesk of its own."""
    from .newsdesk import Newsdesk

    with Newsdesk(settings) as desk:
        return desk.status()
