"""The topic level in every output: JSON, HTML, PDF bookmarks and contents, and the e-mail."""

import json
import re
import shutil
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from digest.config import Settings
from digest.mail.deliver import Edition, render_bodies
from digest.pipeline import run_edition

from .newsroom import NEWSROOM

SEEDS = NEWSROOM.parents[2] / "inbox"


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    root = tmp_path_factory.mktemp("topics")
    inbox = root / "inbox"
    inbox.mkdir()
    # the seeds: the Soleimani story and the Ghaani analysis share a topic (the newsroom inbox's
    # stories share places, not subjects: each is a topic of its own)
    for path in SEEDS.glob("*.txt"):
        shutil.copy(path, inbox)
    settings = Settings(inbox=inbox, output=root / "output", timezone="UTC", pdf=True)
    digest = run_edition(settings, clock=lambda: datetime(2026, 11, 27, 18, 0, tzinfo=UTC), date=date(2026, 11, 27))
    folder = root / "output" / "2026-11-27"
    return digest, json.loads((folder / "digest.json").read_text()), (folder / "digest.html").read_text(), folder


def test_every_story_is_in_exactly_one_topic_and_a_topics_stories_stand_together(edition):
    _, data, _, _ = edition
    placed = [story for topic in data["topics"] for story in topic["stories"]]
    assert sorted(placed) == sorted(s["id"] for s in data["stories"])
    assert placed == [s["id"] for s in data["stories"]]  # the stories come topic by topic
    assert all(t["title"] and t["id"] for t in data["topics"])
    assert any(len(t["stories"]) > 1 for t in data["topics"])  # the seeds hold a topic of several stories
    by_id = {s["id"]: s for s in data["stories"]}
    for topic in data["topics"]:
        for story in topic["stories"]:  # "related" names the other stories of the topic
            assert set(by_id[story]["related"]) == set(topic["stories"]) - {story}


def test_html_pdf_and_mail_show_topics_with_their_stories(edition):
    digest, data, html, folder = edition
    gathered = [t for t in data["topics"] if len(t["stories"]) > 1]
    headings = re.findall(r'<h2 class="topic-title"[^>]*><span class="topic-label">Topic</span> ([^<]+)</h2>', html)
    assert [h.replace("&#39;", "'") for h in headings] == [t["title"] for t in gathered]
    outline = PdfReader(folder / "digest.pdf").outline
    top = [item.title for item in outline if not isinstance(item, list)]
    nested = [item for item in outline if isinstance(item, list)]
    assert gathered[0]["title"] in top[0]  # a topic's bookmark holds its stories' bookmarks
    assert len(nested[0]) == len(gathered[0]["stories"])
    edition_view = Edition(digest, None)
    text, mail_html = render_bodies(edition_view, subject="Digest", max_stories=10, attached=False)
    for topic in gathered:
        assert f"TOPIC: {topic['title'].upper()}" in text
        assert f"Topic: {topic['title']}" in mail_html
