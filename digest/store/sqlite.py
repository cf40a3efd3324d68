"""SQLite state: every article once, the files it came from, editions, and the edition lock.

Schema changes are numbered migrations applied in order (``PRAGMA user_version`` holds the number).
The database runs in WAL mode with a busy timeout, so a daemon and a manual run can share it.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import fcntl
import json
import os
import re
import sqlite3
import stat
import time
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import LockBusyError, StoreError
from ..models import Article, Continuation, Story, SummarySentence, Topic

# How the search index splits text into words: letters and digits, case and accents aside.
_TOKENIZE = "tokenize='unicode61 remove_diacritics 2'"
# An article's text from its stored paragraphs (a JSON list), one paragraph a line.
_TEXT_OF = "(SELECT group_concat(value, char(10)) FROM json_each({row}.paragraphs))"

MIGRATIONS: tuple[str, ...] = (
    # 1: files, articles, editions
    """
    CREATE TABLE files (
        path TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('ok', 'quarantined')),
        reason TEXT,
        seen_at TEXT NOT NULL
    );
    CREATE TABLE articles (
        id TEXT PRIMARY KEY,
        content_hash TEXT NOT NULL UNIQUE,
        path TEXT NOT NULL,
        title TEXT,
        dek TEXT,
        source TEXT,
        url TEXT,
        published TEXT,
        paragraphs TEXT NOT NULL,
        sentences TEXT NOT NULL,
        sentence_paragraph TEXT NOT NULL,
        ingested_at TEXT NOT NULL,
        edition TEXT
    );
    CREATE INDEX articles_edition ON articles (edition);
    CREATE INDEX articles_path ON articles (path);
    CREATE TABLE editions (
        date TEXT PRIMARY KEY,
        generated_at TEXT NOT NULL,
        stories INTEGER NOT NULL,
        articles INTEGER NOT NULL,
        outputs TEXT NOT NULL
    );
    """,
    # 2: e-mail deliveries, one row per edition and recipient
    """
    CREATE TABLE deliveries (
        edition TEXT NOT NULL,
        recipient TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'failed')),
        reply TEXT,
        message_id TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        sent_at TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (edition, recipient)
    );
    """,
    # 3: per-article features computed at ingestion (JSON), with the version of the code that made
    # them; a table of its own, so that marking articles as published rewrites small rows only
    """
    CREATE TABLE article_features (
        article_id TEXT PRIMARY KEY,
        version TEXT NOT NULL,
        data TEXT NOT NULL
    );
    """,
    # 4: work done ahead of an edition (JSON): the stories of a set of articles ('groups') and the
    # summary of a story ('summary'), keyed by a hash of what they were made from, with the
    # version of the code that made them
    """
    CREATE TABLE prepared (
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        version TEXT NOT NULL,
        data TEXT NOT NULL,
        made_at TEXT NOT NULL,
        PRIMARY KEY (kind, key)
    );
    """,
    # 5: news feeds subscribed to (by 'digest feeds add' or import, or [[feeds]] of digest.toml) with
    # the state of their last fetch, and the ledger of items already written into the inbox, from a
    # feed or a Maildir (``source``: the feed's address or 'maildir:<folder>'), so that none is
    # written twice, also after a restart
    """
    CREATE TABLE feeds (
        url TEXT PRIMARY KEY,
        name TEXT,
        full_text INTEGER NOT NULL DEFAULT 0,
        origin TEXT NOT NULL,
        added_at TEXT NOT NULL,
        etag TEXT,
        last_modified TEXT,
        last_fetch TEXT,
        last_ok TEXT,
        new_items INTEGER NOT NULL DEFAULT 0,
        error TEXT
    );
    CREATE TABLE fetched (
        source TEXT NOT NULL,
        key TEXT NOT NULL,
        path TEXT,
        fetched_at TEXT NOT NULL,
        PRIMARY KEY (source, key)
    );
    """,
    # 6: the stories of each edition, in its order: their articles, their summary sentences, and each
    # sentence's citations with the evidence (the cited article's words that state it; none for the
    # sentence's own article). An edition's rows are replaced when it is made again.
    """
    CREATE TABLE stories (
        edition TEXT NOT NULL,
        id TEXT NOT NULL,
        position INTEGER NOT NULL,
        title TEXT NOT NULL,
        topic TEXT NOT NULL,
        topic_title TEXT NOT NULL,
        related TEXT NOT NULL,
        continues_date TEXT,
        continues_story TEXT,
        continues_title TEXT,
        continues_since TEXT,
        PRIMARY KEY (edition, id)
    );
    CREATE TABLE story_articles (
        edition TEXT NOT NULL,
        story TEXT NOT NULL,
        article_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        PRIMARY KEY (edition, story, position)
    );
    CREATE TABLE summary_sentences (
        edition TEXT NOT NULL,
        story TEXT NOT NULL,
        position INTEGER NOT NULL,
        text TEXT NOT NULL,
        article_id TEXT NOT NULL,
        PRIMARY KEY (edition, story, position)
    );
    CREATE TABLE citations (
        edition TEXT NOT NULL,
        story TEXT NOT NULL,
        sentence INTEGER NOT NULL,
        position INTEGER NOT NULL,
        article_id TEXT NOT NULL,
        evidence TEXT,
        PRIMARY KEY (edition, story, sentence, position)
    );
    """,
    # 7: the full-text index that Store.search reads: articles (title, dek, text) and the titles of
    # stories, kept by triggers as rows come and go, and filled with the rows already there. SQLite's
    # FTS5, contentless (the text stays in the articles table only), by rowid (this program never
    # VACUUMs, which may renumber rowids); PostgreSQL's own is postgres.SEARCH_INDEX.
    f"""
    CREATE VIRTUAL TABLE article_search USING fts5(title, dek, text, content='', {_TOKENIZE});
    CREATE VIRTUAL TABLE story_search USING fts5(title, content='', {_TOKENIZE});
    CREATE TRIGGER article_search_insert AFTER INSERT ON articles BEGIN
        INSERT INTO article_search (rowid, title, dek, text)
        VALUES (new.rowid, new.title, new.dek, {_TEXT_OF.format(row="new")});
    END;
    CREATE TRIGGER article_search_delete AFTER DELETE ON articles BEGIN
        INSERT INTO article_search (article_search, rowid, title, dek, text)
        VALUES ('delete', old.rowid, old.title, old.dek, {_TEXT_OF.format(row="old")});
    END;
    CREATE TRIGGER article_search_update AFTER UPDATE OF title, dek, paragraphs ON articles BEGIN
        INSERT INTO article_search (article_search, rowid, title, dek, text)
        VALUES ('delete', old.rowid, old.title, old.dek, {_TEXT_OF.format(row="old")});
        INSERT INTO article_search (rowid, title, dek, text)
        VALUES (new.rowid, new.title, new.dek, {_TEXT_OF.format(row="new")});
    END;
    CREATE TRIGGER story_search_insert AFTER INSERT ON stories BEGIN
        INSERT INTO story_search (rowid, title) VALUES (new.rowid, new.title);
    END;
    CREATE TRIGGER story_search_delete AFTER DELETE ON stories BEGIN
        INSERT INTO story_search (story_search, rowid, title) VALUES ('delete', old.rowid, old.title);
    END;
    CREATE TRIGGER story_search_update AFTER UPDATE OF title ON stories BEGIN
        INSERT INTO story_search (story_search, rowid, title) VALUES ('delete', old.rowid, old.title);
        INSERT INTO story_search (rowid, title) VALUES (new.rowid, new.title);
    END;
    INSERT INTO article_search (rowid, title, dek, text)
    SELECT rowid, title, dek, {_TEXT_OF.format(row="articles")} FROM articles;
    INSERT INTO story_search (rowid, title) SELECT rowid, title FROM stories;
    """,
    # 8: for a store of many editions: the stories that carried an article (search), found by the
    # article; and each edition's count of sources, kept when it is recorded, so that the archive page
    # need not read every published article to count them (NULL for editions recorded before)
    """
    CREATE INDEX story_articles_article ON story_articles (article_id);
    ALTER TABLE editions ADD COLUMN sources INTEGER;
    """,
)
# The tables of an edition's stories, emptied before they are written again.
_STORY_TABLES = ("stories", "story_articles", "summary_sentences", "citations")
SCHEMA_VERSION = len(MIGRATIONS)
_WORD = re.compile(r"[^\W_]+")


def search_words(query: str) -> list[str]:
    """The words of a search, lower case: its runs of letters and digits (as the index splits text)."""
    return _WORD.findall(unicodedata.normalize("NFC", query).lower())


def shown_path(path: str) -> str:
    """A file name as text that can be printed, logged and written anywhere: bytes of the name that
    are not UTF-8 (which Python holds as lone surrogates) are shown as ``\\xNN``."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return path


def _stored_path(path: str) -> str | bytes:
    """A file name as SQLite keeps it, losslessly: text, or the file system's bytes for a name
    that is not UTF-8 (SQLite cannot take lone surrogates as text; a BLOB never equals a TEXT)."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogateescape")
    return path


def _loaded_path(value: str | bytes) -> str:
    return value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else value


def _is_full(exc: BaseException) -> bool:
    name = getattr(exc, "sqlite_errorname", "")
    return name == "SQLITE_FULL" or getattr(exc, "errno", None) in (errno.ENOSPC, errno.EDQUOT)


def _is_read_only(exc: BaseException) -> bool:
    name = getattr(exc, "sqlite_errorname", "")
    return name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM")) or getattr(exc, "errno", None) in (
        errno.EROFS,
        errno.EACCES,
        errno.EPERM,
    )


def _is_damaged(exc: BaseException) -> bool:
    return getattr(exc, "sqlite_errorname", "").startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB"))


def store_problem(path: Path, exc: BaseException) -> StoreError:
    """The one line that says what went wrong with the store at ``path`` and the safe thing to do.

    A full disk, a folder that cannot be written and a damaged file each have their own remedy;
    none is to move the store away, which would publish and mail every article again.
    """
    detail = (exc.strerror if isinstance(exc, OSError) else None) or str(exc)
    if _is_full(exc):
        return StoreError(
            f"the disk holding {path} is full ({detail}); free some space and run again (nothing is lost)"
        )
    if _is_read_only(exc):
        return StoreError(
            f"{path} or its folder cannot be written ({detail}); make both writable by this user "
            "(digest doctor checks) and run again (nothing is lost)"
        )
    if _is_damaged(exc):
        return StoreError(
            f"{path} is damaged ({detail}); stop digest serve and copy your last 'digest backup' over it; "
            "do not delete it: a new store would publish and mail every article again"
        )
    return StoreError(f"the state database {path} cannot be used ({detail})")


def _features_json(article: Article) -> str:
    """An article's stored features; its shingle columns as base64 of little-endian uint32s."""
    import numpy as np

    packed = base64.b64encode(np.asarray(article.shingles, dtype="<u4").tobytes()).decode("ascii")
    return json.dumps({"terms": article.terms, "entities": article.entities, "shingles": packed})


def _unpack_columns(packed: str) -> Any:
    import numpy as np

    return np.frombuffer(base64.b64decode(packed), dtype="<u4")


@dataclass(frozen=True)
class FileRecord:
    path: str
    size: int
    mtime_ns: int
    sha256: str
    status: str
    reason: str | None


@dataclass(frozen=True)
class EditionRecord:
    date: str
    generated_at: str
    stories: int
    articles: int
    outputs: dict[str, str]
    sources: int | None = None  # distinct sources of its stories' articles; None if not recorded


@dataclass(frozen=True)
class FeedRecord:
    """A subscribed feed and how its last fetch went (``error`` is None when it went well)."""

    url: str
    name: str | None
    full_text: bool
    origin: str  # 'cli' | 'opml' | 'config'
    etag: str | None = None
    last_modified: str | None = None
    last_fetch: str | None = None
    last_ok: str | None = None
    new_items: int = 0
    error: str | None = None


@dataclass(frozen=True)
class DeliveryRecord:
    """Where the e-mail of one edition to one recipient stands.

    ``status`` is 'sent' (the server accepted it; ``reply`` is its answer), 'failed' (the last
    attempt did not get through; ``reply`` says why) or 'sending' (the program stopped while the
    message was being handed over, so it may have arrived). ``sent_at`` is the last time the
    server accepted it, kept when a later forced re-send fails.
    """

    edition: str
    recipient: str
    status: str
    reply: str | None
    message_id: str | None
    attempts: int
    sent_at: str | None
    updated_at: str


# A row of a query: by column name or position (sqlite3.Row, or postgres.py's row).
Row = Any
# What the SQL below runs on: ``execute(sql, params)`` and ``executemany(sql, rows)`` with ``?``
# placeholders, as sqlite3.Connection has them (postgres.py adapts a psycopg connection).
Connection = Any


class Store:
    """The state database. Use as a context manager, or call :meth:`close`.

    This is the SQLite store and the store's interface: its SQL is shared with
    :class:`~digest.store.postgres.PostgresStore`, which overrides only how it connects, migrates,
    runs a transaction and keeps a file name (see there).
    """

    db: Connection

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise store_problem(path, exc) from None
        self.db.row_factory = sqlite3.Row
        try:
            self.db.execute("PRAGMA busy_timeout = 30000")
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = NORMAL")
            self._migrate()
        except sqlite3.Error as exc:
            self.db.close()
            raise store_problem(path, exc) from None
        except StoreError:
            self.db.close()
            raise

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer digest (schema {version} > {SCHEMA_VERSION}); upgrade digest"
            )
        for number in range(version, SCHEMA_VERSION):
            # One script, one transaction: a migration is applied whole or not at all.
            self.db.executescript(
                f"BEGIN IMMEDIATE;\n{MIGRATIONS[number]}\nPRAGMA user_version = {number + 1};\nCOMMIT;"
            )

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            # SQLite may have rolled back already (a full disk does): never hide the real error.
            if self.db.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()

    @property
    def name(self) -> str:
        """The store as messages name it."""
        return str(self.path)

    @staticmethod
    def _stored(path: str) -> str | bytes:
        return _stored_path(path)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, kind: object, exc: BaseException | None, traceback: object) -> None:
        self.close()
        if isinstance(exc, sqlite3.Error):
            raise store_problem(self.path, exc) from None

    # files -------------------------------------------------------------------------------
    @staticmethod
    def _file(row: Row) -> FileRecord:
        return FileRecord(
            _loaded_path(row["path"]), row["size"], row["mtime_ns"], row["sha256"], row["status"], row["reason"]
        )

    def file(self, path: str) -> FileRecord | None:
        row = self.db.execute("SELECT * FROM files WHERE path = ?", (self._stored(path),)).fetchone()
        return None if row is None else self._file(row)

    def files(self, paths: Iterable[str] | None = None) -> dict[str, FileRecord]:
        """The recorded files, by path; with ``paths``, only those of them (a scan of one inbox need not
        read the records of every file a year of editions has seen)."""
        if paths is None:
            rows: Iterable[Row] = self.db.execute("SELECT * FROM files").fetchall()
        else:
            rows = self._rows_in("SELECT * FROM files WHERE path", [self._stored(p) for p in paths])
        records = (self._file(row) for row in rows)
        return {record.path: record for record in records}

    def quarantined_files(self) -> list[FileRecord]:
        """The files set aside, wherever they are."""
        rows = self.db.execute("SELECT * FROM files WHERE status = 'quarantined'").fetchall()
        return [self._file(row) for row in rows]

    def record_file(self, record: FileRecord, now: str, articles: Sequence[Article] = (), features: str = "") -> int:
        """Record a file's state and its articles in one transaction; return new articles added."""
        return self.record_files([(record, articles)], now, features)

    def record_files(self, batch: Sequence[tuple[FileRecord, Sequence[Article]]], now: str, features: str = "") -> int:
        """Record several files and their articles in one transaction; return new articles added.

        ``features`` names the version of the code that computed the articles' stored features.
        """
        added = 0
        with self.transaction() as db:
            for record, articles in batch:
                db.execute(
                    "INSERT INTO files (path, size, mtime_ns, sha256, status, reason, seen_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (path) DO UPDATE SET size = excluded.size, "
                    "mtime_ns = excluded.mtime_ns, sha256 = excluded.sha256, status = excluded.status, "
                    "reason = excluded.reason, seen_at = excluded.seen_at",
                    (
                        self._stored(record.path),
                        record.size,
                        record.mtime_ns,
                        record.sha256,
                        record.status,
                        record.reason,
                        now,
                    ),
                )
                for article in articles:
                    # Another process may add the same article at the same time (PostgreSQL): the
                    # insert that loses keeps one row, as for an article seen before.
                    inserted = db.execute(
                        "INSERT INTO articles (id, content_hash, path, title, dek, source, url, published, "
                        "paragraphs, sentences, sentence_paragraph, ingested_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                        (
                            article.id,
                            article.id,
                            self._stored(article.path),
                            article.title,
                            article.dek,
                            article.source,
                            article.url,
                            article.published,
                            json.dumps(article.paragraphs),
                            json.dumps(article.sentences),
                            json.dumps(article.sentence_paragraph),
                            now,
                        ),
                    ).rowcount
                    if not inserted:  # the same article again (re-dropped, renamed, or a copy): keep one
                        db.execute(
                            "UPDATE articles SET path = ? WHERE content_hash = ?",
                            (self._stored(article.path), article.id),
                        )
                        continue
                    if features and all(f is not None for f in (article.terms, article.entities, article.shingles)):
                        db.execute(
                            "INSERT INTO article_features (article_id, version, data) VALUES (?, ?, ?) "
                            "ON CONFLICT (article_id) DO UPDATE SET version = excluded.version, data = excluded.data",
                            (article.id, features, _features_json(article)),
                        )
                    added += 1
        return added

    def forget_files(self, paths: Sequence[str]) -> None:
        """Drop the records of set-aside files that left the inbox (they gave no articles)."""
        with self.transaction() as db:
            db.executemany(
                "DELETE FROM files WHERE path = ? AND status = 'quarantined'", [(self._stored(p),) for p in paths]
            )

    def touch_file(self, path: str, size: int, mtime_ns: int) -> None:
        self.db.execute("UPDATE files SET size = ?, mtime_ns = ? WHERE path = ?", (size, mtime_ns, self._stored(path)))

    def quarantined(self, paths: Iterable[str] | None = None) -> list[tuple[str, str]]:
        rows = self.db.execute("SELECT path, reason FROM files WHERE status = 'quarantined' ORDER BY path").fetchall()
        found = [(_loaded_path(r["path"]), r["reason"] or "") for r in rows]
        wanted = None if paths is None else set(paths)
        return [(path, reason) for path, reason in found if wanted is None or path in wanted]

    def _rows_in(self, select: str, values: Sequence[str | bytes], *before: str) -> Iterator[Row]:
        """Rows of ``select`` (ending in the column to match) whose column is one of ``values``;
        ``before`` binds the statement's earlier parameters. Asked 500 values at a time, below
        SQLite's limit on the parameters of one statement."""
        for start in range(0, len(values), 500):
            chunk = list(values[start : start + 500])
            yield from self.db.execute(f"{select} IN ({','.join('?' * len(chunk))})", (*before, *chunk))

    # work prepared ahead of an edition ------------------------------------------------------
    def prepared(self, kind: str, keys: Sequence[str], version: str) -> dict[str, str]:
        """The stored results of ``kind`` for those of ``keys`` made by code ``version``."""
        rows = self._rows_in(
            "SELECT key, data FROM prepared WHERE kind = ? AND version = ? AND key", keys, kind, version
        )
        return {row["key"]: row["data"] for row in rows}

    def keep_prepared(self, kind: str, items: dict[str, str], version: str, now: str) -> None:
        """Store results of ``kind`` (key to JSON); with kind 'groups', the only ones kept."""
        with self.transaction() as db:
            if kind == "groups":
                db.execute("DELETE FROM prepared WHERE kind = 'groups'")
            db.executemany(
                "INSERT INTO prepared (kind, key, version, data, made_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (kind, key) DO UPDATE SET version = excluded.version, data = excluded.data, "
                "made_at = excluded.made_at",
                [(kind, key, version, data, now) for key, data in items.items()],
            )

    def forget_prepared(self, made_before: str) -> None:
        """Drop prepared results made before ``made_before`` (ISO time), whatever code made them."""
        with self.transaction() as db:
            db.execute("DELETE FROM prepared WHERE made_at < ?", (made_before,))

    # articles ----------------------------------------------------------------------------
    @staticmethod
    def _article(row: Row, features: str = "", text: bool = True) -> Article:
        """The article of a row; without ``text``, without its paragraphs and sentences (the row need
        not hold them)."""
        terms = entities = shingles = None
        if features and row["features"] and row["features_version"] == features:
            stored = json.loads(row["features"])
            terms = tuple(tuple(t) for t in stored["terms"])
            entities = tuple(stored["entities"])
            shingles = _unpack_columns(stored["shingles"])
        return Article(
            id=row["id"],
            path=_loaded_path(row["path"]),
            title=row["title"],
            source=row["source"],
            url=row["url"],
            published=row["published"],
            paragraphs=tuple(json.loads(row["paragraphs"])) if text else (),
            sentences=tuple(json.loads(row["sentences"])) if text else (),
            sentence_paragraph=tuple(json.loads(row["sentence_paragraph"])) if text else (),
            dek=row["dek"],
            terms=terms,
            entities=entities,
            shingles=shingles,
        )

    def articles_for_edition(self, date: str, paths: Iterable[str] | None = None, features: str = "") -> list[Article]:
        """Articles not yet in an edition, plus those already in this date's edition (a re-run).

        With ``paths``, every article whose file is among them, whatever its edition (``--all``).
        Stored features come with the articles when ``features`` names the version that made them.
        """
        select = (
            "SELECT articles.*, f.data AS features, f.version AS features_version FROM articles "
            "LEFT JOIN article_features AS f ON f.article_id = articles.id "
        )
        if paths is None:
            rows = self.db.execute(
                select + "WHERE edition IS NULL OR edition = ? ORDER BY ingested_at, id", (date,)
            ).fetchall()
        else:
            # an article names its file as shown (see shown_path)
            wanted = {shown_path(p) for p in paths}
            rows = [
                r
                for r in self.db.execute(select + "ORDER BY ingested_at, id")
                if shown_path(_loaded_path(r["path"])) in wanted
            ]
        return [self._article(r, features) for r in rows]

    def articles_by_id(self, ids: Iterable[str], features: str = "", text: bool = True) -> dict[str, Article]:
        """The stored articles with these ids (unknown ids are left out); with their stored features
        when ``features`` names the version that made them.

        Without ``text``, an article whose features ``features`` made comes without its paragraphs and
        sentences (what comparing articles needs is in its features: reading and decoding the text of
        a week of editions cost more than comparing them); the others come whole.
        """
        wanted = list(dict.fromkeys(ids))
        if not features:
            return {row["id"]: self._article(row) for row in self._rows_in("SELECT * FROM articles WHERE id", wanted)}
        columns = "articles.*" if text else "articles.id, path, title, source, url, published, dek"
        select = (
            f"SELECT {columns}, f.data AS features, f.version AS features_version FROM articles "
            "LEFT JOIN article_features AS f ON f.article_id = articles.id WHERE articles.id"
        )
        found: dict[str, Article] = {}
        whole: list[str] = []
        for row in self._rows_in(select, wanted):
            if text or (row["features"] and row["features_version"] == features):
                found[row["id"]] = self._article(row, features, text)
            else:
                whole.append(row["id"])
        if whole:
            found.update(self.articles_by_id(whole, features))
        return {i: found[i] for i in wanted if i in found}

    def waiting_count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM articles WHERE edition IS NULL").fetchone()[0])

    def article_count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    def edition_of(self, article_id: str) -> str | None:
        row = self.db.execute("SELECT edition FROM articles WHERE id = ?", (article_id,)).fetchone()
        return None if row is None else row["edition"]

    # editions ----------------------------------------------------------------------------
    def record_edition(
        self,
        edition: EditionRecord,
        article_ids: Iterable[str],
        stories: Sequence[Story] = (),
        topics: Sequence[Topic] = (),
    ) -> None:
        """Mark the edition's articles as published in it (articles already in another edition keep
        theirs) and keep its ``stories`` (in order) with the titles of their ``topics``, replacing
        what an earlier run of the same date kept."""
        ids = list(article_ids)
        with self.transaction() as db:
            self._record_stories(db, edition.date, stories, topics)
            db.execute("UPDATE articles SET edition = NULL WHERE edition = ?", (edition.date,))
            db.executemany(
                "UPDATE articles SET edition = ? WHERE id = ? AND edition IS NULL",
                [(edition.date, i) for i in ids],
            )
            db.execute(
                "INSERT INTO editions (date, generated_at, stories, articles, outputs, sources) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (date) DO UPDATE SET generated_at = excluded.generated_at, "
                "stories = excluded.stories, articles = excluded.articles, outputs = excluded.outputs, "
                "sources = excluded.sources",
                (
                    edition.date,
                    edition.generated_at,
                    edition.stories,
                    edition.articles,
                    json.dumps(edition.outputs),
                    edition.sources,
                ),
            )

    @staticmethod
    def _record_stories(db: Connection, day: str, stories: Sequence[Story], topics: Sequence[Topic]) -> None:
        for table in _STORY_TABLES:
            db.execute(f"DELETE FROM {table} WHERE edition = ?", (day,))
        titles = {topic.id: topic.title for topic in topics}
        for position, story in enumerate(stories):
            topic = story.topic or story.id
            link = story.continues
            db.execute(
                "INSERT INTO stories VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    day,
                    story.id,
                    position,
                    story.title,
                    story.topic,
                    titles.get(topic, story.title),
                    json.dumps(list(story.related)),
                    *((link.date, link.story_id, link.title, link.since) if link else (None,) * 4),
                ),
            )
            db.executemany(
                "INSERT INTO story_articles VALUES (?, ?, ?, ?)",
                [(day, story.id, article.id, k) for k, article in enumerate(story.articles)],
            )
            db.executemany(
                "INSERT INTO summary_sentences VALUES (?, ?, ?, ?, ?)",
                [(day, story.id, k, sentence.text, sentence.article_id) for k, sentence in enumerate(story.summary)],
            )
            db.executemany(
                "INSERT INTO citations VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (day, story.id, k, n, cited, sentence.evidence_of(cited) if n else None)
                    for k, sentence in enumerate(story.summary)
                    for n, cited in enumerate(sentence.citations)
                ],
            )

    def keep_stories(self, date: str, stories: Sequence[Story], topics: Sequence[Topic] = ()) -> None:
        """Keep ``stories`` as those of the edition of ``date`` already recorded (an edition made before
        the store kept stories), replacing any kept."""
        with self.transaction() as db:
            self._record_stories(db, date, stories, topics)

    def dates_without_stories(self) -> list[str]:
        """Editions recorded with no story kept: made before the store kept stories (or empty)."""
        rows = self.db.execute(
            "SELECT date FROM editions WHERE stories > 0 "
            "AND NOT EXISTS (SELECT 1 FROM stories WHERE stories.edition = editions.date) ORDER BY date"
        )
        return [row["date"] for row in rows]

    def edition_stories(self, date: str, features: str = "", text: bool = True) -> list[Story]:
        """The stories the edition of ``date`` published, in its order, with their articles (as the
        store holds them; with their stored features when ``features`` names the version that made
        them), summaries, citations and evidence; none for an edition not made.

        Without ``text`` (for comparing stories), their articles come as :meth:`articles_by_id` gives
        them without text, and without summaries."""
        rows = self.db.execute("SELECT * FROM stories WHERE edition = ? ORDER BY position", (date,)).fetchall()
        if not rows:
            return []
        members: dict[str, list[str]] = {}
        for row in self.db.execute(
            "SELECT story, article_id FROM story_articles WHERE edition = ? ORDER BY story, position", (date,)
        ):
            members.setdefault(row["story"], []).append(row["article_id"])
        known = self.articles_by_id((i for ids in members.values() for i in ids), features, text)
        cited: dict[tuple[str, int], list[tuple[str, str | None]]] = {}
        summaries: dict[str, list[SummarySentence]] = {}
        if not text:
            return [self._story(row, members, known, summaries) for row in rows]
        for row in self.db.execute(
            "SELECT story, sentence, article_id, evidence FROM citations WHERE edition = ? "
            "ORDER BY story, sentence, position",
            (date,),
        ):
            cited.setdefault((row["story"], row["sentence"]), []).append((row["article_id"], row["evidence"]))
        for row in self.db.execute(
            "SELECT story, position, text, article_id FROM summary_sentences WHERE edition = ? "
            "ORDER BY story, position",
            (date,),
        ):
            citations = cited.get((row["story"], row["position"]), [])
            evidence = tuple((a, said) for a, said in citations if said is not None)
            summaries.setdefault(row["story"], []).append(
                SummarySentence(row["text"], tuple(a for a, _ in citations), row["article_id"], evidence)
            )
        return [self._story(row, members, known, summaries) for row in rows]

    @staticmethod
    def _story(
        row: Row,
        members: dict[str, list[str]],
        known: dict[str, Article],
        summaries: dict[str, list[SummarySentence]],
    ) -> Story:
        return Story(
            id=row["id"],
            title=row["title"],
            articles=tuple(known[i] for i in members.get(row["id"], []) if i in known),
            summary=tuple(summaries.get(row["id"], [])),
            related=tuple(json.loads(row["related"])),
            continues=None
            if row["continues_date"] is None
            else Continuation(
                row["continues_date"], row["continues_story"], row["continues_title"], row["continues_since"]
            ),
            topic=row["topic"],
        )

    def edition_headlines(self, date: str, headlines: int = 3) -> list[tuple[str, str]]:
        """The first ``headlines`` stories (id, title) of the edition of ``date``."""
        top = self.db.execute(
            "SELECT id, title FROM stories WHERE edition = ? ORDER BY position LIMIT ?", (date, headlines)
        ).fetchall()
        return [(r["id"], r["title"]) for r in top]

    def edition_outline(self, date: str, headlines: int = 3) -> tuple[list[tuple[str, str]], list[Article]]:
        """What the archive lists of an edition: its first ``headlines`` stories (id, title), and the
        articles it published, without their text (for counting their outlets)."""
        top = self.edition_headlines(date, headlines)
        rows = self.db.execute(
            "SELECT a.id, a.path, a.title, a.source, a.url, a.published FROM story_articles AS s "
            "JOIN articles AS a ON a.id = s.article_id WHERE s.edition = ?",
            (date,),
        ).fetchall()
        articles = [
            Article(r["id"], _loaded_path(r["path"]), r["title"], r["source"], r["url"], r["published"], (), ())
            for r in rows
        ]
        return top, articles

    def edition_topics(self, date: str) -> list[Topic]:
        """The topics of the edition of ``date``, in its order, each with its stories' ids."""
        found: dict[str, Topic] = {}
        for row in self.db.execute(
            "SELECT id, topic, topic_title FROM stories WHERE edition = ? ORDER BY position", (date,)
        ):
            key = row["topic"] or row["id"]
            known = found.get(key)
            stories = (*known.stories, row["id"]) if known else (row["id"],)
            found[key] = Topic(key, row["topic_title"], stories)
        return list(found.values())

    def editions(self) -> list[EditionRecord]:
        rows = self.db.execute("SELECT * FROM editions ORDER BY date DESC").fetchall()
        return [self._edition(r) for r in rows]

    @staticmethod
    def _edition(row: Row) -> EditionRecord:
        outputs = json.loads(row["outputs"])
        return EditionRecord(row["date"], row["generated_at"], row["stories"], row["articles"], outputs, row["sources"])

    def edition(self, date: str) -> EditionRecord | None:
        row = self.db.execute("SELECT * FROM editions WHERE date = ?", (date,)).fetchone()
        return None if row is None else self._edition(row)

    # feeds and fetched items ---------------------------------------------------------------
    def feeds(self) -> list[FeedRecord]:
        rows = self.db.execute("SELECT * FROM feeds ORDER BY COALESCE(name, url), url").fetchall()
        return [
            FeedRecord(
                r["url"],
                r["name"],
                bool(r["full_text"]),
                r["origin"],
                r["etag"],
                r["last_modified"],
                r["last_fetch"],
                r["last_ok"],
                r["new_items"],
                r["error"],
            )
            for r in rows
        ]

    def add_feed(self, url: str, name: str | None, full_text: bool, origin: str, now: str) -> bool:
        """Subscribe to a feed; one already known gets the new name and full_text. True if it is new."""
        with self.transaction() as db:
            known = db.execute("SELECT 1 FROM feeds WHERE url = ?", (url,)).fetchone() is not None
            db.execute(
                "INSERT INTO feeds (url, name, full_text, origin, added_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (url) DO UPDATE SET name = COALESCE(excluded.name, feeds.name), "
                "full_text = excluded.full_text",
                (url, name, int(full_text), origin, now),
            )
        return not known

    def remove_feed(self, url: str) -> bool:
        """Unsubscribe (the items already fetched stay in the ledger). True if it was subscribed."""
        with self.transaction() as db:
            return int(db.execute("DELETE FROM feeds WHERE url = ?", (url,)).rowcount) > 0

    def record_fetch(
        self,
        url: str,
        now: str,
        *,
        error: str | None,
        new_items: int = 0,
        etag: str | None = None,
        last_modified: str | None = None,
        items: Sequence[tuple[str, str | None]] = (),
    ) -> None:
        """The outcome of one fetch of a feed, and the items it wrote (key, inbox path), in one transaction.

        The validators (ETag, Last-Modified) are kept only from a fetch that went well.
        """
        with self.transaction() as db:
            if error is None:
                db.execute(
                    "UPDATE feeds SET last_fetch = ?, last_ok = ?, new_items = ?, error = NULL, "
                    "etag = COALESCE(?, etag), last_modified = COALESCE(?, last_modified) WHERE url = ?",
                    (now, now, new_items, etag, last_modified, url),
                )
            else:
                db.execute(
                    "UPDATE feeds SET last_fetch = ?, new_items = ?, error = ? WHERE url = ?",
                    (now, new_items, error, url),
                )
            db.executemany(
                "INSERT INTO fetched (source, key, path, fetched_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [(url, key, path, now) for key, path in items],
            )

    def record_fetched(self, source: str, items: Sequence[tuple[str, str | None]], now: str) -> None:
        """Items of ``source`` written into the inbox (key, inbox path): never written again."""
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO fetched (source, key, path, fetched_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [(source, key, path, now) for key, path in items],
            )

    def fetched_keys(self, source: str) -> set[str]:
        rows = self.db.execute("SELECT key FROM fetched WHERE source = ?", (source,)).fetchall()
        return {row["key"] for row in rows}

    # search ------------------------------------------------------------------------------
    def search(self, query: str, limit: int = 100) -> list[str]:
        """The ids of the stored articles that hold every word of ``query`` in their title, dek and text
        taken together, or in the title of a story of theirs; best match first (bm25 on SQLite, ts_rank
        on PostgreSQL), at most ``limit``. Case and accents do not matter and the last word may be the
        start of one. Only letters and digits make words: quotes, ``*``, ``-`` and the like separate
        them, and words such as AND or NOT are words to find, never operators of the index."""
        words = search_words(query)
        if not words or limit <= 0:
            return []
        sql, params = self._search_sql(words)
        return [row[0] for row in self.db.execute(sql, (*params, limit))]

    def stories_carrying(self, article_ids: Sequence[str]) -> list[tuple[str, str, str, str]]:
        """(article id, edition, story id, story title) of each story that carried one of these articles,
        by edition then the story's place in it."""
        rows = self._rows_in(
            "SELECT s.article_id, s.edition, s.story, stories.title, stories.position FROM story_articles AS s "
            "JOIN stories ON stories.edition = s.edition AND stories.id = s.story WHERE s.article_id",
            list(dict.fromkeys(article_ids)),
        )
        found = sorted((r["edition"], r["position"], r["article_id"], r["story"], r["title"]) for r in rows)
        return [(article, edition, story, title) for edition, _, article, story, title in found]

    @staticmethod
    def _search_sql(words: Sequence[str]) -> tuple[str, tuple[str, ...]]:
        """The statement that finds ``words`` in the index (its last parameter, the limit, unbound)."""
        match = " ".join(f'"{word}"' for word in words) + "*"  # each word a quoted string; the last a prefix
        sql = (
            "SELECT id FROM ("
            "SELECT articles.id AS id, bm25(article_search, 4.0, 2.0, 1.0) AS rank FROM article_search "
            "JOIN articles ON articles.rowid = article_search.rowid WHERE article_search MATCH ? "
            "UNION ALL "
            "SELECT story_articles.article_id, bm25(story_search) FROM story_search "
            "JOIN stories ON stories.rowid = story_search.rowid JOIN story_articles "
            "ON story_articles.edition = stories.edition AND story_articles.story = stories.id "
            "WHERE story_search MATCH ?"
            ") GROUP BY id ORDER BY MIN(rank), id LIMIT ?"
        )
        return sql, (match, match)

    # deliveries --------------------------------------------------------------------------
    @staticmethod
    def _delivery(row: Row) -> DeliveryRecord:
        return DeliveryRecord(
            row["edition"],
            row["recipient"],
            row["status"],
            row["reply"],
            row["message_id"],
            row["attempts"],
            row["sent_at"],
            row["updated_at"],
        )

    def delivery(self, edition: str, recipient: str) -> DeliveryRecord | None:
        row = self.db.execute(
            "SELECT * FROM deliveries WHERE edition = ? AND recipient = ?", (edition, recipient)
        ).fetchone()
        return None if row is None else self._delivery(row)

    def deliveries(self, edition: str | None = None) -> list[DeliveryRecord]:
        """Every delivery (of one edition), by edition then recipient."""
        if edition is None:
            rows = self.db.execute("SELECT * FROM deliveries ORDER BY edition, recipient").fetchall()
        else:
            rows = self.db.execute(
                "SELECT * FROM deliveries WHERE edition = ? ORDER BY recipient", (edition,)
            ).fetchall()
        return [self._delivery(r) for r in rows]

    def claim_delivery(
        self, edition: str, recipient: str, *, now: str, message_id: str | None, force: bool = False
    ) -> DeliveryRecord | None:
        """Claim the sending of one delivery before the message is handed over: in one statement, the row
        becomes 'sending' (one more attempt) if there is none yet, or it is 'failed', or with ``force``.

        None if another process holds it ('sent', or 'sending': it is being handed over elsewhere, or
        was when that process stopped): exactly one of several machines sends each message.
        """
        with self.transaction() as db:
            claimed = db.execute(
                "INSERT INTO deliveries (edition, recipient, status, reply, message_id, attempts, sent_at, updated_at) "
                "VALUES (?, ?, 'sending', NULL, ?, 1, NULL, ?) ON CONFLICT (edition, recipient) DO UPDATE SET "
                "status = 'sending', reply = NULL, message_id = COALESCE(excluded.message_id, deliveries.message_id), "
                "attempts = deliveries.attempts + 1, updated_at = excluded.updated_at "
                "WHERE deliveries.status = 'failed' OR ?",
                (edition, recipient, message_id, now, force),
            ).rowcount
        return self.delivery(edition, recipient) if claimed else None

    def record_delivery(
        self,
        edition: str,
        recipient: str,
        status: str,
        *,
        now: str,
        reply: str | None = None,
        message_id: str | None = None,
        attempt: bool = False,
    ) -> DeliveryRecord:
        """Set the state of one delivery; ``attempt`` counts one more hand-over to the server.

        The row is committed before this returns, so a crash right after a 'sent' never sends twice.
        """
        sent_at = now if status == "sent" else None
        with self.transaction() as db:
            db.execute(
                "INSERT INTO deliveries (edition, recipient, status, reply, message_id, attempts, sent_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (edition, recipient) DO UPDATE SET "
                "status = excluded.status, reply = excluded.reply, "
                "message_id = COALESCE(excluded.message_id, deliveries.message_id), "
                "attempts = deliveries.attempts + excluded.attempts, "
                "sent_at = COALESCE(excluded.sent_at, deliveries.sent_at), "
                "updated_at = excluded.updated_at",
                (edition, recipient, status, reply, message_id, int(attempt), sent_at, now),
            )
        record = self.delivery(edition, recipient)
        assert record is not None
        return record


def backup_store(store_path: Path, to: Path | None = None) -> Path:
    """Write a consistent copy of the store to ``to`` (a file, or a folder to put it in), by default
    ``<store>.backup-YYYYmmdd-HHMMSS`` beside it; return the copy's path.

    SQLite's online backup: a daemon or a run may go on using the store meanwhile. The copy is
    written under a temporary name and renamed, so it appears whole or not at all. To restore,
    stop the daemon and copy the backup over the store file.
    """
    if not store_path.is_file():
        raise StoreError(f"there is no state database at {store_path} to back up")
    name = f"{store_path.name}.backup-{time.strftime('%Y%m%d-%H%M%S')}"
    target = store_path.with_name(name) if to is None else to / name if to.is_dir() else to
    partial = target.with_name(f".{target.name}.partial")
    try:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()  # left by a backup that was stopped
        with (
            contextlib.closing(sqlite3.connect(store_path, timeout=30)) as source,
            contextlib.closing(sqlite3.connect(partial)) as copy,
        ):
            source.backup(copy)
        os.replace(partial, target)
    except (OSError, sqlite3.Error) as exc:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise store_problem(store_path if _is_damaged(exc) else target, exc) from None
    return target


class EditionLock:
    """An exclusive lock beside the store: ``edition`` while an edition is made, ``ingest`` while
    the inbox is read into the store, ``daemon`` while ``digest serve`` runs.

    ``flock`` is released by the kernel when the holder dies, so a crashed run never blocks the
    next one; the lock file is removed on a clean release.
    """

    def __init__(self, store_path: Path, name: str = "edition", busy: str | None = None) -> None:
        self.path = store_path.with_name(f"{store_path.name}.{name}.lock")
        self.name = name
        self.busy = busy or f"another digest {name} is in progress on this store"
        self._fd: int | None = None
        self.previous_holder: int | None = None

    def _open(self) -> int:
        """Open (or create) the lock file, never through a symbolic link, and only if it is a
        regular file of this user's: the lock writes into it, and must not write anywhere else."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise StoreError(
                    f"the lock file {self.path} is a symbolic link; remove it (digest makes its own) and run again"
                ) from None
            if exc.errno in (errno.EISDIR, errno.ENXIO):
                raise StoreError(f"the lock file {self.path} is not a regular file; remove it and run again") from None
            raise store_problem(self.path, exc) from None
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid():
            os.close(fd)
            what = "not a regular file" if not stat.S_ISREG(info.st_mode) else f"owned by another user ({info.st_uid})"
            raise StoreError(f"the lock file {self.path} is {what}; remove it and run again")
        return fd

    def acquire(self, wait: float = 0.0) -> None:
        deadline = time.monotonic() + wait
        while True:
            fd = self._open()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                os.close(fd)
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    holder = self.holder()
                    who = f" (pid {holder})" if holder else ""
                    raise LockBusyError(f"{self.busy}{who}; wait for it to finish or use --wait SECONDS") from None
                time.sleep(0.2)
                continue
            # The file may have been removed by the previous holder after we opened it.
            try:
                same = os.fstat(fd).st_ino == os.lstat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if not same:
                os.close(fd)
                continue
            # A pid still written here belongs to a holder that died without releasing the lock.
            left = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            self.previous_holder = int(left) if left.isdigit() and int(left) != os.getpid() else None
            try:
                os.ftruncate(fd, 0)
                os.write(fd, str(os.getpid()).encode())
            except OSError as exc:
                os.close(fd)
                raise store_problem(self.path, exc) from None
            self._fd = fd
            return

    def holder(self) -> int | None:
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            return None
        try:
            text = os.read(fd, 32).decode("ascii", "replace").strip()
        except OSError:
            return None
        finally:
            os.close(fd)
        return int(text) if text.isdigit() else None

    def held_by(self) -> int | None:
        """The pid of the live process holding this lock, or None if nobody holds it."""
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return self.holder() or -1
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        finally:
            os.close(fd)

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> EditionLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
