"""Sentence and word splitting, offline.

Sentences come from syntok (rule-based, fast, no model download), with two repairs that matter
for news: a split right after a title abbreviation ("Lt. Joe Steiner") is undone, and a quotation
whose inner sentences were split apart is put back together with its attribution, so that
"“We know how. This happened,” he said." stays one citable sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from syntok import segmenter

# Abbreviations that precede a name; syntok knows many but not all of these.
_TITLE_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof gen lt col maj capt cpt sgt cpl pvt adm cmdr gov sen rep rev fr sr jr st supt
    insp det atty pres amb hon messrs mme mlle no nos vol fig""".split()
)
_OPENING_QUOTES = "“‘«"
_CLOSING_QUOTES = "”’»"
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_SPACES = re.compile(r"\s+")


def _join_tokens(sentence: Iterable[object]) -> str:
    return "".join(f"{tok.spacing}{tok.value}" for tok in sentence).strip()  # type: ignore[attr-defined]


# The last word before a final full stop, if it is short enough to be an abbreviation; bounded, so a
# 100,000-letter "word" is not scanned again from each of its letters.
_SHORT_LAST_WORD = re.compile(r"(?<!\w)(\w{1,12})\.$")


def _ends_with_title_abbreviation(text: str) -> bool:
    match = _SHORT_LAST_WORD.search(text)
    return match is not None and match.group(1).lower() in _TITLE_ABBREVIATIONS


def _open_quote_depth(text: str) -> int:
    """How many curly/straight double quotations are left open at the end of ``text``."""
    depth = 0
    for char in text:
        if char in "“«":
            depth += 1
        elif char in "”»":
            depth = max(0, depth - 1)
    straight = text.count('"')
    return depth + (straight % 2)


# The rest of a wire dateline that the splitter cut after its place ("STOWE, Vt." | "(AP) — …").
_DATELINE_REST = re.compile(r"(?:\([^()]{1,40}\) ?)?[-–—]{1,2} ")


def split_sentences(text: str) -> list[str]:
    """Split one paragraph (or a whole text) into sentences, keeping their original wording."""
    return list(_split(text))


@lru_cache(maxsize=1024)
def _split(text: str) -> tuple[str, ...]:
    """:func:`split_sentences`, remembered: cleaning splits a paragraph to look at its sentences, and
    an article's sentences are the same paragraph's split again."""
    text = _SPACES.sub(" ", text).strip()
    if not text:
        return ()
    raw = [_join_tokens(s) for paragraph in segmenter.analyze(text) for s in paragraph]
    merged: list[str] = []
    for piece in raw:
        if not piece:
            continue
        if merged and (
            _ends_with_title_abbreviation(merged[-1])
            or (len(merged[-1]) < 600 and _open_quote_depth(merged[-1]) > 0)
            or not re.search(r"[^\W\d_]", piece)  # a stray closing quote or bracket
            or _DATELINE_REST.match(piece) is not None  # "BALTIMORE (AP)" | "— A man was …"
        ):
            merged[-1] = f"{merged[-1]} {piece}"
        else:
            merged.append(piece)
    return tuple(part for piece in merged for sentence in _split_cjk(piece) for part in _bounded(sentence))


# A sentence longer than this is text without punctuation (a run-on line, a word list), not a sentence.
MAX_SENTENCE_WORDS = 80
MAX_SENTENCE_CHARS = 1000


def _bounded(sentence: str) -> list[str]:
    """``sentence`` in pieces of at most MAX_SENTENCE_WORDS words and MAX_SENTENCE_CHARS characters:
    cut after the last comma, semicolon, colon or dash of a piece's second half, else between words,
    else (one endless word) within the word. Short sentences are returned as they are."""
    if len(sentence) <= MAX_SENTENCE_CHARS and sentence.count(" ") < MAX_SENTENCE_WORDS:
        return [sentence]
    tokens = [
        token[start : start + MAX_SENTENCE_CHARS]
        for token in sentence.split(" ")
        for start in range(0, len(token), MAX_SENTENCE_CHARS)
    ]
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for token in tokens:
        if current and (len(current) >= MAX_SENTENCE_WORDS or size + 1 + len(token) > MAX_SENTENCE_CHARS):
            cut = next(
                (i + 1 for i in range(len(current) - 1, len(current) // 2 - 1, -1) if current[i][-1] in ",;:—–"),
                len(current),
            )
            pieces.append(" ".join(current[:cut]))
            current = current[cut:]
            size = len(" ".join(current))
        size += len(token) + (1 if current else 0)
        current.append(token)
    if current:
        pieces.append(" ".join(current))
    return pieces


# Chinese and Japanese end sentences with full-width marks and no space, which syntok does not see.
_CJK_SENTENCE = re.compile(r"[^。！？]*(?:[。！？]+[”’」』）)]*|$)")


def _split_cjk(sentence: str) -> list[str]:
    if not any(mark in sentence[:-1] for mark in "。！？"):
        return [sentence]
    parts: list[str] = []
    for part in (p.strip() for p in _CJK_SENTENCE.findall(sentence)):
        if parts and part and (len(part) <= 6 or parts[-1][-1] not in "。！？”’」』）)"):
            parts[-1] += part  # an attribution after a quotation (“……。”他说。) stays with it
        elif part:
            parts.append(part)
    return parts


# Shapes of text that is not prose, as scraped pages glue it into sentences (no line breaks left):
# a heading run into the sentence it heads ("Challenge Overview The US National Aeronautics …", "By
# Brian Hiatt The following …"): words in Title Case, then a capitalised word a sentence opens with.
_GLUED_HEADING = re.compile(
    r"^(?:[A-Z][\w'’&.-]*,? ){2,6}(?=(?:The|A|An|In|On|At|For|This|It|He|She|They|We|After|When|As) [\w“\"‘'])"
)
# Two words joined where one line of a page ended and the next began: a link's name and the next
# headline ("Mitch McConnell Addison (Mitch) Mitchell McConnellSunday shows preview: …").
_CAMEL_JOIN = re.compile(r"(?<![\w@#/.])((?:Mc|Mac)?[A-Z][a-z]{2,})[A-Z][a-z]{2,}(?![\w@/]|\.[a-z])")
# A run of capitalised words longer than names and titles make (headlines of links in a row).
_CAPITAL_RUN = re.compile(r"(?:(?<![\w'’])[A-Z][\w'’.&-]*:? (?:&\s)?){9,}[A-Z]")
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_MONTH_NAME = (
    r"(?:Jan(?:uary|\.)?|Feb(?:ruary|\.)?|March|Apr(?:il|\.)?|May|June|July|Aug(?:ust|\.)?|Sept?(?:ember|\.)?|"
    r"Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?)"
)
# A photo caption's date stamp: the day the photo was taken, right after its place ("… storm the
# office in Donetsk, Ukraine, Sunday, April 6, 2014."); a sentence says "on" or "until" a date.
_DATE_STAMP = re.compile(rf"(?:{_WEEKDAY},? )?{_MONTH_NAME} \d{{1,2}}, \d{{4}}\.?$")
_CALENDAR_WORD = re.compile(rf"\b(?:{_WEEKDAY}|{_MONTH_NAME}|Last|Next|This|Early|Late)\b")


def glued_heading(sentence: str) -> int:
    """The length of a heading glued to the start of ``sentence`` ("Challenge Overview The US …"), 0
    when there is none or what follows it is too short to be the sentence."""
    match = _GLUED_HEADING.match(sentence)
    if match is None or _CALENDAR_WORD.search(sentence[: match.end()]):  # "Last Tuesday The Times …"
        return 0
    return match.end() if len(sentence[match.end() :].split()) >= 6 else 0


def not_prose(sentence: str) -> str | None:
    """Why ``sentence`` is not a sentence of prose but page furniture scraped into the text: "glued
    words" (a word joined to the next, whose first half the sentence also gives alone: a run of
    related links), "capital run" (nine or more capitalised words in a row), "date stamp" (a photo
    caption ending on the day it was taken). None for prose."""
    for match in _CAMEL_JOIN.finditer(sentence):
        if re.search(r"(?<![\w@#])" + re.escape(match.group(1)) + r"\b", sentence[: match.start()]):
            return "glued words"
    if sentence.upper() != sentence and _CAPITAL_RUN.search(sentence):
        return "capital run"
    stamp = _DATE_STAMP.search(sentence)
    if stamp is not None and len(sentence.split()) >= 8:
        before = sentence[: stamp.start()].split()[-1:]
        if before and (before[0].endswith(",") or before[0][:1].isupper()):
            return "date stamp"
    return None


def sentences_of(paragraphs: Sequence[str]) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """The sentences of an article's paragraphs, and for each the number of its paragraph."""
    sentences: list[str] = []
    owner: list[int] = []
    for number, paragraph in enumerate(paragraphs):
        for sentence in split_sentences(paragraph):
            sentences.append(sentence)
            owner.append(number)
    return tuple(sentences), tuple(owner)


def words(text: str) -> list[str]:
    """Word tokens (letters and digits, apostrophes inside words kept), in original case."""
    return _WORD.findall(text)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A light English suffix stripper: cheap, deterministic, good enough to match inflections."""
    w = word.lower()
    if len(w) <= 3 or not w.isalpha():
        return w
    for suffix, keep in (("ies", "y"), ("sses", "ss"), ("ied", "y")):
        if w.endswith(suffix) and len(w) > len(suffix) + 2:
            return w[: -len(suffix)] + keep
    for suffix in ("ingly", "edly", "ments", "ment", "ness", "ings", "ing", "ers", "ed", "es", "er", "ly", "s"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            base = w[: -len(suffix)]
            if suffix in ("ing", "ed") and len(base) > 3 and base[-1] == base[-2] and base[-1] not in "lsz":
                base = base[:-1]
            return base
    return w


STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are aren't as at be because been before
    being below between both but by can can't cannot could couldn't did didn't do does doesn't doing
    don't down during each few for from further had hadn't has hasn't have haven't having he he'd
    he'll he's her here here's hers herself him himself his how how's i i'd i'll i'm i've if in into
    is isn't it it's its itself let's me more most mustn't my myself no nor not of off on once only
    or other ought our ours ourselves out over own same shan't she she'd she'll she's should
    shouldn't so some such than that that's the their theirs them themselves then there there's
    these they they'd they'll they're they've this those through to too under until up very was
    wasn't we we'd we'll we're we've were weren't what what's when when's where where's which while
    who who's whom why why's with won't would wouldn't you you'd you'll you're you've your yours
    yourself yourselves said says say told according would will just one two also mr mrs ms s t
    reuters afp ap""".split()
)


def content_terms(text: str) -> list[str]:
    """Stemmed, lower-cased words without stop words: what similarity is computed on."""
    return [stem(w) for w in words(text) if w.lower() not in STOP_WORDS and len(w) > 1]
