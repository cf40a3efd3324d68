"""PostgreSQL state, for teams whose inboxes outgrow one machine: ``store = "postgresql://user@host/db"``.

The tables, the migrations and the SQL are the SQLite store's (:mod:`.sqlite`); what differs is here,
small and explicit:

* placeholders: the shared SQL writes ``?``, psycopg takes ``%s`` (:func:`postgres_sql`);
* the schema: each migration as :func:`postgres_ddl` translates it (64-bit integers, file names as
  BYTEA, text compared byte by byte as SQLite compares it), but the search index, which is PostgreSQL's
  own (:data:`SEARCH_INDEX`); its number kept in ``digest_schema``, and applied under a
  transaction-level advisory lock, so that processes starting together migrate once;
* search: ``tsvector`` and ``ts_rank`` where SQLite has FTS5 and bm25 (``_search_sql``);
* file names are always kept as bytes, so that names that are not UTF-8 survive;
* locks (:class:`AdvisoryLock`): a session-level advisory lock on a connection of its own, which the
  server releases when that connection goes, so a crashed or unplugged machine never blocks the others.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..errors import LockBusyError, StoreError
from .sqlite import MIGRATIONS, SCHEMA_VERSION, Connection, EditionLock, Store

# Seconds to wait for the server to answer a new connection.
CONNECT_TIMEOUT = 10


def shown_url(url: str) -> str:
    """The URL as messages and logs show it: without its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def lock_key(name: str) -> int:
    """The advisory-lock key of lock ``name``: 64 bits of its hash, signed as PostgreSQL's bigint."""
    return int.from_bytes(hashlib.sha256(f"digest:{name}".encode()).digest()[:8], "big", signed=True)


@functools.lru_cache(maxsize=512)
def postgres_sql(sql: str) -> str:
    """A statement of the shared SQL with psycopg's placeholders (a literal ``%`` doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


def postgres_ddl(sql: str) -> str:
    """A migration of :data:`~digest.store.sqlite.MIGRATIONS` as PostgreSQL takes it."""
    sql = re.sub(r"\bpath TEXT (?=PRIMARY KEY|NOT NULL)", "path BYTEA ", sql)  # files.path, articles.path
    sql = re.sub(r"\bINTEGER\b", "BIGINT", sql)  # sizes and nanosecond times pass 2**31
    return re.sub(r"\bTEXT\b", 'TEXT COLLATE "C"', sql)  # ORDER BY as in SQLite, whatever the server's locale


# Migration 7 of MIGRATIONS, the search index, as PostgreSQL keeps it: a tsvector of each article's title
# (weight A), dek (B) and text (the strings of its JSON paragraphs) in a table of its own, kept by a
# trigger (so that reading articles does not carry it), and a tsvector column of each story's title;
# both with a GIN index. 'simple': lower case, no stemming and no stop words, as SQLite's FTS5 has it.
_DOCUMENT = (
    "setweight(to_tsvector('simple', COALESCE({row}.title, '')), 'A') || "
    "setweight(to_tsvector('simple', COALESCE({row}.dek, '')), 'B') || "
    "to_tsvector('simple', {row}.paragraphs::jsonb)"
)
SEARCH_INDEX = f"""
CREATE TABLE article_search (article_id TEXT COLLATE "C" PRIMARY KEY, document tsvector NOT NULL);
CREATE INDEX article_search_document ON article_search USING GIN (document);
CREATE FUNCTION article_search_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM article_search WHERE article_id = OLD.id;
    ELSE
        INSERT INTO article_search (article_id, document) VALUES (NEW.id, {_DOCUMENT.format(row="NEW")})
        ON CONFLICT (article_id) DO UPDATE SET document = excluded.document;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER article_search_keep AFTER INSERT OR DELETE OR UPDATE OF title, dek, paragraphs ON articles
FOR EACH ROW EXECUTE FUNCTION article_search_keep();
INSERT INTO article_search (article_id, document) SELECT id, {_DOCUMENT.format(row="articles")} FROM articles;
ALTER TABLE stories ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple', title)) STORED;
CREATE INDEX stories_search ON stories USING GIN (search);
"""


def postgres_migration(number: int) -> str:
    """Migration ``number`` (from 0) of :data:`~digest.store.sqlite.MIGRATIONS` as PostgreSQL runs it."""
    return SEARCH_INDEX if number == 6 else postgres_ddl(MIGRATIONS[number])


def store_problem_of(url: str, exc: BaseException) -> StoreError:
    """The one line that says what went wrong with the database at ``url``."""
    detail = " ".join(str(exc).split()) or type(exc).__name__
    import psycopg

    if isinstance(exc, psycopg.OperationalError):
        return StoreError(
            f"the database {shown_url(url)} cannot be reached ({detail}); check that PostgreSQL runs there "
            "and the 'store' URL (digest doctor checks)"
        )
    return StoreError(f"the database {shown_url(url)} cannot be used ({detail})")


def connect(url: str, purpose: str) -> Any:
    """A psycopg connection in autocommit mode, named in ``pg_stat_activity`` by purpose, pid and host.

    TCP keepalives make the server notice a holder that vanished (and free its locks) within a minute.
    """
    import psycopg

    try:
        return psycopg.connect(
            url,
            autocommit=True,
            connect_timeout=CONNECT_TIMEOUT,
            application_name=f"digest {purpose} {os.getpid()}@{socket.gethostname()}"[:63],
            keepalives=1,
            keepalives_idle=20,
            keepalives_interval=5,
            keepalives_count=4,
        )
    except psycopg.Error as exc:
        raise store_problem_of(url, exc) from None


class _Row:
    """A row by column name or position, as sqlite3.Row gives it."""

    __slots__ = ("_names", "_values")

    def __init__(self, values: Sequence[Any], names: dict[str, int]) -> None:
        self._values = values
        self._names = names

    def __getitem__(self, key: int | str) -> Any:
        return self._values[self._names[key] if isinstance(key, str) else key]

    def __len__(self) -> int:
        return len(self._values)

    def keys(self) -> list[str]:
        return list(self._names)


def _row_factory(cursor: Any) -> Callable[[Sequence[Any]], _Row]:
    names = {column.name: k for k, column in enumerate(cursor.description or ())}
    return lambda values: _Row(values, names)


class _Connection:
    """A psycopg connection that takes the shared SQL (``?`` placeholders) as sqlite3.Connection does."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.conn.execute(postgres_sql(sql), params) if params else self.conn.execute(sql)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any:
        cursor = self.conn.cursor()
        rows = list(rows)
        if rows:
            cursor.executemany(postgres_sql(sql), rows)
        return cursor

    def close(self) -> None:
        self.conn.close()


class PostgresStore(Store):
    """The state database on a PostgreSQL server, shared by the ``digest`` of several machines."""

    def __init__(self, url: str) -> None:  # the SQLite store's __init__ is not called: nothing of it applies
        import psycopg

        self.url = url
        conn = connect(url, "store")
        conn.row_factory = _row_factory
        self.conn = conn
        self.db: Connection = _Connection(conn)
        try:
            self._migrate()
        except psycopg.Error as exc:
            conn.close()
            raise store_problem_of(url, exc) from None
        except StoreError:
            conn.close()
            raise

    @property
    def name(self) -> str:
        return shown_url(self.url)

    def _migrate(self) -> None:
        with self.conn.transaction():
            self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key("migrate"),))
            self.conn.execute("CREATE TABLE IF NOT EXISTS digest_schema (version INTEGER NOT NULL)")
            row = self.conn.execute("SELECT version FROM digest_schema").fetchone()
            if row is None:
                self.conn.execute("INSERT INTO digest_schema VALUES (0)")
            version = 0 if row is None else int(row[0])
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.name} was written by a newer digest (schema {version} > {SCHEMA_VERSION}); upgrade digest"
                )
            for number in range(version, SCHEMA_VERSION):
                self.conn.execute(postgres_migration(number))
            if version < SCHEMA_VERSION:
                self.conn.execute("UPDATE digest_schema SET version = %s", (SCHEMA_VERSION,))

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self.conn.transaction():
            yield self.db

    def close(self) -> None:
        self.conn.close()

    def __exit__(self, kind: object, exc: BaseException | None, traceback: object) -> None:
        import psycopg

        self.close()
        if isinstance(exc, psycopg.Error):
            raise store_problem_of(self.url, exc) from None

    @staticmethod
    def _stored(path: str) -> bytes:
        return path.encode("utf-8", "surrogateescape")

    @staticmethod
    def _search_sql(words: Sequence[str]) -> tuple[str, tuple[str, ...]]:
        # each word a quoted lexeme, all required; the last a prefix
        query = " & ".join(f"'{word}'" for word in words) + ":*"
        sql = (
            "SELECT id FROM ("
            "SELECT article_search.article_id AS id, ts_rank(article_search.document, query) AS rank "
            "FROM article_search CROSS JOIN to_tsquery('simple', ?) AS query WHERE article_search.document @@ query "
            "UNION ALL "
            "SELECT story_articles.article_id, ts_rank(stories.search, query) FROM stories JOIN story_articles "
            "ON story_articles.edition = stories.edition AND story_articles.story = stories.id "
            "CROSS JOIN to_tsquery('simple', ?) AS query WHERE stories.search @@ query"
            ") AS found GROUP BY id ORDER BY MAX(rank) DESC, id LIMIT ?"
        )
        return sql, (query, query)


def schema_version(url: str) -> int | None:
    """The schema number of the database at ``url`` (None before digest first used it); raises StoreError."""
    import psycopg

    with contextlib.closing(connect(url, "doctor")) as conn:
        try:
            found = conn.execute("SELECT to_regclass('digest_schema') IS NOT NULL").fetchone()[0]
            if not found:
                return None
            row = conn.execute("SELECT version FROM digest_schema").fetchone()
        except psycopg.Error as exc:
            raise store_problem_of(url, exc) from None
    return None if row is None else int(row[0])


class AdvisoryLock(EditionLock):
    """The lock ``name`` of a PostgreSQL store, for every machine using it: an advisory lock held by a
    connection of its own, which the server releases when the holder stops or its connection is lost.

    It stands where :class:`EditionLock` does; ``holder`` and ``held_by`` give the holder's pid when
    it runs on this machine (another machine's pid could not be signalled).
    """

    def __init__(self, url: str, name: str = "edition", busy: str | None = None) -> None:
        # nothing of the file lock's __init__ applies
        self.url = url
        self.name = name
        self.busy = busy or f"another digest {name} is in progress on this store"
        self.key = lock_key(name)
        self.previous_holder = None
        self._conn: Any = None

    def acquire(self, wait: float = 0.0) -> None:
        import psycopg

        deadline = time.monotonic() + wait
        conn = connect(self.url, f"lock {self.name}")
        try:
            while not conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()[0]:
                if time.monotonic() >= deadline:
                    holder = self._holder_name(conn)
                    who = f" ({holder})" if holder else ""
                    raise LockBusyError(f"{self.busy}{who}; wait for it to finish or use --wait SECONDS")
                time.sleep(0.2)
        except psycopg.Error as exc:
            conn.close()
            raise store_problem_of(self.url, exc) from None
        except BaseException:
            conn.close()
            raise
        self._conn = conn

    def _holder_name(self, conn: Any) -> str | None:
        """'pid N on HOST' of the connection holding this lock, if the server shows it."""
        unsigned = self.key & 0xFFFFFFFFFFFFFFFF
        row = conn.execute(
            "SELECT a.application_name FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s::bigint::oid "
            "AND l.objid = %s::bigint::oid AND l.objsubid = 1",
            (unsigned >> 32, unsigned & 0xFFFFFFFF),
        ).fetchone()
        if row is None or not row[0]:
            return None
        pid, _, host = str(row[0]).rpartition(" ")[2].partition("@")
        return f"pid {pid} on {host}" if pid.isdigit() else None

    def holder(self) -> int | None:
        pid = self.held_by()
        return pid if pid is not None and pid > 0 else None

    def held_by(self) -> int | None:
        """The holder's pid on this machine, -1 if another machine holds the lock, None if nobody does."""
        import psycopg

        try:
            with contextlib.closing(connect(self.url, "status")) as conn:
                name = self._holder_name(conn)
        except (StoreError, psycopg.Error):
            return None
        if name is None:
            return None
        pid, _, host = name.removeprefix("pid ").partition(" on ")
        return int(pid) if host == socket.gethostname()[: len(host)] else -1

    def release(self) -> None:
        import psycopg

        if self._conn is None:
            return
        with contextlib.suppress(psycopg.Error):
            self._conn.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
        with contextlib.suppress(psycopg.Error):
            self._conn.close()
        self._conn = None
