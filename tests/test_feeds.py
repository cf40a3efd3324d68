"""News feeds fetched into the inbox: a real HTTP server on 127.0.0.1 serves feeds of real-world
shapes and failures; real ``digest`` subprocesses fetch, list, import and export them."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from digest.config import FeedSettings, FetchSettings, Settings, load_settings
from digest.errors import ConfigError
from digest.sources.feeds import HostGate, fetch_feeds, opml_text, parse_feed, read_opml
from digest.store import Store

STORIES = {
    "volcano": (
        "Volcano forces evacuation of island villages",
        "Authorities ordered three thousand people to leave villages on the slopes of Mount Kerel on Tuesday "
        "after the volcano began sending ash two kilometres into the sky. Ferries carried residents to the "
        "mainland through the night. Scientists said the eruption could last for weeks.",
    ),
    "tram": (
        "City opens its first tram line in sixty years",
        "The first tram in sixty years carried passengers across the city centre on Saturday, as the new line "
        "between the university and the central station opened to the public. The line cost four hundred "
        "million euros and runs every six minutes. Shopkeepers along the route welcomed the end of the works.",
    ),
    "whale": (
        "Rare white whale seen off the northern coast",
        "Fishermen filmed a white humpback whale swimming off the northern coast on Sunday, the first sighting "
        "of the animal in these waters for a decade. Marine biologists asked boats to keep at least one hundred "
        "metres away. The whale was last seen heading south with two other humpbacks.",
    ),
    "vaccine": (
        "Health agency approves new malaria vaccine",
        "The national health agency approved a malaria vaccine for children under five on Thursday, after trials "
        "showed it prevented three in four severe cases. The first doses will reach clinics in the spring. "
        "Doctors called the decision the most important step against the disease in a generation.",
    ),
    "orchestra": (
        "Youth orchestra wins international prize",
        "A youth orchestra from the river port of Amsel won the international competition in Vienna on Friday, "
        "the first ensemble from the country to do so. Its eighty players are aged between twelve and nineteen. "
        "The prize includes a concert tour of Asia next year.",
    ),
    "glacier": (
        "Glacier lost a fifth of its ice in ten years",
        "The Sarn glacier has lost a fifth of its ice since 2014, according to a survey published on Wednesday by "
        "the alpine research institute. Researchers measured the glacier with drones and radar. They expect it "
        "to split into two smaller glaciers within twenty years.",
    ),
}


def rss(keys: list[str]) -> bytes:
    items = "".join(
        f"""<item><title>{STORIES[k][0]}</title><link>http://news.test/{k}</link><guid>urn:story:{k}</guid>
<pubDate>Tue, 05 Mar 2024 08:00:00 GMT</pubDate><description>{STORIES[k][0]}.</description>
<content:encoded><![CDATA[<p>{STORIES[k][1]}</p><script>alert(1)</script>]]></content:encoded></item>"""
        for k in keys
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Island Post</title>'
        f"<link>http://news.test/</link><description>News</description>{items}</channel></rss>"
    ).encode()


def atom(base: str) -> bytes:
    entries = "".join(
        f"""<entry><title>{STORIES[k][0]}</title><id>tag:news.test,2024:{k}</id>
<link href="{base}/pages/{k}.html"/><updated>2024-03-05T09:00:00Z</updated>
<summary>{STORIES[k][1].split(". ")[0]}.</summary></entry>"""
        for k in ("vaccine", "orchestra")
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Continental Wire</title><id>tag:news.test,2024:wire</id><updated>2024-03-05T09:00:00Z</updated>"
        f"{entries}</feed>"
    ).encode()


def page(key: str) -> bytes:
    title, text = STORIES[key]
    paragraphs = "".join(f"<p>{sentence}.</p>" for sentence in text.rstrip(".").split(". "))
    return (
        f"<!DOCTYPE html><html><head><title>{title}</title><meta property='og:site_name' content='Continental "
        f"Wire'></head><body><nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{paragraphs}"
        "<p>The full report, with the reactions of those involved, was published by the wire on the same "
        "day and has been shared widely since then by readers across the region.</p></article>"
        "<footer>Copyright Continental Wire</footer></body></html>"
    ).encode()


JSON_FEED = json.dumps(
    {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Glacier Watch",
        "items": [
            {
                "id": "glacier-1",
                "url": "http://news.test/glacier",
                "title": STORIES["glacier"][0],
                "content_text": STORIES["glacier"][1],
                "date_published": "2024-03-06T10:00:00+01:00",
            }
        ],
    }
).encode()

BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'.encode() for n in range(1, 10)
    )
    + b']><rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title>'
    b"<description>&lol9;</description></item></channel></rss>"
)


@dataclass
class FeedServer:
    base: str
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    items: dict[str, list[str]] = field(default_factory=dict)  # path -> story keys of an RSS feed
    active: int = 0
    most_at_once: int = 0


@pytest.fixture
def server() -> Iterator[FeedServer]:
    state = FeedServer("")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def send(self, status: int, body: bytes = b"", kind: str = "application/xml", **headers: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            with lock:
                state.requests.append((self.path, dict(self.headers)))
                state.active += 1
                state.most_at_once = max(state.most_at_once, state.active)
            try:
                self.answer()
            except (BrokenPipeError, ConnectionResetError):
                pass
            finally:
                with lock:
                    state.active -= 1

        def answer(self) -> None:
            path = self.path
            if path in state.items:
                self.send(200, rss(state.items[path]), ETag='"v1"')
            elif path == "/atom.xml":
                self.send(200, atom(state.base), "application/atom+xml")
            elif path.startswith("/pages/"):
                self.send(200, page(path.removeprefix("/pages/").removesuffix(".html")), "text/html")
            elif path == "/feed.json":
                body = gzip.compress(JSON_FEED)
                self.send(200, body, "application/feed+json", Content_Encoding="gzip")
            elif path == "/cond.xml":
                if self.headers.get("If-None-Match") == '"c1"':
                    self.send_response(304)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                else:
                    self.send(200, rss(["whale"]), ETag='"c1"')
            elif path == "/moved.xml":
                self.send(301, Location=f"{state.base}/tram.xml")
            elif path == "/loop.xml":
                self.send(302, Location=f"{state.base}/loop.xml")
            elif path == "/slow.xml":
                time.sleep(3)
                self.send(200, rss(["volcano"]))
            elif path == "/huge.xml":
                self.send_response(200)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(50_000_000))
                self.end_headers()
                block = b"<!-- " + b"x" * 65_000 + b" -->"
                for _ in range(50_000_000 // len(block)):
                    self.wfile.write(block)
            elif path == "/broken.xml":
                self.send(200, rss(["volcano"])[:-60])
            elif path == "/bomb.xml":
                self.send(200, BOMB)
            elif path == "/error.xml":
                self.send(500, b"oops", "text/plain")
            else:
                self.send(404, b"not found", "text/plain")

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    state.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    state.items = {"/rss.xml": ["volcano", "tram"], "/tram.xml": ["tram"]}
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


FAST = FetchSettings(timeout=1.0, max_mb=1.0, max_redirects=3, per_host=4, delay_seconds=0.0)


def feed_settings(tmp_path: Path, server: FeedServer, *feeds: FeedSettings) -> Settings:
    inbox = tmp_path / "inbox"
    inbox.mkdir(exist_ok=True)
    return Settings(inbox=inbox, output=tmp_path / "out", timezone="UTC", pdf=False, feeds=feeds, fetch=FAST)


def written(inbox: Path) -> list[Path]:
    return sorted(p for p in (inbox / "feeds").rglob("*") if p.is_file())


def test_rss_atom_and_json_feed_items_are_written_once_across_fetches_and_a_restart(tmp_path, server):
    settings = feed_settings(
        tmp_path,
        server,
        FeedSettings(f"{server.base}/rss.xml"),
        FeedSettings(f"{server.base}/atom.xml", name="Continental Wire", full_text=True),
        FeedSettings(f"{server.base}/feed.json"),
    )
    outcomes = fetch_feeds(settings)
    assert [o.error for o in outcomes] == [None, None, None]
    files = written(settings.inbox)
    names = {p.relative_to(settings.inbox / "feeds").as_posix() for p in files}
    assert len(files) == 5 and all(not p.name.startswith(".") for p in files)
    # RSS with content:encoded: the full text, as .json, with the feed's title as source
    volcano = json.loads(next(p for p in files if p.name.startswith("volcano")).read_text())
    assert volcano["title"] == STORIES["volcano"][0]
    assert volcano["text"] == STORIES["volcano"][1] and "alert" not in volcano["text"]
    assert volcano["source"] == "Island Post" and volcano["url"] == "http://news.test/volcano"
    assert volcano["published"] == "2024-03-05T08:00:00+00:00"
    # Atom with summaries only, full_text: the linked pages, saved as pages
    assert {n for n in names if n.startswith("continental-wire/")} == {n for n in names if n.endswith(".html")} and sum(
        n.endswith(".html") for n in names
    ) == 2
    # JSON Feed (served gzipped)
    glacier = json.loads(next(p for p in files if p.name.startswith("glacier")).read_text())
    assert glacier["text"] == STORIES["glacier"][1] and glacier["published"] == "2024-03-06T10:00:00+01:00"
    # The user of the inbox may delete what came in: it is not written again, also after a restart.
    files[0].unlink()
    server.items["/rss.xml"] = ["volcano", "tram", "whale"]
    again = fetch_feeds(settings)  # a new process would open the same store: the ledger is in it
    new = {o.url.rsplit("/", 1)[1]: sum(1 for _, p in o.written if p) for o in again}
    assert new == {"rss.xml": 1, "atom.xml": 0, "feed.json": 0}
    assert len(written(settings.inbox)) == 5
    assert sum(p.name.startswith("rare-white-whale") for p in written(settings.inbox)) == 1
    with Store(settings.store_path) as store:
        assert len(store.fetched_keys(f"{server.base}/rss.xml")) == 3


def test_failures_are_reported_per_feed_and_never_stop_the_others(tmp_path, server):
    broken = {
        "slow.xml": "no answer within 1 s",
        "huge.xml": "larger than 1 MB",
        "broken.xml": "not well-formed",
        "bomb.xml": "not well-formed",
        "error.xml": "HTTP 500",
        "missing.xml": "HTTP 404",
        "loop.xml": "more than 3 redirects",
    }
    feeds = [FeedSettings(f"{server.base}/{name}") for name in broken]
    settings = feed_settings(tmp_path, server, *feeds, FeedSettings(f"{server.base}/moved.xml", name="Moved"))
    started = time.monotonic()
    outcomes = {o.url.rsplit("/", 1)[1]: o for o in fetch_feeds(settings)}
    assert time.monotonic() - started < 10  # the slow feed and the 50 MB one are cut short
    for name, reason in broken.items():
        assert outcomes[name].error is not None and reason in outcomes[name].error, (name, outcomes[name].error)
        assert not outcomes[name].written
    assert outcomes["moved.xml"].error is None  # a redirect is followed
    assert [p.parent.name for p in written(settings.inbox)] == ["moved"]
    with Store(settings.store_path) as store:
        errors = {f.url.rsplit("/", 1)[1]: f.error for f in store.feeds()}
    assert errors["moved.xml"] is None and "HTTP 404" in (errors["missing.xml"] or "")


def test_unreachable_hosts_are_one_line_reasons(tmp_path, server):
    settings = feed_settings(
        tmp_path, server, FeedSettings("http://no-such-host.invalid/rss.xml"), FeedSettings("https://127.0.0.1:9/x")
    )
    reasons = [o.error or "" for o in fetch_feeds(settings)]
    assert all(r.startswith("cannot connect") for r in reasons), reasons
    assert all("\n" not in r for r in reasons)


def test_a_feed_that_did_not_change_answers_304_and_writes_nothing(tmp_path, server):
    settings = feed_settings(tmp_path, server, FeedSettings(f"{server.base}/cond.xml"))
    (first,) = fetch_feeds(settings)
    (second,) = fetch_feeds(settings)
    assert len(first.written) == 1 and not first.not_modified
    assert second.not_modified and not second.written and second.error is None
    asked = [headers for path, headers in server.requests if path == "/cond.xml"]
    assert "If-None-Match" not in asked[0] and asked[1]["If-None-Match"] == '"c1"'
    assert asked[0]["User-Agent"].startswith("digest/") and "local news digest" in asked[0]["User-Agent"]


def test_requests_to_one_host_are_limited_and_spaced(tmp_path, server):
    server.items.update({f"/f{n}.xml": ["tram"] for n in range(6)})
    feeds = [FeedSettings(f"{server.base}/f{n}.xml", name=f"f{n}") for n in range(6)]
    settings = replace(feed_settings(tmp_path, server, *feeds), fetch=replace(FAST, per_host=1, delay_seconds=0.1))
    started = time.monotonic()
    assert all(o.error is None for o in fetch_feeds(settings))
    assert server.most_at_once == 1
    assert time.monotonic() - started >= 0.5  # six requests, 0.1 s apart


def test_host_gate_lets_per_host_requests_through_at_once():
    gate = HostGate(per_host=2, delay=0.0)
    inside = []
    barrier = threading.Barrier(2, timeout=5)

    def enter() -> None:
        with gate.slot("http://a.test/x"):
            inside.append(1)
            barrier.wait()

    threads = [threading.Thread(target=enter) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(inside) == 2  # both were inside together, or the barrier would have broken


def test_billion_laughs_is_refused_by_a_small_fast_process(tmp_path, server):
    config = tmp_path / "digest.toml"
    config.write_text(f'[[feeds]]\nurl = "{server.base}/bomb.xml"\n[fetch]\ntimeout = 5\n')
    (tmp_path / "inbox").mkdir()
    probe = (
        "import resource, subprocess, sys, time\n"
        "started = time.monotonic()\n"
        "done = subprocess.run([sys.executable, '-m', 'digest', 'feeds', 'fetch', *sys.argv[1:]],"
        " capture_output=True, text=True)\n"
        "print(done.returncode, time.monotonic() - started,"
        " resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "print(done.stdout + done.stderr)\n"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            probe,
            "--config",
            str(config),
            "--inbox",
            str(tmp_path / "inbox"),
            "--output",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    head, _, output = result.stdout.partition("\n")
    code, seconds, max_kb = head.split()
    assert code == "1" and "not well-formed" in output and "amplification" in output
    assert float(seconds) < 15 and int(max_kb) < 400_000  # ~1 KB never grows to gigabytes


def test_opml_round_trips(tmp_path):
    feeds = [
        FeedSettings("https://example.org/rss.xml", name="Example & Co"),
        FeedSettings("https://example.net/atom?x=1&y=2", name='Quoted "news"'),
    ]
    path = tmp_path / "subs.opml"
    path.write_text(opml_text(feeds))
    assert read_opml(path) == [(f.url, f.name) for f in feeds]


def test_parse_feed_refuses_what_is_not_a_feed():
    with pytest.raises(Exception, match="not a feed"):
        parse_feed(b"<html><body>hello</body></html>", "text/html")
    with pytest.raises(Exception, match="not a feed"):
        parse_feed(b'{"title": "no items"}', "application/json")


def test_feeds_and_fetch_settings_are_read_from_the_config_file(tmp_path):
    config = tmp_path / "digest.toml"
    config.write_text(
        'fetch_minutes = 15\n[[feeds]]\nurl = "https://example.org/rss.xml"\nname = "Example"\nfull_text = true\n'
        '[fetch]\ntimeout = 5\nmax_mb = 2\nper_host = 1\ndelay_seconds = 0\n[mail]\nmaildir = "Mail/News"\n'
    )
    settings = load_settings(config, env={})
    assert settings.feeds == (FeedSettings("https://example.org/rss.xml", "Example", True),)
    assert settings.fetch_minutes == 15 and settings.fetch.per_host == 1 and settings.fetch.delay_seconds == 0
    assert settings.mail is not None and settings.mail.maildir == tmp_path / "Mail/News"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[feeds]]\nname = "x"\n', "has no url"),
        ('[[feeds]]\nurl = "ftp://example.org/x"\n', "is not an http:// or https:// address"),
        ('[[feeds]]\nurl = "https://e.org/x"\nfull_txt = true\n', "unknown setting feeds[1].full_txt"),
        ("feeds = 3\n", "must be written as [[feeds]] tables"),
        ("[fetch]\nper_host = 0\n", "fetch.per_host must be a whole number, 1 or more"),
        ("[mail]\nimap = { host = 'x' }\n", "mail.imap is not supported"),
    ],
)
def test_bad_feed_settings_are_one_line(tmp_path, text, message):
    config = tmp_path / "digest.toml"
    config.write_text(text)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")) as caught:
        load_settings(config, env={})
    assert "\n" not in str(caught.value)


def digest(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "digest", *args], capture_output=True, text=True, timeout=300, cwd=cwd)


def test_cli_add_import_list_fetch_export_status_and_an_edition(tmp_path, server):
    (tmp_path / "inbox").mkdir()
    (tmp_path / "digest.toml").write_text(
        'timezone = "UTC"\npdf = false\n[fetch]\ntimeout = 1\nmax_mb = 1\nper_host = 4\ndelay_seconds = 0\n'
    )
    where = ("--inbox", "inbox", "--output", "out")
    added = digest("feeds", "add", f"{server.base}/rss.xml", "--name", "Island Post", *where, cwd=tmp_path)
    assert added.returncode == 0 and "subscribed to Island Post" in added.stdout
    bad = digest("feeds", "add", "file:///etc/passwd", *where, cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "http://" in bad.stderr
    opml = tmp_path / "subs.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head/><body><outline text="News">'
        f'<outline text="Wire" xmlUrl="{server.base}/feed.json"/>'
        f'<outline text="Gone" xmlUrl="{server.base}/missing.xml"/></outline></body></opml>'
    )
    imported = digest("feeds", "import", str(opml), *where, cwd=tmp_path)
    assert imported.returncode == 0 and "subscribed to 2 feeds" in imported.stdout
    not_opml = digest("feeds", "import", str(tmp_path / "digest.toml"), *where, cwd=tmp_path)
    assert not_opml.returncode == 5 and "Traceback" not in not_opml.stderr

    fetched = digest("feeds", "fetch", *where, cwd=tmp_path)
    assert fetched.returncode == 1, fetched.stderr
    assert "ok       Island Post: 2 new" in fetched.stdout and "ok       Wire: 1 new" in fetched.stdout
    assert "failed   Gone: HTTP 404" in fetched.stdout
    listed = digest("feeds", "list", *where, cwd=tmp_path)
    assert "error: HTTP 404 Not Found" in listed.stdout and "2 new items" in listed.stdout
    state = digest("status", *where, cwd=tmp_path)
    assert "3 feeds, 1 failing" in state.stdout and "Gone: HTTP 404" in state.stdout
    exported = digest("feeds", "export", *where, cwd=tmp_path)
    copy = tmp_path / "copy.opml"
    copy.write_text(exported.stdout)
    assert {url for url, _ in read_opml(copy)} == {
        f"{server.base}/rss.xml",
        f"{server.base}/feed.json",
        f"{server.base}/missing.xml",
    }

    run = digest("run", "--date", "2024-03-06", "--no-pdf", *where, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    edition = json.loads((tmp_path / "out" / "2024-03-06" / "digest.json").read_text())
    titles = sorted(story["title"] for story in edition["stories"])
    assert titles == sorted(STORIES[k][0] for k in ("volcano", "tram", "glacier"))
    sources = {a["source"] for story in edition["stories"] for a in story["articles"]}
    assert sources == {"Island Post", "Wire"}  # the names given by add and by the OPML file


def test_doctor_checks_each_feed_and_the_maildir(tmp_path, server):
    from digest.config import MailSettings
    from digest.doctor import check_feeds

    settings = replace(
        feed_settings(
            tmp_path,
            server,
            FeedSettings(f"{server.base}/rss.xml", name="Island Post"),
            FeedSettings(f"{server.base}/x"),
        ),
        mail=MailSettings(tmp_path / "Mail"),
    )
    checks = list(check_feeds(settings))
    assert [(c.area, c.status) for c in checks] == [("feeds", "ok"), ("feeds", "fail"), ("mail", "fail")]
    assert "Island Post: answers, 2 items" in checks[0].detail and "HTTP 404" in checks[1].detail
    assert "does not exist" in checks[2].detail and "[mail] maildir" in checks[2].fix
    assert not (tmp_path / "inbox" / "feeds").exists()  # doctor writes nothing


def test_the_daemon_fetch_job_logs_failures_and_goes_on(tmp_path, server, caplog):
    from digest.config import MailSettings
    from digest.scheduler import Daemon

    settings = replace(
        feed_settings(
            tmp_path, server, FeedSettings(f"{server.base}/error.xml"), FeedSettings(f"{server.base}/rss.xml")
        ),
        mail=MailSettings(tmp_path / "no-maildir"),
    )
    daemon = Daemon(settings)
    with caplog.at_level("INFO", logger="digest"):
        daemon.fetch_sources()
        daemon.fetch_sources()  # not due again: nothing is fetched twice within fetch_minutes
    assert len(written(settings.inbox)) == 2
    assert sum("/rss.xml" in path for path, _ in server.requests) == 1
    messages = [r.getMessage() for r in caplog.records]
    assert any("failed: HTTP 500" in m for m in messages) and any("no-maildir does not exist" in m for m in messages)
