"""A story's headline and its place in the edition."""

from digest.models import Article, Story, SummarySentence
from digest.stories.editing import choose_title, kicker, significance, unshouted
from digest.text.segment import split_sentences


def article(ident: str, title: str | None, text: str, source: str) -> Article:
    sentences = tuple(split_sentences(text))
    return Article(ident, f"{ident}.txt", title, source, None, "2026-11-26", (text,), sentences, (0,) * len(sentences))


CUP = [
    article(
        "a",
        "Meyer strikes late as Riverside win National Cup",
        "Riverside won the National Cup on Saturday, beating Port Albany 2-1 after extra time. "
        "Jonas Meyer scored the winner in the 118th minute.",
        "Daily Post",
    ),
    article(
        "b",
        "Heartbreak for Port Albany in cup final",
        "Port Albany fans left the stadium in tears after their side lost the National Cup final. "
        "Riverside won 2-1 with a late goal from Meyer.",
        "Albany Echo",
    ),
    article(
        "c",
        "Riverside beat Port Albany to lift National Cup",
        "Riverside beat Port Albany 2-1 after extra time to win the National Cup. Meyer scored late in extra time.",
        "Wire",
    ),
]


def test_the_title_every_outlet_bears_out_beats_one_sides_angle():
    assert choose_title(CUP) in {CUP[0].title, CUP[2].title}
    assert choose_title(CUP) != CUP[1].title


def test_kickers_and_shouting_lose_unless_every_title_has_them():
    shouting = article("d", "ROBBED: Cruel late penalty denies Albany the National Cup", CUP[1].text, "Tabloid")
    report = article("e", "Report: Riverside win National Cup after extra time", CUP[2].text, "Blog")
    assert kicker(report.title or "") == "Report"
    assert kicker("Riverside: fans celebrate") is None  # too little after the colon to be a kicker's title
    assert choose_title([shouting, report, CUP[1]]) == CUP[1].title
    labelled = [
        article(x, f"Analysis: {t}", CUP[0].text, x)
        for x, t in (("f", "Riverside win the Cup"), ("g", "Meyer wins it"))
    ]
    assert choose_title(labelled) == "Analysis: Riverside win the Cup"  # all carry one: the kicker tells nothing apart


def test_no_title_at_all_gives_none():
    assert choose_title([article("h", None, "Some text here. More of it.", "X")]) is None


def story(title: str, text: str, sources: list[str]) -> Story:
    articles = tuple(article(f"{title[:3]}{n}", title, text, s) for n, s in enumerate(sources))
    return Story(title, title, articles, (SummarySentence(text, tuple(a.id for a in articles), articles[0].id),))


def test_deaths_and_injuries_weigh_like_outlets_more():
    collapse = story(
        "Viaduct collapses",
        "Three people were killed when a span of the viaduct collapsed on Thursday.",
        ["A", "B", "C"],
    )
    final = story("Cup final", "Riverside beat Port Albany 2-1 to win the cup on Saturday.", ["A", "B", "C", "D"])
    hurt = story("Crash", "Eleven passengers were injured when two buses collided.", ["A", "B"])
    assert (
        significance(collapse)
        > significance(final)
        > significance(hurt)
        > significance(story("x", "Quiet.", ["A", "B"]))
    )
    assert significance(story("Fire", "The fire killed at least 12 people.", ["A"])) == 3.0


def test_a_shouted_headline_is_shown_in_title_case():
    assert unshouted("COUNCIL APPROVES BUS ROUTE TO THE HOSPITAL") == "Council Approves Bus Route to the Hospital"
    assert unshouted("LIBRARY REOPENS AFTER FLOOD DAMAGE") == "Library Reopens After Flood Damage"
    assert unshouted("NATO leaders meet in Vilnius") == "NATO leaders meet in Vilnius"
    assert unshouted("Meyer strikes late as Riverside win") == "Meyer strikes late as Riverside win"


def test_a_topic_heading_takes_a_name_as_written_in_running_text_not_a_shouted_headline():
    from digest.stories.editing import _as_written

    text = "IRANIAN GENERAL IN BAGHDAD. The Iranian general met officials in Baghdad. NATO said nothing."
    assert _as_written("iranian", text) == "Iranian"
    assert _as_written("nato", text) == "NATO"
    assert _as_written("harwick", "HARWICK MOURNS") == "Harwick"


def test_a_topic_heading_is_the_same_in_every_run():
    """Names that tie (as many stories, as long) are ordered by name, not by the set's hash order."""
    import subprocess
    import sys

    script = (
        "from digest.models import Article, Story\n"
        "from digest.stories.editing import topic_title\n"
        "def story(i, text):\n"
        "    a = Article(f'a{i}', f'/a{i}.txt', text, None, None, None, (text,), (text,))\n"
        "    return Story(f's{i}', text, (a,), ())\n"
        "print(topic_title([story(1, 'Kestrel and Harwick meet in Dunmore today.'),\n"
        "                   story(2, 'Talks in Dunmore: Kestrel and Harwick agree.')]))\n"
    )
    seen = {
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            env={**__import__("os").environ, "PYTHONHASHSEED": str(seed)},
            check=True,
        ).stdout
        for seed in range(6)
    }
    assert len(seen) == 1, seen
