"""Continuing stories across editions, and the links between editions and the archive."""

from __future__ import annotations

import json
import shutil
import tracemalloc
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from lxml import html as lxml_html

from digest.config import Settings
from digest.models import Article, Story
from digest.output import render
from digest.output.render import story_anchor
from digest.pipeline import features_version, run_edition
from digest.store import Store
from digest.stories import continuity
from digest.stories.cluster import ClusterParams, similarity, vectors
from digest.stories.continuity import EarlierStory, mark_continuing
from digest.text.features import with_features
from digest.text.segment import split_sentences

from .conftest import BRIDGE_ARTICLE, SEEDS, seed_name


def test_mark_continuing_links_the_same_event_only(seed_articles):
    by_name = {seed_name(a): a for a in seed_articles if seed_name(a) != "003"}
    serbia = next(a for a in seed_articles if a.title and "Serbia" in a.title)
    earlier = [
        EarlierStory("2019-11-02", "old-iraq", "Iran general in Iraq", (by_name["000"],), "2019-11-01"),
        EarlierStory("2019-11-01", "older-iraq", "Iran and Iraq", (by_name["002"],), "2019-11-01"),
    ]
    new = [
        Story("iraq", "Report", (by_name["001"],), ()),
        Story("serbia", serbia.title or "", (serbia,), ()),
        Story("again", "Iran general in Iraq", (by_name["000"],), ()),  # a re-run: no new article
    ]
    marked = {s.id: s.continues for s in mark_continuing(new, earlier)}
    iraq = marked["iraq"]
    assert iraq is not None
    # the latest edition's story is linked; "since" is the start of its chain
    assert (iraq.date, iraq.story_id, iraq.title, iraq.since) == (
        "2019-11-02",
        "old-iraq",
        "Iran general in Iraq",
        "2019-11-01",
    )
    assert marked["serbia"] is None
    assert marked["again"] is None


def copy_seeds(inbox, *prefixes: str) -> None:
    for prefix in prefixes:
        for path in SEEDS.glob(f"{prefix}_*.txt"):
            shutil.copy(path, inbox / path.name)


def test_story_continues_across_three_editions(tmp_path, clock):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    settings = Settings(inbox=inbox, output=tmp_path / "output", timezone="UTC", pdf=False)
    copy_seeds(inbox, "000", "003")
    first = run_edition(settings, clock=clock, date=date(2019, 11, 3))
    iraq = next(s for s in first.stories if any(seed_name(a) == "000" for a in s.articles))
    assert all(s.continues is None for s in first.stories)

    copy_seeds(inbox, "001")
    (inbox / "bridge.json").write_text(json.dumps(BRIDGE_ARTICLE))
    second = run_edition(settings, clock=clock, date=date(2019, 11, 4))
    bridge = next(s for s in second.stories if s.title == "Harbour bridge reopens")
    report = next(s for s in second.stories if s is not bridge)
    assert bridge.continues is None
    assert report.continues is not None
    assert (report.continues.date, report.continues.story_id, report.continues.since) == (
        "2019-11-03",
        iraq.id,
        "2019-11-03",
    )

    copy_seeds(inbox, "002", "004")
    third = run_edition(settings, clock=clock, date=date(2019, 11, 5))
    [latest] = third.stories
    assert latest.continues is not None
    assert (latest.continues.date, latest.continues.story_id, latest.continues.since) == (
        "2019-11-04",
        report.id,
        "2019-11-03",
    )

    # The reader sees it, and the link lands on the earlier edition's story.
    output = settings.output
    page = lxml_html.fromstring((output / "2019-11-05" / "digest.html").read_text())
    [note] = page.xpath("//p[@class='continues']")
    assert " ".join(note.text_content().split()).startswith(
        "Continuing since 3 November 2019; last on 4 November 2019: Report: Iran Terrorism General"
    )
    href = note.xpath(".//a/@href")[0]
    assert href == f"../2019-11-04/digest.html#{story_anchor(report.id)}"
    earlier_page = lxml_html.fromstring((output / "2019-11-04" / "digest.html").read_text())
    assert earlier_page.get_element_by_id(story_anchor(report.id)).tag == "article"
    data = json.loads((output / "2019-11-05" / "digest.json").read_text())
    assert data["stories"][0]["continues"] == {
        "date": "2019-11-04",
        "story": report.id,
        "title": report.title,
        "since": "2019-11-03",
    }


def nav_links(path) -> list[str]:
    page = lxml_html.fromstring(path.read_text())
    return page.xpath("//nav[@class='edition-nav']/a/@href")


def test_editions_link_to_their_neighbours_and_the_archive_lists_them(tmp_path, clock):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    settings = Settings(inbox=inbox, output=tmp_path / "output", timezone="UTC", pdf=True)
    output = settings.output
    copy_seeds(inbox, "003")
    run_edition(settings, clock=clock, date=date(2019, 11, 3))
    copy_seeds(inbox, "000")
    run_edition(settings, clock=clock, date=date(2019, 11, 5), pdf=False)
    copy_seeds(inbox, "001")
    run_edition(settings, clock=clock, date=date(2019, 11, 4), pdf=False)  # made last, between the two

    assert nav_links(output / "2019-11-03" / "digest.html") == ["../index.html", "../2019-11-04/digest.html"]
    assert nav_links(output / "2019-11-04" / "digest.html") == [
        "../2019-11-03/digest.html",
        "../index.html",
        "../2019-11-05/digest.html",
    ]
    assert nav_links(output / "2019-11-05" / "digest.html") == ["../2019-11-04/digest.html", "../index.html"]

    archive = lxml_html.fromstring((output / "index.html").read_text())
    entries = archive.xpath("//ol[@class='archive']/li")
    assert [" ".join(e.xpath("string(h2)").split()) for e in entries] == [
        "5 November 2019",
        "4 November 2019",
        "3 November 2019",
    ]
    oldest = entries[-1]
    assert oldest.xpath(".//a/@href")[:3] == [
        "2019-11-03/digest.html",
        "2019-11-03/digest.html",
        "2019-11-03/digest.pdf",
    ]
    assert " ".join(oldest.xpath("string(p)").split()).startswith("4 stories from 1 source, 4 articles")
    assert entries[0].xpath(".//a[.='PDF']") == []  # that edition was made without a PDF
    data = json.loads((output / "2019-11-03" / "digest.json").read_text())
    headlines = oldest.xpath(".//ul[@class='headlines']/li/a")
    assert [h.text for h in headlines] == [s["title"] for s in data["stories"][:3]]
    page = lxml_html.fromstring((output / "2019-11-03" / "digest.html").read_text())
    for link in headlines:  # each headline opens its story
        folder, fragment = link.get("href").split("/digest.html#")
        assert folder == "2019-11-03" and page.get_element_by_id(fragment).tag == "article"


def _three_editions(root, clock, delete_json: bool) -> tuple[list, str, tuple[str, str]]:
    """The seed editions of 3, 4 and 5 November; with ``delete_json``, every earlier edition's
    digest.json is deleted before the next is made (and before the last is mailed)."""
    from digest.mail.deliver import load_edition, render_bodies
    from digest.store import Store

    inbox = root / "inbox"
    inbox.mkdir()
    settings = Settings(inbox=inbox, output=root / "output", timezone="UTC", pdf=False)
    made = []
    for day, prefixes in ((3, ("000", "003")), (4, ("001",)), (5, ("002", "004"))):
        if delete_json:
            for path in settings.output.glob("*/digest.json"):
                path.unlink()
        copy_seeds(inbox, *prefixes)
        made.append([s.continues for s in run_edition(settings, clock=clock, date=date(2019, 11, day)).stories])
    if delete_json:
        for path in settings.output.glob("*/digest.json"):
            path.unlink()
    with Store(settings.store_path) as store:
        edition = load_edition(settings, store, date(2019, 11, 4))
    mail = render_bodies(edition, subject="Digest", max_stories=3, attached=False)
    return made, (settings.output / "index.html").read_text(), mail


def test_digest_json_is_an_output_only(tmp_path, clock):
    """Continuity, the mail and the archive read the stories the store keeps: deleting every
    earlier digest.json changes none of them."""
    (tmp_path / "kept").mkdir()
    (tmp_path / "deleted").mkdir()
    kept = _three_editions(tmp_path / "kept", clock, delete_json=False)
    deleted = _three_editions(tmp_path / "deleted", clock, delete_json=True)
    assert kept[0][2][0] is not None  # the last edition continues a story
    assert deleted[0] == kept[0]
    assert deleted[1] == kept[1] and "Report: Iran Terrorism General" in kept[1]
    assert deleted[2] == kept[2] and "Report: Iran Terrorism General" in kept[2][0]


def _bbc_articles() -> list[Article]:
    """The 100 BBC articles of tests/data as stored articles, each dated by its place (four a day)."""
    rows = [json.loads(line) for line in (Path(__file__).parent / "data" / "bbc_100.jsonl").read_text().splitlines()]
    return [
        Article(
            f"bbc-{k}",
            f"{row['id']}.txt",
            row["title"],
            "BBC",
            None,
            (date(2019, 10, 1) + timedelta(days=k // 4)).isoformat(),
            tuple(p for p in row["text"].split("\n\n") if p.strip()),
            tuple(split_sentences(row["text"])),
        )
        for k, row in enumerate(rows)
    ]


def _all_pairs_average(stories: list[Story], earlier: list[EarlierStory], params: ClusterParams) -> np.ndarray:
    """The definition: the average, over every pair of a new and an earlier story's articles, of the
    clustering's similarity (zero for pairs its date window rules out)."""
    articles = [a for s in stories for a in s.articles] + [a for e in earlier for a in e.articles]
    sim = similarity(articles, vectors(articles, params), params).toarray()
    spans, start = [], 0
    for size in [len(s.articles) for s in stories] + [len(e.articles) for e in earlier]:
        spans.append((start, start + size))
        start += size
    old = spans[len(stories) :]
    return np.array([[sim[a:b, c:d].mean() for c, d in old] for a, b in spans[: len(stories)]])


def _averages(
    stories: list[Story], earlier: list[EarlierStory], params: ClusterParams, block: int = 256
) -> list[dict[int, float]]:
    articles = [a for s in stories for a in s.articles] + [a for e in earlier for a in e.articles]
    owner = [i for i, s in enumerate(stories) for _ in s.articles]
    owner += [len(stories) + j for j, e in enumerate(earlier) for _ in e.articles]
    return continuity._average_similarity(articles, np.array(owner), len(stories), len(earlier), params, block=block)


def test_continuity_matches_the_all_pairs_average():
    # Stories of several articles over several days, some more than the date window apart: the links
    # made from the stories' summed vectors are those the article-by-article averages give.
    articles = _bbc_articles()
    groups = [articles[k : k + size] for k, size in zip(range(0, 100, 5), [1, 2, 3, 5, 4] * 4, strict=True)]
    earlier = [
        EarlierStory((date(2019, 11, 1) + timedelta(days=k % 3)).isoformat(), f"old-{k}", "t", tuple(g), "2019-10-01")
        for k, g in enumerate(groups[:12])
    ]
    # new stories: an earlier story's articles with one more (so not a re-run), or articles of their own
    new = [Story(f"new-{k}", "t", (*groups[k], articles[99 - k]), ()) for k in range(8)]
    new += [Story(f"own-{k}", "t", tuple(g), ()) for k, g in enumerate(groups[12:])]
    params = ClusterParams(threshold=0.15)  # low enough that several stories link
    expected = _all_pairs_average(new, earlier, params)
    found = _averages(new, earlier, params, block=3)  # several blocks, one story never split between two
    assert sum(len(f) for f in found) >= 5
    for i, matches in enumerate(found):
        assert set(matches) == set(np.flatnonzero(expected[i] >= 0.15).tolist())
        for j, average in matches.items():
            assert average == pytest.approx(expected[i, j], abs=1e-9)
    # a date window of one day rules out most pairs, and the sums by day follow it
    params = ClusterParams(threshold=0.15, date_window_days=1)
    narrow = _all_pairs_average(new, earlier, params)
    assert not np.allclose(narrow, expected)
    found = _averages(new, earlier, params)
    for i, matches in enumerate(found):
        assert set(matches) == set(np.flatnonzero(narrow[i] >= 0.15).tolist())


def test_continuity_memory_grows_with_stories_not_the_square_of_articles():
    # 2,500 earlier articles in 500 stories: the article-by-article similarities took 360 MB.
    articles = [with_features(a) for a in _bbc_articles()]  # as the store gives them: words counted once
    earlier = [
        EarlierStory(
            "2019-10-20",
            f"old-{k}",
            "t",
            tuple(replace(articles[k % 100], id=f"{k}-{n}") for n in range(5)),
            "2019-10-20",
        )
        for k in range(500)
    ]
    new = [Story(f"new-{k}", "t", (replace(articles[k], id=f"fresh-{k}"),), ()) for k in range(100)]
    tracemalloc.start()
    try:
        marked = mark_continuing(new, earlier)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # each new story is a copy of the article that five earlier stories were made of: the latest
    # edition's (all the same day here) best match is linked
    assert all(s.continues is not None and s.continues.story_id.startswith("old-") for s in marked)
    assert peak < 150_000_000  # the vectors themselves take 60 MB


def test_an_edition_records_its_sources_and_earlier_stories_come_with_their_features(tmp_path, clock):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    settings = Settings(inbox=inbox, output=tmp_path / "output", timezone="UTC", pdf=False)
    copy_seeds(inbox, "000", "001", "003")
    first = run_edition(settings, clock=clock, date=date(2019, 11, 3))
    sources = {a.source_key for s in first.stories for a in s.articles}
    with Store(settings.store_path) as store:
        [record] = store.editions()
        assert record.sources == len(sources) > 1
        # the archive page takes the count the edition kept (it does not read the articles again)
        store.db.execute("UPDATE editions SET sources = 99")
        render.write_archive(settings.output, store.editions(), store)
        assert "from 99 sources" in (settings.output / "index.html").read_text()
        # an edition recorded before editions kept their count: counted from its articles
        store.db.execute("UPDATE editions SET sources = NULL")
        render.write_archive(settings.output, store.editions(), store)
        assert f"from {len(sources)} sources" in (settings.output / "index.html").read_text()
        # continuity reads the earlier editions' articles with the features stored at ingestion
        earlier = continuity.earlier_stories(store, store.editions(), date(2019, 11, 4), features=features_version())
        assert earlier and all(a.terms is not None and a.entities is not None for e in earlier for a in e.articles)
        assert {a.id for e in earlier for a in e.articles} == {a.id for s in first.stories for a in s.articles}
        # ... without their text, which comparing them does not need; the links are the same as with it
        assert all(a.sentences == () for e in earlier for a in e.articles)
        whole = [
            replace(e, articles=tuple(store.articles_by_id([a.id for a in e.articles], features_version()).values()))
            for e in earlier
        ]
        assert all(a.sentences for e in whole for a in e.articles)
        # the same stories told again by new articles (new ids): each continues its earlier self
        again = [
            replace(s, articles=tuple(replace(a, id=a.id + "-again") for a in s.articles))
            for s in store.edition_stories("2019-11-03", features_version())
        ]
        linked = mark_continuing(again, earlier)
        assert linked == mark_continuing(again, whole)
        assert all(s.continues is not None and s.continues.story_id == s.id for s in linked)
