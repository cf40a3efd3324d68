"""Plain data passed between the stages. Frozen, so no stage can change another's input."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlparse

if TYPE_CHECKING:  # numpy is loaded only by the stages that make an edition
    import numpy as np


# How an article whose outlet is not known is named to readers.
UNNAMED = "Unnamed source"


@lru_cache(maxsize=65_536)  # an edition asks for each article's outlet several times
def outlet_name(source: str | None, url: str | None) -> str | None:
    """Who published an article with this source and web address: the named source, else the
    address's host (without 'www.' and the like); None if neither tells.

    The one definition of an outlet: every output, count and ranking goes through it. A file name
    is never an outlet: inbox files are often named by a number or a hash.
    """
    if source and source.strip():
        return source.strip()
    parsed = urlparse(url) if url else None
    if parsed and parsed.scheme.lower() in ("http", "https"):
        host = (parsed.hostname or "").lower()
        for prefix in ("www.", "m.", "amp.", "mobile."):
            host = host.removeprefix(prefix)
        if host:
            return host
    return None


@dataclass(frozen=True)
class RawDoc:
    """What a file holds before cleaning: text lines plus whatever metadata the format gave."""

    path: str
    text: str
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published: str | None = None
    # True when the text already went through an article extractor (saved web pages);
    # cleaning then only polishes it and does not split it into several articles.
    extracted: bool = False


@dataclass(frozen=True)
class Article:
    """One news text from one source."""

    id: str
    path: str
    title: str | None
    source: str | None
    url: str | None
    published: str | None  # ISO date (YYYY-MM-DD) when known
    paragraphs: tuple[str, ...]
    sentences: tuple[str, ...]
    # index of the paragraph each sentence belongs to (same length as sentences)
    sentence_paragraph: tuple[int, ...] = ()
    dek: str | None = None
    # Computed once when the article is stored, so an edition need not parse it again (see
    # features.py): the content words of each sentence, the names-and-numbers features of
    # clustering, and the hashed shingles that find copies. None when not known; the stages then
    # compute them.
    terms: tuple[tuple[str, ...], ...] | None = field(default=None, compare=False, repr=False)
    entities: tuple[str, ...] | None = field(default=None, compare=False, repr=False)
    shingles: np.ndarray | None = field(default=None, compare=False, repr=False)

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def outlet(self) -> str | None:
        """Who published the article (see :func:`outlet_name`); None if unknown."""
        return outlet_name(self.source, self.url)

    @property
    def source_key(self) -> str:
        """What counts as one source: a named outlet (case-folded), else the file the article came from."""
        name = self.outlet
        return f"outlet:{name.casefold()}" if name else f"file:{self.path}"

    @property
    def display_title(self) -> str:
        if self.title:
            return self.title
        if self.sentences:
            from .text.clean import without_dateline  # no dateline in a headline made from the lead

            words = without_dateline(self.sentences[0]).split()
            head = " ".join(words[:12])
            return head + ("…" if len(words) > 12 else "")
        return self.path.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class SummarySentence:
    """A sentence taken verbatim from one article, citing every article that states it."""

    text: str
    citations: tuple[str, ...]  # article ids, the sentence's own article first
    article_id: str  # the article the text was taken from
    # What each other cited article says of it: (article id, its sentence or pair of adjacent
    # sentences that states the text), found when the citations were decided.
    evidence: tuple[tuple[str, str], ...] = ()

    def evidence_of(self, article_id: str) -> str | None:
        """The words of the cited article ``article_id`` that state the sentence; None if not known."""
        return next((words for cited, words in self.evidence if cited == article_id), None)

    @property
    def single_source(self) -> bool:
        """Only the sentence's own article states it: no other article of the story confirms it."""
        return len(self.citations) == 1


@dataclass(frozen=True)
class Continuation:
    """The story of an earlier edition that a story carries on (same event, new articles)."""

    date: str  # the earlier edition (YYYY-MM-DD) holding that story
    story_id: str  # its id there
    title: str  # its title there
    since: str  # the edition date the event was first reported in (the start of the chain)


@dataclass(frozen=True)
class Story:
    """A group of articles about the same real-world event, with its cited summary."""

    id: str
    title: str
    articles: tuple[Article, ...]
    summary: tuple[SummarySentence, ...]
    related: tuple[str, ...] = ()  # ids of other stories in the edition on a related subject
    continues: Continuation | None = None  # the earlier edition's story this one carries on
    topic: str = ""  # the id of the topic the story belongs to (see Topic)

    @property
    def sources(self) -> tuple[str, ...]:
        """The story's distinct sources, as :attr:`Article.source_key` counts them, in its articles' order."""
        return tuple(dict.fromkeys(article.source_key for article in self.articles))

    @property
    def latest(self) -> str | None:
        dates = [a.published for a in self.articles if a.published]
        return max(dates) if dates else None


@dataclass(frozen=True)
class Topic:
    """Stories of one broad subject (the Asian Games: the opening, the ban on Iran's horses, …);
    a story alone in its subject is a topic of one story."""

    id: str
    title: str
    stories: tuple[str, ...]  # story ids, in the edition's order


@dataclass(frozen=True)
class Quarantined:
    """A file set aside with the reason; the file itself is left where it was."""

    path: str
    reason: str


@dataclass(frozen=True)
class Digest:
    """One edition."""

    date: date
    generated_at: datetime
    stories: tuple[Story, ...]
    quarantined: tuple[Quarantined, ...] = ()
    outputs: dict[str, str] = field(default_factory=dict, compare=False)
    topics: tuple[Topic, ...] = ()  # every story in exactly one; the stories come topic by topic

    @property
    def article_count(self) -> int:
        return sum(len(s.articles) for s in self.stories)

    @property
    def source_count(self) -> int:
        """Distinct sources of the edition: named outlets, and each file whose outlet is unknown."""
        return len({source for s in self.stories for source in s.sources})
