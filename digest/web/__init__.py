"""The web app: today's edition, the archive, stories, search, status, and buttons to make an
edition, send it and add an article (``digest web``, or ``digest serve --http``)."""

from .app import create_app
from .server import WebServer, check_bind, parse_address

__all__ = ["WebServer", "check_bind", "create_app", "parse_address"]
