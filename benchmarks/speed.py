"""Speed and scale of a whole edition, measured on synthetic inboxes of real news text.

    python benchmarks/speed.py [--sizes 1000 2000 4000 8000 10000 16000] [--eval ../shared/eval]

For each size, a fresh process runs ``digest run`` (ingest, clean, store, select, cluster,
summarize, HTML + JSON; no PDF) on a new store and prints per-stage seconds, the total, the peak
memory of that process and of its worker processes, and articles per second. Then, each in its own
process: the daemon path (the edition made again when its articles are already in the store), a
re-scan of an inbox of 100,000 files already recorded, the PDF of a 50-story edition, one giant
story of 500 articles, and sumy's LexRank against ours on the same 1,000 sentences. Inboxes come
from ``benchmarks/corpus.py`` and are cached.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus

EDITION = date(2026, 11, 23)
STAGES = ("ingest", "select", "cluster", "summarize", "render")


def _clock() -> datetime:
    return datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


def _rss_mb() -> tuple[float, float]:
    """Peak resident memory (MB) of this process and of its largest finished child."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def _settings(inbox: Path, work: Path) -> Any:
    from digest.config import Settings

    return Settings(inbox=inbox, output=work / "output", timezone="UTC", pdf=False)


# ---- workers: each runs in its own process and prints one JSON line -------------------------------
def worker_full(size: int, work: Path) -> dict[str, Any]:
    """``digest run`` on a new store: every article is new."""
    started = time.perf_counter()
    from digest.pipeline import run_edition

    imported = time.perf_counter() - started
    timings: dict[str, float] = {}
    digest = run_edition(_settings(corpus.build(size), work), clock=_clock, date=EDITION, pdf=False, timings=timings)
    total = time.perf_counter() - started
    own, children = _rss_mb()
    return {
        "timings": timings,
        "import": imported,
        "total": total,
        "rss": own,
        "rss_workers": children,
        "articles": digest.article_count,
        "stories": len(digest.stories),
    }


def _forget_prepared(settings: Any) -> None:
    """Drop the stories and summaries an earlier run kept, so nothing counts as prepared."""
    from digest.store import Store

    with Store(settings.store_path) as store:
        store.forget_prepared("9999-12-31")  # everything made before then: all of it


def worker_daemon_cold(size: int, work: Path) -> dict[str, Any]:
    """The edition again on the store ``worker_full`` left, nothing new to read and nothing prepared."""
    started = time.perf_counter()
    from digest.pipeline import run_edition

    settings = _settings(corpus.build(size), work)
    _forget_prepared(settings)
    timings: dict[str, float] = {}
    digest = run_edition(settings, clock=_clock, date=EDITION, pdf=False, timings=timings)
    own, _ = _rss_mb()
    return {"timings": timings, "total": time.perf_counter() - started, "rss": own, "articles": digest.article_count}


def worker_daemon(size: int, work: Path) -> dict[str, Any]:
    """What ``digest serve`` does when the articles came during the day: it prepares the next
    edition once arrivals stop (``prepare_edition``), and at the scheduled time makes the edition,
    in the same process."""
    from digest.pipeline import prepare_edition, run_edition

    settings = _settings(corpus.build(size), work)
    _forget_prepared(settings)
    started = time.perf_counter()
    prepare_edition(settings, clock=_clock, date=EDITION)
    prepared = time.perf_counter() - started
    timings: dict[str, float] = {}
    digest = run_edition(settings, clock=_clock, date=EDITION, pdf=False, timings=timings)
    own, _ = _rss_mb()
    return {"timings": timings, "prepare": prepared, "rss": own, "articles": digest.article_count}


def worker_pdf(size: int, work: Path) -> dict[str, Any]:
    """The PDF of the first 50 stories of the edition in ``work``, all shown in full."""
    from digest.output import render
    from digest.pipeline import build_stories, features_version
    from digest.store import Store

    settings = _settings(corpus.build(size), work)
    from digest.models import Digest

    with Store(settings.store_path) as store:
        articles = store.articles_for_edition(EDITION.isoformat(), None, features_version())
        stories = build_stories(articles, settings.summary_words, store=store)[:50]
    digest = Digest(EDITION, _clock(), tuple(stories))
    started = time.perf_counter()
    render.write_edition(digest, work / "pdf", pdf=True, max_stories=50)
    seconds = time.perf_counter() - started
    pages = None
    try:
        from pypdf import PdfReader

        pages = len(PdfReader(work / "pdf" / EDITION.isoformat() / "digest.pdf").pages)
    except ImportError:
        pass
    return {"seconds": seconds, "stories": len(stories), "pages": pages}


def _rescan_inbox(files: int) -> Path:
    target = corpus.DEFAULT_CACHE / f"rescan-{files}-v{corpus.VERSION}"
    if (target / ".complete").exists():
        return target
    for number in range(files):
        folder = target / f"{number // 1000:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{number:06d}.txt").write_text(f"Item {number}: a short note that was filed today.\n")
    (target / ".complete").write_text("")
    return target


def worker_rescan(files: int, work: Path) -> dict[str, Any]:
    """Scan an inbox of ``files`` files that the store already holds: nothing is read again.

    The store is filled with the rows a scan records for each file (path, size, mtime, hash), in
    one transaction, rather than by reading the files first, which would take minutes.
    """
    from digest.pipeline import inbox_files, scan_inbox
    from digest.store import FileRecord, Store

    inbox = _rescan_inbox(files)
    settings = _settings(inbox, work)
    settings.output.mkdir(parents=True, exist_ok=True)
    with Store(settings.store_path) as store:
        batch = []
        for path in inbox_files(inbox.resolve()):
            info = path.lstat()
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
            batch.append((FileRecord(str(path), info.st_size, info.st_mtime_ns, sha, "ok", None), ()))
        store.record_files(batch, _clock().isoformat())
        started = time.perf_counter()
        report = scan_inbox(settings, store, _clock)
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "seen": report.files_seen, "read": report.files_read}


def worker_giant(size: int, work: Path) -> dict[str, Any]:
    """One event told by ``size`` articles: ingest, then cluster and summarise them."""
    from digest.pipeline import build_stories, features_version, scan_inbox
    from digest.store import Store

    settings = _settings(corpus.giant_story(size), work)
    settings.output.mkdir(parents=True, exist_ok=True)
    with Store(settings.store_path) as store:
        scan_inbox(settings, store, _clock)
        articles = store.articles_for_edition(EDITION.isoformat(), None, features_version())
    before, _ = _rss_mb()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    stories = build_stories(articles, settings.summary_words, timings)
    seconds = time.perf_counter() - started
    own, _ = _rss_mb()
    biggest = max(stories, key=lambda s: len(s.articles))
    return {
        "seconds": seconds,
        "timings": timings,
        "articles": len(articles),
        "stories": len(stories),
        "biggest": len(biggest.articles),
        "summary_sentences": len(biggest.summary),
        "summary_words": sum(len(s.text.split()) for s in biggest.summary),
        "citations": sum(len(s.citations) for s in biggest.summary),
        "first_sentence": biggest.summary[0].text if biggest.summary else "",
        "rss": own,
        "rss_before": before,
    }


def worker_lexrank(size: int, work: Path) -> dict[str, Any]:
    """sumy's LexRankSummarizer and our vectorised LexRank on the same ``size`` sentences."""
    from digest.text.segment import content_terms
    from tests.test_summarizers import sumy_lexrank_scores

    sentences = corpus.story_sentences(size)
    terms = [content_terms(s) for s in sentences]
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        ours = sumy_lexrank_scores(terms)
        runs.append(time.perf_counter() - started)
    ours_seconds = min(runs)
    sumy_seconds, picked, sumy_sentences = _sumy_lexrank(terms)
    order = sorted(range(len(sentences)), key=lambda k: (-round(ours[k], 12), k))[:10]
    same = {str(s) for s in picked} == {str(sumy_sentences[k]) for k in order}
    return {"sentences": len(sentences), "ours": ours_seconds, "sumy": sumy_seconds, "same_top10": same}


def _sumy_lexrank(terms: list[list[str]]) -> tuple[float, Any, Any]:
    """sumy's LexRankSummarizer, in this process, on sentences given as their content words: its
    seconds, the 10 sentences it picked, and the sentences as sumy saw them."""
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
    from sumy.summarizers.lex_rank import LexRankSummarizer

    from digest.text.segment import split_sentences, words

    class Terms:
        def to_words(self, text: str) -> list[str]:
            return words(text)

        def to_sentences(self, text: str) -> list[str]:
            return split_sentences(text)

    sumy_sentences = tuple(Sentence(" ".join(t) or "x", Terms()) for t in terms)
    document = ObjectDocumentModel([Paragraph(sumy_sentences)])
    started = time.perf_counter()
    picked = LexRankSummarizer(lambda word: word)(document, 10)
    return time.perf_counter() - started, picked, sumy_sentences


def _process_seconds(command: list[str], cwd: Path, runs: int = 5) -> float:
    """Median wall time of ``python -m digest *command`` as a whole process, interpreter start included.

    Run in ``cwd`` (not the current folder, which ``-m`` would search first): digest is the one on PYTHONPATH.
    """
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "digest", *command], capture_output=True, check=True, cwd=cwd)
        seconds.append(time.perf_counter() - started)
    return sorted(seconds)[len(seconds) // 2]


def worker_startup(size: int, work: Path) -> dict[str, Any]:
    """Commands as a user runs them, each a whole process (median of 5): ``digest --help``, ``digest status``
    on the store of ``size`` articles in ``work`` (one ``worker_full`` left), and ``digest summarize`` of
    ``work/story.txt`` (one article, a sentence a paragraph), against sumy's LexRank on the same sentences
    in this process."""
    from digest.text.segment import content_terms

    where = ["--inbox", str(corpus.build(size)), "--output", str(work / "output"), "--timezone", "UTC"]
    story = work / "story.txt"
    sentences = story.read_text(encoding="utf-8").strip().split("\n\n")
    sumy_seconds, _, _ = _sumy_lexrank([content_terms(s) for s in sentences])
    return {
        "help": _process_seconds(["--help"], work),
        "status": _process_seconds(["status", *where], work),
        "summarize": _process_seconds(["summarize", str(story)], work),
        "sentences": len(sentences),
        "sumy": sumy_seconds,
    }


def _pg_part(size: int, work: Path, part: int, parts: int) -> dict[str, Any]:
    """Ingest part ``part`` of ``parts`` of the inbox of ``size`` articles (its own inbox of links, as one
    machine of several) into the PostgreSQL database named by $DIGEST_BENCH_POSTGRES."""
    from dataclasses import replace

    from digest.config import StoreURL
    from digest.pipeline import ingest

    source = corpus.build(size)
    inbox = work / f"inbox-{part}-of-{parts}"
    inbox.mkdir(parents=True, exist_ok=True)
    files = sorted(p for p in source.rglob("*") if p.is_file() and not p.name.startswith("."))
    for k, path in enumerate(files):
        if k % parts == part:  # copied: the inbox reads no symbolic link (it could point anywhere)
            shutil.copyfile(path, inbox / f"{k:06d}{path.suffix}")
    settings = replace(_settings(inbox, work / f"out-{part}"), store=StoreURL(os.environ["DIGEST_BENCH_POSTGRES"]))
    started = time.perf_counter()
    report = ingest(settings)
    return {"seconds": time.perf_counter() - started, "articles": report.articles_added}


def worker_pg_one(size: int, work: Path) -> dict[str, Any]:
    return _pg_part(size, work, 0, 1)


def worker_pg_half0(size: int, work: Path) -> dict[str, Any]:
    return _pg_part(size, work, 0, 2)


def worker_pg_half1(size: int, work: Path) -> dict[str, Any]:
    return _pg_part(size, work, 1, 2)


def _empty_postgres(url: str) -> None:
    """Drop digest's tables from the benchmark's database (it must be one of its own)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        db.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")


def postgres_rows(url: str, size: int, tmp: Path) -> None:
    """Ingestion of ``size`` articles into PostgreSQL by one process, then by two at once (two inboxes)."""
    _empty_postgres(url)
    one = _run("pg-one", size, tmp / "pg-one")
    _empty_postgres(url)
    env_started = time.perf_counter()
    halves = [
        subprocess.Popen(
            [sys.executable, __file__, "--worker", kind, str(size), str(tmp / "pg-two")],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
        )
        for kind in ("pg-half0", "pg-half1")
    ]
    results = [json.loads(h.communicate()[0].strip().splitlines()[-1]) for h in halves]
    both = time.perf_counter() - env_started
    print(
        f"PostgreSQL store: {size} articles ingested by one process in {one['seconds']:.1f} s "
        f"({one['articles'] / one['seconds']:.0f}/s); by two processes at once (two inboxes) in {both:.1f} s wall "
        f"({sum(r['articles'] for r in results) / both:.0f}/s, process start included)",
        flush=True,
    )


# ---- a year of archive: the edition over a store of many older editions ----------------------------------
ARCHIVE_VERSION = 1  # of how the archive store below is made; with the schema version, its cache key
ARCHIVE_DAYS = 50


def _archive_day(template: Any, day: date, suffix: str, folder: str) -> None:
    """Copy the edition held by the attached store ``template`` into the store as the edition of ``day``,
    in one transaction: its articles (new ids: their id + ``suffix``; publication dates moved back by as
    many days as ``day`` is before EDITION), their features and files (under ``folder``, not in any
    inbox), and its stories, summaries, citations and edition row, as ``Store.record_edition`` writes them.
    The search index is kept by the schema's triggers."""
    back = f"-{(EDITION - day).days} days"
    ingested = f"{day.isoformat()}T06:00:00+00:00"
    with template.transaction() as db:
        db.execute(
            "INSERT INTO articles SELECT id || :s, content_hash || :s, :f || path, title, dek, source, url, "
            "COALESCE(date(substr(published, 1, 10), :back) || substr(published, 11), published), paragraphs, "
            "sentences, sentence_paragraph, :ingested, :day FROM t.articles",
            {"s": suffix, "f": folder, "back": back, "ingested": ingested, "day": day.isoformat()},
        )
        db.execute(
            "INSERT INTO article_features SELECT article_id || ?, version, data FROM t.article_features", (suffix,)
        )
        db.execute(
            "INSERT INTO files SELECT ? || path, size, mtime_ns, sha256, status, reason, ? FROM t.files",
            (folder, ingested),
        )
        db.execute(
            "INSERT INTO stories SELECT ?, id, position, title, topic, topic_title, related, NULL, NULL, NULL, NULL "
            "FROM t.stories",
            (day.isoformat(),),
        )
        for table, columns in (
            ("story_articles", "story, article_id || :s, position"),
            ("summary_sentences", "story, position, text, article_id || :s"),
            ("citations", "story, sentence, position, article_id || :s, evidence"),
        ):
            db.execute(
                f"INSERT INTO {table} SELECT :day, {columns} FROM t.{table}", {"s": suffix, "day": day.isoformat()}
            )
        db.execute(
            "INSERT INTO editions (date, generated_at, stories, articles, outputs, sources) "
            "SELECT ?, ? || substr(generated_at, 11), stories, articles, outputs, sources FROM t.editions",
            (day.isoformat(), day.isoformat()),
        )


def archive_store(articles: int, size: int) -> Path:
    """A store holding ``articles`` older articles over ARCHIVE_DAYS earlier editions: the edition of the
    inbox of ``size`` articles, made once for real, then copied in bulk (SQL) to as many earlier days as
    needed, each day's copy with articles of their own. Built once, then taken from the cache."""
    from digest.pipeline import run_edition
    from digest.store import SCHEMA_VERSION, Store

    key = f"v{ARCHIVE_VERSION}-s{SCHEMA_VERSION}"
    target = corpus.DEFAULT_CACHE / f"archive-{articles}-of-{size}-{key}.sqlite3"
    if target.exists():
        return target
    template_work = corpus.DEFAULT_CACHE / f"archive-template-{size}-{key}"
    template = _settings(corpus.build(size), template_work).store_path
    if not (template_work / ".complete").exists():
        shutil.rmtree(template_work, ignore_errors=True)
        run_edition(_settings(corpus.build(size), template_work), clock=_clock, date=EDITION, pdf=False)
        (template_work / ".complete").write_text("")
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    with Store(partial) as store:
        store.db.execute("ATTACH DATABASE ? AS t", (f"file:{template}?mode=ro",))
        per_day = store.db.execute("SELECT COUNT(*) FROM t.articles").fetchone()[0]
        days = min(ARCHIVE_DAYS, max(1, -(-articles // per_day)))
        for k in range(days, 0, -1):
            _archive_day(store, date.fromordinal(EDITION.toordinal() - k), f"~{k}", f"/archive/{k:03d}/")
        store.db.execute("DETACH DATABASE t")
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    partial.rename(target)
    return target


def _timed_command(config: Path, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "digest", "--config", str(config), *args], capture_output=True, check=False)
    return time.perf_counter() - started


def worker_archive(size: int, work: Path) -> dict[str, Any]:
    """The edition of ``size`` new articles (as ``worker_full``) on a copy of the archive store of
    $DIGEST_BENCH_ARCHIVE older articles (0: on an empty store); then, over the store it leaves,
    ``digest status`` and ``digest search`` (each a whole process) and the archive page."""
    older = int(os.environ.get("DIGEST_BENCH_ARCHIVE", "0"))
    settings = _settings(corpus.build(size), work)
    built = 0.0
    if older:
        started = time.perf_counter()
        source = archive_store(older, size)
        built = time.perf_counter() - started
        settings.store_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, settings.store_path)
    from digest.output import render
    from digest.pipeline import run_edition
    from digest.store import Store

    timings: dict[str, float] = {}
    started = time.perf_counter()
    digest = run_edition(settings, clock=_clock, date=EDITION, pdf=False, timings=timings)
    total = time.perf_counter() - started
    own, _ = _rss_mb()
    config = work / "digest.toml"
    config.write_text(f'inbox = "{settings.inbox}"\noutput = "{settings.output}"\ntimezone = "UTC"\n')
    status = _timed_command(config, "status")
    search = _timed_command(config, "search", "minister")
    with Store(settings.store_path) as store:
        stored = store.article_count()
        started = time.perf_counter()
        render.write_archive(settings.output, store.editions(), store)
        archive = time.perf_counter() - started
    return {
        "timings": timings,
        "total": total,
        "rss": own,
        "articles": digest.article_count,
        "stored": stored,
        "built": built,
        "status": status,
        "search": search,
        "archive": archive,
    }


def archive_rows(older: int, size: int, tmp: Path) -> None:
    """The edition of ``size`` new articles over a store of ``older`` ones, and on an empty store, back to back."""
    os.environ["DIGEST_BENCH_ARCHIVE"] = str(older)
    big = _run("archive", size, tmp / "archive-big")
    os.environ["DIGEST_BENCH_ARCHIVE"] = "0"
    empty = _run("archive", size, tmp / "archive-empty")
    built = f" (store built in {big['built']:.0f} s, or taken from the cache)" if big["built"] > 1 else ""
    print(
        f"edition of {big['articles']} new articles over a store of {big['stored'] - big['articles']:,} older ones"
        f"{built}: {_edition_line(big)}, ingest {big['timings']['ingest']:.1f} s; on an empty store: "
        f"{_edition_line(empty)}, ingest {empty['timings']['ingest']:.1f} s; "
        f"×{big['total'] / empty['total']:.2f}  [goal ≤ ×1.10]",
        flush=True,
    )
    print(
        f"  over that store (empty store in brackets): `digest status` {big['status']:.2f} s ({empty['status']:.2f}), "
        f"`digest search minister` {big['search']:.2f} s ({empty['search']:.2f}), "
        f"archive page {big['archive']:.2f} s ({empty['archive']:.2f})",
        flush=True,
    )


WORKERS = {
    "pg-one": worker_pg_one,
    "pg-half0": worker_pg_half0,
    "pg-half1": worker_pg_half1,
    "full": worker_full,
    "daemon": worker_daemon,
    "daemon-cold": worker_daemon_cold,
    "pdf": worker_pdf,
    "rescan": worker_rescan,
    "giant": worker_giant,
    "lexrank": worker_lexrank,
    "archive": worker_archive,
    "startup": worker_startup,
}


def _run(kind: str, size: int, work: Path) -> dict[str, Any]:
    command = [sys.executable, __file__, "--worker", kind, str(size), str(work)]
    env = dict(os.environ)
    repo = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = repo + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"{kind} {size} failed with exit code {done.returncode}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall"] = time.perf_counter() - started  # the whole process, interpreter start included
    return result


def _edition_line(result: dict[str, Any]) -> str:
    """'S s (select …, cluster …, summarize …, render …), peak RSS M MB' for an edition worker."""
    t = result["timings"]
    stages = ", ".join(f"{stage} {t[stage]:.2f}" for stage in STAGES[1:])
    return f"{sum(t.values()):.1f} s ({stages}), peak RSS {result['rss']:.0f} MB"


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{len(os.sched_getaffinity(0))} cores ({cpu}), {memory:.0f} GiB, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 4000, 8000, 10000, 16000])
    parser.add_argument("--daemon-size", type=int, default=10000, help="size for the daemon path (one of --sizes)")
    parser.add_argument("--rescan-files", type=int, default=100_000)
    parser.add_argument("--giant", type=int, default=500)
    parser.add_argument("--sentences", type=int, default=1000)
    parser.add_argument(
        "--archive-articles",
        type=int,
        default=500_000,
        help="older articles (over 50 earlier editions) in the store of the archive row; 0 leaves the row out",
    )
    parser.add_argument(
        "--postgres", metavar="URL", help="a PostgreSQL database of the benchmark's own (emptied!) for the PG row"
    )
    parser.add_argument("--worker", nargs=3, metavar=("KIND", "SIZE", "WORK"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, size, work = args.worker
        print(json.dumps(WORKERS[kind](int(size), Path(work))))
        return

    began = time.perf_counter()
    print(f"# digest speed, {datetime.now().astimezone().isoformat(timespec='seconds')}, {_machine()}")
    print(f"# python benchmarks/speed.py --sizes {' '.join(map(str, args.sizes))}")
    for size in [*args.sizes, args.giant]:
        (corpus.build if size != args.giant else corpus.giant_story)(size)
    print(f"# inboxes ready in {time.perf_counter() - began:.0f} s (cached in {corpus.DEFAULT_CACHE})")
    print()
    header = (
        f"| {'articles':>8} | {'stories':>7} | ingest+clean+store | select | cluster | summarize | render | "
        f"total | process | peak RSS (workers) | articles/s | growth |"
    )
    print(header)
    print("|" + "|".join("-" * (len(cell)) for cell in header.split("|")[1:-1]) + "|")
    previous: tuple[int, float] | None = None
    with tempfile.TemporaryDirectory(prefix="digest-speed-") as tmp:
        works: dict[int, Path] = {}
        for size in args.sizes:
            work = Path(tmp) / f"n{size}"
            works[size] = work
            r = _run("full", size, work)
            t = r["timings"]
            stages_total = sum(t[s] for s in STAGES)
            growth = ""
            if previous is not None:
                growth = f"×{stages_total / previous[1]:.2f} for ×{size / previous[0]:.1f}"
            previous = (size, stages_total)
            print(
                f"| {r['articles']:>8} | {r['stories']:>7} | {t['ingest']:>18.1f} | {t['select']:>6.2f} | "
                f"{t['cluster']:>7.2f} | {t['summarize']:>9.2f} | {t['render']:>6.2f} | {stages_total:>5.1f} | "
                f"{r['wall']:>7.1f} | {r['rss']:>7.0f} MB ({r['rss_workers']:.0f} MB) | "
                f"{r['articles'] / stages_total:>10.0f} | {growth:>6} |",
                flush=True,
            )
        print()
        print("total = the five stages; process = the whole `digest run` process, Python start and imports included")
        print()
        if args.daemon_size in works:
            cold = _run("daemon-cold", args.daemon_size, works[args.daemon_size])
            print(
                f"daemon path, {cold['articles']} articles already ingested, nothing prepared: edition "
                f"{_edition_line(cold)} (process {cold['wall']:.1f} s)",
                flush=True,
            )
            r = _run("daemon", args.daemon_size, works[args.daemon_size])
            print(
                f"daemon path as `digest serve` runs it: next edition prepared in {r['prepare']:.1f} s once "
                f"arrivals stop; at the scheduled time the edition takes {_edition_line(r)}  [goal ≤ 10 s]",
                flush=True,
            )
        pdf_size = min(s for s in args.sizes if s >= 1000) if any(s >= 1000 for s in args.sizes) else args.sizes[0]
        r = _run("pdf", pdf_size, works[pdf_size])
        print(f"PDF of a {r['stories']}-story edition ({r['pages']} pages): {r['seconds']:.1f} s  [goal ≤ 4 s]")
        r = _run("rescan", args.rescan_files, Path(tmp) / "rescan")
        print(
            f"re-scan of an inbox of {r['seen']:,} files already ingested: {r['seconds']:.2f} s, "
            f"{r['read']} read again  [goal ≤ 3 s]",
            flush=True,
        )
        r = _run("giant", args.giant, Path(tmp) / "giant")
        print(
            f"giant story, {r['articles']} articles about one event: cluster {r['timings']['cluster']:.1f} s + "
            f"summarize {r['timings']['summarize']:.1f} s, peak RSS {r['rss']:.0f} MB "
            f"(+{r['rss'] - r['rss_before']:.0f} MB); {r['stories']} stories, the largest {r['biggest']} articles, "
            f"summary {r['summary_sentences']} sentences / {r['summary_words']} words / {r['citations']} citations"
        )
        print(f"  first summary sentence: {r['first_sentence']}")
        if args.postgres:
            os.environ["DIGEST_BENCH_POSTGRES"] = args.postgres
            postgres_rows(args.postgres, args.daemon_size, Path(tmp))
        r = _run("lexrank", args.sentences, Path(tmp) / "lexrank")
        print(
            f"LexRank on one {r['sentences']}-sentence story: sumy {r['sumy']:.2f} s, ours {r['ours'] * 1000:.1f} ms: "
            f"×{r['sumy'] / r['ours']:.0f} faster, same top-10: {'yes' if r['same_top10'] else 'NO'}  [goal ≥ ×100]"
        )
        work = works[min(args.sizes)]
        (work / "story.txt").write_text("\n\n".join(corpus.story_sentences(args.sentences)) + "\n", encoding="utf-8")
        r = _run("startup", min(args.sizes), work)
        print(f"`digest --help`, whole process: {r['help']:.2f} s (median of 5)  [goal ≤ 0.3 s]")
        print(
            f"`digest status` on the store of {min(args.sizes)} articles, whole process: {r['status']:.2f} s "
            "(median of 5)  [goal ≤ 0.3 s]"
        )
        print(
            f"`digest summarize` of one {r['sentences']}-sentence story, whole process: {r['summarize']:.2f} s "
            f"(median of 5); sumy LexRank in-process on the same sentences {r['sumy']:.2f} s: "
            f"×{r['sumy'] / r['summarize']:.1f}  [goal ≥ ×15]",
            flush=True,
        )
        if args.archive_articles and args.daemon_size in works:
            archive_rows(args.archive_articles, args.daemon_size, Path(tmp))
    print()
    print(f"# benchmark wall time {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
