"""The web app, served by a real uvicorn on a free 127.0.0.1 port, asked by real HTTP requests, on a
real SQLite store holding a real edition of the seed inbox."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest

from digest.config import Settings, WebSettings
from digest.newsdesk import Newsdesk
from digest.web import WebServer

from .conftest import SEEDS, free_port

DAY = "2019-11-03"


@contextmanager
def serving(settings: Settings) -> Iterator[WebServer]:
    server = WebServer(settings, "127.0.0.1:0")
    server.start()
    try:
        yield server
    finally:
        server.stop()


class Client:
    """Real HTTP requests to one server; keeps cookies."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            sent = dict(headers or {})
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            data = response.read()
            for value in response.headers.get_all("set-cookie") or []:
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
            return response.status, {k.lower(): v for k, v in response.getheaders()}, data
        finally:
            conn.close()

    def get(self, path: str) -> tuple[int, str]:
        status, _, data = self.request("GET", path)
        return status, data.decode("utf-8", "replace")

    def csrf(self) -> str:
        status, page = self.get("/add")
        assert status == 200
        found = re.search(r'name="csrf" value="([^"]+)"', page)
        assert found
        return found.group(1)

    def post_form(
        self, path: str, fields: dict[str, str], origin: str | None = None
    ) -> tuple[int, dict[str, str], str]:
        body = "&".join(f"{quote(k)}={quote(v)}" for k, v in fields.items()).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if origin:
            headers["Origin"] = origin
        status, got, data = self.request("POST", path, body, headers)
        return status, got, data.decode("utf-8", "replace")

    def post_multipart(self, path: str, fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[int, str]:
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in fields.items()
        ]
        for key, (filename, data) in files.items():
            head = (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"; filename="{filename}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            )
            parts.append(head.encode() + data + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        status, _, data = self.request(
            "POST", path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )
        return status, data.decode("utf-8", "replace")


def fresh_settings(folder: Path, **changes: object) -> Settings:
    inbox = folder / "inbox"
    shutil.copytree(SEEDS, inbox)
    base = Settings(inbox=inbox, output=folder / "output", timezone="UTC", pdf=False, formats=("html", "json"))
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, Client]]:
    """A server on a store holding the edition of 3 November 2019 of the seed inbox."""
    settings = fresh_settings(tmp_path_factory.mktemp("web"))
    with Newsdesk(settings, clock=lambda: datetime(2019, 11, 3, 7, 0, tzinfo=UTC)) as desk:
        desk.make_edition()
    with serving(settings) as server:
        yield settings, Client(server.port)


def test_todays_edition_archive_and_files(site: tuple[Settings, Client]) -> None:
    settings, client = site
    status, home = client.get("/")
    assert status == 200
    assert "3 November 2019" in home
    assert "Iranian general met Iraqi security officials" in home
    assert f'href="/editions/{DAY}/digest.html"' in home and f'href="/editions/{DAY}/digest.json"' in home
    assert "Make an edition now" in home
    assert "Send it to me now" not in home  # no [email] configured
    # no external resource: every src and href to a stylesheet or script is of this site
    assert not re.search(r'(src|href)="(https?:)?//', home.split("<main")[0])
    status, archive = client.get("/archive")
    assert status == 200 and "3 November 2019" in archive and f"/editions/{DAY}/digest.html" in archive
    status, html = client.get(f"/editions/{DAY}/digest.html")
    assert status == 200
    assert html == (settings.output / DAY / "digest.html").read_text(encoding="utf-8")
    status, _, data = client.request("GET", f"/editions/{DAY}/digest.json")
    assert status == 200 and json.loads(data)["date"] == DAY
    assert client.get("/editions/index.html")[0] == 303  # the edition's "All editions" link leads to the archive


def test_story_page_has_its_summary_citations_and_sources(site: tuple[Settings, Client]) -> None:
    _, client = site
    _, home = client.get("/")
    link = re.search(rf'href="(/editions/{DAY}/stories/[^"]+)"', home)
    assert link
    status, page = client.get(link.group(1))
    assert status == 200
    assert 'class="cite"' in page and "Sources" in page
    assert "Soleimani" in page
    assert client.get(f"/editions/{DAY}/stories/nosuchstory")[0] == 404


def test_status_page(site: tuple[Settings, Client]) -> None:
    _, client = site
    status, page = client.get("/status")
    assert status == 200
    assert "Articles waiting" in page and "Next scheduled edition" in page
    assert "digest serve is not running" in page
    assert "Deliveries" in page and "Files set aside" in page


@pytest.mark.parametrize(
    "path",
    [
        f"/editions/{DAY}/..%2F..%2Fdigest.sqlite3",
        f"/editions/{DAY}/../digest.sqlite3",
        "/editions/..%2F/digest.sqlite3",
        f"/editions/{DAY}/digest.sqlite3",
        f"/editions/{DAY}/%2Fetc%2Fpasswd",
        "/editions/2019-11-03%2F..%2F../digest.sqlite3",
        f"/editions/{DAY}/stories/..%2F..%2Fdigest.sqlite3",
    ],
)
def test_path_tricks_are_refused(site: tuple[Settings, Client], path: str) -> None:
    settings, client = site
    assert (settings.output / "digest.sqlite3").is_file()
    status, _, data = client.request("GET", path)
    assert status in (303, 404)
    assert b"SQLite format" not in data and b"root:" not in data


def test_search_hit_highlights_words_and_links_editions(site: tuple[Settings, Client]) -> None:
    _, client = site
    status, page = client.get("/search?q=soleimani+baghdad")
    assert status == 200
    assert re.search(r"<mark>soleimani</mark>", page, re.IGNORECASE)
    assert re.search(r"<mark>baghdad</mark>", page, re.IGNORECASE)
    assert f'href="/editions/{DAY}/stories/' in page
    status, page = client.get("/search?q=zzqxnotaword")
    assert status == 200 and "No article matches" in page and "<mark>" not in page


def test_search_escapes_the_query(site: tuple[Settings, Client]) -> None:
    _, client = site
    status, page = client.get("/search?q=" + quote("<script>alert(1)</script>"))
    assert status == 200 and "<script>alert" not in page and "&lt;script&gt;" in page


def test_state_changes_without_csrf_or_from_another_origin_are_refused(site: tuple[Settings, Client]) -> None:
    settings, client = site
    before = sorted(p.name for p in settings.inbox.iterdir())
    assert client.post_form("/make", {})[0] == 403
    assert client.post_form("/make", {"csrf": "wrong"})[0] == 403
    assert client.post_form("/make", {"csrf": client.csrf()}, origin="http://evil.example")[0] == 403
    assert client.post_form("/add", {"text": "a planted article", "csrf": "wrong"})[0] == 403
    assert (
        client.post_form("/add", {"text": "a planted article", "csrf": client.csrf()}, origin="http://x.test")[0] == 403
    )
    assert client.get("/jobs/edition/state")[1] == json.dumps(
        {"state": "idle", "message": "", "edition": None, "link": None}, separators=(",", ":")
    )
    assert client.request("GET", "/make")[0] == 405  # never by GET
    assert sorted(p.name for p in settings.inbox.iterdir()) == before


def test_uploaded_file_lands_in_the_inbox_under_our_name_and_is_read(site: tuple[Settings, Client]) -> None:
    settings, client = site
    text = b"Harbour bridge reopens\n\nThe harbour bridge reopened to traffic on Monday after two years of repairs.\n"
    before = set(settings.inbox.iterdir())
    status, page = client.post_multipart("/add", {"csrf": client.csrf()}, {"file": ("../../../evil name.txt", text)})
    assert status == 201, page
    added = set(settings.inbox.iterdir()) - before
    assert len(added) == 1
    (path,) = added
    assert re.fullmatch(r"web-\d{8}-\d{6}-[0-9a-f]{8}\.txt", path.name)
    assert path.read_bytes() == text
    assert not any("evil" in p.name for p in settings.output.parent.rglob("*"))
    with Newsdesk(settings) as desk:
        report = desk.ingest()
        assert desk.store.files()[str(path)].status == "ok", report
        hits = desk.search("harbour bridge")
        assert [h.article.path for h in hits] == [str(path)], [(h.article.title, h.article.text) for h in hits]


def test_pasted_text_is_saved_as_a_text_file(site: tuple[Settings, Client]) -> None:
    settings, client = site
    before = set(settings.inbox.iterdir())
    status, _, _ = client.post_form(
        "/add", {"csrf": client.csrf(), "title": "Ferry strike ends", "text": "The ferry crews went back to work."}
    )
    assert status == 201
    (path,) = set(settings.inbox.iterdir()) - before
    assert path.suffix == ".txt"
    assert path.read_text(encoding="utf-8") == "Ferry strike ends\n\nThe ferry crews went back to work.\n"


def test_unreadable_type_and_empty_form_are_refused(site: tuple[Settings, Client]) -> None:
    settings, client = site
    before = set(settings.inbox.iterdir())
    assert client.post_multipart("/add", {"csrf": client.csrf()}, {"file": ("run.sh", b"rm -rf /\n")})[0] == 415
    assert client.post_form("/add", {"csrf": client.csrf()})[0] == 400
    assert set(settings.inbox.iterdir()) == before


def test_oversize_upload_is_refused_and_nothing_written(tmp_path: Path) -> None:
    settings = fresh_settings(tmp_path, max_file_mb=0.01)  # 10 KiB
    before = set(settings.inbox.iterdir())
    with serving(settings) as server:
        client = Client(server.port)
        big = b"word " * 10_000  # 50 KB
        status, page = client.post_multipart("/add", {"csrf": client.csrf()}, {"file": ("big.txt", big)})
        assert status == 413 and "max_file_mb" in page
        status, _, page = client.post_form("/add", {"csrf": client.csrf(), "text": "word " * 10_000})
        assert status == 413
        status, _ = client.post_multipart("/add", {"csrf": client.csrf()}, {"file": ("small.txt", b"word " * 100)})
        assert status == 201
    assert len(set(settings.inbox.iterdir()) - before) == 1  # only the small one
    assert not list(settings.inbox.glob(".*"))  # no temporary file left


def test_make_an_edition_now_polls_until_done_and_a_second_press_says_so(tmp_path: Path) -> None:
    settings = fresh_settings(tmp_path)
    with serving(settings) as server:
        client = Client(server.port)
        token = client.csrf()
        status, headers, _ = client.post_form("/make", {"csrf": token})
        assert status == 303 and headers["location"] == "/jobs/edition"
        status, _, page = client.post_form("/make", {"csrf": token})
        assert status == 409 and "already being made" in page
        deadline = time.monotonic() + 120
        while True:
            state = json.loads(client.get("/jobs/edition/state")[1])
            if state["state"] != "running" or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert state["state"] == "done", state
        assert state["link"] == f"/editions/{state['edition']}/digest.html"
        status, page = client.get(state["link"])
        assert status == 200 and "Iranian general" in page
        status, page = client.get("/jobs/edition")
        assert "Read it" in page and state["link"] in page
        # once done, another press starts another run (it remakes today's edition)
        assert client.post_form("/make", {"csrf": token})[0] == 303
        while (state := json.loads(client.get("/jobs/edition/state")[1]))["state"] == "running":
            time.sleep(0.2)
        assert state["state"] == "done" and state["message"].startswith(f"edition {state['edition']} written")
        assert client.post_form("/send", {"csrf": token})[0] == 400  # no [email]


def test_a_token_is_asked_for_when_configured(tmp_path: Path) -> None:
    settings = fresh_settings(tmp_path, web=WebSettings(token="s3cret-token"))
    with serving(settings) as server:
        client = Client(server.port)
        status, page = client.get("/")
        assert status == 401 and "token" in page
        assert client.get("/?token=wrong")[0] == 401
        assert client.get("/?token=s3cret-token")[0] == 303
        assert client.get("/")[0] == 200  # the cookie now


def run_digest(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "digest", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
    )


@pytest.mark.parametrize("command", ["web", "serve"])
def test_a_non_local_bind_without_token_is_refused(tmp_path: Path, command: str) -> None:
    settings = fresh_settings(tmp_path)
    result = run_digest(command, "--http", "0.0.0.0:0", "--inbox", str(settings.inbox), "--output", str(tmp_path / "o"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "digest: error: serving on 0.0.0.0 lets other machines in: set [web] token in digest.toml "
        "(or DIGEST_WEB_TOKEN), or bind 127.0.0.1"
    ]
    bad = run_digest("web", "--http", "nonsense", "--inbox", str(settings.inbox), "--output", str(tmp_path / "o"))
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and "HOST:PORT" in bad.stderr


def wait_for_page(port: int, process: subprocess.Popen[str], seconds: float = 30) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            return Client(port).get("/status")[0]
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the web app did not answer")


@pytest.mark.parametrize("command", ["web", "serve"])
def test_command_serves_the_app_and_stops_cleanly_on_sigterm(tmp_path: Path, command: str) -> None:
    settings = fresh_settings(tmp_path)
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "digest",
            command,
            "--http",
            f"127.0.0.1:{port}",
            "--inbox",
            str(settings.inbox),
            "--output",
            str(settings.output),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_for_page(port, process) == 200
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr


def test_a_token_lets_the_app_serve_on_another_address(tmp_path: Path) -> None:
    settings = fresh_settings(tmp_path, web=WebSettings(token="t0ken"))
    server = WebServer(settings, "0.0.0.0:0")  # refused without the token (see above)
    server.socket.close()


def test_edition_page_screenshot_in_chromium(site: tuple[Settings, Client], tmp_path: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed")
    _, client = site
    shot = tmp_path / "home.png"
    result = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--screenshot={shot}",
            "--window-size=1280,900",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"http://127.0.0.1:{client.port}/",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shot.is_file(), result.stderr
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_nothing_new_is_said_for_the_browser_not_the_command_line(settings) -> None:
    """A manual edition with no new article is done, and the page is not told about --allow-empty."""
    from digest.newsdesk import Newsdesk
    from digest.web.app import Jobs

    jobs = Jobs(lambda: Newsdesk(settings))
    jobs.get("edition")
    jobs.start("edition", lambda desk: desk.make_edition())  # the seeds: an edition
    while jobs.get("edition").state == "running":
        time.sleep(0.1)
    jobs.start("edition", lambda desk: desk.make_edition(date=desk.edition_date() + timedelta(days=1)))
    while (job := jobs.get("edition")).state == "running":
        time.sleep(0.1)
    assert job.state == "done" and job.message.startswith("no new articles"), job
    assert "--allow-empty" not in job.message
