"""The Starlette app of ``digest web``: pages read from the store through a :class:`Newsdesk`.

Safety: no path from a request reaches the file system (an edition's files are found among the
outputs the store recorded for it; an uploaded article is saved under a name chosen here), every
request that changes anything is a POST carrying the app's CSRF token from a page of the same
origin, and with ``[web] token`` set every request must carry the token (once as ``?token=``,
then as a cookie).
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup, escape
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ..config import Settings
from ..errors import DigestError, NothingNewError, plural
from ..models import UNNAMED, Digest, Story
from ..newsdesk import Newsdesk, SearchHit
from ..output.render import environment, nice_date, safe_link, story_views, templates_dir
from ..sources.feeds import write_whole
from ..sources.ingest import READERS

log = logging.getLogger(__name__)

DesksFactory = Callable[[], Newsdesk]

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MEDIA = {
    ".html": "text/html; charset=utf-8",
    ".pdf": "application/pdf",
    ".epub": "application/epub+zip",
    ".json": "application/json",
    ".xml": "application/xml",
}
# A manual edition waits this long for a run holding the edition lock (the daemon's, a 'digest run').
EDITION_WAIT_SECONDS = 600.0
FORM_OVERHEAD = 64 * 1024  # bytes of a form beyond the article itself (boundaries, headers, the other fields)
TOKEN_COOKIE = "digest_token"
MAX_HITS = 200
# Pages of the app: only same-origin scripts, styles inline (the edition is one self-contained page) or ours.
_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # "no-referrer" would make a browser send "Origin: null" on our own forms
}


@dataclass
class Job:
    """The last manual edition or delivery started from the app, and how it went."""

    kind: str  # "edition" or "send"
    state: str = "idle"  # idle | running | done | failed
    message: str = ""
    edition: str | None = None  # the edition it made or sent


class Jobs:
    """Manual editions and deliveries, each in a thread of its own with a newsdesk of its own;
    one of each kind at a time."""

    def __init__(self, factory: DesksFactory) -> None:
        self.factory = factory
        self.lock = threading.Lock()
        self.jobs = {kind: Job(kind) for kind in ("edition", "send")}
        self.threads: list[threading.Thread] = []

    def get(self, kind: str) -> Job:
        with self.lock:
            job = self.jobs[kind]
            return Job(job.kind, job.state, job.message, job.edition)

    def start(self, kind: str, work: Callable[[Newsdesk], tuple[str, str | None]]) -> bool:
        """Start ``work`` (returns a message and the edition) unless a job of ``kind`` is running."""
        with self.lock:
            if self.jobs[kind].state == "running":
                return False
            self.jobs[kind] = Job(kind, "running", "started")
        thread = threading.Thread(target=self._run, args=(kind, work), name=f"digest-web-{kind}", daemon=True)
        self.threads = [t for t in self.threads if t.is_alive()] + [thread]
        thread.start()
        return True

    def _run(self, kind: str, work: Callable[[Newsdesk], tuple[str, str | None]]) -> None:
        try:
            with self.factory() as desk:
                message, edition = work(desk)
            state = "done"
        except NothingNewError as exc:  # said for the browser, not the command line (no --allow-empty)
            state, message, edition = "done", str(exc).split(" (use --allow-empty", 1)[0], None
        except DigestError as exc:
            state, message, edition = "failed", str(exc), None
        except Exception as exc:
            log.exception("%s started from the web app failed", kind)
            state, message, edition = "failed", f"failed: {type(exc).__name__}; see the log", None
        log.info("%s from the web app: %s", kind, message)
        with self.lock:
            self.jobs[kind] = Job(kind, state, message, edition)

    def join(self, timeout: float | None = None) -> None:
        for thread in list(self.threads):
            thread.join(timeout)


def _make_edition(desk: Newsdesk) -> tuple[str, str | None]:
    digest = desk.make_edition(wait=EDITION_WAIT_SECONDS)
    day = digest.date.isoformat()
    return f"edition {day} written: {plural(len(digest.stories), 'story')}", day


def _send_edition(desk: Newsdesk) -> tuple[str, str | None]:
    report = desk.send(wait=EDITION_WAIT_SECONDS)
    day = desk.edition_date().isoformat()
    message = (
        f"edition {day}: {len(report.sent)} sent, {len(report.skipped)} already had it, {len(report.failed)} failed"
    )
    return message, day


def highlighted(text: str, words: Sequence[str]) -> Markup:
    """``text`` escaped, with every occurrence of ``words`` (case-insensitive) in ``<mark>``."""
    if not words:
        return escape(text)
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.IGNORECASE)
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(escape(text[last : match.start()]))
        out.append(Markup("<mark>{}</mark>").format(match.group(0)))
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def snippet(text: str, words: Sequence[str], width: int = 32) -> str:
    """About ``width`` words of ``text`` around the first of ``words`` found in it."""
    tokens = text.split()
    folded = [t.casefold() for t in tokens]
    first = next((k for k, t in enumerate(folded) if any(w in t for w in words)), 0)
    start = max(0, first - width // 3)
    piece = " ".join(tokens[start : start + width])
    return ("… " if start else "") + piece + (" …" if start + width < len(tokens) else "")


def _file_name(name: str | None, text: bool) -> str | None:
    """The inbox name an added article gets: chosen here, only its type taken from ``name``; None
    for a type the inbox does not read."""
    suffix = ".txt"
    if not text:
        base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
        suffix = ("." + base.rsplit(".", 1)[-1].lower()) if "." in base else ""
        if suffix not in READERS:
            return None
    return f"web-{datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(4)}{suffix}"


def save_article(inbox: Path, name: str, data: bytes) -> Path:
    """Write ``data`` into the inbox as ``name``, whole (as feeds and newsletters write theirs)."""
    return write_whole(inbox, name, data, exclusive=True)


async def _body_within(request: Request, limit: int) -> bytes | None:
    """The request's body, or None as soon as it grows past ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _replayed(request: Request, body: bytes) -> Request:
    """A request reading ``body`` again (its form can then be parsed)."""
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(request.scope, receive)


class _TokenGate(BaseHTTPMiddleware):
    """With a token configured: a request must carry it (``?token=`` once, then the cookie)."""

    def __init__(self, app: Any, token: str) -> None:
        super().__init__(app)
        self.token = token

    def _matches(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), self.token.encode())

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        given = request.query_params.get("token")
        if self._matches(given):
            response = RedirectResponse(request.url.remove_query_params("token").path, status_code=303)
            response.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="strict")
            return response
        if not self._matches(request.cookies.get(TOKEN_COOKIE)):
            return Response(
                "digest: this web app needs its token: open it once as /?token=... ([web] token)\n",
                status_code=401,
                media_type="text/plain",
            )
        return await call_next(request)


class _Headers(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        for name, value in _HEADERS.items():
            response.headers.setdefault(name, value)
        return response


def create_app(settings: Settings, factory: DesksFactory | None = None) -> Starlette:
    """The web app on ``settings``; ``factory`` makes the newsdesk a request (or a job) uses (one a
    thread: default a new ``Newsdesk(settings)``)."""
    desks: DesksFactory = factory or (lambda: Newsdesk(settings))
    env = environment()
    csrf = secrets.token_urlsafe(32)
    jobs = Jobs(desks)
    max_bytes = int(settings.max_file_mb * 1024 * 1024)

    def page(name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        html = env.get_template(f"web/{name}.html.j2").render(
            csrf=csrf, can_send=settings.email is not None, nice_date=nice_date, **context
        )
        return HTMLResponse(html, status_code=status_code)

    def refused(message: str, status_code: int) -> HTMLResponse:
        return page("message", status_code, title="Refused", message=message, link=None)

    def same_origin(request: Request) -> bool:
        """The request comes from one of our pages: no Origin (or Referer) of another host."""
        host = request.headers.get("host", "")
        origin = request.headers.get("origin") or request.headers.get("referer")
        return origin is None or urlsplit(origin).netloc == host

    def csrf_ok(request: Request, form: Any) -> bool:
        given = form.get("csrf")
        return isinstance(given, str) and hmac.compare_digest(given.encode(), csrf.encode()) and same_origin(request)

    # reading ------------------------------------------------------------------------------------
    def home(request: Request) -> Response:
        with desks() as desk:
            editions = desk.store.editions()
            latest = editions[0] if editions else None
            stories = desk.store.edition_stories(latest.date) if latest else []
        return page("home", edition=latest, stories=stories, files=_files(latest.outputs) if latest else [])

    def archive(request: Request) -> Response:
        with desks() as desk:
            editions = desk.store.editions()
        return page("archive", editions=[(e, _files(e.outputs)) for e in editions])

    def edition_file(request: Request) -> Response:
        day, name = request.path_params["date"], request.path_params["name"]
        if not _DATE.fullmatch(day):
            return refused("No such edition.", 404)
        with desks() as desk:
            record = desk.store.edition(day)
        for path in record.outputs.values() if record else ():
            if Path(path).name == name and Path(path).is_file():
                return FileResponse(path, media_type=_MEDIA.get(Path(path).suffix, "application/octet-stream"))
        return refused("No such file in this edition.", 404)

    def story(request: Request) -> Response:
        day, key = request.path_params["date"], request.path_params["story"]
        if not _DATE.fullmatch(day):
            return refused("No such edition.", 404)
        with desks() as desk:
            record = desk.store.edition(day)
            stories = desk.store.edition_stories(day) if record else []
            found = next((s for s in stories if s.id == key), None)
            if record is None or found is None:
                return refused("No such story in this edition.", 404)
            earlier = _earlier(desk, found)
        generated = datetime.fromisoformat(record.generated_at)
        edition = Digest(datetime.fromisoformat(day).date(), generated, (found,))
        view = story_views(edition, "html")[0]
        return page("story", date=day, view=view, earlier=earlier, unnamed=UNNAMED, link_of=safe_link)

    def search(request: Request) -> Response:
        query = request.query_params.get("q", "").strip()[:500]
        words = query.casefold().split()
        hits: list[SearchHit] = []
        if words:
            with desks() as desk:
                hits = desk.search(query)
        shown = [
            (hit, highlighted(hit.article.display_title, words), highlighted(snippet(hit.article.text, words), words))
            for hit in hits[:MAX_HITS]
        ]
        return page("search", query=query, hits=shown, total=len(hits), unnamed=UNNAMED)

    def status(request: Request) -> Response:
        from ..scheduler import daemon_state

        with desks() as desk:
            report = desk.status()
            deliveries = sorted(desk.store.deliveries(), key=lambda d: (d.edition, d.recipient), reverse=True)
        daemon = daemon_state(settings)
        return page("status", report=report, daemon=daemon, deliveries=deliveries[:100], jobs=[jobs.get("edition")])

    # changing -------------------------------------------------------------------------------------
    async def start_job(request: Request) -> Response:
        kind = "edition" if request.url.path == "/make" else "send"
        body = await _body_within(request, FORM_OVERHEAD)
        if body is None:
            return refused("The request is too large.", 413)
        form = await _replayed(request, body).form()
        if not csrf_ok(request, form):
            return refused("This request did not come from a page of this app (missing or wrong CSRF token).", 403)
        if kind == "send" and settings.email is None:
            return refused("E-mail is not configured: add an [email] table to digest.toml.", 400)
        if not jobs.start(kind, _make_edition if kind == "edition" else _send_edition):
            what = "An edition is already being made" if kind == "edition" else "The edition is already being sent"
            return page("job", 409, job=jobs.get(kind), busy=f"{what}; its progress is below.")
        return RedirectResponse(f"/jobs/{kind}", status_code=303)

    def job_page(request: Request) -> Response:
        kind = request.path_params["kind"]
        if kind not in jobs.jobs:
            return refused("No such job.", 404)
        return page("job", job=jobs.get(kind), busy=None)

    def job_state(request: Request) -> Response:
        kind = request.path_params["kind"]
        if kind not in jobs.jobs:
            return JSONResponse({"error": "no such job"}, status_code=404)
        job = jobs.get(kind)
        link = f"/editions/{job.edition}/digest.html" if job.edition and job.kind == "edition" else None
        return JSONResponse({"state": job.state, "message": job.message, "edition": job.edition, "link": link})

    def add_form(request: Request) -> Response:
        return page("add", max_mb=settings.max_file_mb, types=sorted(READERS), saved=None)

    async def add_article(request: Request) -> Response:
        body = await _body_within(request, max_bytes + FORM_OVERHEAD)
        if body is None:
            return refused(f"The article is larger than max_file_mb ({settings.max_file_mb:g} MB).", 413)
        try:
            form = await _replayed(request, body).form(
                max_files=1, max_fields=10, max_part_size=max_bytes + FORM_OVERHEAD
            )
        except Exception as exc:  # a malformed form, or a field past the limit
            return refused(f"The form could not be read: {getattr(exc, 'detail', exc)}", 400)
        if not csrf_ok(request, form):
            return refused("This request did not come from a page of this app (missing or wrong CSRF token).", 403)
        upload, text = form.get("file"), form.get("text")
        if isinstance(upload, UploadFile) and upload.filename:
            data = await upload.read()
            name = _file_name(upload.filename, text=False)
            if name is None:
                readable = ", ".join(sorted(READERS))
                return refused(f"The inbox does not read this type of file; it reads {readable}.", 415)
        elif isinstance(text, str) and text.strip():
            title = form.get("title")
            heading = title.strip() if isinstance(title, str) else ""
            data = (f"{heading}\n\n" if heading else "").encode() + text.strip().encode() + b"\n"
            name = _file_name(None, text=True)
            assert name is not None
        else:
            return refused("Paste an article's text or choose a file.", 400)
        if len(data) > max_bytes:
            return refused(f"The article is larger than max_file_mb ({settings.max_file_mb:g} MB).", 413)
        if not data.strip():
            return refused("The file is empty.", 400)
        saved = save_article(settings.inbox, name, data)
        log.info("article added from the web app: %s", saved)
        return page("add", 201, max_mb=settings.max_file_mb, types=sorted(READERS), saved=saved.name)

    def stylesheet(request: Request) -> Response:
        folder = templates_dir()
        css = "\n".join((folder / n).read_text(encoding="utf-8") for n in ("digest.css", "screen.css", "web/web.css"))
        return Response(css, media_type="text/css")

    def script(request: Request) -> Response:
        return Response((templates_dir() / "web" / "web.js").read_text(encoding="utf-8"), media_type="text/javascript")

    def archive_index(request: Request) -> Response:  # the edition's "All editions" link: ../index.html
        return RedirectResponse("/archive", status_code=303)

    routes = [
        Route("/", home),
        Route("/archive", archive),
        Route("/editions/index.html", archive_index),
        Route("/editions/{date}/stories/{story}", story),
        Route("/editions/{date}/{name}", edition_file),
        Route("/search", search),
        Route("/status", status),
        Route("/make", start_job, methods=["POST"]),
        Route("/send", start_job, methods=["POST"]),
        Route("/jobs/{kind}", job_page),
        Route("/jobs/{kind}/state", job_state),
        Route("/add", add_form),
        Route("/add", add_article, methods=["POST"]),
        Route("/style.css", stylesheet),
        Route("/web.js", script),
    ]
    middleware = [Middleware(_Headers)]
    if settings.web.token:
        middleware.insert(0, Middleware(_TokenGate, token=settings.web.token))
    app = Starlette(routes=routes, middleware=middleware)
    app.state.jobs = jobs
    return app


def _files(outputs: dict[str, str]) -> list[tuple[str, str]]:
    """(format, file name) of an edition's recorded outputs."""
    return [(kind, Path(path).name) for kind, path in outputs.items()]


def _earlier(desk: Newsdesk, story: Story, most: int = 30) -> list[tuple[str, Story]]:
    """The earlier editions' stories this one carries on, newest first (following "continues")."""
    found: list[tuple[str, Story]] = []
    link = story.continues
    while link is not None and len(found) < most:
        before = next((s for s in desk.store.edition_stories(link.date) if s.id == link.story_id), None)
        if before is None:
            break
        found.append((link.date, before))
        link = before.continues
    return found


__all__ = ["Job", "Jobs", "create_app", "highlighted", "save_article", "snippet"]
