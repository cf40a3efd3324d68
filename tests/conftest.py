from __future__ import annotations

import email
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from digest.config import Settings, StoreURL
from digest.models import Article
from digest.sources.ingest import read_file
from digest.text.clean import clean_document, common_head_lines

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "inbox"  # the bundled sample inbox: the five seed articles
# A new article of another day, unrelated to the seeds (as a JSON inbox file).
BRIDGE_ARTICLE = {
    "title": "Harbour bridge reopens",
    "source": "City Times",
    "published": "2019-11-04",
    "text": "The harbour bridge reopened to traffic on Monday after two years of repairs. "
    "Officials said the work finished a month early.",
}


def seed_name(article: Article) -> str:
    """'000' for an article from 000_….txt."""
    return Path(article.path).name[:3]


@pytest.fixture(scope="session")
def seed_articles() -> list[Article]:
    docs = [doc for path in sorted(SEEDS.glob("*.txt")) for doc in read_file(path).docs]
    furniture = common_head_lines(docs)
    return [a for doc in docs for a in clean_document(doc, furniture)]


@pytest.fixture
def clock() -> Callable[[], datetime]:
    return lambda: datetime(2019, 11, 3, 7, 0, tzinfo=UTC)


@pytest.fixture
def seed_inbox(tmp_path: Path) -> Path:
    inbox = tmp_path / "inbox"
    shutil.copytree(SEEDS, inbox)
    return inbox


@pytest.fixture
def settings(tmp_path: Path, seed_inbox: Path) -> Settings:
    return Settings(inbox=seed_inbox, output=tmp_path / "output", timezone="UTC", pdf=False)


# ---- a real PostgreSQL server ------------------------------------------------------------


def postgres_binaries() -> Path | None:
    """The folder of the newest installed PostgreSQL server (Debian's layout), or None."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    return found[-1].parent if found else None


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server of the test session's own (initdb + pg_ctl in a temporary folder, on a free
    port, its socket in that folder), run by an unprivileged user when the tests run as root; yields
    the URL of its server, without a database name. Stopped and removed at the end of the session."""
    binaries = postgres_binaries()
    if binaries is None:
        pytest.skip("no PostgreSQL server installed (/usr/lib/postgresql/*/bin/pg_ctl): apt-get install postgresql")
    folder = Path(tempfile.mkdtemp(prefix="digest-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        user = pwd.getpwnam("nobody")
        os.chown(folder, user.pw_uid, user.pw_gid)
        as_user = ["runuser", "-u", "nobody", "--"]
    port = free_port()
    data, log = folder / "data", folder / "server.log"

    def run(*command: str) -> None:
        subprocess.run([*as_user, *command], check=True, capture_output=True, timeout=120)

    run(str(binaries / "initdb"), "-D", str(data), "-U", "digest", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    try:
        run(str(binaries / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start")
        yield f"postgresql://digest@127.0.0.1:{port}"
    finally:
        subprocess.run(
            [*as_user, str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pg_url(postgres_server: str) -> Iterator[str]:
    """The URL of a new, empty database on the session's server, dropped after the test."""
    import psycopg

    name = f"t{os.getpid()}_{next(_databases)}"
    with psycopg.connect(f"{postgres_server}/postgres", autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    yield f"{postgres_server}/{name}"
    with psycopg.connect(f"{postgres_server}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


_databases = iter(range(1_000_000))

STORES = ["sqlite", "postgresql"]


@pytest.fixture(params=STORES)
def store_kind(request: pytest.FixtureRequest) -> str:
    """Each store in turn: a test taking this runs on SQLite and on PostgreSQL."""
    return str(request.param)


@pytest.fixture
def store_settings(store_kind: str, settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """``settings`` with the store of ``store_kind``: the SQLite file, or a new PostgreSQL database."""
    if store_kind == "sqlite":
        return settings
    return replace(settings, store=StoreURL(request.getfixturevalue("pg_url")))


# ---- a real SMTP server ------------------------------------------------------------------


@dataclass
class Mailbox:
    """An aiosmtpd handler that keeps every message and can refuse or delay some recipients."""

    refuse: set[str] = field(default_factory=set)  # answered 550
    busy: dict[str, int] = field(default_factory=dict)  # answered 451 this many times first
    accounts: dict[str, str] = field(default_factory=dict)  # username -> password for AUTH
    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    tls_sessions: list[bool] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: no such mailbox here"
        if self.busy.get(address, 0) > 0:
            self.busy[address] -= 1
            return "451 4.3.0 mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        self.tls_sessions.append(server.transport.get_extra_info("ssl_object") is not None)
        return f"250 2.0.0 Ok: queued as Q{len(self.received)}"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        if isinstance(data, LoginPassword):
            user, password = data.login.decode(), data.password.decode()
            if self.accounts.get(user) == password:
                self.logins.append(user)
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    def messages(self) -> list[EmailMessage]:
        return [email.message_from_bytes(raw, policy=policy.default) for _, _, raw in self.received]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    port: int
    mailbox: Mailbox
    controller: Controller


@pytest.fixture
def smtp() -> Iterator[Callable[..., Server]]:
    """start(mailbox, port=..., **aiosmtpd options) runs a server until the test ends."""
    running: list[Controller] = []

    def start(mailbox: Mailbox | None = None, *, port: int | None = None, **options: Any) -> Server:
        mailbox = mailbox or Mailbox()
        if mailbox.accounts:
            options.setdefault("authenticator", mailbox.authenticate)
        controller = Controller(mailbox, hostname="127.0.0.1", port=port or free_port(), **options)
        controller.start()
        running.append(controller)
        return Server(controller.port, mailbox, controller)

    yield start
    for controller in running:
        controller.stop()
