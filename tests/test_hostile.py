"""Every kind of bad file in one inbox: the run completes, nothing is lost, changed or let in."""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from .hostile import Kind, kinds
from .test_cli import digest

LIMIT_MB = 8


class CountingServer(http.server.ThreadingHTTPServer):
    requests: list[str]


@pytest.fixture
def http_server() -> Iterator[CountingServer]:
    """A real HTTP server on localhost that records every request anything makes to it."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server.requests.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"root:x:0:0:leaked")

        do_POST = do_GET

        def log_message(self, *args: object) -> None:
            pass

    server = CountingServer(("127.0.0.1", 0), Handler)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def fingerprint(path: Path) -> tuple[object, ...]:
    """What must not change: type, mode, link target, size, mtime and content hash."""
    info = path.lstat()
    content: object = None
    if path.is_symlink():
        content = os.readlink(path)
    elif path.is_file() and info.st_size < 100_000_000:
        content = hashlib.sha256(path.read_bytes()).hexdigest()
    return (info.st_mode, info.st_size, info.st_mtime_ns, content)


@pytest.mark.slow
def test_every_kind_of_bad_file(tmp_path, http_server):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    catalogue: list[Kind] = kinds(int((LIMIT_MB + 0.5) * 1024 * 1024), http_server.server_address[1])
    assert len(catalogue) >= 40
    made = {kind.name: kind.make(inbox) for kind in catalogue}
    before = {path: fingerprint(path) for path in made.values()}
    (tmp_path / "digest.toml").write_text(f'max_file_mb = {LIMIT_MB}\ntimezone = "UTC"\n')

    result = digest(
        "run", "--config", str(tmp_path / "digest.toml"), "--inbox", str(inbox), "--output", str(tmp_path / "out")
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr

    # nothing lost or changed: every file is still there, byte for byte, with its mode and times
    assert {path: fingerprint(path) for path in made.values()} == before
    # nothing fetched: not the <base>, scripts, iframes, forms, images or links of any file
    assert http_server.requests == []

    folder = tmp_path / "out" / next(p.name for p in (tmp_path / "out").iterdir() if p.is_dir())
    edition = json.loads((folder / "digest.json").read_text())
    aside = {Path(q["path"]).name: q["reason"] for q in edition["quarantined"]}
    db = sqlite3.connect(tmp_path / "out" / "digest.sqlite3")
    texts: dict[str, str] = {}
    for path, paragraphs in db.execute("SELECT path, paragraphs FROM articles"):
        texts[Path(path).name] = texts.get(Path(path).name, "") + "\n".join(json.loads(paragraphs))
    in_edition = {Path(a["path"]).name for story in edition["stories"] for a in story["articles"]}
    assert in_edition == set(texts)

    outcomes = {}
    for kind in catalogue:
        name = made[kind.name].name
        outcome = "aside" if name in aside else "article" if name in texts else "skipped"
        outcomes[kind.name] = outcome
        if kind.expect == "either":
            assert outcome in ("aside", "article"), (kind.name, outcome)
        else:
            assert outcome == kind.expect, (kind.name, outcome, aside.get(name))
        if outcome == "aside":
            assert len(aside[name].split()) >= 2, (kind.name, aside[name])  # a reason a person can act on
        if outcome == "article" and kind.marker:
            assert kind.marker in texts[name], (kind.name, texts[name][:300])
    assert sum(1 for o in outcomes.values() if o != "skipped") >= 40

    # every set-aside file is named in the log with its reason, and listed by `digest status`
    status = digest("status", "--inbox", str(inbox), "--output", str(tmp_path / "out"))
    for name, reason in aside.items():
        assert f"set aside {name}: {reason}" in result.stderr
        assert f"{name}: {reason}" in status.stdout

    # nothing from the files gets in: no markup, no script URL, no local file's content
    html = (folder / "digest.html").read_text()
    pdf_text = "\n".join(page.extract_text() for page in PdfReader(folder / "digest.pdf").pages)
    for output in (html, pdf_text, (folder / "digest.json").read_text()):
        assert "root:x:0:0" not in output
    assert (
        "<script>alert" not in html
        and "<img src=x" not in html
        and "onerror=alert" not in html.replace("onerror=alert(1)&gt;", "")
    )
    assert 'href="javascript:' not in html.lower()
    assert "&lt;img src=x onerror=alert(1)&gt; Harbour" in html  # shown as text, harmlessly
    assert "Bcc: victim@example.org" not in html.replace("\r", "").split("<body", 1)[0]
    # the non-Latin articles reach the PDF's text layer
    for words in ("新防波堤", "волнорез", "Вальморы"):
        assert words in pdf_text, words

    # a second run reads nothing again: set-aside files wait until they change
    again = digest(
        "run", "--config", str(tmp_path / "digest.toml"), "--inbox", str(inbox), "--output", str(tmp_path / "out")
    )
    assert again.returncode == 0 and "reading" not in again.stderr, again.stderr
    assert {path: fingerprint(path) for path in made.values()} == before


def test_files_changing_and_vanishing_during_runs(tmp_path):
    """A writer keeps rewriting, creating and deleting files while editions are made."""
    from digest.config import Settings
    from digest.pipeline import run_edition
    from digest.store import Store

    from .hostile import PARAGRAPH

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    settings = Settings(inbox=inbox, output=tmp_path / "out", timezone="UTC", pdf=False)
    stop = threading.Event()
    versions = [f"{PARAGRAPH}\n\nVersion {n} of this report added that the {n} cranes were idle.\n" for n in range(50)]

    def writer() -> None:
        n = 0
        while not stop.is_set():
            (inbox / "moving.txt").write_text(versions[n % len(versions)], encoding="utf-8")
            flicker = inbox / "flicker.txt"
            if n % 2:  # other words than moving.txt's versions, so no article is shared between the two
                flicker.write_text(f"{PARAGRAPH}\n\nA flickering note number {n} said the quay was closed.\n")
            else:
                flicker.unlink(missing_ok=True)
            n += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        for _ in range(5):
            # must not raise, whatever the writer is doing (a file caught mid-change is read again
            # later, so a run may find nothing new: that edition is asked for anyway)
            run_edition(settings, allow_empty=True)
    finally:
        stop.set()
        thread.join()
    (inbox / "flicker.txt").unlink(missing_ok=True)
    final = run_edition(settings, allow_empty=True)
    # the last version of the file is in the edition; the vanished file left nothing behind
    last = (inbox / "moving.txt").read_text(encoding="utf-8").split("\n\n")[1].strip()
    texts = [" ".join(a.sentences) for story in final.stories for a in story.articles if a.path.endswith("moving.txt")]
    assert any(last in text for text in texts), (last, texts)
    with Store(settings.store_path) as store:
        assert store.quarantined() == []
        record = store.file(str((inbox / "moving.txt").resolve()))
    assert record is not None and record.status == "ok"
