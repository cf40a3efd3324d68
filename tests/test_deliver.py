"""E-mail delivery against a real SMTP server (aiosmtpd) on localhost, started by each test.

The server keeps what it received; the tests parse it back and check the parts, headers and
attachment, the bookkeeping in the store, retries, refusals, TLS and login.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import json
import logging
import os
import re
import shlex
import shutil
import socket
import sqlite3
import ssl
import subprocess
import sys
import threading
import time
import tomllib
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from digest import cli
from digest.config import EmailSettings, Settings, load_settings
from digest.errors import ConfigError, DeliveryError
from digest.mail.deliver import send_edition
from digest.models import Digest
from digest.output.render import digest_json
from digest.pipeline import run_edition
from digest.store import Store

from .conftest import REPO, SEEDS, Mailbox, Server, free_port

DAY = dt.date(2019, 11, 3)
PASSWORD = "pa55-Wörd-7781"
NOW = dt.datetime(2019, 11, 3, 7, 5, tzinfo=dt.UTC)


def clock() -> dt.datetime:
    return NOW


# ---- certificates --------------------------------------------------------------------------


@dataclass(frozen=True)
class Certificates:
    ca_file: Path  # what a client trusts
    server: ssl.SSLContext  # what the server presents: a certificate for 127.0.0.1 signed by that CA


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    folder = tmp_path_factory.mktemp("tls")
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    end = start + dt.timedelta(days=30)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "digest test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file = folder / "ca.pem"
    ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    (folder / "server.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "server.key").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(folder / "server.pem", folder / "server.key")
    return Certificates(ca_file, server)


# ---- an edition to send --------------------------------------------------------------------


@pytest.fixture(scope="module")
def edition_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed inbox's edition of 2019-11-03 with its PDF, made once; tests copy its store."""
    root = tmp_path_factory.mktemp("edition")
    inbox = root / "inbox"
    shutil.copytree(SEEDS, inbox)
    settings = Settings(inbox=inbox, output=root / "output", timezone="UTC", pdf=True)
    run_edition(settings, clock=clock, date=DAY)
    return root / "output"


@pytest.fixture
def make_settings(edition_output: Path, tmp_path: Path) -> Callable[..., Settings]:
    """Settings sending the shared edition through 127.0.0.1:port, with a fresh copy of its store."""
    store = tmp_path / "digest.sqlite3"
    shutil.copy(edition_output / "digest.sqlite3", store)

    def make(port: int, **email_settings: Any) -> Settings:
        values: dict[str, Any] = {
            "host": "127.0.0.1",
            "port": port,
            "security": "none",
            "sender": "Daily digest <digest@example.org>",
            "to": ("ada@example.org", "grace@example.org", "linus@example.org"),
            "timeout": 5.0,
            "retries": 2,
            "retry_delay": 0.01,
        }
        values.update(email_settings)
        return Settings(output=edition_output, store=store, timezone="UTC", email=EmailSettings(**values))

    return make


def edited_edition(settings: Settings, folder: Path, edit: Callable[[dict[str, Any]], None], pdf: bool) -> None:
    """Record a copy of the shared edition, its stories in the store changed by ``edit`` (on their
    digest.json form: titles, article titles and addresses, citations), its PDF in ``folder`` if ``pdf``."""
    source = settings.output / DAY.isoformat()
    folder.mkdir(parents=True)
    outputs = {}
    if pdf:
        shutil.copy(source / "digest.pdf", folder / "digest.pdf")
        outputs["pdf"] = str(folder / "digest.pdf")
    with Store(settings.store_path) as store:
        record = store.edition(DAY.isoformat())
        assert record is not None
        stories, topics = store.edition_stories(record.date), store.edition_topics(record.date)
        data = digest_json(Digest(DAY, dt.datetime.fromisoformat(record.generated_at), tuple(stories)))
        edit(data)
        edited = []
        for story, changed in zip(stories, data["stories"], strict=True):
            pairs = zip(story.articles, changed["articles"], strict=True)
            articles = tuple(replace(a, title=c["title"], url=c["url"]) for a, c in pairs)
            sentences = zip(story.summary, changed["summary"], strict=True)
            summary = tuple(replace(s, citations=tuple(c["citations"])) for s, c in sentences)
            edited.append(replace(story, title=changed["title"], articles=articles, summary=summary))
        store.db.executemany(
            "UPDATE articles SET title = ?, url = ? WHERE id = ?",
            [(a.title, a.url, a.id) for story in edited for a in story.articles],
        )
        ids = [a.id for story in edited for a in story.articles]
        store.record_edition(replace(record, outputs=outputs), ids, edited, topics)


def deliveries(settings: Settings) -> dict[str, tuple[str, str | None, int]]:
    with Store(settings.store_path) as store:
        return {d.recipient: (d.status, d.reply, d.attempts) for d in store.deliveries(DAY.isoformat())}


def no_sleep(seconds: float) -> None:
    raise AssertionError(f"no retry was expected, but it waited {seconds} s")


# ---- the message ---------------------------------------------------------------------------


def test_one_message_per_recipient_with_text_html_and_the_pdf(smtp, make_settings, edition_output):
    server = smtp()
    settings = make_settings(server.port)
    report = send_edition(settings, DAY, clock=clock, sleep=no_sleep)

    assert [(r.recipient, r.status) for r in report.results] == [
        ("ada@example.org", "sent"),
        ("grace@example.org", "sent"),
        ("linus@example.org", "sent"),
    ]
    assert [r.detail for r in report.results] == [f"250 2.0.0 Ok: queued as Q{n}" for n in (1, 2, 3)]
    # one envelope per recipient, each naming only that recipient, from the bare sender address
    assert [(sender, rcpts) for sender, rcpts, _ in server.mailbox.received] == [
        ("digest@example.org", ["ada@example.org"]),
        ("digest@example.org", ["grace@example.org"]),
        ("digest@example.org", ["linus@example.org"]),
    ]
    messages = server.mailbox.messages()
    assert [m["To"] for m in messages] == ["ada@example.org", "grace@example.org", "linus@example.org"]
    message = messages[0]
    assert message["From"] == "Daily digest <digest@example.org>"
    assert message["Date"] == "Sun, 03 Nov 2019 07:05:00 +0000"
    assert message["Auto-Submitted"] == "auto-generated"
    top_story = json.loads((edition_output / "2019-11-03" / "digest.json").read_text())["stories"][0]
    assert len(top_story["articles"]) == 4  # the Soleimani story, which leads the edition
    assert message["Subject"] == f"Daily digest — 2019-11-03: {top_story['title']}"
    ids = [m["Message-ID"] for m in messages]
    assert len(set(ids)) == 3 and all(i.startswith("<digest.2019-11-03.") and i.endswith("@example.org>") for i in ids)
    assert [r.message_id for r in report.results] == ids

    # structure: mixed [ alternative [ plain, html ], the PDF ]
    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = message.iter_parts()
    assert [p.get_content_type() for p in alternative.iter_parts()] == ["text/plain", "text/html"]
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "digest-2019-11-03.pdf"
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_content() == (edition_output / "2019-11-03" / "digest.pdf").read_bytes()

    # every line of the raw message is short and 7-bit: the body parts are quoted-printable
    raw = server.mailbox.received[0][2]
    assert raw.isascii() and max(len(line) for line in raw.splitlines()) <= 998
    assert b"Subject: Daily digest =?utf-8?" in raw  # the dash is encoded


def test_the_text_part_reads_in_a_terminal(smtp, make_settings):
    server = smtp()
    send_edition(make_settings(server.port, to=("ada@example.org",)), DAY, clock=clock, sleep=no_sleep)
    text = server.mailbox.messages()[0].get_body(("plain",)).get_content().replace("\r\n", "\n")
    lines = text.splitlines()
    assert lines[0] == "DAILY DIGEST · Sunday, 3 November 2019"
    assert lines[1] == "5 stories from 5 sources · 8 articles"
    assert all(len(line) <= 72 for line in lines), max(lines, key=len)
    # a sentence stated by three sources carries all three markers; the sources are listed below
    flowing = " ".join(text.split())
    assert re.search(r"we got it under control,” Soleimani reportedly told the gathering\. \[\d, \d, \d\]", flowing)
    assert "Sources:\n[1] PMOI/MEK: Iraq: Khamenei desperate to keep pro-Iran government in\n    power" in text
    assert " 5. Foreign firefighters arrive in Greece for summer wildfire season" in text
    assert "The whole edition is attached as a PDF." in text
    assert "<" not in text and "&amp;" not in text


def test_the_html_part_is_self_contained_and_cites_in_a_way_mail_can_follow(smtp, make_settings, tmp_path):
    def edit(data: dict[str, Any]) -> None:  # web addresses, a local file and markup in a title
        story = data["stories"][0]
        articles = story["articles"]
        articles[0]["url"] = "https://news.example.org/iraq?id=1&lang=en"
        articles[1]["title"] = "<b>Bold</b> & “quoted”"
        articles[2]["url"] = "file:///etc/passwd"
        # the first sentence cites both, so that the markers of both are shown
        first = story["summary"][0]["citations"]
        first += [a["id"] for a in (articles[0], articles[2]) if a["id"] not in first]

    server = smtp()
    settings = make_settings(server.port, to=("ada@example.org",))
    edited_edition(settings, tmp_path / "edited", edit, pdf=False)
    send_edition(settings, DAY, clock=clock, sleep=no_sleep)
    message = server.mailbox.messages()[0]
    html = message.get_body(("html",)).get_content()
    # no PDF was recorded for this edition: no attachment, and the text does not promise one
    assert [p.get_content_type() for p in message.walk()] == ["multipart/alternative", "text/plain", "text/html"]
    assert "attached" not in html

    assert "<style" not in html and "<script" not in html and "<link" not in html
    assert "src=" not in html and "url(" not in html  # nothing is fetched
    assert 'style="max-width:640px;' in html
    assert 'href="#' not in html  # in-message anchors do not work in most mail clients
    # the citation marker links straight to the article; the & is escaped in the attribute
    assert (
        '<a href="https://news.example.org/iraq?id=1&amp;lang=en" title="PMOI/MEK: Iraq: Khamenei desperate to keep '
        'pro-Iran government in power" style="color:#1a4f8b; text-decoration:none;">[1]</a>'
    ) in html
    # a local file is not a link a reader could open; its marker is plain text
    assert "file://" not in html
    assert '<span title="Unnamed source" style="color:#5a5a60;">[3]</span>' in html
    assert ".txt" not in html  # no file name is shown as a source
    # article text is escaped
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; “quoted”" in html and "<b>Bold</b>" not in html


def test_a_line_break_in_a_story_title_cannot_add_a_header(smtp, make_settings, tmp_path):
    def edit(data: dict[str, Any]) -> None:
        data["stories"][0]["title"] = "Markets fall\r\nBcc: mallory@evil.example\r\n\r\nInjected body"

    server = smtp()
    settings = make_settings(server.port, to=("ada@example.org",))
    edited_edition(settings, tmp_path / "edited", edit, pdf=True)
    send_edition(settings, DAY, clock=clock, sleep=no_sleep)
    ((_, recipients, raw),) = server.mailbox.received
    assert recipients == ["ada@example.org"]
    message = server.mailbox.messages()[0]
    headers = raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    assert [line for line in headers if line.lower().startswith(b"bcc")] == []
    assert message["Bcc"] is None
    assert message["Subject"] == "Daily digest — 2019-11-03: Markets fall Bcc: mallory@evil.example Injected body"
    # the title is one line in the bodies too
    assert b"\nBcc:" not in raw and b"\nInjected body" not in raw


def test_format_and_control_characters_never_reach_the_subject(smtp, make_settings, tmp_path):
    """A right-to-left override (U+202E) would show the subject reversed: 'Markets fall' could read
    as anything. Format characters (category Cf) are dropped, control characters become spaces."""
    title = "\u202eMarkets\u202c fall\u200b\u2066 again\u2069\x1b[31m\u00ad\ufeff\x7fat noon\u2028today"

    def edit(data: dict[str, Any]) -> None:
        data["stories"][0]["title"] = title

    server = smtp()
    settings = make_settings(server.port, to=("ada@example.org",), subject="{top_story} ({day})")
    edited_edition(settings, tmp_path / "edited", edit, pdf=False)
    send_edition(settings, DAY, clock=clock, sleep=no_sleep)
    subject = server.mailbox.messages()[0]["Subject"]
    assert subject == "Markets fall again [31m at noon today (Sunday 3 November 2019)"
    assert all(unicodedata.category(ch)[0] != "C" for ch in subject)


# ---- exactly once ----------------------------------------------------------------------------


def test_a_second_send_is_skipped_unless_forced(smtp, make_settings):
    server = smtp()
    settings = make_settings(server.port)
    send_edition(settings, DAY, clock=clock, sleep=no_sleep)
    assert len(server.mailbox.received) == 3
    assert deliveries(settings) == {
        "ada@example.org": ("sent", "250 2.0.0 Ok: queued as Q1", 1),
        "grace@example.org": ("sent", "250 2.0.0 Ok: queued as Q2", 1),
        "linus@example.org": ("sent", "250 2.0.0 Ok: queued as Q3", 1),
    }

    again = send_edition(settings, DAY, clock=clock, sleep=no_sleep)
    assert len(server.mailbox.received) == 3  # nothing more arrived
    assert [r.status for r in again.results] == ["skipped"] * 3
    assert again.ok
    assert again.results[0].detail == (
        "already sent 2019-11-03T07:05:00+00:00 (250 2.0.0 Ok: queued as Q1); use --force to send it again"
    )

    # a recipient added later gets it; the others are still skipped
    more = send_edition(settings, DAY, recipients=["ada@example.org", "Ken <ken@example.org>"], clock=clock)
    assert [(r.recipient, r.status) for r in more.results] == [
        ("ada@example.org", "skipped"),
        ("ken@example.org", "sent"),
    ]
    assert server.mailbox.received[-1][1] == ["ken@example.org"]

    forced = send_edition(settings, DAY, recipients=["grace@example.org"], force=True, clock=clock)
    assert [(r.recipient, r.status) for r in forced.results] == [("grace@example.org", "sent")]
    assert len(server.mailbox.received) == 5
    resent = server.mailbox.messages()[-1]["Message-ID"]
    assert resent != server.mailbox.messages()[1]["Message-ID"]  # a re-send is a new message
    assert deliveries(settings)["grace@example.org"] == ("sent", "250 2.0.0 Ok: queued as Q5", 2)


def test_an_interrupted_hand_over_is_not_repeated_without_force(smtp, make_settings):
    server = smtp()
    settings = make_settings(server.port, to=("ada@example.org",))
    with Store(settings.store_path) as store:  # what a crash in the middle of DATA leaves behind
        store.record_delivery(DAY.isoformat(), "ada@example.org", "sending", now="2019-11-03T07:00:00+00:00")
    report = send_edition(settings, DAY, clock=clock, sleep=no_sleep)
    assert report.results[0].status == "skipped"
    assert "may have arrived; use --force" in report.results[0].detail
    assert server.mailbox.received == []


def test_a_missing_edition_is_a_clear_error(smtp, make_settings):
    settings = make_settings(smtp().port)
    with pytest.raises(DeliveryError) as caught:
        send_edition(settings, dt.date(2019, 11, 4), clock=clock)
    assert str(caught.value) == (
        "there is no edition for 2019-11-04; the latest is 2019-11-03. Make it with 'digest run --date 2019-11-04'"
    )
    assert caught.value.exit_code == 7


# ---- failures and retries ------------------------------------------------------------------


def test_a_server_that_is_down_then_up_gets_the_message_once(make_settings, smtp):
    port = free_port()
    settings = make_settings(port, to=("ada@example.org",), retries=3, retry_delay=2.0)
    waits: list[float] = []
    servers: list[Server] = []

    def sleep(seconds: float) -> None:  # the server comes up during the second wait
        waits.append(seconds)
        if len(waits) == 2:
            servers.append(smtp(port=port))

    report = send_edition(settings, DAY, clock=clock, sleep=sleep)
    assert waits == [2.0, 4.0]  # doubling delays
    assert [(r.status, r.detail) for r in report.results] == [("sent", "250 2.0.0 Ok: queued as Q1")]
    assert [rcpts for _, rcpts, _ in servers[0].mailbox.received] == [["ada@example.org"]]
    assert deliveries(settings)["ada@example.org"][0] == "sent"


def test_a_server_that_stays_down_is_reported_after_the_retries(make_settings):
    port = free_port()
    settings = make_settings(port, to=("ada@example.org", "grace@example.org"), retries=2, retry_delay=1.0)
    waits: list[float] = []
    with pytest.raises(DeliveryError) as caught:
        send_edition(settings, DAY, clock=clock, sleep=waits.append)
    assert waits == [1.0, 2.0]
    assert str(caught.value) == (
        f"127.0.0.1:{port} refused the connection; is the mail server running, and is [email] port right? "
        "(tried 3 times)"
    )
    assert [r.status for r in caught.value.report.results] == ["failed", "failed"]
    assert deliveries(settings)["ada@example.org"][0] == "failed"
    # the next run tries them again
    assert {r.recipient for r in caught.value.report.failed} == {"ada@example.org", "grace@example.org"}


def test_a_550_for_one_recipient_does_not_stop_the_others(smtp, make_settings):
    server = smtp(Mailbox(refuse={"grace@example.org"}))
    settings = make_settings(server.port)
    report = send_edition(settings, DAY, clock=clock, sleep=no_sleep)  # a 5xx is not retried
    assert [(r.recipient, r.status, r.detail) for r in report.results] == [
        ("ada@example.org", "sent", "250 2.0.0 Ok: queued as Q1"),
        ("grace@example.org", "failed", "550 5.1.1 <grace@example.org>: no such mailbox here"),
        ("linus@example.org", "sent", "250 2.0.0 Ok: queued as Q2"),
    ]
    assert not report.ok
    assert [rcpts for _, rcpts, _ in server.mailbox.received] == [["ada@example.org"], ["linus@example.org"]]
    assert deliveries(settings)["grace@example.org"] == (
        "failed",
        "550 5.1.1 <grace@example.org>: no such mailbox here",
        1,
    )


def test_a_4xx_is_retried_for_that_recipient_only(smtp, make_settings):
    server = smtp(Mailbox(busy={"grace@example.org": 2}))
    settings = make_settings(server.port, retries=3, retry_delay=0.5)
    waits: list[float] = []
    report = send_edition(settings, DAY, clock=clock, sleep=waits.append)
    assert waits == [0.5, 1.0]
    assert [r.status for r in report.results] == ["sent", "sent", "sent"]
    assert [rcpts for _, rcpts, _ in server.mailbox.received] == [
        ["ada@example.org"],
        ["linus@example.org"],
        ["grace@example.org"],
    ]
    assert deliveries(settings)["grace@example.org"] == ("sent", "250 2.0.0 Ok: queued as Q3", 3)
    assert deliveries(settings)["ada@example.org"][2] == 1


def test_a_4xx_that_lasts_is_reported_as_failed(smtp, make_settings):
    server = smtp(Mailbox(busy={"ada@example.org": 99}))
    settings = make_settings(server.port, to=("ada@example.org",), retries=1)
    report = send_edition(settings, DAY, clock=clock, sleep=lambda s: None)
    assert [(r.status, r.detail, r.attempts) for r in report.results] == [
        ("failed", "451 4.3.0 mailbox busy, try again later", 2)
    ]


# ---- TLS, login and settings mistakes ---------------------------------------------------------


def test_starttls_with_login(smtp, make_settings, certificates, caplog):
    mailbox = Mailbox(accounts={"digest": PASSWORD})
    server = smtp(mailbox, tls_context=certificates.server, require_starttls=True)
    settings = make_settings(
        server.port,
        security="starttls",
        ca_file=str(certificates.ca_file),
        username="digest",
        password_env="DIGEST_TEST_SMTP_PASSWORD",
        to=("ada@example.org",),
    )
    caplog.set_level(logging.DEBUG)
    report = send_edition(settings, DAY, clock=clock, sleep=no_sleep, env={"DIGEST_TEST_SMTP_PASSWORD": PASSWORD})
    assert [r.status for r in report.results] == ["sent"]
    assert mailbox.logins == ["digest"]
    assert mailbox.tls_sessions == [True]
    # the password is nowhere: not in the logs, the report, the store or the message
    with sqlite3.connect(settings.store_path) as db:
        stored = "\n".join(str(row) for row in db.execute("SELECT * FROM deliveries"))
    for text in (caplog.text, repr(report), stored, mailbox.received[0][2].decode()):
        assert PASSWORD not in text


def test_implicit_tls(smtp, make_settings, certificates):
    server = smtp(ssl_context=certificates.server)
    settings = make_settings(server.port, security="ssl", ca_file=str(certificates.ca_file), to=("ada@example.org",))
    report = send_edition(settings, DAY, clock=clock, sleep=no_sleep)
    assert [r.status for r in report.results] == ["sent"]
    assert server.mailbox.tls_sessions == [True]


def test_a_refused_login_is_one_clear_line(smtp, make_settings, certificates, caplog):
    mailbox = Mailbox(accounts={"digest": "the-right-one"})
    server = smtp(mailbox, tls_context=certificates.server)
    settings = make_settings(
        server.port,
        security="starttls",
        ca_file=str(certificates.ca_file),
        username="digest",
        password_env="SMTP_PW",
    )
    caplog.set_level(logging.DEBUG)
    with pytest.raises(DeliveryError) as caught:
        send_edition(settings, DAY, clock=clock, sleep=no_sleep, env={"SMTP_PW": PASSWORD})
    assert str(caught.value) == (
        f"127.0.0.1:{server.port} refused the login of 'digest': 535 5.7.8 Authentication credentials invalid; "
        "check [email] username and the password in $SMTP_PW"
    )
    assert PASSWORD not in caplog.text and PASSWORD not in str(caught.value)
    assert mailbox.received == []
    assert deliveries(settings)["ada@example.org"][0] == "failed"


def test_tls_mismatches_are_named(smtp, make_settings, certificates):
    plain = smtp(tls_context=certificates.server)  # starts in plain text, offers STARTTLS
    settings = make_settings(plain.port, security="ssl", ca_file=str(certificates.ca_file))
    with pytest.raises(
        DeliveryError,
        match=r"did not answer with TLS \(.*\); a server that starts in plain text "
        r"needs security = 'starttls'$",
    ):
        send_edition(settings, DAY, clock=clock, sleep=no_sleep)

    implicit = smtp(ssl_context=certificates.server)  # TLS from the first byte
    settings = make_settings(implicit.port, security="starttls", ca_file=str(certificates.ca_file), timeout=0.5)
    with pytest.raises(DeliveryError) as caught:
        send_edition(settings, DAY, clock=clock, sleep=no_sleep)
    assert str(caught.value) == (
        f"127.0.0.1:{implicit.port} expects TLS from the start (like port 465): set security = 'ssl' in [email]"
    )

    no_tls = smtp()  # offers no STARTTLS at all
    settings = make_settings(no_tls.port, security="starttls")
    with pytest.raises(DeliveryError, match="does not offer STARTTLS; use security = 'ssl' if it expects TLS"):
        send_edition(settings, DAY, clock=clock, sleep=no_sleep)

    # a certificate nobody vouches for (the system's CAs do not know the test CA)
    settings = make_settings(implicit.port, security="ssl")
    with pytest.raises(DeliveryError, match=r"certificate of 127.0.0.1:\d+ is not trusted .* set \[email\] ca_file"):
        send_edition(settings, DAY, clock=clock, sleep=no_sleep)

    # the well-known ports are checked before connecting
    with pytest.raises(ConfigError, match=r"^email: port 465 expects security = 'ssl' \(TLS from the start\), "):
        send_edition(make_settings(465, security="starttls"), DAY, clock=clock, sleep=no_sleep)
    config = make_settings(0).output.parent / "bad.toml"
    config.write_text('[email]\nport = 587\nsecurity = "ssl"\n')
    with pytest.raises(ConfigError, match="port 587 expects security = 'starttls'"):
        load_settings(config, env={})


def test_wrong_host_and_missing_password_are_clear(make_settings):
    settings = make_settings(2525, host="smtp.nonexistent.invalid")
    with pytest.raises(DeliveryError, match=r"^the mail server host 'smtp.nonexistent.invalid' does not exist \("):
        send_edition(settings, DAY, clock=clock, sleep=no_sleep)

    settings = make_settings(2525, username="digest", password_env="DIGEST_TEST_UNSET")
    with pytest.raises(ConfigError) as caught:
        send_edition(settings, DAY, clock=clock, env={})
    assert str(caught.value) == (
        "the environment variable DIGEST_TEST_UNSET (email.password_env) is not set; export it with the SMTP password"
    )
    settings = make_settings(2525, username="digest")
    with pytest.raises(ConfigError, match=r"email\.username is set but there is no password"):
        send_edition(settings, DAY, clock=clock, env={})
    with pytest.raises(ConfigError, match=r"^--to: 'nobody' is not an e-mail address"):
        send_edition(make_settings(2525), DAY, recipients=["nobody"], clock=clock)


def test_password_from_a_file(smtp, make_settings, certificates, tmp_path):
    mailbox = Mailbox(accounts={"digest": PASSWORD})
    server = smtp(mailbox, tls_context=certificates.server)
    secret = tmp_path / "smtp-password"
    secret.write_text(PASSWORD + "\n")
    config = tmp_path / "digest.toml"
    config.write_text(
        f'[email]\nhost = "127.0.0.1"\nport = {server.port}\nca_file = "{certificates.ca_file}"\n'
        'username = "digest"\npassword_file = "smtp-password"\nfrom = "digest@example.org"\nto = ["ada@example.org"]\n'
    )
    loaded = load_settings(config, env={})
    assert loaded.email is not None and loaded.email.password_file == str(secret)
    settings = replace(make_settings(server.port), email=replace(loaded.email, retry_delay=0.01))
    report = send_edition(settings, DAY, clock=clock, sleep=no_sleep)
    assert [r.status for r in report.results] == ["sent"] and mailbox.logins == ["digest"]


# ---- the command line ----------------------------------------------------------------------------


@pytest.fixture
def main_in_process(capsys) -> Iterator[Callable[..., tuple[int, str, str]]]:
    """cli.main in this process (no interpreter start-up); the logging it sets up is undone after."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level, logging.getLogger("digest").level

    def run(*args: str) -> tuple[int, str, str]:
        code = cli.main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    yield run
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    logging.getLogger("digest").setLevel(saved[2])


def digest_cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "digest", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
    )


def test_cli_send_prints_one_line_per_recipient(smtp, edition_output, tmp_path, monkeypatch, main_in_process):
    server = smtp(Mailbox(refuse={"grace@example.org"}))
    shutil.copy(edition_output / "digest.sqlite3", tmp_path / "digest.sqlite3")
    (tmp_path / "digest.toml").write_text(
        f'output = "{edition_output}"\nstore = "digest.sqlite3"\ntimezone = "UTC"\n'
        f'[email]\nhost = "127.0.0.1"\nport = {server.port}\nsecurity = "none"\nretries = 0\n'
        'from = "digest@example.org"\nto = ["ada@example.org", "grace@example.org"]\n'
    )
    first = digest_cli("send", "--date", "2019-11-03", cwd=tmp_path)
    assert first.returncode == 7, first.stderr
    assert first.stdout.splitlines() == [
        "sent     ada@example.org    250 2.0.0 Ok: queued as Q1",
        "failed   grace@example.org  550 5.1.1 <grace@example.org>: no such mailbox here",
    ]
    assert "digest: error: 1 of 2 recipients did not get the edition" in first.stderr

    monkeypatch.chdir(tmp_path)
    code, out, err = main_in_process("send", "--date", "2019-11-05")
    assert (code, out, err.strip()) == (
        7,
        "",
        "digest: error: there is no edition for 2019-11-05; the latest is 2019-11-03. "
        "Make it with 'digest run --date 2019-11-05'",
    )
    assert "Traceback" not in first.stderr


def test_cli_run_send_sends_once_across_reruns(smtp, tmp_path, monkeypatch, main_in_process):
    server = smtp()
    shutil.copytree(SEEDS, tmp_path / "inbox")
    (tmp_path / "digest.toml").write_text(
        f'timezone = "UTC"\npdf = false\n[email]\nhost = "127.0.0.1"\nport = {server.port}\nsecurity = "none"\n'
        'from = "digest@example.org"\nto = ["ada@example.org"]\nsubject = "{stories} stories on {day}"\n'
    )
    first = digest_cli("run", "--date", "2019-11-03", "--send", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[-1] == "sent     ada@example.org  250 2.0.0 Ok: queued as Q1"
    assert "edition 2019-11-03 has no PDF (made with --no-pdf?); sending without the attachment" in first.stderr
    message = server.mailbox.messages()[0]
    assert message["Subject"] == "5 stories on Sunday 3 November 2019"
    assert [p.get_content_type() for p in message.walk()] == ["multipart/alternative", "text/plain", "text/html"]

    again = digest_cli("run", "--date", "2019-11-03", "--send", cwd=tmp_path)  # e.g. after a restart
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[-1].startswith("skipped  ada@example.org  already sent ")
    assert len(server.mailbox.received) == 1

    (tmp_path / "plain.toml").write_text('timezone = "UTC"\n')
    monkeypatch.chdir(tmp_path)
    code, out, err = main_in_process("run", "--send", "--config", "plain.toml")
    assert (code, out, err.strip()) == (
        2,
        "",  # nothing was made
        "digest: error: --send needs an [email] table in digest.toml (see digest.example.toml)",
    )


def test_the_readme_email_example_works(smtp, tmp_path, monkeypatch, main_in_process):
    """The README's [email] example and commands, run against a local server instead of smtp.example.org."""
    readme = (REPO / "README.md").read_text()
    section = readme.split("\n## E-mail\n", 1)[1].split("\n## ", 1)[0]
    (toml,) = re.findall(r"```toml\n(.*?)```", section, re.S)
    (block,) = re.findall(r"```sh\n(.*?)```", section, re.S)
    mailbox = Mailbox(accounts={"digest@example.org": PASSWORD})
    server = smtp(mailbox, auth_require_tls=False)
    # the example as written, pointed at the test server (which speaks no TLS)
    example = tomllib.loads(toml)["email"]
    assert (example["host"], example["port"], example["security"]) == ("smtp.example.org", 587, "starttls")
    config = toml.replace('host = "smtp.example.org"', 'host = "127.0.0.1"').replace(
        "port = 587", f"port = {server.port}"
    )
    config = config.replace('security = "starttls"', 'security = "none"')
    (tmp_path / "digest.toml").write_text(f'timezone = "UTC"\npdf = false\n{config}')
    shutil.copytree(SEEDS, tmp_path / "inbox")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(example["password_env"], PASSWORD)
    outputs = []
    for line in block.splitlines():
        args = shlex.split(line.split("  #")[0])
        assert args[0] == "digest"
        code, out, err = main_in_process(*args[1:])
        assert code == 0, (line, err)
        assert PASSWORD not in out + err
        outputs.append(out.splitlines())
    assert [rcpts for _, rcpts, _ in mailbox.received] == [
        ["ada@example.org"],
        ["grace@example.org"],
        ["ada@example.org"],
    ]
    assert mailbox.logins == ["digest@example.org"] * 2
    assert [line.split()[:2] for line in outputs[0][-2:]] == [
        ["sent", "ada@example.org"],
        ["sent", "grace@example.org"],
    ]
    assert [line.split()[:2] for line in outputs[1]] == [
        ["skipped", "ada@example.org"],
        ["skipped", "grace@example.org"],
    ]
    assert [line.split()[:2] for line in outputs[2]] == [["sent", "ada@example.org"]]
    assert mailbox.messages()[1]["To"] == "Grace Hopper <grace@example.org>"


# ---- a server that never finishes ---------------------------------------------------------------


class DrippingServer:
    """A real TCP server that greets with a '220-' continuation line every ``every`` seconds and
    never the last line: each read of the client succeeds well within its timeout, forever."""

    def __init__(
        self, every: float, first: bytes = b"", drip: bytes = b"220-mail.example.org getting ready\r\n"
    ) -> None:
        self.every = every
        self.first = first
        self.drip = drip
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            self.connections += 1
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):  # OSError: the client hung up
            conn.sendall(self.first)
            while not self.stopped.is_set():
                conn.sendall(self.drip)
                self.stopped.wait(self.every)

    def close(self) -> None:
        self.stopped.set()
        self.thread.join()
        self.listener.close()


@pytest.fixture
def dripping() -> Iterator[DrippingServer]:
    server = DrippingServer(every=0.5)
    yield server
    server.close()


def test_a_dripping_server_cannot_hold_digest_send(dripping, edition_output, tmp_path):
    """Every line arrives within the 1.5 s timeout, but the attempt has a deadline (4 × timeout)."""
    shutil.copy(edition_output / "digest.sqlite3", tmp_path / "digest.sqlite3")
    (tmp_path / "digest.toml").write_text(
        f'output = "{edition_output}"\nstore = "digest.sqlite3"\ntimezone = "UTC"\n'
        f'[email]\nhost = "127.0.0.1"\nport = {dripping.port}\nsecurity = "none"\ntimeout = 1.5\nretries = 0\n'
        'from = "digest@example.org"\nto = ["ada@example.org"]\n'
    )
    started = time.monotonic()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "digest", "send", "--date", "2019-11-03"],
            capture_output=True,
            text=True,
            timeout=40,
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
    except subprocess.TimeoutExpired:
        pytest.fail("digest send was still talking to the dripping server after 40 s")
    assert time.monotonic() - started < 30
    assert result.returncode == 7, result.stderr
    reason = (
        f"127.0.0.1:{dripping.port} did not finish within the 6 s deadline for a delivery attempt "
        "(it answers too slowly; [email] deadline)"
    )
    assert result.stderr.strip().splitlines() == [f"digest: error: {reason}"]
    assert result.stdout.splitlines() == [f"failed   ada@example.org  {reason}"]
    assert dripping.connections == 1  # no TLS probe, no retry (retries = 0)


def test_each_attempt_has_its_own_deadline_and_the_store_says_why(dripping, make_settings):
    settings = make_settings(dripping.port, timeout=5.0, deadline=1.0, retries=1, to=("ada@example.org",))
    started = time.monotonic()
    with pytest.raises(DeliveryError) as caught:
        send_edition(settings, DAY, clock=clock)
    assert 2.0 <= time.monotonic() - started < 10  # two attempts of one second each, and a short pause
    assert str(caught.value).endswith("did not finish within the 1 s deadline for a delivery attempt "
                                      "(it answers too slowly; [email] deadline) (tried 2 times)")  # fmt: skip
    assert dripping.connections == 2
    status, reply, _ = deliveries(settings)["ada@example.org"]
    assert status == "failed" and reply is not None and "1 s deadline" in reply


def test_a_tls_handshake_that_drips_is_cut_at_the_deadline(make_settings):
    """Implicit TLS: the server starts a 16 kB handshake record and sends it one byte at a time."""
    server = DrippingServer(every=0.5, first=b"\x16\x03\x03\x40\x00", drip=b"\x00")
    try:
        settings = make_settings(server.port, security="ssl", timeout=5.0, deadline=1.0, retries=0)
        started = time.monotonic()
        with pytest.raises(DeliveryError, match=r"did not finish within the 1 s deadline"):
            send_edition(settings, DAY, clock=clock, sleep=no_sleep)
        assert time.monotonic() - started < 5
    finally:
        server.close()


def test_a_stopping_daemon_cuts_a_delivery_short(dripping, make_settings):
    """``cancel`` (the daemon's stop event) ends the attempt in progress at once, with no retry."""
    settings = make_settings(dripping.port, timeout=5.0, deadline=60.0, retries=3, to=("ada@example.org",))
    cancel = threading.Event()
    threading.Timer(1.0, cancel.set).start()
    started = time.monotonic()
    with pytest.raises(DeliveryError, match=r"stopped while talking to 127\.0\.0\.1:[0-9]+: digest is stopping"):
        send_edition(settings, DAY, clock=clock, sleep=no_sleep, cancel=cancel)
    assert time.monotonic() - started < 5
    assert dripping.connections == 1
    assert deliveries(settings)["ada@example.org"][0] == "failed"


def test_the_deadline_is_a_setting(tmp_path):
    (tmp_path / "digest.toml").write_text('[email]\nhost = "h"\ndeadline = 90\n')
    assert load_settings(config=tmp_path / "digest.toml", env={}).email == EmailSettings(host="h", deadline=90.0)
    (tmp_path / "digest.toml").write_text("[email]\ndeadline = 0\n")
    with pytest.raises(ConfigError, match=r"email\.deadline must be greater than 0"):
        load_settings(config=tmp_path / "digest.toml", env={})


@pytest.mark.slow
def test_a_dripping_server_holds_neither_the_daemons_editions_nor_its_stop(dripping, tmp_path):
    from .test_scheduler import mailing_daemon

    daemon = mailing_daemon(
        tmp_path,
        f'host = "127.0.0.1"\nport = {dripping.port}\nsecurity = "none"\ntimeout = 1\n'
        'deadline = 120\nfrom = "digest@example.org"\nto = ["ada@example.org"]\n',
    )
    try:
        daemon.wait_for("inbox: read 5 files as they arrived")
        request = [sys.executable, "-m", "digest", "run", "--via-daemon", "--config", str(tmp_path / "digest.toml")]
        assert subprocess.run(request, cwd=REPO, timeout=60).returncode == 0
        daemon.wait_for("edition job finished")
        while dripping.connections == 0:  # the first edition's delivery is talking to the server
            time.sleep(0.1)
        # a second edition is made while that delivery still hangs: mail never holds an edition
        assert subprocess.run(request, cwd=REPO, timeout=60).returncode == 0
        daemon.wait_for("edition job finished", count=2)
    finally:
        started = time.monotonic()
        assert daemon.stop() == 0  # the first SIGTERM: the delivery in progress is cut, not waited for
    assert time.monotonic() - started < 15
    log = daemon.text()
    assert f"stopped while talking to 127.0.0.1:{dripping.port}: digest is stopping" in log
    assert "not sent: digest is stopping; send it later with 'digest send --date " in log
    assert "Traceback" not in log
