"""Newsletters: a real Maildir in tmp_path holds newsletters of four shapes (a digest of headlines
with blurbs, a long-form single story, an HTML newsletter laid out in tables, a plain-text one);
each is written into the inbox once and read as one article per story."""

from __future__ import annotations

import json
import mailbox
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest

from digest.config import MailSettings, Settings
from digest.sources.ingest import read_file
from digest.sources.newsletters import read_maildir, text_blocks
from digest.store import Store

DATA = Path(__file__).parent / "data" / "newsletters"

SHAPES = {
    # file: (sender, subject, story titles)
    "morning-brief.html": (
        "Morning Brief <hello@brief.example.org>",
        "Bridge closed, harvest down, a chess prodigy",
        [
            "Harbour bridge closes for repairs after cracks are found",
            "Drought cuts the wheat harvest by a third",
            "Teenager wins the national chess final in a sudden-death game",
        ],
    ),
    "longread.txt": (
        "The Long Read <jonas@longread.example.org>",
        "The river that stopped reaching the sea",
        ["The river that stopped reaching the sea"],
    ),
    "market-letter.html": (
        "Markets Letter <desk@markets.example.org>",
        "Tuesday's markets",
        [
            "Shipping rates jump as canal traffic slows",
            "Chipmaker posts record quarter on data centre demand",
            "Pension fund sells its coal holdings",
        ],
    ),
    "city-notes.txt": (
        "City Notes <priya@citynotes.example.org>",
        "This week in town",
        ["LIBRARY REOPENS AFTER FLOOD DAMAGE", "COUNCIL APPROVES NEW BUS ROUTE", "MARATHON DRAWS RECORD FIELD"],
    ),
}
# Words of greetings, sign-offs, footers and sponsors in the shapes above: never article text.
FURNITURE = [
    "Good morning",
    "Hello Sam",
    "Hi there",
    "Hello neighbours",
    "Acme Travel",
    "BrokerOne",
    "Riverside Bakery",
    "Thanks for reading",
    "Best regards",
    "That's all",
    "Unsubscribe",
    "unsubscribe",
    "receiving this",
    "All rights reserved",
    "View this email",
    "12 Quay Street",
]


def message(name: str, number: int) -> bytes:
    sender, subject, _ = SHAPES[name]
    body = (DATA / name).read_text(encoding="utf-8")
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "reader@example.org"
    msg["Subject"] = subject
    msg["Date"] = f"Tue, 0{number + 1} Apr 2024 06:30:00 +0000"
    msg["Message-ID"] = f"<{number}.{name}@newsletters.test>"
    msg["List-Unsubscribe"] = f"<https://{sender.split('@')[1].rstrip('>')}/unsubscribe>"
    if name.endswith(".html"):
        msg.set_content("This newsletter is best read in HTML.")
        msg.add_alternative(body, subtype="html")
    else:
        msg.set_content(body)
    return msg.as_bytes()


@pytest.fixture
def maildir(tmp_path: Path) -> Path:
    folder = tmp_path / "Mail" / "News"
    folder.parent.mkdir()
    box = mailbox.Maildir(str(folder), create=True)
    for number, name in enumerate(SHAPES):
        box.add(message(name, number))
    box.close()
    return folder


def mail_settings(tmp_path: Path, maildir: Path) -> Settings:
    inbox = tmp_path / "inbox"
    inbox.mkdir(exist_ok=True)
    return Settings(inbox=inbox, output=tmp_path / "out", timezone="UTC", pdf=False, mail=MailSettings(maildir))


def eml_files(inbox: Path) -> list[Path]:
    return sorted((inbox / "newsletters").rglob("*.eml"))


def test_each_message_is_written_once_across_reads_and_a_restart(tmp_path, maildir):
    settings = mail_settings(tmp_path, maildir)
    outcome = read_maildir(settings)
    assert outcome is not None and outcome.error is None and outcome.written == 4
    files = eml_files(settings.inbox)
    assert [p.parent.name for p in files] == ["city-notes", "markets-letter", "morning-brief", "the-long-read"]
    assert all(p.name.startswith("2024-04-0") for p in files)
    assert not list(settings.inbox.rglob(".*"))  # no temporary file left
    files[0].unlink()  # the user removed one: it does not come back
    again = read_maildir(settings)  # the ledger is in the store, so this holds after a restart too
    assert again is not None and again.written == 0 and len(eml_files(settings.inbox)) == 3
    box = mailbox.Maildir(str(maildir), create=False)
    box.add(message("longread.txt", 7))
    assert read_maildir(settings).written == 1  # type: ignore[union-attr]
    assert len(list(maildir.glob("new/*"))) == 5  # the Maildir itself is left as it was
    with Store(settings.store_path) as store:
        assert len(store.fetched_keys(f"maildir:{maildir.resolve()}")) == 5


def test_a_folder_that_is_not_a_maildir_is_reported(tmp_path):
    (tmp_path / "plain").mkdir()
    outcome = read_maildir(mail_settings(tmp_path, tmp_path / "plain"))
    assert outcome is not None and outcome.error is not None and "is not a Maildir" in outcome.error


@pytest.mark.parametrize("name", list(SHAPES))
def test_each_story_of_a_newsletter_is_an_article_without_its_furniture(tmp_path, name):
    sender, _, titles = SHAPES[name]
    path = tmp_path / "n.eml"
    path.write_bytes(message(name, 0))
    result = read_file(path)
    assert result.error is None
    assert [doc.title for doc in result.docs] == titles
    assert {doc.source for doc in result.docs} == {sender.split(" <")[0]}
    for doc in result.docs:
        assert len(doc.text.split()) >= 30
        assert not [word for word in FURNITURE if word in doc.text], doc.text


def test_the_long_form_story_keeps_its_subheadings_sections_together():
    doc = read_file_text("longread.txt")
    assert "Maria Ostrova" in doc and "Hydrologists" in doc and "snowpack" in doc
    assert "Jonas" not in doc and "forward it to a friend" not in doc


def read_file_text(name: str) -> str:
    (doc,) = read_file_from(message(name, 0)).docs
    return doc.text


def read_file_from(data: bytes):  # type: ignore[no-untyped-def]
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "m.eml"
        path.write_bytes(data)
        return read_file(path)


def test_an_ordinary_email_is_read_as_before(tmp_path):
    msg = EmailMessage()
    msg["From"] = "Ana <ana@example.org>"
    msg["Subject"] = "Harbour notes"
    msg.set_content("Hi team,\n\nThe harbour opens at six. Boats leave at seven.\n\nThanks,\nAna\n")
    (doc,) = read_file_from(msg.as_bytes()).docs
    assert doc.text.startswith("Hi team") and doc.title == "Harbour notes"  # no List-* header: not a newsletter


def test_plain_text_headings_of_every_kind_are_seen():
    blocks = text_blocks("# Marked\nBody one here.\n\nUnderlined\n==========\n\n**Bold**\n\nA sentence that ends.\n")
    assert [(b.text, b.heading) for b in blocks] == [
        ("Marked", True),
        ("Body one here.", False),
        ("Underlined", True),
        ("Bold", True),
        ("A sentence that ends.", False),
    ]


def test_an_edition_from_the_maildir_has_the_right_stories(tmp_path, maildir):
    (tmp_path / "inbox").mkdir()
    (tmp_path / "digest.toml").write_text(f'timezone = "UTC"\npdf = false\n[mail]\nmaildir = "{maildir}"\n')
    where = ("--inbox", "inbox", "--output", "out")

    def digest(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "digest", *args, *where]
        return subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path)

    fetched = digest("feeds", "fetch")
    assert fetched.returncode == 0, fetched.stderr
    assert "4 new messages (newsletters" in fetched.stdout
    run = digest("run", "--date", "2024-04-05", "--no-pdf")
    assert run.returncode == 0, run.stderr
    edition = json.loads((tmp_path / "out" / "2024-04-05" / "digest.json").read_text())
    articles = sorted((a["title"], a["source"]) for story in edition["stories"] for a in story["articles"])
    expected = sorted((title, sender.split(" <")[0]) for sender, _, titles in SHAPES.values() for title in titles)
    assert articles == expected
    assert len(edition["stories"]) >= 8  # ten stories on nine unrelated subjects (two are about water)
