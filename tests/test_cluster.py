import logging
from dataclasses import replace

import numpy as np

from digest.stories.cluster import ClusterParams, cluster, topics, vectors
from digest.text.features import entities

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


def test_analysis_shares_a_topic_with_the_soleimani_story(seed_articles):
    matrix = vectors(seed_articles, ClusterParams())
    groups = cluster(seed_articles, matrix=matrix)
    soleimani = next(k for k, g in enumerate(groups) if len(g) == 4)
    analysis = next(k for k, g in enumerate(groups) if (seed_articles[g[0]].title or "").startswith("Analysis"))
    assert any({soleimani, analysis} <= set(topic) for topic in topics(seed_articles, matrix, groups))


def test_small_inputs():
    assert cluster([]) == []


def test_entities_are_names_and_numbers():
    found = entities("Iran’s General Qassem Soleimani met Abdul-Mahdi on Wednesday, Oct. 10, with 250 killed.")
    assert {"e:qassem", "e:soleimani", "e:iran", "e:abdul", "e:mahdi"} <= set(found)
    assert "e:wednesday" not in found
    assert "n:250" in found and "d:oct-10" in found


def test_a_day_dominated_by_one_story_keeps_it_whole(seed_articles):
    """When most of an inbox is one event, its shared words are not discarded as too common."""
    from digest.models import RawDoc
    from digest.text.clean import clean_document

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


def town_stories() -> tuple[list, list[list[int]]]:
    """Ten stories of 30 articles each, one per town and public work; every tenth article names the
    next town as well, which links all 300 into one connected group of the similarity graph."""
    from digest.models import RawDoc
    from digest.text.clean import clean_document

    towns = "Valmora Quenby Ostrava Telmirr Brask Kellin Dunmore Astoria Pellham Zarin".split()
    works = "breakwater tramline reservoir stadium bypass hospital terminal library sewer airport".split()
    sources = ["engineers", "the mayor", "residents", "auditors", "the council", "contractors"]
    articles, stories = [], []
    for k, (town, work) in enumerate(zip(towns, works, strict=True)):
        story = []
        for n in range(30):
            office = towns[(k + 1) % len(towns)] if n % 10 == 0 else "the capital"
            text = (
                f"{town} {work} delayed again\n\nThe {work} in {town} will open later than planned, "
                f"{sources[(n + k) % len(sources)]} said on Tuesday. The {town} {work} has cost {40 + k} million "
                f"euros so far. Officials in {town} blamed storms and the regional budget office in {office}.\n"
            )
            (article,) = clean_document(RawDoc(path=f"/inbox/{town}-{n}.txt", text=text))
            story.append(len(articles))
            articles.append(article)
        stories.append(story)
    return articles, stories


def test_a_group_too_large_to_cluster_at_once_is_split_and_keeps_its_stories(caplog):
    """Above ``max_component`` articles, the n × n similarities are not made: the group is cut
    where articles are more alike first. The stories are still found, as a valid partition."""
    articles, stories = town_stories()
    with caplog.at_level(logging.WARNING, logger="digest.stories.cluster"):
        whole = cluster(articles)
        assert caplog.messages == []
        split = cluster(articles, ClusterParams(max_component=40))
    assert caplog.messages == [
        "300 articles are linked into one group, more than the 40 grouped at once; "
        "split where articles are at least 0.60 alike, into 10 parts"
    ]
    assert sorted(i for group in split for i in group) == list(range(len(articles)))  # each article once
    assert sorted(split) == sorted(whole) == sorted(stories)


def test_copies_beyond_the_limit_stay_one_story(caplog):
    articles, _ = town_stories()
    copies = [replace(articles[0], id=f"copy-{n}", path=f"/inbox/copy-{n}.txt") for n in range(50)]
    with caplog.at_level(logging.WARNING, logger="digest.stories.cluster"):
        groups = cluster(copies + articles[30:60], ClusterParams(max_component=20))
    assert sorted(map(sorted, groups)) == [list(range(50)), list(range(50, 80))]
    assert "50 articles are all linked by near-identical pairs, more than the 20 grouped at once" in caplog.text


def test_seed_topics_keep_other_subjects_apart(seed_articles):
    """Every story in exactly one topic; the Minnesota, Greece and Serbia stories are not gathered
    with the Soleimani story (the Ghaani analysis may be)."""
    matrix = vectors(seed_articles, ClusterParams())
    groups = cluster(seed_articles, matrix=matrix)
    grouped = topics(seed_articles, matrix, groups)
    assert sorted(k for topic in grouped for k in topic) == list(range(len(groups)))
    soleimani = next(k for k, g in enumerate(groups) if len(g) == 4)
    (home,) = [topic for topic in grouped if soleimani in topic]
    others = {(seed_articles[groups[k][0]].title or "")[:12] for k in home if k != soleimani}
    assert others <= {"Analysis: Ir"}, others


def _made_up(name: str, text: str):
    from digest.models import RawDoc
    from digest.text.clean import clean_document

    (article,) = clean_document(RawDoc(path=f"/inbox/{name}.txt", text=text))
    return article


# Two stories of one subject (a football club: a takeover bid, the manager sacked), each told by
# three outlets; and two storms, events of the same kind that hit other places, with other people.
BID = [
    "Harlan Voss bids for Redmoor Rovers\n\nAmerican tycoon Harlan Voss has made a 790 million pound offer for "
    "Redmoor Rovers, the club's board said on Monday. Voss already owns 28 per cent of the Redmoor club. "
    "The board of Redmoor Rovers will meet on Friday to weigh the Voss offer.",
    "Voss offer for Redmoor\n\nHarlan Voss, the American owner of a sports franchise, offered 790 million pounds "
    "for Redmoor Rovers. The Redmoor Rovers board confirmed the approach. Voss holds 28 per cent of the shares.",
    "Redmoor Rovers receive Voss takeover approach\n\nRedmoor Rovers said Harlan Voss had approached the board with "
    "a takeover offer. The Voss family values the club at 790 million pounds. Voss is the largest shareholder.",
]
SACKING = [
    "Redmoor Rovers sack manager Ivo Brandt\n\nThe club dismissed Ivo Brandt on Thursday after a fifth straight "
    "league defeat left his side in the relegation zone. Coach Mia Lund takes charge of training for now.",
    "Brandt out after Ashgate defeat\n\nIvo Brandt has left Redmoor after two seasons as manager, the club said. "
    "The 3-0 loss at Ashgate was the last straw; his assistant Mia Lund will pick the team on Saturday.",
    "Rovers part company with Brandt\n\nThe club parted company with manager Ivo Brandt following the heavy loss at "
    "Ashgate. Players thanked Brandt, and Mia Lund is in temporary charge of the first team.",
]
STORM_A = [
    "Storm Orla floods Kestwick\n\nStorm Orla flooded hundreds of homes in Kestwick on Tuesday, mayor Dana Pruitt "
    "said. Rivers in Kestwick burst their banks and 40 people were rescued by boat.",
    "Kestwick under water after Orla\n\nMayor Dana Pruitt declared an emergency in Kestwick as Storm Orla brought "
    "the worst floods in decades. Rescuers took 40 residents from their homes.",
    "Orla batters Kestwick\n\nStorm Orla battered Kestwick with heavy rain, forcing Dana Pruitt, the mayor, to open "
    "shelters. Forty people were rescued from flooded streets.",
]
STORM_B = [
    "Storm Bram floods Lorrington\n\nStorm Bram flooded hundreds of homes in Lorrington on Wednesday, mayor Tomas "
    "Achebe said. Rivers in Lorrington burst their banks and 25 people were rescued by boat.",
    "Lorrington under water after Bram\n\nMayor Tomas Achebe declared an emergency in Lorrington as Storm Bram "
    "brought the worst floods in decades. Rescuers took 25 residents from their homes.",
    "Bram batters Lorrington\n\nStorm Bram battered Lorrington with heavy rain, forcing Tomas Achebe, the mayor, to "
    "open shelters. Twenty-five people were rescued from flooded streets.",
]


def test_topics_gather_stories_of_one_subject_and_keep_same_kind_events_apart(seed_articles):
    texts = BID + SACKING + STORM_A + STORM_B
    articles = [_made_up(f"{n:02d}", text) for n, text in enumerate(texts)] + list(seed_articles)
    params = ClusterParams()
    matrix = vectors(articles, params)
    groups = cluster(articles, params, matrix)
    made_up = sorted(sorted(g) for g in groups if g[0] < len(texts))
    assert made_up == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]]  # four stories
    grouped = topics(articles, matrix, groups, params)
    assert sorted(k for topic in grouped for k in topic) == list(range(len(groups)))  # each story once
    as_articles = sorted(sorted(i for k in t for i in groups[k]) for t in grouped if groups[t[0]][0] < len(texts))
    assert as_articles == [[0, 1, 2, 3, 4, 5], [6, 7, 8], [9, 10, 11]]  # the bid and the sacking: one topic
    sizes = [sum(len(groups[k]) for k in topic) for topic in grouped]
    assert sizes == sorted(sizes, reverse=True)  # biggest topics first


def test_pairs_found_by_threads_are_the_pairs_found_by_one(monkeypatch):
    from scipy.sparse import random as sparse_random
    from sklearn.preprocessing import normalize

    import digest.cores
    from digest.stories import cluster as cluster_module

    matrix = normalize(sparse_random(2500, 400, density=0.02, format="csr", random_state=7))
    days = np.arange(2500, dtype=float) % 30
    results = []
    for cores in (1, 2, 3):
        monkeypatch.setattr(cluster_module, "usable_cores", lambda cores=cores: cores)  # the blocks' size
        monkeypatch.setattr(digest.cores, "usable_cores", lambda cores=cores: cores)  # the threads
        results.append(cluster_module._pairs_above(matrix, 0.2, days, 14, block=700))
    assert len(results[0][0]) > 100
    for rows, cols, values in results[1:]:
        assert np.array_equal(rows, results[0][0]) and np.array_equal(cols, results[0][1])
        assert np.allclose(values, results[0][2])
