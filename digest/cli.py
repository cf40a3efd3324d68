"""The command line: parse, call the library, print. No logic of its own."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import textwrap
from collections.abc import Callable, Sequence
from datetime import date as Date
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .errors import ConfigError, DeliveryError, DigestError, plural, printable
from .sources.ingest import readable_types
from .summaries.summarizers import SUMMARIZERS

if TYPE_CHECKING:
    from .config import Settings
    from .mail.deliver import SendReport
    from .newsdesk import Newsdesk

# What a command needs beyond parsing is imported by that command, so that one that makes no edition
# (--help, summarize, status) does not load what only making one needs.

log = logging.getLogger("digest")

EPILOG = """\
settings are read from digest.toml (in the current folder, or --config / $DIGEST_CONFIG),
then from DIGEST_* environment variables (DIGEST_INBOX, DIGEST_OUTPUT, DIGEST_STORE,
DIGEST_TIMEZONE, ...), then from the flags. Exit codes: 0 done, 1 failed, 2 usage or
configuration error, 3 another run holds the lock, 4 unusable state database, 5 unusable
input file, 6 output could not be written, 7 e-mail not delivered to every recipient.
"""


class _Formatter(argparse.HelpFormatter):
    """Descriptions and epilogs wrapped to the terminal, paragraph by paragraph (blank lines kept)."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        paragraphs = textwrap.dedent(text).strip().split("\n\n")
        return "\n\n".join(
            textwrap.fill(" ".join(p.split()), width, initial_indent=indent, subsequent_indent=indent)
            for p in paragraphs
        )


class _LogFormatter(logging.Formatter):
    """Log lines with control characters of messages (from file names, article text) escaped:
    a name holding a newline or ESC cannot forge a log line or reach the terminal raw."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = printable(record.message)
        return super().formatMessage(record)


def _add_location_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("where things are")
    group.add_argument("--config", metavar="FILE", help="settings file (default: ./digest.toml if present)")
    group.add_argument("--inbox", metavar="DIR", help="folder of articles to read (default: ./inbox)")
    group.add_argument("--output", metavar="DIR", help="folder for editions (default: ./output)")
    group.add_argument("--store", metavar="FILE", help="state database (default: OUTPUT/digest.sqlite3)")
    group.add_argument("--timezone", metavar="ZONE", help="IANA time zone for 'today' (default: local time)")


def _add_output_flags(parser: argparse.ArgumentParser, default: object = argparse.SUPPRESS) -> None:
    """-q and --debug, on the program and on each command (``digest run -q`` works too).

    Only the program's own flags set the default; the commands' copies leave it alone.
    """
    parser.add_argument("-q", "--quiet", action="store_true", default=default, help="print only warnings and errors")
    parser.add_argument(
        "--debug", action="store_true", default=default, help="print debugging detail and full tracebacks"
    )


def _add_wait_flag(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--wait",
        type=_positive(float),
        default=0.0,
        metavar="SECONDS",
        help=f"if another {what} holds the lock, wait up to this long instead of exiting",
    )


def _add_summarizer_flag(parser: argparse.ArgumentParser, default: str | None) -> None:
    parser.add_argument(
        "--summarizer",
        choices=SUMMARIZERS,
        default=default,
        metavar="NAME",
        help=f"what picks the summary sentences: digest (ours, the default), or sumy's {', '.join(SUMMARIZERS[1:])}",
    )


class _Shown:
    """Help text made only when it is shown, so that parsing does not load what it names."""

    def __init__(self, make: Callable[[], str]) -> None:
        self.make = make

    def __str__(self) -> str:
        return self.make()


def _format_names() -> str:
    from .output.render import OUTPUT_FORMATS  # the renderer (Jinja, the store): loaded for this help only

    return ", ".join(OUTPUT_FORMATS)


def _date(text: str) -> Date:
    try:
        return Date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2019-11-03") from None


def _positive(kind: type) -> Callable[[str], object]:
    def parse(text: str) -> object:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text!r} must be greater than 0")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="digest",
        description="Turn a folder of news articles into a daily digest: stories across sources, each "
        "with a short summary whose every sentence is quoted from, and cites, its articles. 'digest feeds' "
        "fills the folder from news feeds and e-mail newsletters.",
        epilog=EPILOG,
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"digest {__version__}")
    _add_output_flags(parser, default=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="make today's edition (HTML, PDF, JSON) from the inbox",
        description="Read new files from the inbox, group the articles not yet in an edition into stories, "
        "summarise each with citations, and write OUTPUT/<date>/digest.{html,pdf,json} plus "
        "OUTPUT/index.html. Running it again for the same date remakes that edition. Files read: "
        + "; ".join(f"{kind} ({', '.join(suffixes)})" for kind, suffixes in readable_types().items())
        + "; any other file is set aside with its reason.",
        epilog=EPILOG,
        formatter_class=_Formatter,
    )
    _add_location_flags(run)
    _add_output_flags(run)
    run.add_argument("--date", type=_date, metavar="YYYY-MM-DD", help="edition date (default: today)")
    run.add_argument(
        "--all",
        action="store_true",
        dest="include_all",
        help="take every article in the inbox, not only those not yet in an edition",
    )
    run.add_argument("--no-pdf", action="store_true", help="skip the PDF (faster)")
    formats = run.add_argument(
        "--format",
        action="append",
        dest="formats",
        metavar="NAME",
        help="write this output format; repeat for more (default: formats in digest.toml, else all: %(known)s)",
    )
    formats.known = _Shown(_format_names)  # type: ignore[attr-defined]  # argparse fills %(known)s from it
    run.add_argument(
        "--allow-empty",
        action="store_true",
        help="write the edition even if no new article came (by default nothing is written then)",
    )
    run.add_argument(
        "--max-stories",
        type=_positive(int),
        metavar="N",
        help="stories shown in full; the rest are listed by title (default 20)",
    )
    run.add_argument("--summary-words", type=_positive(int), metavar="N", help="words per story summary (default 120)")
    _add_summarizer_flag(run, None)
    _add_wait_flag(run, "run")
    run.add_argument(
        "--via-daemon",
        action="store_true",
        help="ask the running 'digest serve' on this store to make the edition now, and return at once",
    )
    run.add_argument(
        "--send",
        action="store_true",
        help="then e-mail the edition as [email] says, to those who have not had it yet",
    )

    serve = commands.add_parser(
        "serve",
        help="run as a daemon: read articles as they arrive, make an edition every day",
        description="""\
Watch the inbox and read new files into the store as they arrive (a file is
read once it has stopped changing), and make the edition at the scheduled
times, exactly as 'digest run' would. An edition missed while the daemon was
down is made once when it starts again.

Runs in the foreground and logs to stderr (and to log_file if set). SIGTERM or
Ctrl-C stops it after the edition in progress. 'digest run' keeps working
beside it (the two never write an edition at the same time), and
'digest run --via-daemon' (or SIGUSR1) asks the daemon for an edition now.
Only one daemon runs per store. It also fetches the feeds ('digest feeds') every
fetch_minutes and writes the new messages of the [mail] Maildir into the inbox.""",
        epilog=EPILOG,
        formatter_class=_Formatter,
    )
    _add_location_flags(serve)
    _add_output_flags(serve)
    serve.add_argument(
        "--at",
        action="append",
        metavar="HH:MM",
        help="time of day for the edition, in --timezone; repeat for several (default 07:00, or [schedule] at)",
    )
    serve.add_argument(
        "--cron", metavar="EXPR", help="a 5-field cron expression instead of --at, e.g. '0 7 * * mon-fri'"
    )
    serve.add_argument(
        "--poll",
        action="store_const",
        const="poll",
        dest="watch",
        help="list the inbox every few seconds instead of using file-system events (network shares)",
    )
    serve.add_argument(
        "--http", metavar="ADDR", help="also serve the web app on HOST:PORT (see 'digest web'), e.g. 127.0.0.1:8080"
    )

    web = commands.add_parser(
        "web",
        help="serve the web app: the editions, search, status, make an edition now",
        description="""\
Serve the web app on --http (default 127.0.0.1:8080): today's edition and the
archive, each story with its sources, search, status, and buttons to make an
edition now, send it, and add an article to the inbox. Any address other than
this machine's own needs [web] token in digest.toml (or DIGEST_WEB_TOKEN);
open the app once as http://HOST:PORT/?token=... . 'digest serve --http ADDR'
serves the same app beside the daemon. SIGTERM or Ctrl-C stops it.""",
        epilog=EPILOG,
        formatter_class=_Formatter,
    )
    _add_location_flags(web)
    _add_output_flags(web)
    web.add_argument("--http", metavar="ADDR", default="127.0.0.1:8080", help="HOST:PORT to serve on")

    send = commands.add_parser(
        "send",
        help="e-mail an edition (again) by SMTP",
        description="E-mail a recorded edition to the [email] recipients of digest.toml (or to --to): "
        "a text and an HTML part with the PDF attached, one message per recipient. A recipient who "
        "already had this edition is skipped unless --force. Prints one line per recipient.",
        epilog=EPILOG,
        formatter_class=_Formatter,
    )
    _add_location_flags(send)
    _add_output_flags(send)
    send.add_argument("--date", type=_date, metavar="YYYY-MM-DD", help="edition date (default: today)")
    send.add_argument(
        "--to",
        nargs="+",
        action="extend",
        metavar="ADDRESS",
        help="send to these addresses instead of [email] to",
    )
    send.add_argument("--force", action="store_true", help="send again to recipients who already had it")
    _add_wait_flag(send, "send")

    summarize = commands.add_parser(
        "summarize",
        help="summarise some files as one story, with citations",
        description="Print one extractive summary of the given files, taken as one story. Each sentence "
        "is followed by the files that state it.",
        formatter_class=_Formatter,
    )
    _add_output_flags(summarize)
    summarize.add_argument("files", nargs="+", type=Path, metavar="FILE")
    summarize.add_argument(
        "--max-words",
        type=_positive(int),
        default=100,
        metavar="N",
        help="length of the summary in words (default 100)",
    )
    summarize.add_argument("--json", action="store_true", help='print {"sentences": [{"text", "citations"}]}')
    _add_summarizer_flag(summarize, "digest")

    doctor = commands.add_parser(
        "doctor",
        help="check the set-up and say what to fix",
        description="Check the settings, the inbox and output folders and free space, the state database "
        "(integrity, schema), the fonts and PDF engine, and the mail server (connects and logs in, sends "
        "nothing). Prints one line per check and what to do about each problem; exits 1 if anything "
        "must be fixed.",
        epilog=EPILOG,
        formatter_class=_Formatter,
    )
    _add_location_flags(doctor)
    _add_output_flags(doctor)

    state = commands.add_parser(
        "status",
        help="articles waiting, the last edition, files set aside",
        description="Show what the store knows: articles waiting for the next edition, the last edition, "
        "and the inbox files that were set aside with their reasons.",
        formatter_class=_Formatter,
    )
    _add_location_flags(state)
    _add_output_flags(state)

    search = commands.add_parser(
        "search",
        help="find stored articles, and the editions that carried them",
        description="Print the stored articles whose title or text holds every word given (case does not "
        "matter; the last word may be the start of one), best match first: each one's title, outlet and date, "
        "then the editions that carried it. Exits 1 when none matches.",
        formatter_class=_Formatter,
    )
    _add_location_flags(search)
    _add_output_flags(search)
    search.add_argument("query", nargs="+", metavar="WORD", help='words to find, e.g. "harwick bridge"')

    backup = commands.add_parser(
        "backup",
        help="write a consistent copy of the state database",
        description="Copy the state database (what was read and published, and to whom it was mailed) "
        "while digest serve may be running, to --to or to STORE.backup-YYYYmmdd-HHMMSS beside it; prints "
        "the copy's path. To restore: stop digest serve, then copy the backup over the store file.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_location_flags(backup)
    _add_output_flags(backup)
    backup.add_argument("--to", type=Path, metavar="FILE", help="where to write the copy (a file, or a folder)")
    _add_feeds_parser(commands)
    return parser


def _add_feeds_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    feeds = commands.add_parser(
        "feeds",
        help="news feeds and newsletters that fill the inbox",
        description="Subscribe to news feeds (RSS, Atom, JSON Feed) and fetch their new items into "
        "INBOX/feeds/<feed>/, and the newsletters of the [mail] maildir into INBOX/newsletters/<sender>/, "
        "each item once. 'digest serve' fetches every fetch_minutes (default 60); feeds may also be listed "
        "as [[feeds]] in digest.toml.",
        epilog=EPILOG,
        formatter_class=_Formatter,
    )
    actions = feeds.add_subparsers(dest="feeds_command", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="subscribe to a feed", formatter_class=_Formatter)
    add.add_argument("url", metavar="URL", help="the feed's address (http:// or https://)")
    add.add_argument("--name", help="the feed's name, shown as the articles' source (default: the feed's title)")
    add.add_argument(
        "--full-text",
        action="store_true",
        help="fetch each item's page and read it whole (for feeds that carry only a teaser)",
    )
    opml_in = actions.add_parser("import", help="subscribe to the feeds of an OPML file", formatter_class=_Formatter)
    opml_in.add_argument("file", type=Path, metavar="FILE")
    actions.add_parser("export", help="print the subscriptions as OPML", formatter_class=_Formatter)
    actions.add_parser("list", help="each feed: last fetch, new items, error", formatter_class=_Formatter)
    actions.add_parser(
        "fetch",
        help="fetch every feed and read the Maildir now",
        description="Fetch every feed now (whatever its cadence) and write its new items into the inbox, "
        "then the new messages of the [mail] maildir; one line per feed. Exits 1 if a feed or the Maildir "
        "failed (the others are fetched all the same).",
        formatter_class=_Formatter,
    )
    remove = actions.add_parser("remove", help="unsubscribe from a feed", formatter_class=_Formatter)
    remove.add_argument("url", metavar="URL")
    for action in actions.choices.values():
        _add_location_flags(action)
        _add_output_flags(action)


def _settings(args: argparse.Namespace) -> Settings:
    from .config import load_settings

    overrides = {
        "inbox": getattr(args, "inbox", None),
        "output": getattr(args, "output", None),
        "store": getattr(args, "store", None),
        "timezone": getattr(args, "timezone", None),
        "max_stories": getattr(args, "max_stories", None),
        "summary_words": getattr(args, "summary_words", None),
        "summarizer": getattr(args, "summarizer", None),
        "formats": getattr(args, "formats", None),
        "schedule_at": getattr(args, "at", None),
        "schedule_cron": getattr(args, "cron", None),
        "schedule_watch": getattr(args, "watch", None),
    }
    return load_settings(getattr(args, "config", None), overrides=overrides)


def _setup_logging(args: argparse.Namespace) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        _LogFormatter("%(asctime)s %(levelname)s %(message)s" if args.debug else "digest: %(message)s", "%H:%M:%S")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    log.setLevel(logging.DEBUG if args.debug else logging.WARNING if args.quiet else logging.INFO)
    # Libraries we call speak only when something is wrong (or with --debug).
    for noisy in ("weasyprint", "fontTools", "htmldate", "charset_normalizer"):
        logging.getLogger(noisy).setLevel(logging.WARNING if args.debug else logging.ERROR)
    # trafilatura reports unusable pages as errors; we report them ourselves, as set-aside files.
    logging.getLogger("trafilatura").setLevel(logging.WARNING if args.debug else logging.CRITICAL)


def _log_to_file(settings: Settings, args: argparse.Namespace) -> None:
    """Also log to settings.log_file (with timestamps), when one is set."""
    if settings.log_file is None:
        return
    try:
        settings.log_file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(settings.log_file, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"log_file {settings.log_file} cannot be written: {exc.strerror or exc}") from None
    handler.setFormatter(_LogFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)


def _print_report(report: SendReport) -> None:
    width = max((len(r.recipient) for r in report.results), default=0)
    for result in report.results:
        print(f"{result.status:<8} {result.recipient:<{width}}  {result.detail}")


def _send(desk: Newsdesk, args: argparse.Namespace, day: Date | None, force: bool = False) -> int:
    from .mail.deliver import SendReport

    try:
        report = desk.send(day, recipients=args.to, force=force, wait=args.wait)
    except DeliveryError as exc:
        if isinstance(exc.report, SendReport):
            _print_report(exc.report)
        raise
    _print_report(report)
    if not report.ok:
        print(
            f"digest: error: {len(report.failed)} of {plural(len(report.results), 'recipient')} "
            "did not get the edition",
            file=sys.stderr,
        )
        return DeliveryError.exit_code
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from .newsdesk import Newsdesk
    from .scheduler import request_edition

    settings = _settings(args)
    if args.via_daemon:
        pid = request_edition(settings)
        print(f"asked digest serve (pid {pid}) for an edition now; its log shows when it is written")
        return 0
    _log_to_file(settings, args)
    if args.send and settings.email is None:
        raise ConfigError("--send needs an [email] table in digest.toml (see digest.example.toml)")
    with Newsdesk(settings) as desk:
        digest = desk.make_edition(
            args.date,
            include_all=args.include_all,
            pdf=False if args.no_pdf else None,
            wait=args.wait,
            allow_empty=args.allow_empty,
        )
        for path in digest.outputs.values():
            print(path)
        if digest.quarantined:
            print(f"{plural(len(digest.quarantined), 'file')} set aside; see 'digest status'", file=sys.stderr)
        if args.send and not digest.stories:
            print(f"digest: edition {digest.date.isoformat()} has no stories; it is not mailed", file=sys.stderr)
        elif args.send:
            args.to = None
            return _send(desk, args, digest.date)
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from .scheduler import serve

    settings = _settings(args)
    # A daemon's log is read later: every line gets its date and time.
    for handler in logging.getLogger().handlers:
        handler.setFormatter(_LogFormatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%d %H:%M:%S"))
    logging.getLogger("apscheduler").setLevel(logging.DEBUG if args.debug else logging.WARNING)
    _log_to_file(settings, args)
    serve(settings, http=args.http)
    return 0


def _cmd_web(args: argparse.Namespace) -> int:
    from .web import WebServer

    settings = _settings(args)
    _log_to_file(settings, args)
    server = WebServer(settings, args.http)
    print(f"digest: the web app is at {server.url}/ (Ctrl-C stops it)", file=sys.stderr, flush=True)
    server.serve_until_signal()
    return 0


def _cmd_send(args: argparse.Namespace) -> int:
    from .newsdesk import Newsdesk

    with Newsdesk(_settings(args)) as desk:
        return _send(desk, args, args.date, force=args.force)


def _cmd_doctor(args: argparse.Namespace) -> int:
    from .doctor import Check, diagnose

    try:
        results = diagnose(_settings(args))
    except ConfigError as exc:
        results = [Check("config", "fail", str(exc), "fix the setting named, then run digest doctor again")]
    width = max(len(r.area) for r in results)
    for result in results:
        label = {"ok": "ok", "warn": "warn", "fail": "FAIL"}[result.status]
        print(f"{label:<5} {result.area:<{width}}  {result.detail}")
        if result.fix:
            print(f"{'':<5} {'':<{width}}  -> {result.fix}")
    problems = sum(r.status == "fail" for r in results)
    warnings = sum(r.status == "warn" for r in results)
    if problems or warnings:
        print(f"digest doctor: {plural(problems, 'problem')} to fix, {plural(warnings, 'warning')}")
    else:
        print("digest doctor: all good")
    return 1 if problems else 0


def _cmd_summarize(args: argparse.Namespace) -> int:
    # One story's matrices are small: OpenBLAS's threads cost more than they save (on a busy machine,
    # a hundred times the product itself). Set before numpy is loaded; a value the user set stays.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from .summaries.files import summarize_files

    articles, summary = summarize_files(args.files, args.max_words, args.summarizer)
    path_of = {a.id: a.path for a in articles}
    if args.json:
        sentences = [
            {"text": s.text, "citations": list(dict.fromkeys(path_of[c] for c in s.citations))} for s in summary
        ]
        print(json.dumps({"sentences": sentences}, ensure_ascii=False, indent=2))
        return 0
    for sentence in summary:
        cited = ", ".join(dict.fromkeys(Path(path_of[c]).name for c in sentence.citations))
        print(printable(f"{sentence.text} [{cited}]"))
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    from .newsdesk import Newsdesk
    from .scheduler import daemon_state

    settings = _settings(args)
    with Newsdesk(settings) as desk:
        report = desk.status()
    print(f"inbox:            {printable(str(report.inbox))}")
    print(f"store:            {printable(str(report.store))}")
    print(f"articles known:   {report.articles}")
    print(f"waiting:          {plural(report.waiting, 'article')} for the next edition")
    print(f"to read:          {plural(report.to_read, 'file')} not read yet")
    if report.last_edition:
        edition = report.last_edition
        print(
            f"last edition:     {edition.date} ({plural(edition.stories, 'story')}, "
            f"{plural(edition.articles, 'article')}, made {edition.generated_at})"
        )
    else:
        print("last edition:     none yet")
    daemon = daemon_state(settings)
    if daemon.pid:
        running = f"running (pid {daemon.pid})" if daemon.pid > 0 else "running"
        due = f", next edition {daemon.next_edition:%Y-%m-%d %H:%M %Z}" if daemon.next_edition else ""
        print(f"daemon:           {running}{due}")
    else:
        print("daemon:           not running")
    print(f"set aside:        {plural(len(report.quarantined), 'file')}")
    for path, reason in report.quarantined:
        print(printable(f"  {path}: {reason}"))
    _print_feed_status(settings)
    return 0


def _cmd_search(args: argparse.Namespace) -> int:
    from .models import UNNAMED
    from .newsdesk import Newsdesk

    query = " ".join(args.query)
    with Newsdesk(_settings(args)) as desk:
        hits = desk.search(query)
    if not hits:
        print(printable(f"digest: no article matches {query!r}"), file=sys.stderr)
        return 1
    for hit in hits:  # one line each: title, outlet, date, editions
        article = hit.article
        editions = f"edition {', '.join(hit.editions)}" if hit.editions else "waiting for the next edition"
        date = article.published or "undated"
        print(printable(f"{article.display_title} — {article.outlet or UNNAMED}, {date} — {editions}"))
    return 0


def _print_feed_status(settings: Settings) -> None:
    from .sources.feeds import feed_states

    feeds = feed_states(settings)
    if not feeds:
        return
    failing = [feed for feed in feeds if feed.error]
    print(f"feeds:            {plural(len(feeds), 'feed')}, {len(failing)} failing at the last fetch")
    for feed in failing:
        print(printable(f"  {feed.name or feed.url}: {feed.error}"))


def _cmd_backup(args: argparse.Namespace) -> int:
    from .store import backup_store, shown_store

    settings = _settings(args)
    if settings.store_url is not None:
        raise ConfigError(
            f"the store is the PostgreSQL database {shown_store(settings)}: back it up with pg_dump "
            "(see README: More than one machine)"
        )
    print(backup_store(settings.store_path, args.to))
    return 0


def _cmd_feeds(args: argparse.Namespace) -> int:
    from .sources.feeds import add_feed, feed_states, fetch_feeds, import_opml, opml_text
    from .sources.newsletters import read_maildir

    settings = _settings(args)
    action = args.feeds_command
    if action == "add":
        new = add_feed(settings, args.url, args.name, args.full_text)
        print(f"{'subscribed to' if new else 'updated'} {printable(args.name or args.url)}")
    elif action == "remove":
        from .store import open_store

        if any(feed.url == args.url for feed in settings.feeds):
            raise ConfigError(f"{args.url} is listed in [[feeds]] of {settings.config_path}; remove it there")
        with open_store(settings) as store:
            if not store.remove_feed(args.url):
                raise ConfigError(f"not subscribed to {args.url}; 'digest feeds list' shows the feeds")
        print(f"unsubscribed from {printable(args.url)}")
    elif action == "import":
        added, known = import_opml(settings, args.file)
        print(f"subscribed to {plural(added, 'feed')} ({known} already subscribed)")
    elif action == "export":
        sys.stdout.write(opml_text(feed_states(settings)))
    elif action == "list":
        feeds = feed_states(settings)
        for feed in feeds:
            print(printable(f"{feed.name or feed.url}  {feed.url}{'  (full text)' if feed.full_text else ''}"))
            if feed.last_fetch is None:
                print("  not fetched yet")
                continue
            print(f"  last fetch {feed.last_fetch}: {plural(feed.new_items, 'new item')}")
            if feed.error:
                print(printable(f"  error: {feed.error}"))
        if not feeds:
            print("no feeds; add one with 'digest feeds add URL' or [[feeds]] in digest.toml")
    else:  # fetch
        outcomes = fetch_feeds(settings)
        failed = 0
        for outcome in outcomes:
            if outcome.error:
                failed += 1
                print(printable(f"failed   {outcome.name}: {outcome.error}"))
            else:
                count = sum(1 for _, path in outcome.written if path)
                shown = "not modified" if outcome.not_modified else f"{count} new"
                print(printable(f"ok       {outcome.name}: {shown}"))
        mail = read_maildir(settings)
        if mail is not None:
            failed += 1 if mail.error else 0
            state = f"failed   {mail.error}" if mail.error else f"ok       {plural(mail.written, 'new message')}"
            print(printable(f"{state} (newsletters, {mail.folder})"))
        if failed:
            print(f"digest: {plural(failed, 'source')} failed; see above", file=sys.stderr)
            return 1
    return 0


COMMANDS = {
    "run": _cmd_run,
    "serve": _cmd_serve,
    "web": _cmd_web,
    "send": _cmd_send,
    "doctor": _cmd_doctor,
    "summarize": _cmd_summarize,
    "status": _cmd_status,
    "search": _cmd_search,
    "backup": _cmd_backup,
    "feeds": _cmd_feeds,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    _setup_logging(args)
    try:
        code = COMMANDS[args.command](args)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
        return code
    except BrokenPipeError:
        # The reader went away (`digest status | head -1`): stop quietly, as other tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except DigestError as exc:
        if args.debug:
            log.exception("failed")
        print(f"digest: {'error: ' if exc.exit_code else ''}{printable(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("digest: interrupted", file=sys.stderr)
        return 130
    except Exception:
        if args.debug:
            raise
        log.error("unexpected failure; run again with --debug for the full traceback", exc_info=False)
        return 1
