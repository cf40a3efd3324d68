"""Serving the web app with uvicorn: in the foreground (``digest web``) or in a thread beside the
daemon's scheduler (``digest serve --http``). The socket is bound here, so a bad address or a port
in use is one line of error, and any address but this machine's own needs ``[web] token``."""

from __future__ import annotations

import ipaddress
import logging
import signal
import socket
import threading
from typing import Any

from ..config import Settings
from ..errors import ConfigError

log = logging.getLogger(__name__)

DEFAULT_ADDRESS = "127.0.0.1:8080"


def parse_address(text: str) -> tuple[str, int]:
    """'HOST:PORT' (IPv6 as '[::1]:8080') as (host, port); a ConfigError says what is wrong."""
    host, sep, port = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ConfigError(f"--http {text!r} is not an address; give HOST:PORT, e.g. {DEFAULT_ADDRESS}")
    return host, int(port)


def is_local(host: str) -> bool:
    """The address is this machine's own loopback (only its own users can reach it)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bind(settings: Settings, host: str) -> None:
    """Refuse to serve on any address but the loopback without a token."""
    if not is_local(host) and not settings.web.token:
        raise ConfigError(
            f"serving on {host} lets other machines in: set [web] token in digest.toml "
            "(or DIGEST_WEB_TOKEN), or bind 127.0.0.1"
        )


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on (host, port), or a ConfigError naming the problem."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        family, kind, proto, _, address = infos[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise ConfigError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None
    return sock


class WebServer:
    """The web app of ``settings`` served by uvicorn on ``address`` (bound at once, so the port is
    known: ``port`` 0 picks a free one). :meth:`run` serves in this thread until SIGTERM/SIGINT;
    :meth:`start` in a thread of its own until :meth:`stop`."""

    def __init__(self, settings: Settings, address: str = DEFAULT_ADDRESS, app: Any = None) -> None:
        import uvicorn

        from .app import create_app

        host, port = parse_address(address)
        check_bind(settings, host)
        self.app = app if app is not None else create_app(settings)
        self.socket = bind(host, port)
        self.host = host
        self.port = int(self.socket.getsockname()[1])
        config = uvicorn.Config(self.app, log_level="warning", access_log=False, timeout_graceful_shutdown=5)
        self.server = uvicorn.Server(config)
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def run(self) -> None:
        try:
            self.server.run(sockets=[self.socket])
        finally:
            self.socket.close()

    def start(self) -> None:
        self.thread = threading.Thread(target=self.run, name="digest-web", daemon=True)
        self.thread.start()

    def serve_until_signal(self) -> None:
        """Serve in a thread until SIGTERM or SIGINT, then stop cleanly (the main thread's way)."""
        stopping = threading.Event()
        handlers = {
            number: signal.signal(number, lambda *_: stopping.set()) for number in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            self.start()
            assert self.thread is not None
            while not stopping.wait(0.5) and self.thread.is_alive():
                pass
        finally:
            self.stop()
            for number, handler in handlers.items():
                signal.signal(number, handler)
        log.info("web app stopped")

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout)
        jobs = getattr(getattr(self.app, "state", None), "jobs", None)
        if jobs is not None:
            jobs.join(timeout)
