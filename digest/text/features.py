"""Features of one article that an edition needs, computed once when the article is stored.

The content words of each sentence (``segment.content_terms``), the names and numbers that tell
two events of the same kind apart, and the hashed five-word runs (shingles) that find syndicated
copies. ``pipeline.features_version`` hashes this module and ``segment.py``: stored features made
by other code are computed anew.
"""

from __future__ import annotations

import re
from functools import lru_cache
from zlib import crc32

import numpy as np

from ..models import Article
from .segment import STOP_WORDS, content_terms, words

_NAME = re.compile(r"(?<![\w’'])([A-Z][\w’'-]*(?:\s+(?:(?:al|el|bin|de|van|von|der|la|du)[- ])?[A-Z][\w’'-]*)*)")
_NUMBER = re.compile(r"\b\d[\d,.]*\b")


# Capitalised words that name no participant of an event: calendar words, and the wire services
# that many outlets credit whatever the story.
_NOT_NAMES = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday january february march april may june
    july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec
    reuters ap afp associated press mr mrs ms dr gen""".split()
)


_POSSESSIVE = re.compile(r"['’]s$")


@lru_cache(maxsize=200_000)
def _name_part(word: str) -> str:
    """A word of a name as a feature: lower case, without 's and edge quotes or hyphens; "" when
    it says nothing about whose story it is (a stop word, a weekday, a month, a wire service)."""
    if word.lower() in STOP_WORDS:
        return ""
    part = _POSSESSIVE.sub("", word.lower()).strip("’'-")
    return "" if part in _NOT_NAMES else part


_DAY_OF_MONTH = re.compile(
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b", re.I
)


def entities(text: str) -> list[str]:
    """Names (capitalised runs that are not stop words) and numbers, as features."""
    found = []
    for match in _DAY_OF_MONTH.finditer(text):  # "Oct. 10": the day an event happened
        found.append(f"d:{match.group(1).lower()}-{int(match.group(2))}")
    for match in _NAME.finditer(text.replace("-", " ")):
        name = match.group(1)
        parts = [part for part in map(_name_part, name.split()) if part]
        if not parts:
            continue
        found.extend("e:" + part for part in parts)
        if len(parts) > 1:
            found.append("e:" + " ".join(parts))
    for match in _NUMBER.finditer(text):
        number = match.group(0).rstrip(".,").replace(",", "")
        if len(number) >= 2:
            found.append("n:" + number)
    return found


def article_entities(article: Article, lead: int = 3, boost: int = 2) -> list[str]:
    """The names-and-numbers features of one article (computed, never the stored ones)."""
    head = f"{article.title or ''}. {' '.join(article.sentences[:lead])}"
    return entities(head) * boost + entities(" ".join(article.sentences))


SHINGLE = 5
SHINGLE_COLUMNS = 2**22  # the hashing space of shingles (dedupe's sparse matrix is this wide)


def _shingles(text: str) -> list[str]:
    tokens = [w.lower() for w in words(text)]
    if len(tokens) < SHINGLE:
        return [" ".join(tokens)] if tokens else []
    return [" ".join(tokens[i : i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1)]


def shingle_columns(texts: list[str]) -> list[np.ndarray]:
    """For each text, the sorted distinct columns of its hashed word 5-shingles: CRC-32 of the
    shingle's UTF-8 bytes, folded into ``SHINGLE_COLUMNS`` (stable across processes, unlike ``hash``)."""
    return [
        np.unique(np.fromiter((crc32(s.encode()) for s in _shingles(text)), dtype=np.uint32) % SHINGLE_COLUMNS)
        for text in texts
    ]


def with_features(article: Article) -> Article:
    """The article with its sentences' content words, names and numbers, and shingles attached."""
    from dataclasses import replace

    terms = tuple(tuple(content_terms(s)) for s in article.sentences)
    return replace(
        article, terms=terms, entities=tuple(article_entities(article)), shingles=shingle_columns([article.text])[0]
    )
