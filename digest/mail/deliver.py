"""E-mail delivery: each recorded edition goes to each recipient as one message, exactly once.

The message is built from the edition's stories in the store (a plain-text part, an HTML part made
for mail clients, and the files ``[email] attach`` names: the PDF by default) and handed to an SMTP
server. The store keeps one row per edition and recipient, written before and after every hand-over,
so a restarted daemon or a second ``digest run --send`` does not send again; ``force`` does.

Each attempt (connect, greet, secure, log in, send to every pending recipient) has an overall
deadline, ``[email] deadline``: a server that answers a byte at a time, each within ``timeout``,
cannot hold a send for longer; when it passes, the connection is cut and the attempt fails.

Failures are sorted in two kinds. Passing ones (connection refused or cut, a timeout, a 4xx
reply) are retried with doubling delays. Lasting ones (a host that does not exist, a refused
login, a TLS mismatch, an untrusted certificate) stop at once with one line saying what to fix.
A 5xx reply for one recipient is that recipient's failure; the others still get theirs.

Side effects are parameters: the clock, the sleep between retries, the environment the password
variable is read from, the TLS context and the function that opens the SMTP session.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import secrets
import smtplib
import socket
import ssl
import threading
import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date as Date
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ..config import EmailSettings, Settings, check_address, port_mismatch
from ..errors import ConfigError, DeliveryError
from ..models import Digest
from ..output.render import nice_date, output_format, story_views, templates_dir
from ..store import DeliveryRecord, Store, open_store, store_lock

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Sleep = Callable[[float], None]
# Opens a ready SMTP session (connected, TLS as configured, logged in) or raises.
Connect = Callable[[EmailSettings, str | None, ssl.SSLContext | None], smtplib.SMTP]

SUBJECT_TOP_STORY_CHARS = 90
PARAGRAPH_SENTENCES = 3


def system_clock() -> datetime:
    return datetime.now().astimezone()


# ---- reports ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecipientResult:
    """What happened to one recipient: 'sent', 'skipped' (sent before) or 'failed', and why."""

    recipient: str
    status: str
    detail: str
    message_id: str | None = None
    attempts: int = 0


@dataclass(frozen=True)
class SendReport:
    """The outcome of one :func:`send_edition`, one entry per recipient in the order given."""

    edition: Date
    results: tuple[RecipientResult, ...] = ()

    def _with(self, status: str) -> list[RecipientResult]:
        return [r for r in self.results if r.status == status]

    @property
    def sent(self) -> list[RecipientResult]:
        return self._with("sent")

    @property
    def skipped(self) -> list[RecipientResult]:
        return self._with("skipped")

    @property
    def failed(self) -> list[RecipientResult]:
        return self._with("failed")

    @property
    def ok(self) -> bool:
        return not self.failed


# ---- the edition, as a mail reader sees it ---------------------------------------------------


@dataclass(frozen=True)
class Edition:
    """A recorded edition, read back from the store (its stories as the store keeps them), with its PDF
    and its other files that are still there (by format)."""

    digest: Digest
    pdf: Path | None
    files: Mapping[str, Path] = field(default_factory=dict)

    def file(self, name: str) -> Path | None:
        """The edition's file in the output format ``name``, if it was made and is still there."""
        return self.pdf if name == "pdf" else self.files.get(name)

    @property
    def date(self) -> Date:
        return self.digest.date


def load_edition(settings: Settings, store: Store, day: Date) -> Edition:
    """The recorded edition of ``day`` with its JSON and PDF, or a DeliveryError saying what to do."""
    record = store.edition(day.isoformat())
    if record is None:
        known = [e.date for e in store.editions()]
        latest = f"; the latest is {known[0]}" if known else "; there is none yet"
        raise DeliveryError(
            f"there is no edition for {day.isoformat()}{latest}. Make it with 'digest run --date {day.isoformat()}'"
        )
    stories = store.edition_stories(record.date)
    if record.stories and not stories:  # made before the store kept stories: read once from its JSON
        from ..pipeline import adopt_earlier_editions

        adopt_earlier_editions(store, settings.output)
        stories = store.edition_stories(record.date)
    if record.stories and not stories:
        raise DeliveryError(
            f"the edition {day.isoformat()} was made before the store kept stories; "
            f"remake it with 'digest run --date {day.isoformat()}'"
        )
    generated = datetime.fromisoformat(record.generated_at)
    edition = Digest(day, generated, tuple(stories), topics=tuple(store.edition_topics(record.date)))
    pdf = Path(record.outputs["pdf"]) if record.outputs.get("pdf") else None
    if pdf is not None and not pdf.is_file():
        pdf = None
    files = {name: Path(path) for name, path in record.outputs.items() if path and Path(path).is_file()}
    return Edition(edition, pdf, files)


# ---- the message -------------------------------------------------------------------------------


def one_line(text: str | None) -> str:
    """``text`` (None: no text) with every control, line or paragraph separator turned into a space, runs collapsed,
    and every format character (category Cf: U+202E, U+200B, U+2066-2069, ...) left out.

    Story titles come from article files; a line break in one must never start a new header, and
    a right-to-left override must not make a subject or title read as something else.
    """
    cleaned = "".join(
        " " if (category := unicodedata.category(ch)) in ("Cc", "Zl", "Zp") else "" if category == "Cf" else ch
        for ch in text or ""
    )
    return " ".join(cleaned.split())


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:—–- ") + "…"


def subject_for(template: str, edition: Edition) -> str:
    stories = edition.digest.stories
    top = _shorten(one_line(stories[0].title), SUBJECT_TOP_STORY_CHARS) if stories else "no new stories"
    filled = template.format(
        date=edition.date.isoformat(),
        day=f"{edition.date:%A} {nice_date(edition.date)}",
        top_story=top,
        stories=len(stories),
    )
    return one_line(filled)


def _environment() -> Environment:
    folder = templates_dir()
    if not (folder / "email.html.j2").is_file():
        raise DeliveryError(f"the e-mail templates are not in {folder}; set DIGEST_TEMPLATES to the templates folder")
    env = Environment(
        loader=FileSystemLoader(folder),
        autoescape=lambda name: bool(name and name.endswith(".html.j2")),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["nice_date"] = nice_date
    env.filters["short_link"] = short_link
    env.filters["one_line"] = one_line
    return env


def short_link(url: str, limit: int = 60) -> str:
    """A web address to show as text: without its scheme, and cut with '…' when long."""
    shown = url.split("://", 1)[-1].removeprefix("www.")
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def render_bodies(
    edition: Edition, *, subject: str, max_stories: int, attached: bool, attached_as: str = "a PDF"
) -> tuple[str, str]:
    """The plain-text and HTML bodies of the mail: the stories as every format shows them
    (render.story_views), in paragraphs of at most ``PARAGRAPH_SENTENCES`` sentences. ``attached_as``
    says what is attached when ``attached`` ("a PDF and an EPUB")."""
    env = _environment()
    digest = edition.digest
    views = story_views(digest, "mail", full=max_stories, paragraph_sentences=PARAGRAPH_SENTENCES)
    context = {
        "date": edition.date,
        "subject": subject,
        "full": views[:max_stories],
        "more": views[max_stories:],
        "article_count": digest.article_count,
        "source_count": digest.source_count,
        "attached": attached,
        "attached_as": attached_as,
        "made": digest.generated_at.strftime("%Y-%m-%d %H:%M %Z").strip(),
    }
    text = env.get_template("email.txt.j2").render(**context)
    html = env.get_template("email.html.j2").render(**context)
    return text, html


def attachment_name(day: Date, name: str = "pdf") -> str:
    """``digest-2019-11-03.pdf``: the edition's file in format ``name``, named with its date."""
    suffix = Path(output_format(name).file_name).suffix
    return f"digest-{day.isoformat()}{suffix}"


def _a(name: str) -> str:
    """'a PDF', 'an EPUB': how the text of the mail names an attached format."""
    title = output_format(name).title
    return f"{'an' if title[:1] in 'AEFHILMNORSX' else 'a'} {title}"


def compose(
    edition: Edition,
    *,
    sender: str,
    recipient: str,
    subject_template: str,
    now: datetime,
    max_stories: int,
    attach: Sequence[str],
    message_id: str | None = None,
) -> EmailMessage:
    """One message to one recipient: text and HTML alternatives, the edition's files in the formats
    ``attach`` names attached (those that were made)."""
    subject = subject_for(subject_template, edition)
    files = {name: path.read_bytes() for name in attach if (path := edition.file(name)) is not None}
    attached_as = " and ".join(_a(name) for name in files)
    text, html = render_bodies(
        edition, subject=subject, max_stories=max_stories, attached=bool(files), attached_as=attached_as
    )
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = format_datetime(now)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = message_id or f"<digest.{edition.date.isoformat()}.{secrets.token_hex(8)}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: out-of-office replies stay away
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    for name, data in files.items():
        maintype, _, subtype = output_format(name).media_type.partition(";")[0].partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=attachment_name(edition.date, name))
    return message


# ---- the SMTP session --------------------------------------------------------------------------


def read_password(email: EmailSettings, env: Mapping[str, str]) -> str | None:
    """The password from the variable named by ``password_env`` or from ``password_file``."""
    if not email.username:
        return None
    if email.password_env:
        value = env.get(email.password_env)
        if not value:
            raise ConfigError(
                f"the environment variable {email.password_env} (email.password_env) is not set; "
                "export it with the SMTP password"
            )
        return value
    if email.password_file:
        try:
            value = Path(email.password_file).read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise ConfigError(
                f"email.password_file {email.password_file} cannot be read: {exc.strerror or exc}"
            ) from None
        if not value:
            raise ConfigError(f"email.password_file {email.password_file} is empty")
        return value
    raise ConfigError("email.username is set but there is no password: set password_env or password_file")


def tls_context(email: EmailSettings) -> ssl.SSLContext:
    """The system's trusted CAs, or only ``ca_file`` when it is set."""
    try:
        return ssl.create_default_context(cafile=email.ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"email.ca_file {email.ca_file} is not a readable PEM file: {exc}") from None


def _speaks_tls(host: str, port: int, timeout: float) -> bool:
    """Does the server at host:port start with a TLS handshake? (Checked only after no greeting came.)"""
    probe = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    probe.check_hostname = False
    probe.verify_mode = ssl.CERT_NONE
    try:
        with (
            socket.create_connection((host, port), timeout=timeout) as raw,
            probe.wrap_socket(raw, server_hostname=host),
        ):
            return True
    except (OSError, ssl.SSLError):
        return False


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    return one_line(f"{code} {text}")


def login(smtp: smtplib.SMTP, username: str, password: str, where: str) -> None:
    """Log in; a user name or password beyond ASCII goes as UTF-8 with AUTH PLAIN (RFC 4616).

    smtplib's own login encodes every mechanism as ASCII and so cannot send such a password.
    """
    if (username + password).isascii():
        smtp.login(username, password)
        return
    if "PLAIN" not in smtp.esmtp_features.get("auth", "").upper().split():
        raise DeliveryError(
            f"the password or user name has characters beyond ASCII, which needs AUTH PLAIN, and {where} "
            "does not offer it"
        )
    token = base64.b64encode(f"\0{username}\0{password}".encode()).decode("ascii")
    code, reply = smtp.docmd("AUTH", f"PLAIN {token}")
    if code == 334:  # a server that wants the credentials after an empty challenge
        code, reply = smtp.docmd(token)
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


class _Watchdog:
    """Cuts the SMTP connections of one delivery attempt once it has run ``seconds``, or at once
    when ``cancel`` is set (the daemon is stopping): no server can hold an attempt longer.

    It keeps a duplicate descriptor of each connection's socket: shutting that down ends the
    connection under any TLS layer wrapped around it later, even in the middle of a handshake.
    """

    def __init__(self, seconds: float, cancel: threading.Event | None) -> None:
        self.seconds = seconds
        self.cancel = cancel
        self.expired = False  # the deadline passed
        self.cancelled = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="digest-smtp-deadline", daemon=True)

    @property
    def tripped(self) -> bool:
        return self.expired or self.cancelled

    def __enter__(self) -> _Watchdog:
        self._token = _WATCHDOG.set(self)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()
        _WATCHDOG.reset(self._token)
        for sock in self._sockets:
            sock.close()

    def _watch(self) -> None:
        end = time.monotonic() + self.seconds
        while not self._done.wait(max(0.0, min(0.25, end - time.monotonic()))):
            cancelled = self.cancel is not None and self.cancel.is_set()
            if cancelled or time.monotonic() >= end:
                with self._lock:
                    self.cancelled, self.expired = cancelled, not cancelled
                    for sock in self._sockets:
                        _cut(sock)
                return

    def watch(self, sock: socket.socket) -> None:
        """Cut ``sock``'s connection when time is up (at once if it is already)."""
        with contextlib.suppress(OSError):  # a closed socket needs no watching
            duplicate = socket.socket(fileno=os.dup(sock.fileno()))
            with self._lock:
                self._sockets.append(duplicate)
                if self.tripped:
                    _cut(duplicate)


_WATCHDOG: ContextVar[_Watchdog | None] = ContextVar("digest_smtp_watchdog", default=None)


def _cut(sock: socket.socket) -> None:
    """Shut the connection down: a read blocked on it in another thread returns at once."""
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _tripped() -> bool:
    """Whether the current attempt's watchdog has cut its connections (what failed then is no clue)."""
    watchdog = _WATCHDOG.get()
    return watchdog is not None and watchdog.tripped


def _watched(sock: socket.socket) -> socket.socket:
    """Put a new connection in the care of the current attempt's watchdog, if any."""
    watchdog = _WATCHDOG.get()
    if watchdog is not None:
        watchdog.watch(sock)
    return sock


class _SMTP(smtplib.SMTP):
    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return _watched(super()._get_socket(host, port, timeout))  # type: ignore[misc]


class _SMTP_SSL(smtplib.SMTP_SSL):
    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        # smtplib's own, with the plain connection watched before the TLS handshake starts
        raw = _watched(socket.create_connection((host, port), timeout, self.source_address))
        return self.context.wrap_socket(raw, server_hostname=self._host)  # type: ignore[attr-defined]


def smtp_connect(email: EmailSettings, password: str | None, context: ssl.SSLContext | None) -> smtplib.SMTP:
    """Connect, greet, secure and log in as configured. Lasting problems raise DeliveryError."""
    where = f"{email.host}:{email.port}"
    if context is None and email.security != "none":
        context = tls_context(email)
    smtp: smtplib.SMTP
    try:
        if email.security == "ssl":
            smtp = _SMTP_SSL(email.host, email.port, timeout=email.timeout, context=context)
        else:
            smtp = _SMTP(email.host, email.port, timeout=email.timeout)
    except ssl.SSLCertVerificationError:
        raise
    except ssl.SSLError as exc:
        if email.security == "ssl" and not _tripped():
            raise DeliveryError(
                f"{where} did not answer with TLS ({exc.reason or exc}); a server that starts in plain text "
                "needs security = 'starttls'"
            ) from None
        raise
    except (TimeoutError, smtplib.SMTPServerDisconnected):
        # No greeting: perhaps the server waits for a TLS handshake (smtplib reports a timeout
        # while reading the greeting as a disconnection).
        if email.security != "ssl" and not _tripped() and _speaks_tls(email.host, email.port, email.timeout):
            raise DeliveryError(
                f"{where} expects TLS from the start (like port 465): set security = 'ssl' in [email]"
            ) from None
        raise
    try:
        smtp.ehlo()
        if email.security == "starttls":
            if not smtp.has_extn("starttls"):
                raise DeliveryError(
                    f"{where} does not offer STARTTLS; use security = 'ssl' if it expects TLS from the start, "
                    "or 'none' only on a network you trust"
                )
            smtp.starttls(context=context)
            smtp.ehlo()
        if email.username:
            if not smtp.has_extn("auth"):
                hint = " (many servers offer it only after STARTTLS)" if email.security == "none" else ""
                raise DeliveryError(f"{where} does not offer a login (AUTH){hint}; drop username or fix security")
            login(smtp, email.username, password or "", where)
    except BaseException:
        with contextlib.suppress(Exception):
            smtp.close()
        raise
    return smtp


class _Refused(Exception):
    """The server answered one command of a mail transaction with an error code."""

    def __init__(self, code: int, reply: str) -> None:
        super().__init__(reply)
        self.code = code
        self.reply = reply


def _transaction(smtp: smtplib.SMTP, sender: str, recipient: str, data: bytes) -> str:
    """MAIL, RCPT, DATA for one recipient; the server's final reply, or _Refused."""
    message: bytes | str
    code, message = smtp.mail(sender)
    if code == 250:
        code, message = smtp.rcpt(recipient)
    if code in (250, 251):
        try:
            code, message = smtp.data(data)
        except smtplib.SMTPDataError as exc:  # DATA itself refused
            code, message = exc.smtp_code, exc.smtp_error
    if code == 250:
        return _reply(code, message)
    if code == 421:  # the server is closing the session: a connection problem, for everyone
        raise smtplib.SMTPServerDisconnected(_reply(code, message))
    with contextlib.suppress(smtplib.SMTPException, OSError):
        smtp.rset()
    raise _Refused(code, _reply(code, message))


def describe(exc: BaseException, email: EmailSettings) -> tuple[bool, str]:
    """(passing?, one line) for an error raised while talking to the server."""
    where = f"{email.host}:{email.port}"
    if isinstance(exc, DeliveryError):
        return False, str(exc)
    watchdog = _WATCHDOG.get()
    if watchdog is not None and watchdog.cancelled:
        return False, f"stopped while talking to {where}: digest is stopping"
    if watchdog is not None and watchdog.expired:
        return True, (
            f"{where} did not finish within the {watchdog.seconds:g} s deadline for a delivery attempt "
            "(it answers too slowly; [email] deadline)"
        )
    if isinstance(exc, socket.gaierror):
        if exc.errno == socket.EAI_AGAIN:
            return True, f"cannot look up the mail server {email.host!r} right now ({exc.strerror})"
        return False, f"the mail server host {email.host!r} does not exist ({exc.strerror}); check [email] host"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return False, (
            f"the TLS certificate of {where} is not trusted ({exc.verify_message}); "
            "set [email] ca_file to the certificate of the authority that signed it"
        )
    if isinstance(exc, ssl.SSLError):
        return False, f"the TLS handshake with {where} failed ({exc.reason or exc}); check [email] security and port"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        source = f"${email.password_env}" if email.password_env else f"{email.password_file}"
        return False, (
            f"{where} refused the login of {email.username!r}: {_reply(exc.smtp_code, exc.smtp_error)}; "
            f"check [email] username and the password in {source}"
        )
    if isinstance(exc, smtplib.SMTPResponseException):  # a refused greeting, EHLO or STARTTLS
        passing = 400 <= exc.smtp_code < 500
        return passing, f"{where} answered {_reply(exc.smtp_code, exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        if "timed out" in str(exc):
            return True, f"{where} did not answer within {email.timeout:g} s"
        return True, f"{where} closed the connection ({exc or 'no reason given'})"
    if isinstance(exc, ConnectionRefusedError):
        return True, f"{where} refused the connection; is the mail server running, and is [email] port right?"
    if isinstance(exc, TimeoutError):
        return True, f"{where} did not answer within {email.timeout:g} s"
    if isinstance(exc, OSError):
        return True, f"cannot reach {where}: {exc.strerror or exc}"
    return False, f"unexpected failure talking to {where}: {type(exc).__name__}: {exc}"


# ---- sending ------------------------------------------------------------------------------------


def recipients_of(email: EmailSettings, recipients: Sequence[str] | None) -> dict[str, str]:
    """{bare address: as written} for ``recipients`` if given, else [email] to; each address once.

    The bare address is the recipient's key in the store; the written form ('Ada <ada@…>') is
    the message's To header."""
    given = list(recipients) if recipients is not None else list(email.to)
    where = "--to" if recipients is not None else "email.to"
    if not given:
        raise ConfigError('nobody to send to: set to = ["reader@example.org"] in [email] or give --to')
    written: dict[str, str] = {}
    for value in given:
        written.setdefault(check_address(where, value), value.strip())
    return written


def send_edition(
    settings: Settings,
    day: Date,
    *,
    recipients: Sequence[str] | None = None,
    force: bool = False,
    clock: Clock = system_clock,
    sleep: Sleep = time.sleep,
    connect: Connect = smtp_connect,
    env: Mapping[str, str] | None = None,
    context: ssl.SSLContext | None = None,
    wait: float = 0.0,
    cancel: threading.Event | None = None,
) -> SendReport:
    """:func:`deliver_edition` with the store ``settings`` name, opened for this send only
    (``Newsdesk.send`` uses the newsdesk's store)."""
    with open_store(settings) as store:
        return deliver_edition(
            settings,
            store,
            day,
            recipients=recipients,
            force=force,
            clock=clock,
            sleep=sleep,
            connect=connect,
            env=env,
            context=context,
            wait=wait,
            cancel=cancel,
        )


def deliver_edition(
    settings: Settings,
    store: Store,
    day: Date,
    *,
    recipients: Sequence[str] | None = None,
    force: bool = False,
    clock: Clock = system_clock,
    sleep: Sleep = time.sleep,
    connect: Connect = smtp_connect,
    env: Mapping[str, str] | None = None,
    context: ssl.SSLContext | None = None,
    wait: float = 0.0,
    cancel: threading.Event | None = None,
) -> SendReport:
    """E-mail the edition of ``day`` recorded in ``store`` to each recipient that has not had it yet.

    ``recipients`` replaces ``[email] to``; ``force`` sends again to those who had it. Returns
    one result per recipient. Raises ConfigError for settings that cannot work (no [email], no
    sender, a missing password) and DeliveryError when the edition is missing or the server cannot
    be used at all (its ``report`` then holds what did happen). Setting ``cancel`` cuts the
    attempt in progress and leaves no retry: what was not sent is reported failed.
    """
    email = settings.email
    if email is None:
        raise ConfigError("e-mail is not configured: add an [email] table to digest.toml (see digest.example.toml)")
    if not email.sender:
        raise ConfigError('email.from is not set: add from = "Daily digest <digest@example.org>" to [email]')
    mismatch = port_mismatch(email.port, email.security)
    if mismatch:
        raise ConfigError(f"email: {mismatch}")
    addresses = recipients_of(email, recipients)
    password = read_password(email, os.environ if env is None else env)
    if email.security != "none" and context is None:
        context = tls_context(email)
    lock = store_lock(settings, "delivery")
    lock.acquire(wait=wait)
    try:
        edition = load_edition(settings, store, day)
        return _send(
            settings, email, edition, store, addresses, force, clock, sleep, connect, password, context, cancel
        )
    finally:
        lock.release()


def _skip_reason(previous: DeliveryRecord | None, force: bool) -> str | None:
    """Why this recipient is not sent to this time, or None to send."""
    if previous is None or force:
        return None
    if previous.status == "sent":
        return f"already sent {previous.sent_at} ({previous.reply}); use --force to send it again"
    if previous.status == "sending":
        return (
            f"an earlier send stopped while handing the message over ({previous.updated_at}), "
            "so it may have arrived; use --force to send it again"
        )
    return None


def _send(
    settings: Settings,
    email: EmailSettings,
    edition: Edition,
    store: Store,
    written: dict[str, str],
    force: bool,
    clock: Clock,
    sleep: Sleep,
    connect: Connect,
    password: str | None,
    context: ssl.SSLContext | None,
    cancel: threading.Event | None = None,
) -> SendReport:
    day = edition.date.isoformat()
    assert email.sender is not None
    skipped: dict[str, RecipientResult] = {}
    messages: dict[str, EmailMessage] = {}
    for address, as_written in written.items():
        previous = store.delivery(day, address)
        reason = _skip_reason(previous, force)
        if reason is not None and previous is not None:
            skipped[address] = RecipientResult(address, "skipped", reason, previous.message_id, previous.attempts)
            continue
        # A retry of a message that may have got through keeps its Message-ID, so mail clients can
        # see it is the same message; a forced re-send is a new message.
        messages[address] = compose(
            edition,
            sender=email.sender,
            recipient=as_written,
            subject_template=email.subject,
            now=clock(),
            max_stories=settings.max_stories,
            attach=email.attach,
            message_id=previous.message_id if previous and not force else None,
        )
    for name in email.attach if messages else ():
        if edition.file(name) is None:
            hint = "made with --no-pdf?" if name == "pdf" else f"formats does not name {name}?"
            log.warning(
                "edition %s has no %s (%s); sending without the attachment", day, output_format(name).title, hint
            )
    delivery = _Delivery(store, day, parseaddr(email.sender)[1], messages, clock, force)
    deadline = email.deadline if email.deadline is not None else 4 * email.timeout
    attempts = 0
    while delivery.pending:
        if attempts:
            delay = email.retry_delay * 2 ** (attempts - 1)
            last = delivery.reasons.get(delivery.pending[0], "")
            log.warning(
                "not delivered to %d recipient(s) (%s); trying again in %g s", len(delivery.pending), last, delay
            )
            if cancel is None:
                sleep(delay)
            else:
                cancel.wait(delay)
        if cancel is not None and cancel.is_set():
            reason = f"not sent: digest is stopping; send it later with 'digest send --date {day}'"
            delivery.give_up(reason)
            raise DeliveryError(reason, delivery.report(edition.date, written, skipped))
        attempts += 1
        with _Watchdog(deadline, cancel) as watchdog:
            try:
                smtp = connect(email, password, context)
                if smtp.sock is not None:  # a session opened some other way is cut all the same
                    watchdog.watch(smtp.sock)
                try:
                    delivery.hand_over(smtp, email)
                finally:
                    with contextlib.suppress(Exception):  # a failing QUIT changes nothing that was sent
                        smtp.quit()
                    smtp.close()
            except ConfigError:
                raise
            except Exception as exc:
                passing, reason = describe(exc, email)  # inside the watchdog: it knows when time ran out
                log.debug("SMTP session failed", exc_info=True)
                if not passing or attempts > email.retries:
                    delivery.give_up(reason)
                    tried = f" (tried {attempts} times)" if attempts > 1 else ""
                    raise DeliveryError(f"{reason}{tried}", delivery.report(edition.date, written, skipped)) from None
                delivery.reasons.update(dict.fromkeys(delivery.pending, reason))
                continue
        if delivery.pending and attempts > email.retries:
            break  # only 4xx replies are left, and the retries are used up
    return delivery.report(edition.date, written, skipped)


class _Delivery:
    """The messages of one send: who is still pending, the last reply or reason for each, and the
    store rows written before and after every hand-over."""

    def __init__(
        self, store: Store, day: str, sender: str, messages: dict[str, EmailMessage], clock: Clock, force: bool = False
    ) -> None:
        self.store = store
        self.force = force
        self.elsewhere: dict[str, DeliveryRecord] = {}  # claimed by another sender meanwhile
        self.day = day
        self.sender = sender
        self.messages = messages
        self.clock = clock
        self.pending = list(messages)
        self.reasons: dict[str, str] = {}
        self.sent: set[str] = set()

    def _now(self) -> str:
        return self.clock().isoformat(timespec="seconds")

    def hand_over(self, smtp: smtplib.SMTP, email: EmailSettings) -> None:
        """One transaction per pending recipient on this session; a broken session raises."""
        for address in list(self.pending):
            message = self.messages[address]
            claimed = self.store.claim_delivery(
                self.day, address, now=self._now(), message_id=message["Message-ID"], force=self.force
            )
            if claimed is None:  # another digest (on another machine) sent it, or is sending it
                self.pending.remove(address)
                other = self.store.delivery(self.day, address)
                assert other is not None  # a claim fails only on a row that is there
                self.elsewhere[address] = other
                log.info("the edition %s to %s is sent by another digest; not sent again", self.day, address)
                continue
            try:
                reply = _transaction(smtp, self.sender, address, message.as_bytes())
            except _Refused as refused:
                self.store.record_delivery(self.day, address, "failed", now=self._now(), reply=refused.reply)
                self.reasons[address] = refused.reply
                if refused.code >= 500:  # lasting: this recipient fails, the others go on
                    self.pending.remove(address)
                    log.warning("%s refused the edition %s: %s", address, self.day, refused.reply)
                continue
            except Exception as exc:  # the session broke mid-transaction: not sent, tried again
                # (an interrupt, by contrast, leaves 'sending': the message may have arrived)
                self.store.record_delivery(self.day, address, "failed", now=self._now(), reply=describe(exc, email)[1])
                raise
            self.store.record_delivery(self.day, address, "sent", now=self._now(), reply=reply)
            self.pending.remove(address)
            self.sent.add(address)
            self.reasons[address] = reply
            log.info("sent the edition %s to %s: %s", self.day, address, reply)

    def give_up(self, reason: str) -> None:
        """Note why the pending recipients did not get it; a 'sent' (forced re-send) or 'sending' row stays."""
        for address in self.pending:
            self.reasons[address] = reason
            record = self.store.delivery(self.day, address)
            if record is None or record.status == "failed":
                self.store.record_delivery(self.day, address, "failed", now=self._now(), reply=reason)

    def report(self, day: Date, written: dict[str, str], skipped: dict[str, RecipientResult]) -> SendReport:
        results = []
        for address in written:
            if address in skipped:
                results.append(skipped[address])
                continue
            if address in self.elsewhere:
                other = self.elsewhere[address]
                reason = f"{other.status} by another digest ({other.updated_at})"
                results.append(RecipientResult(address, "skipped", reason, other.message_id, other.attempts))
                continue
            record = self.store.delivery(self.day, address)
            results.append(
                RecipientResult(
                    address,
                    "sent" if address in self.sent else "failed",
                    self.reasons.get(address) or (record.reply if record else None) or "not sent",
                    record.message_id if record else None,
                    record.attempts if record else 0,
                )
            )
        return SendReport(day, tuple(results))
