"""Boilerplate removal, multi-article split, and title/source/date detection.

Every line of a document is given a role by general rules — its shape (length, final punctuation,
letters), whether it addresses the reader ("follow us", "your email"), whether it is a photo caption
or credit, and whether it repeats — never by a list of known phrases:

* ``body``: a sentence-like line; the article text.
* ``head``: a short line without final punctuation (headline, dek, subhead, link-list item).
* ``chrome``: site furniture (navigation, calls to action, ad sizes, comment prompts). It marks the
  edge of an article: a headline that follows chrome and is followed by body starts a new article.
* ``aside``: captions, credits, bylines and date lines; removed but not an article edge.

Heads never become body text; they are only candidates for an article's title and dek.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import re
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime

from ..models import Article, RawDoc
from .segment import content_terms, glued_heading, not_prose, sentences_of, split_sentences

# All Unicode white space (U+1680 and U+2000–U+200A too, which a line may hold thousands of) and
# the zero-width space.
_SPACE = re.compile(r"[\s\u200b]+")
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_TERMINAL = re.compile(r"[.!?…。！？]['\"”’»)\]]*$")
_INNER_SENTENCE_END = re.compile(r"[a-z][.!?]['\"”’]?\s+[A-Z]")
_CLOSES_QUOTE = re.compile(r"[”\"»]$")

# The reader or the site speaking to the reader, together with something to do on the site.
_READER = re.compile(r"\b(you|your|you're|yours|us|our)\b", re.I)
_SITE_ACTION = re.compile(
    r"\b(follow|subscrib\w*|sign(?:ing)? ?up|newsletter|comment\w*|click|download|"
    r"channel|email address|e-mail address|log ?in|register|cookies?|advertis\w*|notifications?|"
    r"browser|javascript|podcast|whatsapp|telegram|facebook|twitter|instagram|youtube|"
    r"donate|support us|privacy|tweets?)\b",
    re.I,
)
# Words that mean the site only in a short line ("Share this", "Get the app"); in a sentence of an
# article they are ordinary words ("I want to share my story with you").
_SHORT_SITE_ACTION = re.compile(r"\b(share|app|apps|feed|tip|tips|reply|published)\b", re.I)
# Verbs and labels that open the short lines of a site's interface.
_UI_WORDS = frozenset(
    """click tap continue read leave share follow subscribe sign connect join watch listen download get
    skip load show view see print email like comment comments register log login reply related
    trending recommended advertisement advertisements sponsored more next previous back home menu
    search close accept tags tagged topics filed posted gallery learn""".split()
)
_DIMENSIONS = re.compile(r"^\d{2,4}\s*[x×X]\s*\d{2,4}$")
_CAPTION_START = re.compile(
    r"^\(?(FILE\b|In this\b.{0,160}?\b(photo|picture|image|file photo|video|handout|frame grab)\b)",
    re.I,
)
_CREDIT_PAREN = re.compile(
    r"\((?:[^()]{0,120}\b(?:AP|AFP|Reuters|Getty|EPA|Photo|Photograph|Image|via|File|Credit|"
    r"Courtesy|Handout|Shutterstock)\b[^()]{0,60})\)\s*\.?$"
)
_CREDIT_LINE = re.compile(
    r"(\bvia (AP|AFP|Reuters|Getty)\b|\bAP Photo\b|\bGetty Images\b|^(photo|image|picture|credit|"
    r"source|illustration)s?\s*[:|/]|/(AFP|AP|Reuters|EPA)\b|\bShutterstock\b|\bcourtesy of\b)",
    re.I,
)
_MONTH = (
    r"(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_MONTH_NUMBER = {
    m: i
    for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)
}
_DATE_MDY = re.compile(_MONTH + r"\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b", re.I)
_DATE_DMY = re.compile(r"\b(\d{1,2})\s+" + _MONTH + r"\.?,?\s+(\d{4})\b", re.I)
_DATE_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_TRAILING_DATE = re.compile(r",\s*" + _MONTH + r"\.?\s+\d{1,2},?\s+\d{4}\s*$", re.I)
# A wire dateline opening an article's first paragraph: "HARWICK, Northland, Nov 27 (Meridian) - ",
# "BALTIMORE (AP) — ", "Iran, November 10, 2019—". The place is in capitals, or a date follows it.
_DATELINE = re.compile(
    r"^(?:[A-Z][A-Z.'’-]{1,25}(?: [A-Z][A-Z.'’-]{1,25}){0,3}(?:, [A-Z][\w.'’-]{1,25}(?: [A-Z][\w.'’-]{1,25}){0,2}){0,2}"
    r"(?:,? " + _MONTH + r"\.? \d{1,2}(?:, \d{4})?)?(?: \([^()]{1,40}\))?"
    r"|[A-Z][\w.'’-]{1,25}(?: [A-Z][\w.'’-]{1,25}){0,3},? " + _MONTH + r"\.? \d{1,2},? \d{4}(?: \([^()]{1,40}\))?)"
    r" ?[-–—]{1,2} ?(?=[A-Z“\"‘'])"
)


def without_dateline(sentence: str) -> str:
    """An article's first sentence as a reader quotes it: without the wire dateline that opens it
    (the dateline says where the story was filed; it stays in the article, where it helps group it)."""
    return _DATELINE.sub("", sentence, count=1)


_BYLINE = re.compile(r"^(by|reporting by|written by|words by|story by|text by|edited by|author:)\s+(.+)$", re.I)
# Each run of white space belongs to one word before it, taken whole (three optional "\s*" in a row
# made a line of white space cubic).
_DATE_ONLY = re.compile(
    r"^(?:(?:published|updated|posted|last updated|first published)\s*+)?(?:on\s*+)?(?::\s*+)?"
    r"[\w ,.:|/-]{0,40}\d{4}[\w ,.:|/+-]{0,30}$",
    re.I,
)


@dataclass
class Line:
    text: str
    role: str  # body | head | chrome | aside
    kind: str = ""  # why: caption, credit, byline, date, duplicate, cta, nav, symbols, ...
    words: int = 0
    blank_before: int = 0


@dataclass
class _Part:
    head_group: list[Line] = field(default_factory=list)
    body: list[Line] = field(default_factory=list)
    asides: list[Line] = field(default_factory=list)


def normalize_line(text: str) -> str:
    """The form used to spot repeated lines: lower case letters and digits only."""
    return " ".join(re.findall(r"[^\W_]+", text.lower()))


def _unwrap(lines: list[str]) -> list[tuple[str, int]]:
    """Join hard-wrapped paragraphs; return (line, blank lines before it)."""
    blocks: list[tuple[list[str], int]] = []
    blank = 0
    current: list[str] = []
    for raw in lines:
        line = _SPACE.sub(" ", raw).strip()
        if not line:
            if current:
                blocks.append((current, blank))
                current, blank = [], 0
            blank += 1
            continue
        current.append(line)
    if current:
        blocks.append((current, blank))
    result: list[tuple[str, int]] = []
    for block, before in blocks:
        wrapped = (
            len(block) > 1
            and max(len(x) for x in block) <= 100
            and sum(1 for x in block[:-1] if not _TERMINAL.search(x)) >= 0.5 * (len(block) - 1)
            and any(next_line[:1].islower() for next_line in block[1:])
        )
        if wrapped:
            result.append((" ".join(block), before))
        else:
            result.extend((x, before if i == 0 else 0) for i, x in enumerate(block))
    return result


# Every byte but the ASCII letters: what bytes.translate deletes to count them, in C.
_NOT_ASCII_LETTERS = bytes(b for b in range(256) if not chr(b).isascii() or not chr(b).isalpha())


def _symbols(text: str) -> bool:
    """Whether letters (of any script) are none or under 40 % of the characters that are not spaces.
    The ASCII letters are counted first, in C: in most lines they alone settle it."""
    shown = len(text) - text.count(" ")
    ascii_letters = len(text.encode("ascii", "ignore").translate(None, _NOT_ASCII_LETTERS))
    if ascii_letters and ascii_letters >= 0.4 * shown:
        return False
    letters = len(_LETTER.findall(text))
    return letters == 0 or letters < 0.4 * shown


def classify(text: str, blank_before: int = 0) -> Line:
    """Give one line its role by its shape alone (repetition is handled per document)."""
    tokens = text.split()
    # Chinese and Japanese write no spaces between words: count about two characters a word.
    n = max(len(tokens), len(_UNSPACED.findall(text)) // 2)
    line = Line(text=text, role="head", words=n, blank_before=blank_before)
    if _symbols(text) or _DIMENSIONS.match(text):
        line.role, line.kind = "chrome", "symbols"
        return line
    terminal = bool(_TERMINAL.search(text))
    first = re.sub(r"[^\w:]", "", tokens[0].lower()) if tokens else ""
    if _CAPTION_START.search(text) or (_CREDIT_PAREN.search(text) and n <= 120):
        line.role, line.kind = "aside", "caption"
        return line
    if n <= 14 and not terminal and _CREDIT_LINE.search(text):
        line.role, line.kind = "aside", "credit"
        return line
    if (
        n <= 30
        and _READER.search(text)
        and (_SITE_ACTION.search(text) or (n <= 12 and _SHORT_SITE_ACTION.search(text)))
    ):
        line.role, line.kind = "chrome", "cta"
        return line
    if n <= 5 and not terminal and (first.rstrip(":") in _UI_WORDS or text.endswith(":")):
        line.role, line.kind = "chrome", "nav"
        return line
    if n <= 10 and _BYLINE.match(text):
        line.role, line.kind = "aside", "byline"
        return line
    if n <= 12 and not terminal and _DATE_ONLY.match(text) and _find_date(text):
        line.role, line.kind = "aside", "date"
        return line
    if not terminal and n <= 30 and _TRAILING_DATE.search(text):
        line.role, line.kind = "aside", "caption"
        return line
    if (
        (terminal and n >= 5)
        or n >= 20
        or (_CLOSES_QUOTE.search(text) and n >= 8)
        or (n >= 10 and _INNER_SENTENCE_END.search(text))
    ):
        line.role = "body"
    return line


def _find_date(text: str) -> str | None:
    match = _DATE_ISO.search(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
        if 1 <= month <= 12 and 1 <= day <= 31 and 1900 < year < 2200:
            return f"{year:04d}-{month:02d}-{day:02d}"
    for pattern, order in ((_DATE_MDY, "mdy"), (_DATE_DMY, "dmy")):
        match = pattern.search(text)
        if match:
            if order == "mdy":
                month_name, day_s, year_s = match.groups()
            else:
                day_s, month_name, year_s = match.groups()
            month = _MONTH_NUMBER[month_name[:3].lower()]
            day, year = int(day_s), int(year_s)
            if 1 <= day <= 31 and 1900 < year < 2200:
                return f"{year:04d}-{month:02d}-{day:02d}"
    return None


_DEFAULTS = (datetime(1901, 1, 1, 0, 0, 0), datetime(1902, 2, 2, 1, 1, 1))  # two guesses for missing parts
# Zone names news sites print after a time (an abbreviation alone is ambiguous: these are the usual ones).
_ZONES = {"UTC": 0, "GMT": 0, "Z": 0, "BST": 3600, "CET": 3600, "CEST": 7200, "EET": 7200, "EEST": 10800}
_ZONES.update(
    {
        f"{zone}{kind}": (offset + (kind == "DT")) * 3600
        for zone, offset in (("E", -5), ("C", -6), ("M", -7), ("P", -8))
        for kind in ("ST", "DT")
    }
)


# Mail and RSS dates: "Sun, 29 Nov 2026 09:30:00 +0100".
_RFC2822 = re.compile(r"^(?:[A-Za-z]{3}, ?)?\d{1,2} [A-Za-z]{3} \d{4} \d{2}:\d{2}(?::\d{2})? (?:[+-]\d{4}|[A-Z]{1,5})$")


def _date_time(text: str) -> datetime | None:
    """``text`` read whole as a date with a time of day (ISO 8601, RFC 2822, written forms such as
    "November 29, 2026 9:30 AM"); None when it is not one, or has no time of day."""
    if ":" not in text or len(text) > 80:
        return None
    with contextlib.suppress(ValueError):
        return datetime.fromisoformat(text)
    if _RFC2822.match(text):  # the e-mail parser guesses at anything else ("9:30 PM" read as 9:30)
        with contextlib.suppress(ValueError, TypeError, IndexError):
            return parsedate_to_datetime(text)
    from dateutil import parser

    first: datetime  # dateutil has no type hints
    second: datetime
    try:
        with warnings.catch_warnings():  # a time zone name it does not know leaves the time without offset
            warnings.simplefilter("ignore")
            first, second = (parser.parse(text, default=default, tzinfos=_ZONES) for default in _DEFAULTS)
    except (ValueError, OverflowError):
        return None
    # Every part of the date and the hour were in the text, or the two guesses would differ.
    if (first.year, first.month, first.day, first.hour) != (second.year, second.month, second.day, second.hour):
        return None
    return first


def published_date(value: str) -> str | None:
    """A publication date as ISO 8601: "2026-11-29T09:30:00+00:00" when it has a time of day (with its
    offset when it has one), else "2026-11-29"; None when ``value`` holds no date."""
    text = _SPACE.sub(" ", value).strip()
    moment = _date_time(text)
    if moment is not None and 1900 < moment.year < 2200:
        return moment.isoformat(timespec="seconds")
    return _find_date(text)


def _is_title_candidate(line: Line) -> bool:
    return line.role == "head" and 4 <= line.words <= 30 and not line.text.endswith(":")


def _similar(a: Iterable[str], b: Iterable[str]) -> float:
    ca, cb = Counter(a), Counter(b)
    dot = sum(v * cb[k] for k, v in ca.items())
    na = math.sqrt(sum(v * v for v in ca.values()))
    nb = math.sqrt(sum(v * v for v in cb.values()))
    return dot / (na * nb) if na and nb else 0.0


# A sentence that is only a parenthesis, right after a caption: its credit ("(AP Photo/Jane Doe, File)").
_CREDIT_ONLY = re.compile(r"^\([^()]{1,120}\)\.?$")


def _caption_and_rest(text: str) -> tuple[str, str] | None:
    """A paragraph that opens with a photo caption and goes on with the article, as JSON text and some
    saved pages give a whole article ("FILE - In this Oct. 27, 2012 file photo, … (AP Photo/…, File)
    WASHINGTON (AP) — …"): the caption's sentences and the rest; None when it is all caption.

    A caption is its sentence, up to its credit(s) when one follows within three sentences; one
    caption may follow another (a page shows it twice)."""
    sentences = split_sentences(text)
    end = 0
    while end < len(sentences) and _CAPTION_START.search(sentences[end]):
        following = range(end + 1, min(end + 4, len(sentences)))
        credit = next((k for k in following if _CREDIT_ONLY.match(sentences[k])), None)
        end = end + 1 if credit is None else credit + 1
        while end < len(sentences) and _CREDIT_ONLY.match(sentences[end]):  # a second credit
            end += 1
    rest = sentences[end:]
    if end == 0 or sum(len(x.split()) for x in rest) < 40:
        return None
    return " ".join(sentences[:end]), " ".join(rest)


# A sentence opening with a label of the page's media (a caption or a credit run into the text that
# follows it: "Image copyright AP Image caption Rick Perry at Trump Tower Donald Trump has …").
_MEDIA_LABEL = re.compile(
    r"^(?:Image|Media|Photo|Picture|Video)s? (?:copyright|caption|credit|playback|courtesy)\b", re.I
)
_YOU = re.compile(r"\b(?:[Yy]ou|[Yy]our|[Yy]ou're)\b")
_QUOTE_MARK = re.compile(r"[\"“”]")
# An interface word in capitals, or the advertisement label, glued before a sentence ("ADVERTISEMENT While …").
_LEADING_LABEL = re.compile(r"^(?:Advertisement|[A-Z]{4,})\s+(?=[A-Z“\"‘])")


def _sentence_role(sentence: str) -> tuple[str, str]:
    """``sentence`` as the article keeps it (a glued heading or label taken off), or "" when it is
    furniture; and why ("" when it is kept whole)."""
    label = _LEADING_LABEL.match(sentence)
    if label and (label.group().strip().lower() in _UI_WORDS or label.group().startswith("Adv")):
        sentence = sentence[label.end() :]
    cut = glued_heading(sentence)
    kept = sentence[cut:]
    flaw = not_prose(kept)
    if flaw is not None:
        return "", flaw
    line = classify(kept)
    # In a sentence "us" may be the US, and a quotation may speak to its listener: the site speaks to
    # the reader only outside quotation marks.
    speaks = line.kind != "cta" or (_YOU.search(kept) is not None and not _QUOTE_MARK.search(kept))
    if line.role in ("chrome", "aside") and line.kind != "date" and speaks:
        return "", line.kind
    if _MEDIA_LABEL.search(kept) or (_CREDIT_LINE.search(" ".join(kept.split()[:8])) and line.role != "head"):
        return "", "credit"
    return kept, "heading" if cut else ""


_UNBROKEN_WORDS = 150  # a paragraph this long is a whole article without its paragraph breaks


def _without_furniture(line: Line) -> tuple[Line, list[Line]]:
    """A body line as scraped text gives it, one paragraph with the page's furniture glued in:
    without the sentences that are captions, credits, calls to the reader, runs of links or headings,
    and without the heading glued to a sentence; with what was taken out (asides)."""
    kept: list[str] = []
    removed: list[Line] = []
    changed = False
    for sentence in split_sentences(line.text):
        text, why = _sentence_role(sentence)
        if text:
            kept.append(text)
        else:
            removed.append(Line(sentence, "aside", why or "furniture", len(sentence.split())))
        changed = changed or text != sentence
    if not changed:
        return line, []
    if not kept:
        return Line(line.text, "aside", "furniture", line.words, line.blank_before), []
    rest = classify(" ".join(kept), line.blank_before)
    if rest.role != "body":  # what is left is not an article's text
        rest = Line(rest.text, "aside", "furniture", rest.words, rest.blank_before)
    return rest, removed


def _classified(raw: RawDoc) -> list[Line]:
    """Each line of ``raw`` with its role; a caption is a sentence, not always a paragraph: the
    caption opening a long paragraph is set aside, and the rest is classified on its own."""
    lines = []
    for text, blank in _unwrap(raw.text.splitlines()):
        line = classify(text, blank)
        parts = _caption_and_rest(text) if line.kind == "caption" and line.words >= 60 else None
        if parts is not None:
            caption, rest = parts
            lines.append(Line(caption, "aside", "caption", len(caption.split()), blank))
            line = classify(rest)
        # An extractor has taken the furniture out of a page's paragraphs, not out of one long paragraph.
        if line.role == "body" and (not raw.extracted or line.words >= _UNBROKEN_WORDS):
            line, removed = _without_furniture(line)
            lines.extend(removed)
        lines.append(line)
    return lines


def _roles(raw: RawDoc, common_heads: Mapping[str, int] | None) -> list[Line]:
    lines = _classified(raw)
    keys = [normalize_line(x.text) for x in lines]
    counts = Counter(keys)
    for index, (line, key) in enumerate(zip(lines, keys, strict=True)):
        # An extractor's output is already the article: a line it repeats is the article repeating itself.
        repeated_body = line.role == "body" and counts[key] > 1 and line.words <= 40 and not raw.extracted
        # A head repeated right away is a caption shown twice; a head repeated further on may be
        # a link to an article that the page also holds, so it stays a head.
        doubled_head = line.role == "head" and (
            (index > 0 and keys[index - 1] == key) or (index + 1 < len(keys) and keys[index + 1] == key)
        )
        if repeated_body or doubled_head:
            # A line a page repeats is furniture or a caption, never news (news says it once).
            line.role, line.kind = "aside", "duplicate"
        elif line.role == "head" and common_heads and common_heads.get(key, 0) > 1:
            line.role, line.kind = "chrome", "repeated"
    return lines


def _keep_subheads(lines: list[Line]) -> None:
    """In an extractor's output, head-shaped lines between body lines are the article's own
    subheadings and list items: they stay in the text (the summarizer does not quote them)."""
    body = [i for i, line in enumerate(lines) if line.role == "body"]
    if not body:
        return
    for line in lines[body[0] + 1 :]:
        if line.role == "head":
            line.role, line.kind = "body", "subhead"


def _parts(lines: list[Line], split: bool) -> list[_Part]:
    parts: list[_Part] = []
    current: _Part | None = None
    group: list[Line] = []  # heads since the last chrome line, waiting for body
    chrome_since_body = True
    for line in lines:
        if line.role == "chrome":
            group = []
            if current is not None and current.body:
                chrome_since_body = True
            continue
        if line.role == "aside":
            (current.asides if current else []).append(line)
            if current is None:
                group.append(line)
            continue
        if line.role == "head":
            group.append(line)
            continue
        candidates = [x for x in group if _is_title_candidate(x)]
        starts_new = current is None or (split and chrome_since_body and candidates and len(current.body) >= 2)
        if starts_new:
            current = _Part(head_group=list(group))
            parts.append(current)
        assert current is not None
        current.body.append(line)
        group = []
        chrome_since_body = False
    return _merge_similar(parts)


def _merge_similar(parts: list[_Part]) -> list[_Part]:
    """Undo a split between two parts that are plainly about the same thing."""
    merged: list[_Part] = []
    for part in parts:
        if merged:
            before = content_terms(" ".join(x.text for x in merged[-1].body))
            after = content_terms(" ".join(x.text for x in part.body))
            if _similar(before, after) >= 0.45 or (len(part.body) < 2 and sum(x.words for x in part.body) < 40):
                merged[-1].body.extend(part.body)
                continue
        merged.append(part)
    return merged


def _title_and_dek(group: list[Line]) -> tuple[str | None, str | None]:
    heads = [x for x in group if x.role == "head"]
    title = next((x for x in heads if _is_title_candidate(x)), None)
    if title is None:
        return None, None
    after = heads[heads.index(title) + 1 :]
    dek = next((x.text for x in after if 6 <= x.words <= 40), None)
    return title.text, dek


def content_hash(title: str | None, paragraphs: Iterable[str]) -> str:
    body = normalize_line(" ".join(paragraphs))
    return hashlib.sha256(f"{normalize_line(title or '')}\n{body}".encode()).hexdigest()


def _source_from(raw: RawDoc, asides: list[Line]) -> str | None:
    if raw.source:
        return raw.source.strip() or None
    for line in asides:
        if line.kind == "byline":
            match = _BYLINE.match(line.text)
            if match and match.group(1).lower().startswith("reporting"):
                return match.group(2).strip()
    return None


def _date_from(raw: RawDoc, part: _Part) -> str | None:
    if raw.published:
        return published_date(raw.published)
    looked = [x.text for x in part.head_group if x.kind in ("date", "byline") or x.role == "head"]
    looked += [x.text[:80] for x in part.body[:1]]
    for text in looked:
        found = _find_date(text)
        if found:
            return found
    return None


def clean_document(raw: RawDoc, common_heads: Mapping[str, int] | None = None) -> list[Article]:
    """Turn one RawDoc into its articles (several when it is a page holding several)."""
    lines = _roles(raw, common_heads)
    if raw.extracted:
        _keep_subheads(lines)
    parts = _parts(lines, split=not raw.extracted)
    articles = []
    for part in parts:
        paragraphs = tuple(x.text for x in part.body)
        title, dek = _title_and_dek(part.head_group)
        if len(parts) == 1 and raw.title:
            title = raw.title.strip()
        sentences, owner = sentences_of(paragraphs)
        if not sentences:
            continue
        digest_id = content_hash(title, paragraphs)
        articles.append(
            Article(
                id=digest_id[:16],
                path=raw.path,
                title=title,
                source=_source_from(raw, part.asides + [x for x in part.head_group if x.role == "aside"]),
                url=raw.url,
                published=_date_from(raw, part),
                paragraphs=paragraphs,
                sentences=sentences,
                sentence_paragraph=owner,
                dek=dek,
            )
        )
    return articles


def head_line_keys(doc: RawDoc) -> set[str]:
    """The short head-shaped lines of one document, normalised (see :func:`common_head_lines`)."""
    keys = set()
    for text, _ in _unwrap(doc.text.splitlines()):
        if text.count(" ") >= 12:  # more than 12 words: no short head, and not worth classifying
            continue
        line = classify(text)
        if line.role == "head" and line.words <= 12:
            keys.add(normalize_line(text))
    return keys


def common_head_lines(docs: Iterable[RawDoc]) -> dict[str, int]:
    """Short head-shaped lines and how many documents of a batch carry them (site furniture)."""
    seen: Counter[str] = Counter()
    for doc in docs:
        seen.update(head_line_keys(doc))
    return {k: v for k, v in seen.items() if v > 1}
