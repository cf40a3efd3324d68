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


def test_the_splitter_reads_the_word_before_and_the_word_after_a_full_stop():
    cases = {
        "Shares of Apple Inc. rose. Shares of Apple Inc. The company fell.": [
            "Shares of Apple Inc. rose.",
            "Shares of Apple Inc.",
            "The company fell.",
        ],
        "The U.S. Army came. In the U.S. The army came.": ["The U.S. Army came.", "In the U.S.", "The army came."],
        "J. K. Rowling wrote it. It sold.": ["J. K. Rowling wrote it.", "It sold."],
        "On Jan. 5 he came to No. 10 Downing Street.": ["On Jan. 5 he came to No. 10 Downing Street."],
        "He arrived at 5 p.m. Tuesday. He left at 9 p.m. The party went on.": [
            "He arrived at 5 p.m. Tuesday.",
            "He left at 9 p.m.",
            "The party went on.",
        ],
        "It cost $89.99. Playmobil said so.": ["It cost $89.99.", "Playmobil said so."],
        "Shares of AT&T. Consolidation followed. Jackson's. Doctors came.": [
            "Shares of AT&T.",
            "Consolidation followed.",
            "Jackson's.",
            "Doctors came.",
        ],
        "It was said.The next day came.": ["It was said.", "The next day came."],
        "He won 3.5 points... Then he lost. He won... and lost.": [
            "He won 3.5 points...",
            "Then he lost.",
            "He won... and lost.",
        ],
        "It was late (see Fig. 3. It shows this) for all.": ["It was late (see Fig. 3. It shows this) for all."],
        "He spoke of British politics. \"1983 was when I was elected.\"": [
            "He spoke of British politics.",
            "\"1983 was when I was elected.\"",
        ],
        "He came; She left. He came; she stayed.": ["He came;", "She left.", "He came; she stayed."],
        "Louis XIV. Henry came. World War II. The end.": ["Louis XIV. Henry came.", "World War II.", "The end."],
        "A star at Cinnaminson (N.J.) High School, he won.": ["A star at Cinnaminson (N.J.) High School, he won."],
    }
    for text, expected in cases.items():
        assert split_sentences(text) == expected, text


def test_a_bracketed_credit_or_aside_is_a_sentence_of_its_own_but_a_dateline_is_not():
    assert split_sentences("The street flooded. (AP Photo/Jane Doe, File) (Associated Press) Cars lie piled up.") == [
        "The street flooded.",
        "(AP Photo/Jane Doe, File)",
        "(Associated Press)",
        "Cars lie piled up.",
    ]
    assert split_sentences("He said so. Slideshow (5 Images) “In the end, it works,” he said.") == [
        "He said so.",
        "Slideshow (5 Images)",
        "“In the end, it works,” he said.",
    ]
    assert split_sentences("It was seen (The Fold/The Post) The proof came later.") == [
        "It was seen (The Fold/The Post)",
        "The proof came later.",
    ]
    assert split_sentences("Ortiz (left) and Ana came. The NRA (National Rifle Association) President spoke.") == [
        "Ortiz (left) and Ana came.",
        "The NRA (National Rifle Association) President spoke.",
    ]
    assert split_sentences("LAPORTE, Ind. (WOOD) — A man was freed.") == ["LAPORTE, Ind. (WOOD) — A man was freed."]
    assert split_sentences("(CNN) The administration plans a change.") == ["(CNN) The administration plans a change."]
