"""The store: what digest has read, published and sent, kept between runs (an SQLite file).

Code outside this package opens a store with :func:`open_store` and takes its locks with
:func:`store_lock`, never by a path: where and how the store is kept is this package's business.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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


def open_store(settings: Settings) -> Store:
    """The store ``settings`` name, created or brought up to date on first use."""
    return Store(settings.store_path)


def store_lock(settings: Settings, name: str = "edition", busy: str | None = None) -> EditionLock:
    """The exclusive lock ``name`` of the store ``settings`` name (see :class:`EditionLock`)."""
    return EditionLock(settings.store_path, name, busy)


__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "DeliveryRecord",
    "EditionLock",
    "EditionRecord",
    "FeedRecord",
    "FileRecord",
    "Store",
    "backup_store",
    "open_store",
    "shown_path",
    "store_lock",
    "store_problem",
]
