from __future__ import annotations

from pathlib import Path

from digest.stories.cluster import cluster
from digest.summaries.summarize import summarize, usable
from digest.text.clean import clean_document
from digest.text.segment import content_terms, split_sentences, words

from .conftest import REPO, seed_name
from .test_summarizers import sumy_lexrank_scores

QUOTE = "We in Iran know how to deal with protests"


def soleimani_story(seed_articles):
    group = next(g for g in cluster(seed_articles) if len(g) == 4)
    return [seed_articles[i] for i in group]


def test_soleimani_quote_cites_every_article_that_states_it(seed_articles):
    story = soleimani_story(seed_articles)
    ids = {seed_name(a): a.id for a in story}
    for words_budget in (60, 120, 200, 400):
        summary = summarize(story, max_words=words_budget)
        quoted = [s for s in summary if QUOTE in s.text]
        for sentence in quoted:
            assert {ids["000"], ids["001"], ids["002"]} <= set(sentence.citations)
            assert ids["004"] not in sentence.citations
    assert any(QUOTE in s.text for s in summarize(story, max_words=400))


def test_summary_sentences_are_verbatim_and_cite_their_own_article(seed_articles):
    for group in cluster(seed_articles):
        story = [seed_articles[i] for i in group]
        by_id = {a.id: a for a in story}
        summary = summarize(story, max_words=120)
        assert summary
        for sentence in summary:
            assert sentence.text in by_id[sentence.article_id].sentences
            assert sentence.citations[0] == sentence.article_id
            assert set(sentence.citations) <= set(by_id)
        assert sum(len(s.text.split()) for s in summary) <= 120 * 1.15 + 70


def test_no_near_duplicate_sentences(seed_articles):
    summary = summarize(soleimani_story(seed_articles), max_words=400)
    quotes = [s for s in summary if QUOTE in s.text]
    assert len(quotes) <= 1


def test_unusable_sentences_are_filtered():
    assert not usable("“This happened in Iran and we got it under control.”")
    assert usable("“This happened in Iran and we got it under control,” Soleimani told officials.")
    assert not usable("He added that the talks would continue next week in Geneva.")
    assert not usable("Will the government survive the protests this winter?")
    assert not usable("Too short to use.")
    assert usable("The government met for a fourth consecutive day on Thursday.")
    assert not usable("Various sources and news outlets are reporting on measures taken by the supreme leader.")
    assert usable("News outlets reported on Monday that the minister had resigned over the leak.")


def test_single_article_story_and_empty():
    assert summarize([]) == ()
    text = "The harbour bridge reopened on Monday after two years of repairs. Officials said the work was done."
    from digest.models import Article

    article = Article("a", "/a.txt", "T", None, None, None, (text,), tuple(split_sentences(text)))
    summary = summarize([article], max_words=50)
    assert [s.citations for s in summary] == [("a",), ("a",)]


def test_bundled_sample_exists():
    assert (Path(REPO) / "tests" / "data" / "bbc_sample.jsonl").is_file()


def test_sentences_of_stop_words_only_do_not_break_the_ranking():
    from digest.models import Article

    sentences = ("The The The The ?", "It is what it is and was.", "They were there with them all.")
    article = Article("a", "/a.txt", None, None, None, None, sentences, sentences)
    assert list(sumy_lexrank_scores([content_terms(s) for s in sentences])) == [1 / 3] * 3
    assert all(s.citations == ("a",) for s in summarize([article, article], max_words=40))


def test_a_sentence_that_needs_the_one_before_comes_right_after_it():
    from digest.models import Article
    from digest.summaries.summarize import continues

    sentences = (
        "The city of Denver opened its new airport terminal on Monday after six years of delays.",
        "It cost two billion dollars and holds forty gates for domestic flights across the country.",
        "Airlines will move their domestic flights to the new terminal gates over the coming month.",
        "The old terminal building will close in the spring and be demolished later in the year.",
    )
    article = Article("a", "/a.txt", None, None, None, None, sentences, sentences)
    assert continues(sentences[1]) and not usable(sentences[1])
    summary = [s.text for s in summarize([article], max_words=400)]
    assert sentences[1] in summary
    assert summary.index(sentences[1]) == summary.index(sentences[0]) + 1
    assert not usable("Calendar of the races in the coming season and venues")
    assert usable("There were twenty arrests in the city centre on Saturday night.")


def test_a_line_without_punctuation_gives_sane_sentences_and_a_summary_within_budget(tmp_path):
    """2 MB of words on one line, no punctuation: sentences of sane length, an edition of normal size."""
    from pypdf import PdfReader

    from digest.config import Settings
    from digest.pipeline import run_edition
    from digest.text.segment import MAX_SENTENCE_CHARS, MAX_SENTENCE_WORDS

    vocabulary = "harbour engineers storm delay Valmora works quay cranes winter budget council spring".split()
    line = " ".join(vocabulary[(i * 7 + i // 12) % len(vocabulary)] for i in range(290_000))
    assert len(line) > 2_000_000
    sentences = split_sentences(line)
    assert max(len(s.split()) for s in sentences) <= MAX_SENTENCE_WORDS
    assert max(len(s) for s in sentences) <= MAX_SENTENCE_CHARS
    assert "".join(sentences).replace(" ", "") == line.replace(" ", "")  # every word kept, in order
    assert max(map(len, split_sentences("x" * 5000))) == MAX_SENTENCE_CHARS  # even one endless word

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "endless.txt").write_text(line + "\n", encoding="utf-8")
    settings = Settings(inbox=inbox, output=tmp_path / "out", timezone="UTC", pdf=True, summary_words=120)
    edition = run_edition(settings)
    (story,) = edition.stories
    assert sum(len(words(s.text)) for s in story.summary) <= 120 * 1.15
    folder = next(p for p in settings.output.iterdir() if p.is_dir())
    assert (folder / "digest.html").stat().st_size < 200_000
    assert (folder / "digest.json").stat().st_size < 50_000
    assert len(PdfReader(folder / "digest.pdf").pages) <= 3


def test_a_summary_keeps_its_budget_when_a_sentence_alone_exceeds_it():
    from digest.models import RawDoc

    long = "The council said " + ", ".join(f"item {n} passed" for n in range(24)) + "."
    (article,) = clean_document(RawDoc(path="/x/a.txt", text=f"{long} Short one here. Rain fell today."))
    assert len(article.sentences) == 3 and len(words(long)) == 75  # none usable alone: the leads stand in
    summary = summarize([article], max_words=60)
    assert summary and sum(len(words(s.text)) for s in summary) <= 60 * 1.15
    # when no sentence fits at all, the best one still makes a summary
    assert [s.text for s in summarize([article], max_words=2)] == [long]


def _story_of(*texts: str) -> list:
    from digest.models import Article

    made = []
    for number, text in enumerate(texts):
        sentences = tuple(split_sentences(text))
        made.append(Article(f"a{number}", f"/a{number}.txt", None, None, None, None, (text,), sentences))
    return made


def test_a_fact_told_again_in_another_sentence_s_clause_is_left_out():
    # The deaths are one clause of each sentence: "killed" in one, "died" in the other, each with news of its own.
    first = (
        "Three people were killed and eleven injured when a span of the Sallow Viaduct near Harwick gave way "
        "beneath a morning commuter train on Thursday, sending two carriages into the River Sallow. "
        "The train was carrying about two hundred passengers to work in the city of Calderport."
    )
    second = (
        "Floodwater scouring away the riverbed beneath one of its piers caused Thursday's collapse of the Sallow "
        "Viaduct near Harwick, in which three people died, accident investigators said on Friday. "
        "Transport Minister Ellery Vance ordered inspections of all 41 river bridges on the network."
    )
    summary = [s.text for s in summarize(_story_of(first, second), max_words=400)]
    deaths = [s for s in summary if "three people" in s.lower()]
    assert len(deaths) == 1, summary
    assert any("41 river bridges" in s for s in summary)


def test_the_citation_note_shows_the_words_that_state_the_sentence_not_a_near_miss():
    from digest.models import Article
    from digest.output.render import supporting_sentence
    from digest.summaries.summarize import stating_units

    sentence = "The Bank of Northland raised its benchmark interest rate to 4.5 per cent on Thursday."
    near_miss = "The Bank of Northland raised its benchmark interest rate to 4.25 per cent on Thursday last year."
    stating = (
        "On Thursday the Bank of Northland lifted its main interest rate by a quarter of a percentage point to 4.5%."
    )
    sentences = ("Borrowers across the country face higher monthly repayments from next month.", near_miss, stating)
    article = Article("b", "/b.txt", None, None, None, None, sentences, sentences)
    assert stating_units([sentence], article) == [stating]
    assert supporting_sentence(sentence, article, own=False) == stating
    other = Article("c", "/c.txt", None, None, None, None, sentences[1:2], sentences[1:2])
    assert stating_units([sentence], other) == [None]


def test_an_outlets_own_judgement_is_no_summary_sentence_but_a_reported_one_is():
    slanted = (
        "On the saddest day this town has known, Harwick Athletic came within two minutes of a win, only "
        "for a baffling penalty decision to hand the cup to Portwell Rovers."
    )
    assert not usable(slanted)
    assert usable("Athletic manager Ruth Kelleway said the penalty decision was baffling and cruel.")
    assert usable('The league said on Friday it would review the "baffling" penalty decision next week.')
    assert usable("Portwell Rovers won the cup with a penalty two minutes from time on Thursday.")


def test_a_newsletters_footer_and_a_sentence_leaning_on_the_one_before_are_no_candidates():
    assert not usable("You are receiving this email because you are a member of the Calderport Garden Circle.")
    assert not usable("To unsubscribe or change your email preferences, visit example.org/unsubscribe.")
    assert not usable("Meanwhile, the father of the children died in hospital on Sunday evening.")
    assert usable("Councillors voted seven to two on Wednesday to add a bus route to the station.")


def test_a_quotation_cites_only_the_outlets_that_carry_its_words():
    quote = (
        '"We will not take any chances with public safety," Commissioner Ilse Brand said on Tuesday as the '
        "Merrow Bridge closed for repairs."
    )
    same_words = (
        "The Merrow Bridge closed for repairs on Tuesday. "
        '"We will not take any chances with public safety," Commissioner Ilse Brand told reporters on Tuesday.'
    )
    other_words = (
        "The Merrow Bridge closed for repairs on Tuesday. "
        'Commissioner Ilse Brand said on Tuesday the city would "not gamble with anyone\'s safety" at the bridge.'
    )
    summary = summarize(_story_of(quote, same_words, other_words), max_words=400)
    cited = next(s for s in summary if "take any chances" in s.text)
    assert "a1" in cited.citations  # carries the quotation
    assert "a2" not in cited.citations  # reports the commissioner in other words


def test_rows_scaled_to_unit_length_exactly_as_scikit_learn_does():
    """Summaries load no scikit-learn for this one step; the arithmetic, and so every summary, stays the same."""
    import numpy as np
    from scipy.sparse import random as sparse_random
    from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2

    from digest.summaries.summarize import _l2_rows

    rng = np.random.default_rng(20)
    for seed in range(50):
        matrix = sparse_random(120, 900, density=rng.uniform(0.002, 0.08), format="csr", random_state=seed)
        matrix.data *= rng.uniform(0.01, 40.0, matrix.nnz)
        matrix.data[: matrix.indptr[3]] = 0.0  # rows of stored zeros stay zeros
        theirs, ours = matrix.copy(), matrix.copy()
        inplace_csr_row_normalize_l2(theirs)
        assert _l2_rows(ours) is ours
        assert np.array_equal(ours.data, theirs.data)
