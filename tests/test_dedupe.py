from digest.dedupe import duplicate_groups
from digest.models import Article


def article(ident: str, text: str) -> Article:
    sentences = tuple(s.strip() + "." for s in text.split(".") if s.strip())
    return Article(ident, f"/{ident}.txt", None, None, None, None, (text,), sentences)


BASE = (
    "The harbour bridge reopened to traffic on Monday after two years of repairs costing forty million "
    "dollars. Officials said the work was finished a month ahead of schedule and under budget. Cars and "
    "buses crossed the bridge from six in the morning, the transport office said."
)


def test_syndicated_copy_is_grouped_and_other_story_is_not(seed_articles):
    copy = BASE.replace("Officials said", "Officials told reporters") + " The mayor attended the opening."
    other = seed_articles[0].text
    labels = duplicate_groups([article("a", BASE), article("b", copy), article("c", other)])
    assert labels[0] == labels[1]
    assert labels[2] != labels[0]


def test_seeds_have_no_near_duplicates(seed_articles):
    labels = duplicate_groups(seed_articles)
    assert len(set(labels.tolist())) == len(seed_articles)
    assert duplicate_groups([]).size == 0
