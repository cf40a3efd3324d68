"""Sentence and word splitting, offline.

Sentences come from our own rule-based splitter (one regular expression finds the places a
sentence may end; a few rules about the word before and the word after decide), with two repairs
that matter for news: a split right after a title abbreviation ("Lt. Joe Steiner") is undone, and
a quotation whose inner sentences were split apart is put back together with its attribution, so
that "“We know how. This happened,” he said." stays one citable sentence. It replaced syntok, a
pure-Python tokenizer and state machine that was the largest cost of reading an inbox; the rules
are measured against it in ``benchmarks/splitter_eval.py``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

# Abbreviations that precede a name: a split after one is undone.
_TITLE_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof gen lt col maj capt cpt sgt cpl pvt adm cmdr gov sen rep rev fr sr jr st supt
    insp det atty pres amb hon messrs mme mlle no nos vol fig""".split()
)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_SPACES = re.compile(r"\s+")


# The last word before a final full stop, if it is short enough to be an abbreviation; bounded, so a
# 100,000-letter "word" is not scanned again from each of its letters.
_SHORT_LAST_WORD = re.compile(r"(?<!\w)(\w{1,12})\.$")


def _ends_with_title_abbreviation(text: str) -> bool:
    match = _SHORT_LAST_WORD.search(text[-15:])  # the tail: "$" would make search try every start
    return match is not None and match.group(1).lower() in _TITLE_ABBREVIATIONS


def _open_quote_depth(text: str) -> int:
    """How many curly/straight double quotations are left open at the end of ``text``."""
    straight = text.count('"') % 2
    if "“" not in text and "«" not in text:
        return straight
    depth = 0
    for char in text:
        if char in "“«":
            depth += 1
        elif char in "”»":
            depth = max(0, depth - 1)
    return depth + straight


# The rest of a wire dateline that the splitter cut after its place ("STOWE, Vt." | "(AP) — …").
_DATELINE_REST = re.compile(r"(?:\([^()]{1,40}\) ?)?[-–—]{1,2} ")


# ---- where sentences end ------------------------------------------------------------------------
# A place a sentence may end: terminal marks, then any closing quotes and brackets, then either
# spaces or (only for a full stop) a capitalised word glued on ("said.The"), or the end.
_END = re.compile(r"(?<![.!?;…])(\.{2,}|…|[.!?;]+)([\"'”’»)\]]*)(?=(\s+)|[A-Z][a-z])|(?<![.!?…\"'”’»)\]])[)\]](?= )")
# What the word before a full stop is made of: letters, digits, inner dots ("U.S", "p.m", "3.5"),
# ampersands and apostrophes ("AT&T", "Jackson's").
_WORD_PARTS = frozenset(".&'’_")
_OPENERS = "\"'“‘«([¿¡"
_NEXT_WORD = re.compile(r"[\w’'-]*")
_LETTER = re.compile(r"[^\W\d_]")
# Words that end with a full stop yet rarely end a sentence: titles, companies, months, weekdays and
# short forms of measure and reference. ("Inc. The company …" still ends one: see _STARTERS.)
_ABBREVIATIONS = frozenset(
    """mr mrs ms mssrs messrs dr prof gen lt col maj capt cpt sgt cpl pvt adm cmdr gov sen rep rev fr sr
    jr st supt insp det atty pres amb hon brig cmdt mme mlle sra srta lic ave mt co corp inc ltd bros
    jan feb febr mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun
    approx ca cf etc fig figs vol vols vs art ed eds esp est max min misc nr tel univ dept div no nos""".split()
)
_MONTHS = frozenset("jan feb febr mar apr may jun jul aug sep sept oct nov dec".split())
# Capitalised words that open a sentence far more often than they continue a name or an abbreviation.
_STARTERS = frozenset(
    """A Above Accordingly Additionally After Again All Also Although An And Are As At Because Before Besides
    But By Consequently Does During Even For Furthermore He Hence Her His How However I If In Indeed Instead
    It Its Last Later Likewise Many Meanwhile Moreover Most Nevertheless No Now Of On One Other Otherwise
    Our Rather She Similarly Since So Some Still Subsequently That The Their Then There Therefore These
    They This Those Thus To Under Until We What When Where Whereas While Who Why With Yet You""".split()
)
_ROMAN = frozenset("I II III IV V VI VII VIII IX X XI XII XIII XIV XV XVI XVII XVIII XIX XX".split())
_VOWELS = frozenset("aeiouAEIOUáéíóúäëïöüåæø")
# A bracket left open this close to a full stop is a citation or an aside, not the sentence's end.
_BRACKET_REACH = 70


def _ends_here(text: str, start: int, mark: str, closing: str, gap: str | None, after: int) -> bool:
    """Whether the sentence that began at ``start`` ends with ``mark`` (+ ``closing``) where the next
    word begins at ``after`` (``gap`` is the spacing between, None when the next word is glued on)."""
    following = text[after:]
    first = following.lstrip(_OPENERS)[:1]
    if not first or first.islower() or following[:1] in ",;:.…":
        return False  # a lower-case word goes on; ". . ." or "Dunn. … I want" ends at the last mark
    if mark == ";" and not following[:1].isupper():
        return False
    if ")" not in closing and text.count("(", start, after) > text.count(")", start, after):
        closer = text.find(")", after)
        if 0 <= closer - after <= _BRACKET_REACH:
            return False  # "(A. Author et al.) …" or "(see Fig. 3. It shows …)"
    if mark != "." or (closing and ")" not in closing and "]" not in closing):
        return gap is not None  # "… it rained.” He …": a quotation ends with its sentence
    stop = begin = after - (len(gap) if gap else 0) - 1
    while begin > start and (text[begin - 1].isalnum() or text[begin - 1] in _WORD_PARTS):
        begin -= 1
    before = text[begin:stop].strip(".&'’_")
    word = _NEXT_WORD.match(following.lstrip(_OPENERS)).group()  # type: ignore[union-attr]
    alone = bool(before) and not text[start:begin].strip(_OPENERS + " ")
    if gap is None:  # "said.The": a lower-case word, then a capitalised one, glued
        return len(before) > 1 and before.isalpha() and before.islower() and word.istitle() and len(word) > 1
    short = len(before) == 1 or before in _ROMAN
    if word in _STARTERS and not (alone and short):
        return True
    lower = before.lower()
    if lower in _ABBREVIATIONS and not (lower == "no" and not word[:1].isdigit()):
        return False
    if word.isdigit() and following[:1].isdigit() and (len(word) > 2 or lower in _MONTHS or lower == "no"):
        return False  # "in 2019. 2020 …" is rare; "Jan. 5", "No. 10 Downing Street" are not
    if before[:1].isdigit() and word.lower().rstrip(".") in _MONTHS:
        return False  # "5. Jan." in day-first dates
    if "." in before and not before.replace(".", "").replace(",", "").isdigit():
        return False  # "U.S. Army", "5 p.m. Tuesday", "example.com. Then"
    if short and (alone or before.isupper()):
        return False  # initials ("J. K. Rowling"), "II." in a name
    return not (len(before) == 1 and before.isalpha() and before not in _VOWELS)  # a lone consonant: an initial


def _pieces(text: str) -> list[str]:
    """The sentences of ``text`` (spaces already folded), as the splitter finds them."""
    pieces: list[str] = []
    start = 0
    for match in _END.finditer(text):
        mark, closing, gap = match.group(1), match.group(2), match.group(3)
        end = match.end() + (len(gap) if gap else 1 if mark is None else 0)
        if end >= len(text) or end <= start:
            continue
        if mark is None:  # a closing bracket with no full stop: "… (Photo: The Post) The proof comes …"
            if _after_aside(text, start, match.start(), end):
                pieces.append(text[start : match.end()].strip())
                start = end
        elif _ends_here(text, start, mark[-1] if mark[0] != "." or len(mark) == 1 else "…", closing, gap, end):
            pieces.append(text[start : match.end()].strip())
            start = end
    pieces.append(text[start:].strip())
    return [part for piece in pieces if piece for part in _aside_apart(piece)]


def _after_aside(text: str, start: int, bracket: int, after: int) -> bool:
    """Whether a sentence ends with the bracket closing at ``bracket``: it was opened in this
    sentence and holds several words, and a quotation or a word that opens sentences follows
    ("Slideshow (5 Images) “In …")."""
    opening = text.rfind("(["[text[bracket] == "]"], start, bracket)
    if opening < 0 or " " not in text[opening:bracket]:
        return False  # "(CNN) The …" is the story's opening
    following = text[after:]
    if following[:1] in "“\"‘" and following[1:2].isupper():
        return True
    return _NEXT_WORD.match(following).group() in _STARTERS  # type: ignore[union-attr]


# A sentence that opens with a bracket of several words ends where the bracket closes unless a
# lower-case word, a comma or a dash goes on: a photo credit or an aside between two sentences
# ("(AP Photo/Kyodo News) Cars lie …").
_BRACKETED_OPENING = re.compile(r"\([^()]{1,200}\)(?= \S)")


def _aside_apart(piece: str) -> list[str]:
    match = _BRACKETED_OPENING.match(piece)
    if match is None or " " not in match.group() or piece[match.end() + 1].islower():
        return [piece]  # "(CNN) The …" is the story's opening, "(left) and …" goes on
    if piece[match.end() + 1] in ",;:.)—–-":
        return [piece]  # "(WOOD) — A man …": a dateline
    return [piece[: match.end()], *_aside_apart(piece[match.end() + 1 :])]


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
    raw = _pieces(text)
    merged: list[str] = []
    for piece in raw:
        if not piece:
            continue
        if merged and (
            _ends_with_title_abbreviation(merged[-1])
            or (len(merged[-1]) < 600 and _open_quote_depth(merged[-1]) > 0)
            or not _LETTER.search(piece)  # a stray closing quote or bracket
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


# Chinese and Japanese end sentences with full-width marks and no space.
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


# Each word as written -> its content term ("" for a stop word or a single letter); a plain dict is
# the cheapest cache, emptied when it grows past what a day's vocabulary needs.
_TERM_OF: dict[str, str] = {}
_TERM_CACHE_SIZE = 500_000


def _term(word: str) -> str:
    return "" if len(word) < 2 or word.lower() in STOP_WORDS else stem(word)


def content_terms(text: str) -> list[str]:
    """Stemmed, lower-cased words without stop words: what similarity is computed on."""
    terms = []
    for word in _WORD.findall(text):
        term = _TERM_OF.get(word)
        if term is None:
            if len(_TERM_OF) >= _TERM_CACHE_SIZE:
                _TERM_OF.clear()
            term = _TERM_OF[word] = _term(word)
        if term:
            terms.append(term)
    return terms
