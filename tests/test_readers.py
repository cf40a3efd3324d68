"""The reader registry: each suffix of inbox file has one registered reader; any other file is set aside."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path

import pytest

from digest.models import RawDoc
from digest.pipeline import run_edition
from digest.sources.ingest import READERS, from_text, read_file, readable_types, register_reader
from digest.text.clean import clean_document

from .conftest import REPO

TITLE = "Budget passes"
ARTICLE = (
    "The city council approved the new budget on Tuesday after a long debate. "
    "The plan raises spending on schools by four percent."
)


def _email() -> bytes:
    message = EmailMessage()
    message["Subject"] = TITLE
    message["From"] = "City Times <news@citytimes.example>"
    message.set_content(ARTICLE)
    return message.as_bytes()


# One sample file of each type, with the same title and text.
SAMPLES: dict[str, bytes] = {
    "text": f"Title: {TITLE}\nSource: City Times\n\n{ARTICLE}\n".encode(),
    "markdown": f"---\ntitle: {TITLE}\nsource: City Times\n---\n# {TITLE}\n\n{ARTICLE}\n".encode(),
    "html": f"<html><head><title>{TITLE}</title></head><body><article><h1>{TITLE}</h1><p>{ARTICLE}</p>"
    "</article></body></html>".encode(),
    "email": _email(),
    "json": json.dumps({"title": TITLE, "text": ARTICLE}).encode(),
}


def test_the_readers_are_the_five_types_of_before():
    assert readable_types() == {
        "text": [".txt", ".text"],
        "markdown": [".md", ".markdown"],
        "html": [".html", ".htm", ".xhtml"],
        "email": [".eml"],
        "json": [".json"],
    }


@pytest.mark.parametrize("suffix", sorted(READERS))
def test_every_registered_suffix_reads_a_sample(tmp_path, suffix):
    kind = READERS[suffix].kind
    assert kind in SAMPLES, f"no sample of {kind} files: add one to SAMPLES"
    for name in (f"sample{suffix}", f"SAMPLE{suffix.upper()}"):
        path = tmp_path / name
        path.write_bytes(SAMPLES[kind])
        result = read_file(path)
        assert result.error is None, result.error
        (doc,) = result.docs
        (article,) = clean_document(doc)
        assert article.title == TITLE and " ".join(article.text.split()) == ARTICLE


@pytest.mark.parametrize("suffix", sorted(s for s, r in READERS.items() if r.kind != "email"))
def test_binary_data_under_a_text_suffix_is_not_text(tmp_path, suffix):
    path = tmp_path / f"photo{suffix}"
    path.write_bytes(bytes(range(256)) * 4)
    assert read_file(path).error == "not text (binary data or unknown encoding)"


def test_an_unregistered_suffix_is_set_aside_with_its_reason(settings, clock):
    notes = settings.inbox / "notes.docx"
    notes.write_bytes(b"PK\x03\x04" + bytes(100))
    digest = run_edition(settings, clock=clock)
    (set_aside,) = [q for q in digest.quarantined if Path(q.path).name == "notes.docx"]
    assert set_aside.reason == (
        "unsupported file type '.docx'; supported: .eml, .htm, .html, .json, .markdown, .md, .text, .txt, .xhtml"
    )
    assert notes.read_bytes().startswith(b"PK")  # set aside, never deleted
    assert len(digest.stories) == 5  # the edition is made from the readable files


@pytest.fixture
def csv_reader() -> Iterator[None]:
    """A reader of .csv files (title, text) registered for the test only."""

    def parse(path: str, text: str) -> list[RawDoc]:
        title, _, body = text.partition(",")
        if not body.strip():
            raise ValueError("no text after the title")
        return [RawDoc(path=path, text=body.strip(), title=title.strip())]

    register_reader("csv", (".CSV",), from_text(parse))
    yield
    del READERS[".csv"]


def test_a_registered_reader_reads_its_files_and_sets_aside_what_it_cannot(tmp_path, csv_reader):
    good = tmp_path / "a.csv"
    good.write_text(f"{TITLE},{ARTICLE}")
    (doc,) = read_file(good).docs
    assert (doc.title, doc.text) == (TITLE, ARTICLE)
    bad = tmp_path / "b.csv"
    bad.write_text("only a title")
    assert read_file(bad).error == "cannot parse csv: no text after the title"
    assert readable_types()["csv"] == [".csv"]


def test_run_help_lists_the_readable_types():
    result = subprocess.run(
        [sys.executable, "-m", "digest", "run", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "400"},
    )
    assert result.returncode == 0
    assert "html (.html, .htm, .xhtml); email (.eml); json (.json)" in result.stdout


def test_a_file_whose_reader_fails_unexpectedly_is_set_aside_not_the_edition(settings, clock):
    def broken(path: str, data: bytes) -> list[RawDoc]:
        raise KeyError("a parser bug")

    saved = READERS[".json"]
    READERS[".json"] = replace(saved, read=broken)
    try:
        (settings.inbox / "feed.json").write_text(json.dumps({"title": TITLE, "text": ARTICLE}))
        digest = run_edition(settings, clock=clock)
    finally:
        READERS[".json"] = saved
    assert [(Path(q.path).name, q.reason) for q in digest.quarantined] == [
        ("feed.json", "cannot parse json: KeyError: 'a parser bug'")
    ]
    assert len(digest.stories) == 5
