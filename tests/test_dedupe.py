from digest.models import Article
from digest.stories.dedupe import duplicate_groups


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


def test_stored_shingles_give_the_same_groups_as_computed_ones(seed_articles):
    from digest.text.features import with_features

    copy = BASE.replace("Officials said", "Officials told reporters") + " The mayor attended the opening."
    plain = [article("a", BASE), article("b", copy), *seed_articles]
    # Some with their shingles stored, some without: one edition can hold both.
    mixed = [with_features(a) if i % 2 else a for i, a in enumerate(plain)]
    assert duplicate_groups(mixed).tolist() == duplicate_groups(plain).tolist()
    assert duplicate_groups(mixed)[0] == duplicate_groups(mixed)[1]
