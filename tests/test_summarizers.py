"""The summarizers a user may choose: each makes a cited, verbatim edition; sumy's own rate the sentences.

Also the reference that our LexRank is checked against: sumy's LexRank rating, vectorised
(:func:`sumy_lexrank_scores`), with the parity test.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
from sumy.summarizers.lex_rank import LexRankSummarizer

from digest.cli import main
from digest.config import Settings, load_settings
from digest.errors import ConfigError
from digest.pipeline import run_edition
from digest.summaries.summarize import _candidates, _scale_columns, _term_counts, shown_sentences, summarize
from digest.summaries.summarizers import SUMMARIZERS, sumy_scores
from digest.text.segment import content_terms, split_sentences, words

from .conftest import REPO, SEEDS

DAY = date(2019, 11, 3)


def _edition(tmp_path: Path, seed_inbox: Path, summarizer: str, clock, store: Path | None = None):
    settings = Settings(
        inbox=seed_inbox, output=tmp_path / summarizer, store=store, timezone="UTC", pdf=False, summarizer=summarizer
    )
    return run_edition(settings, clock=clock, date=DAY, include_all=True)


@pytest.mark.parametrize("summarizer", SUMMARIZERS)
def test_each_summarizer_makes_a_verbatim_cited_edition(tmp_path, seed_inbox, clock, summarizer):
    digest = _edition(tmp_path, seed_inbox, summarizer, clock)
    assert len(digest.stories) == 5
    for story in digest.stories:
        by_id = {a.id: a for a in story.articles}
        assert story.summary
        for sentence in story.summary:
            assert sentence.text in shown_sentences(by_id[sentence.article_id])  # quoted word for word
            assert sentence.citations[0] == sentence.article_id  # cites its own article first
            assert set(sentence.citations) <= set(by_id)
        if summarizer != "digest":
            # sumy's best-rated candidate is tried first, with nothing chosen yet to repeat: it is in
            candidates = _candidates(story.articles)
            best = candidates[int(np.argmax(sumy_scores(summarizer, [c.text for c in candidates])))]
            if len(words(best.text)) <= 120:
                assert best.text in [s.text for s in story.summary]
    written = json.loads((tmp_path / summarizer / DAY.isoformat() / "digest.json").read_text())
    assert [len(s["summary"]) for s in written["stories"]] == [len(s.summary) for s in digest.stories]


def test_sumy_picks_other_sentences_than_ours(seed_articles):
    story = seed_articles  # all eight seed articles, as one story: plenty to choose from
    ours = [s.text for s in summarize(story, max_words=120)]
    theirs = {name: [s.text for s in summarize(story, max_words=120, summarizer=name)] for name in SUMMARIZERS[1:]}
    assert any(set(picked) != set(ours) for picked in theirs.values())
    for picked in theirs.values():  # no sentence twice, and the budget kept
        assert len(picked) == len(set(picked)) and sum(len(t.split()) for t in picked) <= 120 * 1.15


def test_a_summary_prepared_by_one_summarizer_is_not_reused_by_another(tmp_path, seed_inbox, clock):
    store = tmp_path / "shared.sqlite3"
    _edition(tmp_path, seed_inbox, "digest", clock, store)
    remade = _edition(tmp_path, seed_inbox, "textrank", clock, store)
    fresh = _edition(tmp_path / "fresh", seed_inbox, "textrank", clock)
    assert [s.summary for s in remade.stories] == [s.summary for s in fresh.stories]


def test_an_unknown_summarizer_is_one_line_naming_the_choices(tmp_path):
    config = tmp_path / "digest.toml"
    config.write_text('summarizer = "bart"\n')
    with pytest.raises(ConfigError, match=r"^summarizer 'bart' is not known; choose one of digest, lexrank, "):
        load_settings(config, env={})
    assert load_settings(env={"DIGEST_SUMMARIZER": "lsa"}).summarizer == "lsa"
    where = ["--inbox", str(SEEDS), "--output", str(tmp_path / "out")]
    result = subprocess.run(
        [sys.executable, "-m", "digest", "run", "--config", str(config), *where],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "digest: error: summarizer 'bart' is not known; choose one of digest, lexrank, textrank, lsa, luhn, sumbasic"
    ]
    assert not (tmp_path / "out").exists()


def test_summarize_command_takes_a_summarizer(capsys):
    files = [str(p) for p in sorted(SEEDS.glob("00[01]_*.txt"))]
    assert main(["summarize", "--summarizer", "luhn", "--json", "--max-words", "60", *files]) == 0
    printed = json.loads(capsys.readouterr().out)["sentences"]
    assert printed and all(s["citations"][0] in files for s in printed)
    with pytest.raises(SystemExit) as exit_:
        main(["summarize", "--summarizer", "bart", *files])
    assert exit_.value.code == 2


# ---- the LexRank reference -----------------------------------------------------------------


def sumy_lexrank_scores(
    sentence_terms: Sequence[Sequence[str]], threshold: float = 0.1, epsilon: float = 0.1
) -> np.ndarray:
    """LexRank exactly as sumy's ``LexRankSummarizer`` rates sentences, vectorised.

    ``sentence_terms`` are each sentence's normalised (stemmed, stop-word-free) words. sumy's
    tf is count / max count in the sentence, its idf log(n / (1 + df)) over sentences, the
    similarity an idf-modified cosine, binarised at ``threshold``, row-normalised by degree,
    and the scores the power method's vector (stopping when the step is under ``epsilon``).
    """
    n = len(sentence_terms)
    counts = _term_counts(sentence_terms)
    if counts is None:  # no sentences, or none with a content word: all equally central
        return np.full(n, 1.0 / n) if n else np.zeros(0)
    row_max = counts.max(axis=1).toarray().ravel()
    row_max[row_max == 0] = 1.0
    tf = counts.copy()
    tf.data = tf.data * np.repeat(1.0 / row_max, np.diff(tf.indptr))
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = np.log(n / (1.0 + df))
    weighted = _scale_columns(tf, idf)
    numerator = (_scale_columns(tf, idf**2) @ tf.T).toarray()
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
    denominator = np.outer(norms, norms)
    with np.errstate(divide="ignore", invalid="ignore"):
        cosine = np.where(denominator > 0, numerator / denominator, 0.0)
    adjacency = (cosine > threshold).astype(float)
    degrees = adjacency.sum(axis=1)
    degrees[degrees == 0] = 1.0
    matrix = adjacency / degrees[:, None]
    p = np.full(n, 1.0 / n)
    step = 1.0
    transposed = matrix.T
    for _ in range(10_000):
        if step <= epsilon:
            break
        following = transposed @ p
        following /= np.linalg.norm(following) or 1.0
        step = float(np.linalg.norm(following - p))
        p = following
    return p


class _Terms:
    """A sumy tokenizer over our own word splitter (no NLTK data needed)."""

    def to_words(self, text: str) -> list[str]:
        return words(text)

    def to_sentences(self, text: str) -> list[str]:
        return split_sentences(text)


class _Stem:
    """Passed to sumy as its stemmer; our terms are already stemmed."""

    def __call__(self, word: str) -> str:
        return word


def test_lexrank_matches_sumy_on_the_same_sentences():
    """Our vectorised LexRank ranks exactly as sumy's LexRankSummarizer does."""
    items = [json.loads(line) for line in (REPO / "tests" / "data" / "bbc_sample.jsonl").read_text().splitlines()]
    for item in items:
        sentences = split_sentences(item["text"].replace("\n", " "))
        terms = [content_terms(s) for s in sentences]
        ours = sumy_lexrank_scores(terms)
        sumy_sentences = tuple(Sentence(" ".join(t) or "x", _Terms()) for t in terms)
        document = ObjectDocumentModel([Paragraph(sumy_sentences)])
        summarizer = LexRankSummarizer(_Stem())
        picked = summarizer(document, 10)
        # sumy breaks ties by order; compare the rating of the tenth place and the chosen set.
        order = sorted(range(len(sentences)), key=lambda k: (-round(ours[k], 12), k))[:10]
        assert {str(s) for s in picked} == {str(sumy_sentences[k]) for k in order}
