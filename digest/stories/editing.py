"""Editorial choices about a story: its headline, and how much it matters beside the others.

Headline: among the titles of a story's articles, the one the other articles bear out best.
Each content word of a title counts by the share of the *other* articles whose own title or lead
uses it too, so a title made of what every outlet reports ("Riverside win National Cup") beats
one outlet's angle or slant ("Heartbreak for Port Albany"). Kickers ("Report:", "Analysis:",
"ROBBED:"), shouting, exclamation and question marks count against a title, unless every title of
the story carries them.

Significance: the number of distinct outlets that report a story, raised when the story tells of
people killed or injured, and when it carries on a story of an earlier edition with news of its own.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from ..models import Article, Story
from ..text.segment import content_terms

# "Report: …", "Analysis: …", "Live updates | …", "ROBBED: …": up to three words, then a colon or bar.
_KICKER = re.compile(r"^[^\W\d_][\w'’.-]{0,30}(?: [\w'’.-]{1,30}){0,2} ?[:|] +(?=\S)")
_SHOUTED = re.compile(r"\b[A-Z]{4,}\b")
_LEAD_SENTENCES = 3


def kicker(title: str) -> str | None:
    """The label a title opens with ("Report", "Analysis"), or None."""
    match = _KICKER.match(title)
    if match is None or len(title[match.end() :].split()) < 3:
        return None
    return match.group(0).rstrip(":| ")


def _flaws(title: str) -> dict[str, bool]:
    words = title.split()
    shouted = [w for w in _SHOUTED.findall(title) if not (len(w) <= 5 and w.isupper() and len(words) > 1)]
    return {
        "kicker": kicker(title) is not None,
        "shouting": bool(shouted) or (title.isupper() and len(words) > 2),
        "exclaims": "!" in title or title.rstrip().endswith("?"),
        "quotes": title.lstrip()[:1] in "“\"‘'",
        "short": len(words) < 4,
    }


# How much each flaw costs, in the units of a title's support (about 1 for a title every outlet bears out).
_COST = {"kicker": 0.6, "shouting": 0.6, "exclaims": 0.4, "quotes": 0.3, "short": 0.3}


def _lead_terms(article: Article) -> set[str]:
    terms = set(content_terms(article.title or ""))
    if article.terms is not None:
        for stored in article.terms[:_LEAD_SENTENCES]:
            terms.update(stored)
    else:
        for sentence in article.sentences[:_LEAD_SENTENCES]:
            terms.update(content_terms(sentence))
    return terms


def _support(title: str, others: Sequence[set[str]]) -> float:
    """How well the other articles bear out a title: each of its content words by the share of
    them using it, summed, over the square root of the title's length (long titles earn more, not
    in proportion)."""
    terms = set(content_terms(title))
    if not terms or not others:
        return 0.0
    total = sum(sum(term in other for other in others) / len(others) for term in terms)
    return total / math.sqrt(len(terms))


# Small words a headline in title case leaves in lower case.
_MINOR_WORDS = frozenset("a an and as at but by for from in into of on or over the to up with".split())


def unshouted(title: str) -> str:
    """A headline written all in capitals ("COUNCIL APPROVES NEW BUS ROUTE", as newsletters and wires set
    them) in title case; any other title as it is. Short words of capitals in a mixed title (NATO) stay."""
    letters = [c for c in title if c.isalpha()]
    if len(letters) < 8 or not all(c.isupper() for c in letters):
        return title
    words = title.lower().split(" ")
    return " ".join(w if k and w in _MINOR_WORDS else w[:1].upper() + w[1:] if w else w for k, w in enumerate(words))


def choose_title(articles: Sequence[Article]) -> str | None:
    """The fairest, most informative title among ``articles``' titles (a shouted one in title case);
    None when none has one."""
    titled = [a for a in articles if a.title]
    if not titled:
        return None
    if len(titled) == 1 and len(articles) == 1:
        return unshouted(titled[0].title or "")
    leads = {a.id: _lead_terms(a) for a in articles}
    flaws = {a.id: _flaws(a.title or "") for a in titled}
    # A flaw every title shares (all carry a kicker) tells no title apart.
    common = {name for name in _COST if all(f[name] for f in flaws.values())}

    def score(article: Article) -> tuple[float, int]:
        others = [terms for other, terms in leads.items() if other != article.id]
        cost = sum(_COST[name] for name, has in flaws[article.id].items() if has and name not in common)
        return _support(article.title or "", others) - cost, len(article.sentences)

    return unshouted(max(titled, key=score).title or "")


_NUMBER = (
    r"(?:\d[\d,]{0,12}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens|scores|hundreds|thousands)"
)
_DEATHS = re.compile(
    rf"\b(?:{_NUMBER} {{1,3}}(?:\w{{1,30}} {{1,3}}){{0,3}}(?:were |have been |was )?(?:killed|dead|died|drowned)|"
    r"(?:killing|killed) {1,3}(?:at least )?" + _NUMBER + r"|death toll|fatalit(?:y|ies)|bodies\s+of)\b",
    re.I,
)
_INJURIES = re.compile(
    rf"\b(?:{_NUMBER} {{1,3}}(?:\w{{1,30}} {{1,3}}){{0,3}}(?:were |have been |was )?"
    r"(?:injured|wounded|hurt|hospitali[sz]ed)|"
    r"(?:injuring|wounding) {1,3}(?:at least )?" + _NUMBER + r")\b",
    re.I,
)


def outlets(story: Story) -> int:
    """How many distinct outlets report the story (a source, else the web host, else the file)."""
    return len(story.sources)  # as Article.source_key counts them: the one definition of an outlet


def significance(story: Story) -> float:
    """How much a story matters in an edition: its outlets, more for deaths and injuries, and more
    for a continuing story with new articles."""
    text = " ".join(" ".join([story.title, *(s.text for s in story.summary[:4])]).split())  # single spaces
    weight = float(outlets(story))
    if _DEATHS.search(text):
        weight += 2.0
    elif _INJURIES.search(text):
        weight += 1.0
    if story.continues is not None:
        weight += 1.0
    return weight


def topic_title(stories: Sequence[Story]) -> str:
    """A heading for stories of one subject: the names most of them share in their titles and leads
    (as written, longest first: "Sallow Viaduct", not "Sallow"), up to three; else the first story's
    title."""
    from ..summaries.claims import TITLES
    from ..text.features import entities

    texts = [
        " ".join([s.title, *(a.title or "" for a in s.articles), *(x.text for x in s.summary[:3])]) for s in stories
    ]
    counts: dict[str, int] = {}
    for text in texts:
        for name in {e[2:] for e in entities(text) if e.startswith("e:")}:
            if not set(name.split()) <= TITLES:  # "General", "Governor": whose title, not whose story
                counts[name] = counts.get(name, 0) + 1
    shared = sorted(
        (n for n, c in counts.items() if c >= max(2, (len(stories) + 1) // 2)), key=lambda n: (-counts[n], -len(n), n)
    )
    chosen: list[str] = []
    for name in shared:
        if any(name in other.split() or name == other for other in chosen):
            continue  # a part of a name already chosen
        chosen = [c for c in chosen if c not in name.split()]  # a longer name replaces its parts
        chosen.append(name)
        if len(chosen) == 3:
            break
    if not chosen:
        return stories[0].title
    joined = " ".join(texts)
    return " · ".join(_as_written(name, joined) for name in chosen)


def _as_written(name: str, text: str) -> str:
    """``name`` (lower case, as a feature) with the capitals it has where ``text`` writes it as a name."""
    pattern = r"[\s-]+".join(re.escape(part) for part in name.split())
    for match in re.finditer(rf"\b{pattern}\b", text, re.I):
        written = match.group(0)
        if written[:1].isupper() and (not written.isupper() or len(written) <= 4):  # NATO, EU: acronyms
            return written
    return name.title()  # written only in capitals (a shouted headline), or not as a name
