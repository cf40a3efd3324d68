"""Read-only looks at a store for ``digest status`` and ``digest doctor``: they never create, migrate
or write it, and a store that does not exist yet (or cannot be read) reads as empty."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import StoreError
from .sqlite import FileRecord, _loaded_path

if TYPE_CHECKING:
    from ..config import Settings

# The table of the APScheduler job store, in the store's database.
JOB_TABLE = "schedule_jobs"


def _rows(settings: Settings, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` (``?`` placeholders) on the store, or none if it cannot be read."""
    url = settings.store_url
    if url is not None:
        import psycopg

        from .postgres import connect, postgres_sql

        try:
            with contextlib.closing(connect(url, "status")) as conn:
                return [tuple(row) for row in conn.execute(postgres_sql(sql), params).fetchall()]
        except (StoreError, psycopg.Error):
            return []
    path = settings.store_path
    if not path.exists():
        return []
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        try:
            return db.execute(sql, params).fetchall()
        finally:
            db.close()
    except sqlite3.Error:
        return []


def stored_files(settings: Settings) -> dict[str, FileRecord]:
    """The inbox files the store knows, by path."""
    rows = _rows(settings, "SELECT path, size, mtime_ns, sha256, status, reason FROM files")
    records = (FileRecord(_loaded_path(row[0]), *row[1:]) for row in rows)
    return {record.path: record for record in records}


def stored_feeds(settings: Settings) -> list[tuple[str, str | None]]:
    """The subscribed feeds (address, name)."""
    return [(str(url), name) for url, name in _rows(settings, "SELECT url, name FROM feeds")]


def scheduled_run(settings: Settings, job_id: str) -> float | None:
    """When the daemon's stored job ``job_id`` next runs (a POSIX time), if a daemon ever stored it."""
    rows = _rows(settings, f"SELECT next_run_time FROM {JOB_TABLE} WHERE id = ?", (job_id,))
    return float(rows[0][0]) if rows and rows[0][0] is not None else None


def job_store_url(settings: Settings) -> str:
    """The SQLAlchemy URL of the store's database, where APScheduler keeps the daemon's jobs."""
    url = settings.store_url
    if url is None:
        return f"sqlite:///{settings.store_path}"
    return "postgresql+psycopg://" + url.split("://", 1)[1]


def job_store_options(settings: Settings) -> dict[str, Any]:
    """The SQLAlchemy engine options of :func:`job_store_url`."""
    if settings.store_url is None:
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True}


def sqlite_health(path: Path) -> tuple[list[str], int, str]:
    """An SQLite store's integrity check (['ok'] when sound), schema number and journal mode, read
    only; raises sqlite3.Error when it cannot be read."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        problems = [row[0] for row in db.execute("PRAGMA integrity_check(5)")]
        version = db.execute("PRAGMA user_version").fetchone()[0]
        mode = db.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        db.close()
    return problems, int(version), str(mode)


def postgres_health(url: str) -> tuple[int | None, str | None]:
    """A PostgreSQL store's schema number (None before digest first used it) and why it cannot be
    written (None when it can: a write is tried and rolled back); raises StoreError when unreachable."""
    import psycopg

    from .postgres import connect, store_problem_of

    with contextlib.closing(connect(url, "doctor")) as conn:
        try:
            if conn.execute("SELECT to_regclass('digest_schema') IS NULL").fetchone()[0]:
                can_create = conn.execute("SELECT has_schema_privilege(current_schema(), 'CREATE')").fetchone()[0]
                return None, None if can_create else "this user may not create tables in it"
            version = int(conn.execute("SELECT version FROM digest_schema").fetchone()[0])
        except psycopg.Error as exc:
            raise store_problem_of(url, exc) from None
        try:
            with conn.transaction(force_rollback=True):
                conn.execute("UPDATE digest_schema SET version = version")
        except psycopg.Error as exc:
            return version, " ".join(str(exc).split())
    return version, None
