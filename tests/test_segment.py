from digest.segment import content_terms, split_sentences, stem, words


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
