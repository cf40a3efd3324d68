"""digest: turns a folder of news articles into a daily, cited digest (HTML, PDF, JSON).

The public API: a :class:`Newsdesk` made from :class:`Settings` (or :func:`load_settings`) does
what a user does (ingest, prepare, make an edition, send it, status, search); the model classes are
what it returns, the errors what it raises. Everything else lives in the stage subpackages.
"""

from __future__ import annotations

import logging

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

logging.getLogger(__name__).addHandler(logging.NullHandler())
