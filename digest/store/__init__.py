"""The store: what digest has read, published and sent, kept between runs (an SQLite file)."""

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
    "shown_path",
    "store_problem",
]
