from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from digest.clean import clean_document, common_head_lines
from digest.config import Settings
from digest.ingest import read_file
from digest.models import Article

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "inbox"  # the bundled sample inbox: the five seed articles


def seed_name(article: Article) -> str:
    """'000' for an article from 000_….txt."""
    return Path(article.path).name[:3]


@pytest.fixture(scope="session")
def seed_articles() -> list[Article]:
    docs = [doc for path in sorted(SEEDS.glob("*.txt")) for doc in read_file(path).docs]
    furniture = common_head_lines(docs)
    return [a for doc in docs for a in clean_document(doc, furniture)]


@pytest.fixture
def clock() -> Callable[[], datetime]:
    return lambda: datetime(2019, 11, 3, 7, 0, tzinfo=UTC)


@pytest.fixture
def seed_inbox(tmp_path: Path) -> Path:
    inbox = tmp_path / "inbox"
    shutil.copytree(SEEDS, inbox)
    return inbox


@pytest.fixture
def settings(tmp_path: Path, seed_inbox: Path) -> Settings:
    return Settings(inbox=seed_inbox, output=tmp_path / "output", timezone="UTC", pdf=False)
