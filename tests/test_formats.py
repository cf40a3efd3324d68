"""The output-format registry: settings and --format choose the formats; each is one registered writer."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from digest.config import load_settings
from digest.errors import ConfigError
from digest.output import render
from digest.output.render import OUTPUT_FORMATS, EditionPage, OutputFormat, register_format
from digest.pipeline import run_edition

from .conftest import REPO, SEEDS


def _recorded_outputs(store: Path) -> dict[str, dict[str, str]]:
    """The outputs each edition's row in the store names, read straight from the SQLite file."""
    with sqlite3.connect(store) as db:
        return {day: json.loads(outputs) for day, outputs in db.execute("SELECT date, outputs FROM editions")}


def _digest(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "digest", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def test_default_formats_are_html_pdf_json_and_pdf_false_leaves_out_the_pdf(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load_settings(env={}).output_formats == ("html", "pdf", "json")
    config = tmp_path / "digest.toml"
    config.write_text('formats = ["json", "pdf", "html", "json"]\npdf = false\n')
    settings = load_settings(config, env={})
    assert settings.formats == ("json", "pdf", "html")  # once each, in the order given
    assert settings.output_formats == ("json", "html")
    flags = load_settings(config, env={"DIGEST_FORMATS": "pdf,html"}, overrides={"formats": ["html"]})
    assert flags.formats == ("html",)


def test_edition_in_html_and_json_writes_no_pdf(settings, clock):
    settings = replace(settings, pdf=True, formats=("html", "json"))
    digest = run_edition(settings, clock=clock)
    folder = settings.output / "2019-11-03"
    assert sorted(p.name for p in folder.iterdir()) == ["digest.html", "digest.json"]
    assert set(digest.outputs) == {"html", "json"}
    assert _recorded_outputs(settings.store_path) == {
        "2019-11-03": {"html": str(folder / "digest.html"), "json": str(folder / "digest.json")}
    }
    assert 'href="2019-11-03/digest.pdf"' not in (settings.output / "index.html").read_text()


def test_run_with_format_flags_writes_only_those(tmp_path):
    where = ["--inbox", str(SEEDS), "--output", str(tmp_path / "out"), "--timezone", "UTC", "--date", "2019-11-03"]
    result = _digest("run", *where, "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [str(tmp_path / "out" / "2019-11-03" / "digest.json")]
    assert [p.name for p in (tmp_path / "out" / "2019-11-03").iterdir()] == ["digest.json"]


@pytest.mark.parametrize(
    ("setting", "flags", "message"),
    [
        ("", ["--format", "docx"], "digest: error: --format: 'docx' is not a known output format; known: "),
        ('formats = ["html", "docx"]\n', [], "formats: 'docx' is not a known output format; known: "),
        ("formats = []\n", [], "formats must name at least one output format: "),
    ],
)
def test_unknown_format_is_one_line_naming_the_known_ones(tmp_path, setting, flags, message):
    (tmp_path / "digest.toml").write_text(setting)
    result = _digest("run", "--inbox", str(SEEDS), "--output", str(tmp_path / "out"), *flags, cwd=tmp_path)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and message in result.stderr
    assert result.stderr.rstrip().endswith("html, pdf, json, epub")
    assert not (tmp_path / "out").exists()


def test_only_the_pdf_and_no_pdf_is_a_config_error(settings, clock):
    with pytest.raises(ConfigError, match="no output format left to write"):
        run_edition(replace(settings, formats=("pdf",)), clock=clock)
    assert not (settings.output / "2019-11-03").exists()


@pytest.fixture
def text_format() -> Iterator[OutputFormat]:
    """A plain-text format (one title a line), registered for the test only."""

    def titles(page: EditionPage) -> bytes:
        return "".join(f"{story.title}\n" for story in page.digest.stories).encode("utf-8")

    kind = register_format(OutputFormat("text", "digest.txt", "text/plain; charset=utf-8", titles))
    yield kind
    del OUTPUT_FORMATS["text"]


def test_a_registered_format_is_written_with_the_edition(settings, clock, text_format):
    settings = replace(settings, formats=("html", "text", "json"))
    digest = run_edition(settings, clock=clock)
    folder = settings.output / "2019-11-03"
    written = (folder / "digest.txt").read_text(encoding="utf-8").splitlines()
    assert written == [story.title for story in digest.stories] and len(written) == 5
    assert list(digest.outputs) == ["html", "text", "json"]
    assert _recorded_outputs(settings.store_path)["2019-11-03"]["text"] == str(folder / "digest.txt")
    assert load_settings(env={"DIGEST_FORMATS": "text"}).formats == ("text",)


def test_a_slow_format_is_written_in_its_own_process_with_the_same_bytes(tmp_path, settings, clock, text_format):
    slow = register_format(replace(text_format, name="slow-text", file_name="slow.txt", slow=True))
    try:
        run_edition(replace(settings, formats=("text", "slow-text")), clock=clock)
    finally:
        del OUTPUT_FORMATS[slow.name]
    folder = settings.output / "2019-11-03"
    assert (folder / "slow.txt").read_bytes() == (folder / "digest.txt").read_bytes() != b""


def test_a_failing_slow_format_writes_no_half_edition(settings, clock, monkeypatch):
    def broken(page: EditionPage) -> bytes:
        raise render.RenderError("cannot render the PDF: out of fonts")

    monkeypatch.setitem(OUTPUT_FORMATS, "pdf", replace(OUTPUT_FORMATS["pdf"], write=broken))
    with pytest.raises(render.RenderError, match="out of fonts"):
        run_edition(replace(settings, pdf=True), clock=clock)
    assert not (settings.output / "2019-11-03").exists()
