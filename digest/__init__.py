"""digest: turns a folder of news articles into a daily, cited digest (HTML, PDF, JSON).

The public API: a :class:`Newsdesk` made from :class:`Settings` (or :func:`load_settings`) does
what a user does (ingest, prepare, make an edition, send it, status, search); the model classes are
what it returns, the errors what it raises. Everything else lives in the stage subpackages.
"""

from __future__ import annotations

import logging
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .config import Settings, load_settings
    from .errors import (
        ConfigError,
        DeliveryError,
        DigestError,
        InputError,
        LockBusyError,
        NothingNewError,
        RenderError,
        StoreError,
    )
    from .mail.deliver import RecipientResult, SendReport
    from .models import Article, Continuation, Digest, Quarantined, RawDoc, Story, SummarySentence, Topic
    from .newsdesk import Carried, Newsdesk, SearchHit
    from .pipeline import ScanReport, Status

__version__ = "0.1.0"
__all__ = [
    "Article",
    "Carried",
    "ConfigError",
    "Continuation",
    "DeliveryError",
    "Digest",
    "DigestError",
    "InputError",
    "LockBusyError",
    "Newsdesk",
    "NothingNewError",
    "Quarantined",
    "RawDoc",
    "RecipientResult",
    "RenderError",
    "ScanReport",
    "SearchHit",
    "SendReport",
    "Settings",
    "Status",
    "StoreError",
    "Story",
    "SummarySentence",
    "Topic",
    "__version__",
    "load_settings",
]

# Each name's module, loaded when the name is first used: a command that makes no edition (`digest
# --help`, `digest summarize`) does not pay for the mail, store and pipeline modules it never uses.
_HOME = {
    **dict.fromkeys(("Settings", "load_settings"), "config"),
    **dict.fromkeys(
        (
            "ConfigError",
            "DeliveryError",
            "DigestError",
            "InputError",
            "LockBusyError",
            "NothingNewError",
            "RenderError",
            "StoreError",
        ),
        "errors",
    ),
    **dict.fromkeys(("RecipientResult", "SendReport"), "mail.deliver"),
    **dict.fromkeys(
        ("Article", "Continuation", "Digest", "Quarantined", "RawDoc", "Story", "SummarySentence", "Topic"), "models"
    ),
    **dict.fromkeys(("Carried", "Newsdesk", "SearchHit"), "newsdesk"),
    **dict.fromkeys(("ScanReport", "Status"), "pipeline"),
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{home}", __name__), name)
    globals()[name] = value  # found directly from now on
    return value


logging.getLogger(__name__).addHandler(logging.NullHandler())
