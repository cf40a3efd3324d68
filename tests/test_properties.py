"""Property-based checks: no text makes cleaning, splitting or summarising raise."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digest.models import RawDoc
from digest.summaries.summarize import summarize
from digest.text.clean import clean_document
from digest.text.segment import split_sentences

from .hostile import ADVERSARIAL_TEXT

WORDS = st.sampled_from(
    [
        "The",
        "minister",
        "said",
        "“We",
        "will",
        "act,”",
        "on",
        "Oct.",
        "10",
        "Gen.",
        "U.S.",
        "protests",
        "in",
        "Baghdad.",
        "Read",
        "more:",
        "Click",
        "to",
        "comment",
        "FILE-",
        "photo",
        "—",
        "?",
        "!",
        "\n",
        "\n\n",
        "ناس",
        "北京",
        "Москва",
        "😀",
        "(AP",
        "Photo)",
        "728",
        "x",
        "90",
        "your",
        "email",
        "address",
    ]
)
TEXT = st.one_of(st.text(max_size=400), st.lists(WORDS, max_size=120).map(" ".join))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT)
def test_clean_and_summarize_never_raise_and_summaries_are_verbatim(text):
    articles = clean_document(RawDoc(path="/inbox/x.txt", text=text))
    for article in articles:
        assert article.sentences and len(article.sentence_paragraph) == len(article.sentences)
    summary = summarize(articles, max_words=60)
    by_id = {a.id: a for a in articles}
    for sentence in summary:
        assert sentence.text in by_id[sentence.article_id].sentences


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_sentences_keep_the_words(text):
    sentences = split_sentences(text)
    assert "".join(sentences).replace(" ", "") == " ".join(text.split()).replace(" ", "")


def _article_patterns() -> list[tuple[str, re.Pattern[str]]]:
    from digest.sources import ingest
    from digest.stories import cluster, editing
    from digest.summaries import claims, summarize
    from digest.text import clean, features, segment

    modules = (ingest, clean, segment, summarize, features, cluster, claims, editing)
    return [
        (f"{module.__name__}.{name}", value)
        for module in modules
        for name, value in vars(module).items()
        if isinstance(value, re.Pattern)
    ]


@pytest.mark.parametrize(("name", "pattern"), _article_patterns(), ids=lambda x: x if isinstance(x, str) else "")
def test_no_pattern_backtracks_on_adversarial_text(name, pattern):
    """Each pattern at every start position (as search, findall and sub try them) stays linear."""
    for label, text in ADVERSARIAL_TEXT.items():
        started = time.perf_counter()
        pattern.match(text)
        for _ in pattern.finditer(text):
            pass
        elapsed = time.perf_counter() - started
        # Linear patterns take milliseconds here; the quadratic ones took 30 s and more.
        assert elapsed < 0.5, f"{name} took {elapsed:.1f} s on {label}"


@settings(max_examples=300, deadline=None)
@given(st.one_of(TEXT, st.text(alphabet=st.characters(codec="utf-8"), max_size=80)))
def test_symbol_lines_are_found_as_the_letters_count_says(text):
    from digest.text.clean import _LETTER, _symbols

    letters = len(_LETTER.findall(text))
    assert _symbols(text) == (letters == 0 or letters < 0.4 * len(text.replace(" ", "")))
