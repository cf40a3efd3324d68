from __future__ import annotations

import email
import shutil
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from digest.config import Settings
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
