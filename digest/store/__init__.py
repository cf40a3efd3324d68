"""The store: what digest has read, published and sent, kept between runs: an SQLite file (the
default), or a PostgreSQL database shared by several machines (``store = "postgresql://..."``).

Code outside this package opens a store with :func:`open_store` and takes its locks with
:func:`store_lock`, never by a path: where and how the store is kept is this package's business.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .reads import (
    JOB_TABLE,
    job_store_options,
    job_store_url,
    postgres_health,
    scheduled_run,
    sqlite_health,
    stored_feeds,
    stored_files,
)
from .sqlite import (
    MIGRATIONS,
    SCHEMA_VERSION,
    DeliveryRecord,
    EditionLock,
    EditionRecord,
    FeedRecord,
    FileRecord,
    Store,
    backup_store,
    shown_path,
    store_problem,
)

if TYPE_CHECKING:
    from ..config import Settings

# Locks of one machine's own work, file locks beside its output whatever the store: its digest serve
# and the reading of its inbox. The others (edition, delivery, fetch) are the whole store's.
MACHINE_LOCKS = ("daemon", "ingest")


def open_store(settings: Settings) -> Store:
    """The store ``settings`` name, created or brought up to date on first use."""
    if settings.store_url is not None:
        from .postgres import PostgresStore

        return PostgresStore(settings.store_url)
    return Store(settings.store_path)


def shown_store(settings: Settings) -> str:
    """The store as messages show it: the SQLite file, or the PostgreSQL URL without its password."""
    if settings.store_url is not None:
        from .postgres import shown_url

        return shown_url(settings.store_url)
    return str(settings.store_path)


def store_lock(settings: Settings, name: str = "edition", busy: str | None = None) -> EditionLock:
    """The exclusive lock ``name`` of the store ``settings`` name: a file lock (see :class:`EditionLock`),
    or on PostgreSQL an advisory lock that holds across machines (see ``postgres.AdvisoryLock``)."""
    if settings.store_url is not None and name not in MACHINE_LOCKS:
        from .postgres import AdvisoryLock

        return AdvisoryLock(settings.store_url, name, busy)
    return EditionLock(settings.store_path, name, busy)


__all__ = [
    "JOB_TABLE",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "DeliveryRecord",
    "EditionLock",
    "EditionRecord",
    "FeedRecord",
    "FileRecord",
    "Store",
    "backup_store",
    "job_store_options",
    "job_store_url",
    "open_store",
    "postgres_health",
    "scheduled_run",
    "shown_path",
    "shown_store",
    "sqlite_health",
    "store_lock",
    "store_problem",
    "stored_feeds",
    "stored_files",
]
