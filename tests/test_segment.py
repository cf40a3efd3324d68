from digest.text.segment import content_terms, split_sentences, stem, words


def test_abbreviations_do_not_end_sentences():
    text = (
        "Revolutionary Guard Gen. Qassem Soleimani met the U.S. envoy on Oct. 3. Maplewood Police Lt. "
        "Joe Steiner said the car was found around 4 p.m. Friday. Mr. Abdul Mahdi left."
    )
    assert split_sentences(text) == [
        "Revolutionary Guard Gen. Qassem Soleimani met the U.S. envoy on Oct. 3.",
        "Maplewood Police Lt. Joe Steiner said the car was found around 4 p.m. Friday.",
        "Mr. Abdul Mahdi left.",
    ]


def test_quotation_stays_with_its_speaker():
    text = (
        "“We in Iran know how to deal with protests. This happened in Iran and we got it under "
        "control,” Soleimani reportedly told the gathering. Then he left."
    )
    assert split_sentences(text) == [
        "“We in Iran know how to deal with protests. This happened in Iran and we got it under control,” "
        "Soleimani reportedly told the gathering.",
        "Then he left.",
    ]


def test_straight_quotes_and_numbers():
    assert split_sentences('He said: "It is over." Prices rose 2.5% to $3.20 a share.') == [
        'He said: "It is over."',
        "Prices rose 2.5% to $3.20 a share.",
    ]


def test_empty_and_whitespace():
    assert split_sentences("") == []
    assert split_sentences("   \n\t ") == []


def test_words_and_terms():
    assert words("Iran’s top general, 2019.") == ["Iran’s", "top", "general", "2019"]
    assert content_terms("The protesters were protesting") == ["protest", "protest"]
    assert stem("militias") == stem("militia") + "s" or stem("militias") == "militia"


def test_scraped_shapes_that_are_not_prose():
    from digest.text.segment import glued_heading, not_prose

    # A run of related links glued into the text where the page's lines ended.
    assert not_prose("Senator Ann Ruiz Ann RuizTuesday briefing: budget talks stall again Ruiz said it was over.")
    assert not_prose("Sports News Tonight Final Score Updates Star Signs Three Year Deal With Port Albany City") == (
        "capital run"
    )
    assert not_prose("Firefighters carry a hose past the burning depot in Harwick, Northland, Friday, May 8, 2026.")
    # Prose: names written as one word, long titles, a date after "on", an all-capitals sentence.
    for prose in (
        "The youth group, known as the Akron PeaceMakers, met McDonald staff at the AirAsia office.",
        "Former Senate Majority Leader Harry Reid of Nevada said on Monday that it was over.",
        "The attack happened on Sunday, April 6, 2014.",
        "The studio will release the film July 22, 2011.",
        "POLICE SAY THE DRIVER OF THE CAR FLED THE SCENE BEFORE OFFICERS ARRIVED AT THE CORNER OF MAIN STREET.",
    ):
        assert not_prose(prose) is None, prose
    text = "Challenge Overview The US space agency wants ideas for a lunar freezer."
    assert text[glued_heading(text) :] == "The US space agency wants ideas for a lunar freezer."
    assert glued_heading("Last Tuesday The Times reported that the mayor had resigned.") == 0
    assert glued_heading("Prime Minister Ana Sousa said on Friday that talks would go on.") == 0
    # Splitting itself is unchanged: the heading stays in its sentence here.
    assert split_sentences(text) == [text]


def test_a_leading_ideographic_full_stop_is_kept():
    # found by the property test_sentences_keep_the_words: the mark before any word was dropped
    assert "".join(split_sentences("。0")) == "。0"
