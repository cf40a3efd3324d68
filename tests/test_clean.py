from __future__ import annotations

from digest.models import RawDoc
from digest.text.clean import _unwrap, classify, clean_document, without_dateline

from .conftest import seed_name

BOILERPLATE = [
    "Connect with us",
    "Continue Reading",
    "Click to comment",
    "Leave a Reply",
    "Please let us know if you're having issues with commenting",
    "For the latest headlines, follow our Google News channel",
    "Google News channel",
    "Powered by automated translation",
    "728 x 90",
    "Read more:",
    "FILE- In this",
    "file photo",
    "Your email address will not be published",
    "Demonstrations in Iraq - November 2019",
    "Reporting by PMOI/MEK",
    "via AP",
    "See Iran Daily",
]


def test_seed_003_splits_into_four_articles(seed_articles):
    titles = [a.title for a in seed_articles if seed_name(a) == "003"]
    assert titles == [
        "Analysis: Iran seeks to cool tensions in Iraq",
        "US: Bodies of two of three missing kids found in Minnesota lake",
        "Foreign firefighters arrive in Greece for summer wildfire season",
        "One killed, six injured in shootout between migrant groups in Serbia",
    ]
    by_title = {a.title: a for a in seed_articles}
    minnesota = by_title["US: Bodies of two of three missing kids found in Minnesota lake"]
    assert minnesota.paragraphs[0].startswith("The bodies of two young children")
    assert "likely triple homicide" in minnesota.paragraphs[-1]
    assert not any("firefighters" in p for p in minnesota.paragraphs)
    greece = by_title["Foreign firefighters arrive in Greece for summer wildfire season"]
    assert "Mati" in greece.paragraphs[-1]


def test_no_boilerplate_survives(seed_articles):
    text = "\n".join(p for a in seed_articles for p in a.paragraphs)
    for line in BOILERPLATE:
        assert line not in text, line


def test_titles_deks_sources_dates(seed_articles):
    by_seed = {seed_name(a): a for a in seed_articles if seed_name(a) != "003"}
    assert (
        by_seed["000"].title == "Iranian general met Iraqi security officials as Baghdad and Kerbala continue to rage"
    )
    assert by_seed["000"].dek == "The move could signal Iranian worries about the path of the protests"
    assert by_seed["000"].paragraphs[0].startswith("Iran’s top general swept into Iraq")
    assert by_seed["001"].title == "Report: Iran Terrorism General in Iraq to Help Repress Protests"
    assert by_seed["001"].published is None  # the 2016 date belongs to a photo caption
    assert by_seed["004"].published == "2019-11-10"
    assert by_seed["004"].source == "PMOI/MEK"
    assert by_seed["002"].title is None  # its first line is a caption, not a headline
    assert by_seed["002"].display_title.startswith("Iran’s military commander")


def test_rules_hold_on_an_unseen_site():
    page = "\n".join(
        [
            "Skip to content",
            "Subscribe to our newsletter and never miss a story.",
            "",
            "Harbour bridge reopens after two-year repair",
            "",
            "(Photo: Jane Doe/Reuters)",
            "The harbour bridge reopened to traffic on Monday after two years of repairs costing $40 million.",
            "Share this article",
            "Officials said the work had been finished a month ahead of schedule and under budget.",
            "Sign up for our daily briefing to get stories like this in your inbox.",
            "Cars and buses crossed the bridge from six in the morning, the city transport office said.",
            "Tags",
            "Cookies help us deliver our services. By using our site you agree to our use of cookies.",
        ]
    )
    (article,) = clean_document(RawDoc(path="/x/site.txt", text=page))
    assert article.title == "Harbour bridge reopens after two-year repair"
    assert article.paragraphs == (
        "The harbour bridge reopened to traffic on Monday after two years of repairs costing $40 million.",
        "Officials said the work had been finished a month ahead of schedule and under budget.",
        "Cars and buses crossed the bridge from six in the morning, the city transport office said.",
    )


def test_hard_wrapped_paragraphs_are_joined():
    text = (
        "Harbour bridge reopens after repairs\n\nThe harbour bridge reopened to traffic on Monday\n"
        "after two years of repairs, the city said in a statement\nissued in the morning.\n\n"
        "Cars crossed from six in the morning and the first bus\nfollowed soon after that.\n"
    )
    (article,) = clean_document(RawDoc(path="/x/w.txt", text=text))
    assert article.paragraphs[0] == (
        "The harbour bridge reopened to traffic on Monday after two years of repairs, "
        "the city said in a statement issued in the morning."
    )
    assert len(article.sentences) == 2


def test_line_roles():
    assert classify("728 x 90").role == "chrome"
    assert classify("Click to comment").role == "chrome"
    assert classify("FILE- In this Sept. 18, 2016 file photo, a man waves. (AP Photo/John Doe, File)").role == "aside"
    assert classify("Officials said the bridge reopened on Monday.").role == "body"
    assert classify("Harbour bridge reopens after two-year repair").role == "head"


def test_every_unicode_space_is_collapsed():
    """U+1680, U+2000–U+200A, U+3000 and no-break spaces are white space like any other: a date line
    padded with them is still a date line, and thousands of them cost no more than one."""
    spaces = "\u1680\u2002\u2009\u3000\u00a0\u205f"
    line = classify(_unwrap([f"Published{spaces * 500}on March 3, 2019"])[0][0])
    assert line.text == "Published on March 3, 2019" and (line.role, line.kind) == ("aside", "date")
    (article,) = clean_document(RawDoc(path="/x/o.txt", text=f"The{spaces}council met{spaces * 3}on Monday, it said."))
    assert article.sentences == ("The council met on Monday, it said.",)


def test_same_text_same_id_and_splitting_off_for_extracted_docs():
    text = "A headline for this\n\nThe first sentence of the story is here. The second one follows it now."
    one = clean_document(RawDoc(path="/a.txt", text=text))
    two = clean_document(RawDoc(path="/b.txt", text=text))
    assert one[0].id == two[0].id
    extracted = clean_document(RawDoc(path="/c.json", text=text, title="Given title", extracted=True))
    assert [a.title for a in extracted] == ["Given title"]


def test_a_caption_opening_a_one_paragraph_article_is_removed_and_the_article_kept():
    """JSON text (and some saved pages) give the whole article as one paragraph; a wire photo caption
    at its head is a sentence or two with a credit, not a reason to throw the article away."""
    caption = (
        "FILE - In this Oct. 27, 2012 file photo, the harbour master of Valmora speaks to reporters at the "
        "quay in Valmora, Calif. The port said on Monday that the breakwater would open late... "
        "(AP Photo/Jane Doe, File) (Associated Press)"
    )
    body = (
        "VALMORA, Calif. (AP) — The harbour authority in Valmora said on Monday that the new breakwater would "
        "be finished by the spring, two years later than planned. Engineers blamed the delay on storms that "
        "damaged the foundations twice during the winter. The project has cost 41 million dollars so far, "
        "according to the regional audit office, which called the overrun regrettable but expected."
    )
    raw = RawDoc(path="/x/a.json", text=f"{caption} {body}", title="Breakwater late again", extracted=True)
    (article,) = clean_document(raw)
    assert article.title == "Breakwater late again"
    assert " ".join(article.sentences).startswith("VALMORA, Calif. (AP) — The harbour authority")
    assert "Engineers blamed the delay on storms that damaged the foundations twice during the winter." in (
        article.sentences
    )
    assert not any("file photo" in s or "AP Photo" in s or "Associated Press" in s for s in article.sentences)
    # a caption shown twice is removed twice; a caption alone is still no article
    (twice,) = clean_document(RawDoc(path="/x/b.json", text=f"{caption} {caption} {body}", extracted=True))
    assert twice.sentences == article.sentences
    assert clean_document(RawDoc(path="/x/c.json", text=caption, extracted=True)) == []


def test_a_wire_dateline_does_not_open_what_a_reader_is_shown():
    lines = [
        ("HARWICK, Northland, Nov 27 (Meridian) - Erosion of the riverbed brought the viaduct down.", "Erosion"),
        ("BALTIMORE (AP) — A man was charged on Friday with the theft of a painting.", "A man"),
        ("Iran, November 10, 2019—Officials met in Baghdad to discuss the protests.", "Officials"),
        ("WASHINGTON — The Senate passed the bill late on Tuesday night.", "The Senate"),
        ("The minister said - again - that the plan would go ahead next year.", "The minister"),
        ("NATO — the alliance of thirty countries — met in Brussels on Monday.", "NATO"),
    ]
    for text, opening in lines:
        article = clean_document(RawDoc(path="/x.txt", text=f"{text} It was reported widely.\n"))[0]
        assert article.sentences[0] == text  # the article keeps it: it helps group the article
        assert without_dateline(article.sentences[0]).startswith(opening)
        assert article.display_title.startswith(opening)  # a headline made from the lead has none


# One article as a feed or a saved page delivers it: one paragraph, the page's furniture run into it.
_SCRAPED = (
    "Image copyright Meridian Image caption Dana Holt outside the council offices Councillor Dana Holt has been "
    "named chair of the Northland water board after a year of supply cuts. "
    "Residents queue for bottled water outside the town hall in Harwick, Northland, Tuesday, March 3, 2026. "
    "The board said on Monday that it would publish a repair plan within six weeks. "
    "Challenge Overview The board wants engineers to propose cheaper ways of finding leaks in old mains. "
    "Holt, who ran the council's roads department for eight years, said the work would start in the spring. "
    "ADVERTISEMENT Her appointment was approved by nine votes to four on Wednesday evening. "
    "Opponents said the council had not consulted residents on Sunday, March 1, 2026. "
    "Board members Dana Holt Priya (Dana) Holt HoltMonday briefing: the pipes under Harwick Leak repairs lag "
    "behind target while prices rise. "
    "Tweet with a location You can add location information to your Tweets, such as your city, from the web. "
    "Holt said repairs would be paid for from the board's reserves and a loan from the regional government. "
    "Former Deputy Chief Engineer Samuel Okoro of Harwick will lead the first survey of the eastern district. "
    "The last full survey of the network was carried out in 1998, when the board had twice as many staff."
)


def test_furniture_run_into_a_one_paragraph_article_is_set_aside_and_the_article_kept():
    for extracted in (False, True):  # a plain text file; a JSON item (its text already "extracted")
        (article,) = clean_document(RawDoc(path="holt.txt", text=_SCRAPED, extracted=extracted))
        text = " ".join(article.sentences)
        shown = ("Image caption", "Tuesday, March 3", "Challenge Overview", "ADVERTISEMENT", "HoltMonday", "Tweet with")
        for furniture in shown:
            assert furniture not in text, furniture
        assert article.sentences[0].startswith("The board said on Monday that it would publish a repair plan")
        assert "The board wants engineers to propose cheaper ways of finding leaks in old mains." in article.sentences
        assert "Her appointment was approved by nine votes to four on Wednesday evening." in article.sentences
        # Prose with a date at its end, and a long title with a name, are kept.
        assert "Opponents said the council had not consulted residents on Sunday, March 1, 2026." in text
        assert any(s.startswith("Former Deputy Chief Engineer Samuel Okoro") for s in article.sentences)
        assert len(article.sentences) == 8
        # A headline made from the lead reads like one: no caption, no credit.
        assert article.display_title.startswith("The board said on Monday")
        assert " ".join(article.paragraphs) == text  # the article's text is what its sentences say


def test_a_page_that_only_speaks_to_the_reader_has_no_article():
    notice = (
        "Tweet with a location You can add location information to your Tweets, such as your city or precise "
        "location, from the web and via other applications. You always have the option to delete your Tweet "
        "location history. Learn more"
    )
    assert clean_document(RawDoc(path="notice.txt", text=notice)) == []
