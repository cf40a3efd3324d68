"""digest: turns a folder of news articles into a daily, cited digest (HTML, PDF, JSON)."""

from __future__ import annotations

import logging

from .config import Settings, load_settings
from .errors import ConfigError, DeliveryError, DigestError, InputError, LockBusyError, RenderError, StoreError
from .mail.deliver import RecipientResult, SendReport, send_edition
from .models import Article, Digest, Quarantined, RawDoc, Story, SummarySentence
from .pipeline import build_stories, run_edition, scan_inbox, status, summarize_files

__version__ = "0.1.0"
__all__ = [
    "Article",
    "ConfigError",
    "DeliveryError",
    "Digest",
    "DigestError",
    "InputError",
    "LockBusyError",
    "Quarantined",
    "RawDoc",
    "RecipientResult",
    "RenderError",
    "SendReport",
    "Settings",
    "StoreError",
    "Story",
    "SummarySentence",
    "__version__",
    "build_stories",
    "load_settings",
    "run_edition",
    "scan_inbox",
    "send_edition",
    "status",
    "summarize_files",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
