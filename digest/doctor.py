"""``digest doctor``: check the set-up and say what to fix, before an edition fails at 7 in the morning.

Each check returns :class:`Check` results: ``ok``, ``warn`` (works, but worth a look) or ``fail``
(an edition or a delivery will not work until it is fixed), with the fix in words.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .config import Settings
from .errors import ConfigError, DigestError, StoreError, plural
from .output.render import templates_dir
from .pipeline import check_inbox, files_to_read
from .store import SCHEMA_VERSION, postgres_health, sqlite_health, stored_feeds, stored_files

MIN_FREE_MB = 50  # below this an edition's PDF may not fit
LOW_FREE_MB = 500


@dataclass(frozen=True)
class Check:
    area: str
    status: str  # "ok" | "warn" | "fail"
    detail: str
    fix: str = ""


def _ok(area: str, detail: str) -> Check:
    return Check(area, "ok", detail)


def check_config(settings: Settings) -> Iterator[Check]:
    where = str(settings.config_path) if settings.config_path else "defaults (no digest.toml found)"
    yield _ok("config", f"settings from {where}; time zone {settings.tz}")
    if settings.log_file is not None:
        folder = settings.log_file.parent
        if not _writable(folder):
            yield Check("config", "fail", f"log_file {settings.log_file} cannot be written", f"make {folder} writable")


def _existing(folder: Path) -> Path:
    """``folder``, or its nearest parent that exists (where it would be created)."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def _writable(folder: Path) -> bool:
    """Can a file be created in ``folder`` (or, if it does not exist yet, in its nearest parent)?"""
    try:
        with tempfile.NamedTemporaryFile(dir=_existing(folder), prefix=".digest-doctor-"):
            return True
    except OSError:
        return False


def _to_read(settings: Settings) -> int:
    """The inbox files the next run reads, as ``digest status`` counts them (the store is only read)."""
    return len(files_to_read(settings.inbox, lambda _: stored_files(settings)))


def check_folders(settings: Settings) -> Iterator[Check]:
    inbox = settings.inbox
    try:
        check_inbox(inbox)
    except ConfigError as exc:
        problem, _, fix = str(exc).partition("; ")
        yield Check("inbox", "fail", problem, fix)
    else:
        yield _ok("inbox", f"{inbox}: {plural(_to_read(settings), 'file')} not read yet")
    output = settings.output
    if not _writable(output):
        yield Check("output", "fail", f"{output} cannot be written", f"give this user write access to {output}")
    else:
        yield _ok("output", f"{output} is writable")
    existing = _existing(output)
    free_mb = shutil.disk_usage(existing).free / 1e6
    if free_mb < MIN_FREE_MB:
        yield Check("disk", "fail", f"{free_mb:.0f} MB free on {existing}", "free some space for the editions")
    elif free_mb < LOW_FREE_MB:
        yield Check("disk", "warn", f"only {free_mb:.0f} MB free on {existing}", "free some space soon")
    else:
        yield _ok("disk", f"{free_mb / 1000:.1f} GB free on {existing}")


def check_database(url: str) -> Iterator[Check]:
    """A PostgreSQL store: reachable, its schema known to this digest, writable by this user."""
    from .store.postgres import shown_url

    name = shown_url(url)
    try:
        version, unwritable = postgres_health(url)
    except StoreError as exc:
        problem, _, fix = str(exc).partition("; ")
        yield Check("store", "fail", problem, fix)
        return
    if version is not None and version > SCHEMA_VERSION:
        yield Check("store", "fail", f"{name} has schema {version}, newer than this digest knows", "upgrade digest")
    elif unwritable:
        yield Check("store", "fail", f"{name} cannot be written ({unwritable})", "grant this user write access to it")
    elif version is None:
        yield _ok("store", f"{name} is reachable; the first run creates digest's tables in it")
    else:
        yield _ok("store", f"{name} is reachable and writable, schema {version}")


def check_store(settings: Settings) -> Iterator[Check]:
    if settings.store_url is not None:
        yield from check_database(settings.store_url)
        return
    path = settings.store_path
    if not path.exists():
        yield _ok("store", f"{path} does not exist yet; the first run creates it")
        return
    unwritable = Check(
        "store",
        "fail",
        f"{path} or its folder cannot be written",
        f"make {path.parent} and {path.name} writable by this user (is the file system mounted read-only?)",
    )
    writable = _writable(path.parent) and os.access(path, os.W_OK)
    restore = (
        f"stop digest serve and copy your last 'digest backup' over {path}; do not delete it: "
        "a new store would publish and mail every article again"
    )
    try:
        problems, version, mode = sqlite_health(path)
    except sqlite3.Error as exc:
        if exc.sqlite_errorname.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
            yield Check("store", "fail", f"{path} is damaged ({exc})", restore)
        elif not writable:  # SQLite cannot even read a WAL database it cannot write beside
            yield unwritable
        else:
            yield Check("store", "fail", f"{path} cannot be read ({exc})", f"give this user read access to {path}")
        return
    if problems != ["ok"]:
        yield Check("store", "fail", f"{path} is damaged: {'; '.join(problems)}", restore)
    elif version > SCHEMA_VERSION:
        yield Check("store", "fail", f"{path} has schema {version}, newer than this digest knows", "upgrade digest")
    elif version < SCHEMA_VERSION:
        yield Check("store", "warn", f"{path} has schema {version}; the next run upgrades it to {SCHEMA_VERSION}")
    else:
        yield _ok("store", f"{path}: integrity ok, schema {version}, journal {mode}")
    if not writable:
        yield unwritable
    from .scheduler import daemon_state

    daemon = daemon_state(settings)
    if daemon.pid:
        due = f", next edition {daemon.next_edition:%Y-%m-%d %H:%M %Z}" if daemon.next_edition else ""
        yield _ok("daemon", f"digest serve is running (pid {daemon.pid}){due}")
    else:
        yield _ok("daemon", "digest serve is not running")


# Font stacks: font-family declarations and custom properties, whatever ends in a generic family.
_STACK = re.compile(r"(?:font-family|--[\w-]+)\s*:\s*([^;{}]+?,\s*(?:serif|sans-serif|monospace)\s*)(?:;|})")
_GENERIC = {"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui", "emoji", "math", "inherit"}
_SCRIPTS = {"Arabic": ":lang=ar", "Chinese": ":lang=zh-cn", "Cyrillic": ":lang=ru", "emoji": ":charset=1f600"}


def _fc_list(pattern: str) -> list[str]:
    result = subprocess.run(["fc-list", pattern, "family"], capture_output=True, text=True, timeout=30)
    return [line.split(",")[0].strip() for line in result.stdout.splitlines() if line.strip()]


def check_fonts(settings: Settings) -> Iterator[Check]:
    if shutil.which("fc-list") is None:
        yield Check(
            "fonts", "fail", "fontconfig (fc-list) is missing", "run scripts/install.sh (installs Pango and fonts)"
        )
        return
    installed = set(_fc_list(":"))
    wanted: dict[str, None] = {}
    for css in sorted(templates_dir().glob("*.css")):
        for stack in _STACK.findall(css.read_text(encoding="utf-8")):
            first = stack.split(",")[0].strip().strip("\"'")
            if first.lower() not in _GENERIC and not first.startswith("var("):
                wanted[first] = None
    missing = [family for family in wanted if family not in installed]
    if missing:
        yield Check(
            "fonts",
            "fail",
            f"the stylesheet's fonts are not installed: {', '.join(missing)}",
            "run scripts/install.sh (installs the font packages)",
        )
    else:
        yield _ok("fonts", f"stylesheet fonts installed: {', '.join(wanted) or 'none named'}")
    lacking = [script for script, pattern in _SCRIPTS.items() if not _fc_list(pattern)]
    if lacking:
        yield Check(
            "fonts",
            "warn",
            f"no font for {', '.join(lacking)}: such text shows as empty boxes in the PDF",
            "run scripts/install.sh (installs Noto fonts)",
        )
    else:
        yield _ok("fonts", f"fonts cover {', '.join(_SCRIPTS)}")
    try:
        from weasyprint import HTML

        pdf = HTML(string="<p>digest doctor</p>").write_pdf()
    except Exception as exc:  # a missing Pango library shows up here, as an OSError or ImportError
        yield Check("pdf", "fail", f"WeasyPrint cannot make a PDF: {exc}", "run scripts/install.sh (installs Pango)")
    else:
        yield _ok("pdf", f"WeasyPrint makes PDFs ({len(pdf or b'')} bytes for a test page)")


def check_email(settings: Settings, env: dict[str, str] | None = None) -> Iterator[Check]:
    email = settings.email
    if email is None:
        yield _ok("e-mail", "not configured: editions are not mailed")
        return
    from .mail.deliver import describe, read_password, smtp_connect

    if not email.to:
        yield Check("e-mail", "fail", "no recipients", "set to = [...] in [email]")
    if not email.sender:
        yield Check("e-mail", "fail", "no sender", "set from = ... in [email]")
    try:
        password = read_password(email, os.environ if env is None else env)
    except DigestError as exc:
        yield Check("e-mail", "fail", str(exc), "see [email] in digest.example.toml")
        return
    where = f"{email.host}:{email.port}"
    try:
        smtp = smtp_connect(email, password, None)
    except Exception as exc:
        _, line = describe(exc, email)
        yield Check("e-mail", "fail", line, "fix [email] in digest.toml, then run digest doctor again")
        return
    with contextlib.suppress(Exception):
        smtp.noop()
        smtp.quit()
    login = f", logged in as {email.username}" if email.username else ""
    yield _ok("e-mail", f"connected to {where} ({email.security}{login}); nothing was sent")


def check_feeds(settings: Settings) -> Iterator[Check]:
    """Each feed answers with a feed (fetched, not written anywhere); the Maildir can be read."""
    from .sources.feeds import FetchError, HostGate, http_get, make_client, parse_feed
    from .sources.newsletters import maildir_problem

    feeds: dict[str, str] = {feed.url: feed.name or feed.url for feed in settings.feeds}
    for url, name in stored_feeds(settings):
        feeds.setdefault(url, name or url)
    if not feeds:
        yield _ok("feeds", "none subscribed")
    gate = HostGate(settings.fetch.per_host, settings.fetch.delay_seconds)
    with make_client(settings.fetch) as client:
        for url, name in feeds.items():
            try:
                parsed = parse_feed(http_get(client, gate, url, settings.fetch).body)
            except FetchError as exc:
                yield Check("feeds", "fail", f"{name}: {exc}", f"check the address {url}, or remove the feed")
            else:
                yield _ok("feeds", f"{name}: answers, {plural(len(parsed.items), 'item')}")
    if settings.mail is not None and settings.mail.maildir is not None:
        problem = maildir_problem(settings.mail.maildir)
        if problem:
            text, _, fix = problem.partition("; ")
            yield Check("mail", "fail", text, fix)
        else:
            yield _ok("mail", f"the Maildir {settings.mail.maildir} can be read")


CHECKS: tuple[Callable[[Settings], Iterator[Check]], ...] = (
    check_config,
    check_folders,
    check_store,
    check_fonts,
    check_email,
    check_feeds,
)


def diagnose(settings: Settings) -> list[Check]:
    """Run every check; a check that itself breaks is reported as a failure, not raised."""
    results: list[Check] = []
    for check in CHECKS:
        try:
            results.extend(check(settings))
        except Exception as exc:
            area = check.__name__.removeprefix("check_")
            results.append(Check(area, "fail", f"the check itself failed: {type(exc).__name__}: {exc}"))
    return results
