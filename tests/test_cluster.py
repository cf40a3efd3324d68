from digest.cluster import ClusterParams, cluster, related_pairs, vectors
from digest.features import entities

from .conftest import seed_name


def named(seed_articles, groups):
    return sorted(
        sorted(f"{seed_name(seed_articles[i])}:{(seed_articles[i].title or '')[:12]}" for i in g) for g in groups
    )


def test_seed_story_structure(seed_articles):
    groups = cluster(seed_articles)
    stories = named(seed_articles, groups)
    assert stories == sorted(
        [
            ["000:Iranian gene", "001:Report: Iran", "002:", "004:Iraq: Khamen"],
            ["003:Analysis: Ir"],
            ["003:US: Bodies o"],
            ["003:Foreign fire"],
            ["003:One killed, "],
        ]
    )


def test_analysis_is_related_to_the_soleimani_story(seed_articles):
    groups = cluster(seed_articles)
    soleimani = next(k for k, g in enumerate(groups) if len(g) == 4)
    analysis = next(k for k, g in enumerate(groups) if (seed_articles[g[0]].title or "").startswith("Analysis"))
    matrix = vectors(seed_articles, ClusterParams())
    assert tuple(sorted((soleimani, analysis))) in related_pairs(matrix, groups)


def test_small_inputs():
    assert cluster([]) == []


def test_entities_are_names_and_numbers():
    found = entities("Iran’s General Qassem Soleimani met Abdul-Mahdi on Wednesday, Oct. 10, with 250 killed.")
    assert {"e:qassem", "e:soleimani", "e:iran", "e:abdul", "e:mahdi"} <= set(found)
    assert "e:wednesday" not in found
    assert "n:250" in found and "d:oct-10" in found


def test_a_day_dominated_by_one_story_keeps_it_whole(seed_articles):
    """When most of an inbox is one event, its shared words are not discarded as too common."""
    from digest.clean import clean_document
    from digest.models import RawDoc

    from .hostile import PARAGRAPH

    details = [
        "the night shift", "two cranes", "the divers", "the pier lights", "a tug", "the mayor's visit",
        "insurers", "the fishing fleet", "a ferry", "the harbour master", "tourists", "the old lighthouse",
        "concrete blocks", "a survey vessel", "the union", "residents",
    ]  # fmt: skip
    copies = [
        article
        for n, detail in enumerate(details)
        for article in clean_document(
            RawDoc(path=f"/inbox/valmora-{n}.txt", text=f"{PARAGRAPH}\n\nReporters saw {detail} near the works today.")
        )
    ]
    articles = copies + list(seed_articles)
    groups = cluster(articles)
    assert sorted(range(len(copies))) in [sorted(g) for g in groups]
    assert len(copies) / len(articles) > 0.6  # the case a document-frequency cut-off used to break
