"""The claim matcher on news-style pairs written for these tests: a rate rise stated three ways,
and near misses that differ in one figure, name, date or direction."""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import pytest

from digest.summaries.claims import (
    FEATURES,
    claim_score,
    claim_scores,
    conflict,
    model,
    read,
    same_claim,
    stated_by,
    stated_by_many,
    stating_marks,
)

RISE = (
    "The central bank raised its main interest rate by a quarter of a percentage point to 4.5 per cent "
    "on Tuesday, Governor Ines Marlow said."
)
SAME_RISE = [
    "Governor Ines Marlow said the central bank lifted its main interest rate by 25 basis points to 4.5% on Tuesday.",
    "On Tuesday the central bank increased its main interest rate by 0.25 percentage points to 4.5%, Marlow said.",
    "The central bank on Tuesday raised its main rate a quarter of a percentage point to 4.5 percent, Marlow said.",
]
NEAR_MISSES = {
    "number": RISE.replace("4.5 per cent", "4.75 per cent"),
    "name": RISE.replace("Ines Marlow", "Peter Hale"),
    "date": RISE.replace("Tuesday", "Thursday"),
    "direction": RISE.replace("raised", "cut"),
}
UNRELATED = "Farmers in the north protested against the new water tax on Monday, blocking two motorways."


@pytest.mark.parametrize("other", SAME_RISE)
def test_the_rate_rise_in_other_words_is_the_same_claim(other):
    assert same_claim(RISE, other)
    assert same_claim(other, RISE)
    assert conflict(RISE, other) is None


@pytest.mark.parametrize("kind", sorted(NEAR_MISSES))
def test_a_near_miss_is_not_the_same_claim(kind):
    other = NEAR_MISSES[kind]
    assert conflict(RISE, other) == kind
    assert not same_claim(RISE, other)
    assert claim_score(RISE, other) < model().threshold < claim_score(RISE, SAME_RISE[0])


def test_an_unrelated_sentence_is_not_the_same_claim():
    assert claim_score(RISE, UNRELATED) < 0.1


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Inflation rose to 4.5 per cent.", "Inflation rose to 4.5%."),
        ("The bank cut rates by a quarter of a percentage point.", "The bank cut rates by 25 basis points."),
        ("Police arrested three men.", "Police arrested 3 men."),
        ("The fund lost 1.2 million dollars.", "The fund lost $1,200,000."),
        ("Shares fell twenty-five per cent.", "Shares fell 25 percent."),
        ("Sales reached $2.5bn.", "Sales reached 2.5 billion dollars."),
    ],
)
def test_numbers_are_read_as_values(a, b):
    assert read(a).numbers == read(b).numbers != frozenset()


def test_one_is_a_number_only_with_a_scale_or_unit():
    assert not read("One of the banks raised rates.").numbers
    assert read("One million people voted.").numbers == {"#1e+06"}


def test_a_short_name_matches_the_full_one_and_titles_are_not_names():
    full, short = read(RISE), read(SAME_RISE[1])
    assert full.names == (frozenset({"ines", "marlow"}),)
    assert short.names == (frozenset({"marlow"}),)


def test_a_quotation_with_other_attribution_is_the_same_claim():
    a = "“We will not let prices spiral out of control,” Marlow told reporters in London on Tuesday."
    b = "Governor Ines Marlow said on Tuesday: “We will not let prices spiral out of control.”"
    assert read(a).quoted == read(b).quoted
    assert same_claim(a, b)
    other_speaker = a.replace("Marlow", "Hale")
    assert conflict(other_speaker, b) == "name"
    assert not same_claim(other_speaker, b)


def test_stated_by_finds_the_sentence_and_the_words_that_state_it():
    article = [
        UNRELATED,
        "Markets had expected the move.",
        SAME_RISE[0],
        "The decision was unanimous.",
    ]
    found = stated_by(RISE, article)
    assert found is not None
    assert found.sentences == (2,)
    assert found.text == SAME_RISE[0]
    assert {"lifted", "25", "4.5", "Marlow", "Tuesday"} <= set(found.words)
    assert "unanimous" not in found.words
    assert stated_by(RISE, [UNRELATED, NEAR_MISSES["number"]]) is None
    assert stated_by(RISE, []) is None


def test_stated_by_finds_a_claim_split_over_two_sentences():
    article = [
        "The central bank raised its main interest rate on Tuesday.",
        "The rise, of a quarter of a percentage point to 4.5 per cent, was announced by Governor Ines Marlow.",
        UNRELATED,
    ]
    found = stated_by(RISE, article)
    assert found is not None and found.sentences == (0, 1)


def test_batched_scores_equal_single_scores():
    texts = [RISE, UNRELATED, *SAME_RISE[:1]]
    units = [*SAME_RISE, *NEAR_MISSES.values(), UNRELATED]
    table = claim_scores(texts, units)
    assert table.shape == (3, len(units))
    for i, text in enumerate(texts):
        for j, unit in enumerate(units):
            if table[i, j] > 0:  # a pair left out by the candidate filter scores 0
                assert table[i, j] == pytest.approx(claim_score(text, unit))
            else:
                assert claim_score(text, unit) < model().threshold
    assert (table[0, :3] >= model().threshold).all()
    assert claim_scores([], units).shape == (0, len(units))
    assert [e is not None for e in stated_by_many([RISE, UNRELATED], SAME_RISE)] == [True, False]


def test_the_model_ships_as_plain_json_with_train_only_thresholds():
    data = json.loads(resources.files("digest").joinpath("data/claims_model.json").read_text(encoding="utf-8"))
    assert data["features"] == list(FEATURES)
    assert len(data["coef"]) == len(FEATURES)
    assert 0 < data["threshold"] < data["strict"] < 1
    assert "MSRP train" in data["about"]
    assert np.isfinite(model().scores(np.zeros((1, len(FEATURES))))).all()


@pytest.mark.parametrize("text", ["", "   ", "“", "%%%", "1,2,3,4", "10:30", "a" * 5000, "3 " * 2000])
def test_odd_text_neither_raises_nor_matches_a_claim(text):
    assert 0.0 <= claim_score(RISE, text) < model().threshold
    assert 0.0 <= claim_score(text, text) <= 1.0


def test_the_bit_parallel_subsequence_is_the_textbook_one():
    import random

    from digest.summaries.claims import _lcs

    def textbook(a: list[str], b: list[str]) -> int:
        previous = [0] * (len(b) + 1)
        for x in a:
            current = [0]
            for j, y in enumerate(b):
                current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
            previous = current
        return previous[-1]

    draw = random.Random(16)
    for _ in range(2000):
        a = [draw.choice("abcdef") for _ in range(draw.randint(0, 70))]
        b = [draw.choice("abcdef") for _ in range(draw.randint(0, 70))]
        assert _lcs(a, b) == textbook(a, b)


def test_stating_marks_cut_the_unit_and_mark_what_states_the_sentence():
    sentence = "The central bank raised its main rate by 25 basis points to 4.5% on Thursday."
    unit = (
        "On Thursday the bank lifted its main rate by a quarter of a percentage point to 4.5 per cent, "
        "surprising markets."
    )
    pieces = stating_marks(sentence, unit)
    assert "".join(piece for piece, _ in pieces) == unit
    marked = [piece for piece, stating in pieces if stating]
    # figures written in other words, a synonym of the verb, the same words
    assert "quarter of a percentage point" in marked and "4.5 per cent" in marked
    assert any("lifted" in piece for piece in marked) and "Thursday" in marked
    assert not any("surprising" in piece or "markets" in piece for piece in marked)
    # another figure is not marked
    assert not any(stating for piece, stating in stating_marks(sentence, "It cut by 50 basis points.") if "50" in piece)
