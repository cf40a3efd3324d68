"""Killed runs and runs started together: the store stays sound and nothing is lost or half-written."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pypdf import PdfReader

from .conftest import REPO, SEEDS
from .test_cli import digest

DATE = "2019-11-05"
BBC = [json.loads(line)["text"] for line in (REPO / "tests" / "data" / "bbc_sample.jsonl").read_text().splitlines()]
# Where a run is killed: right after it logs one of these (plus a random delay), or at a random moment.
STAGES = ("reading", "edition 2019-11-05:", "rendering the PDF", "written:", None)


def add_articles(inbox: Path, round_number: int, count: int = 3) -> None:
    """New files for this round: real BBC texts, each made unique by a line of its own."""
    for k in range(count):
        text = BBC[(round_number * count + k) % len(BBC)]
        note = f"Round {round_number} item {k} was filed from the newsroom in the morning, editors said."
        (inbox / f"r{round_number:02d}-{k}.txt").write_text(f"{text}\n\n{note}\n", encoding="utf-8")


def killed_run(folder: Path, stage: str | None, rng: random.Random, extra: Sequence[str] = ()) -> str:
    """Start `digest run` (with ``extra`` options), kill it with SIGKILL at ``stage``; say where it was when it died."""
    args = [sys.executable, "-m", "digest", "--debug", "run", "--inbox", str(folder / "inbox")]
    args += ["--output", str(folder / "out"), "--date", DATE, "--timezone", "UTC", "--wait", "60", *extra]
    process = subprocess.Popen(args, cwd=REPO, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    assert process.stderr is not None
    seen = []
    if stage is None:
        timer = threading.Timer(rng.uniform(0.05, 3.0), process.kill)
        timer.start()
        for line in process.stderr:
            seen.append(line)
        timer.cancel()
    else:
        for line in process.stderr:
            seen.append(line)
            if stage in line:
                time.sleep(rng.uniform(0.0, 0.25))
                process.kill()
                break
        process.stderr.read()
    code = process.wait()
    where = next((s for s in reversed(STAGES[:-1]) if any(s in line for line in seen)), "start")
    return f"{where}" if code == -signal.SIGKILL else f"finished ({code})"


def check_sound(folder: Path) -> None:
    """After any kill: the database is intact, and each output is whole or absent."""
    db = sqlite3.connect(folder / "out" / "digest.sqlite3")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        db.close()
    edition = folder / "out" / DATE
    if (edition / "digest.json").exists():
        json.loads((edition / "digest.json").read_text())
    if (edition / "digest.html").exists():
        assert (edition / "digest.html").read_text().rstrip().endswith("</html>")
    if (edition / "digest.pdf").exists():
        assert len(PdfReader(edition / "digest.pdf").pages) >= 1
    index = folder / "out" / "index.html"
    if index.exists():
        assert index.read_text().rstrip().endswith("</html>")


def kill_rounds(folder: Path, rounds: range, seed: int) -> list[str]:
    rng = random.Random(seed)
    (folder / "inbox").mkdir(parents=True)
    for path in SEEDS.iterdir():
        (folder / "inbox" / path.name).write_bytes(path.read_bytes())
    outcomes = []
    for number in rounds:
        add_articles(folder / "inbox", number)
        outcomes.append(killed_run(folder, STAGES[number % len(STAGES)], rng))
        if (folder / "out" / "digest.sqlite3").exists():
            check_sound(folder)
    return outcomes


@pytest.mark.slow
def test_runs_killed_at_any_point_lose_nothing(tmp_path):
    # Two series side by side (one per core), 16 kills each, every stage in turn.
    folders = [tmp_path / "a", tmp_path / "b"]
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(kill_rounds, folders, [range(0, 16), range(16, 32)], [1, 2]))
    outcomes = [o for series in results for o in series]
    killed = [o for o in outcomes if not o.startswith("finished")]
    assert len(killed) >= 30, outcomes
    # the kills landed in every stage of a run (and, timed at random, sometimes before any)
    assert {"reading", "edition 2019-11-05:", "rendering the PDF"} <= set(killed), outcomes
    for folder in folders:
        # the next run is not blocked by anything the killed ones left, and completes the edition
        final = digest("run", "--inbox", str(folder / "inbox"), "--output", str(folder / "out"), "--date", DATE)
        assert final.returncode == 0, final.stderr
        check_sound(folder)
        assert sorted(p.name for p in (folder / "out").rglob("*") if p.name.endswith((".lock", ".tmp"))) == []
        db = sqlite3.connect(folder / "out" / "digest.sqlite3")
        files = db.execute("SELECT path, status FROM files").fetchall()
        stored = dict(db.execute("SELECT id, edition FROM articles").fetchall())
        db.close()
        # every file dropped in was read, and every article is in the edition exactly once
        assert len(files) == 5 + 16 * 3 and {status for _, status in files} == {"ok"}
        assert set(stored.values()) == {DATE}
        edition = json.loads((folder / "out" / DATE / "digest.json").read_text())
        listed = [a["id"] for story in edition["stories"] for a in story["articles"]]
        assert sorted(listed) == sorted(stored)


@pytest.mark.slow
def test_eight_runs_at_once_make_one_edition(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for path in SEEDS.iterdir():
        (inbox / path.name).write_bytes(path.read_bytes())
    args = [sys.executable, "-m", "digest", "run", "--inbox", str(inbox), "--output", str(tmp_path / "out")]
    args += ["--date", DATE, "--no-pdf"]
    start = threading.Barrier(8)

    def one() -> subprocess.CompletedProcess[str]:
        start.wait()
        return subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=300, env={**os.environ})

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: one(), range(8)))
    codes = sorted(r.returncode for r in results)
    # one made the edition; the others found the store busy and said so with their own exit code
    # (or, starting after it had finished, remade the same edition from the same articles)
    assert codes[0] == 0 and set(codes) <= {0, 3} and 3 in codes, [(r.returncode, r.stderr) for r in results]
    for result in results:
        if result.returncode == 3:
            assert "another digest edition is in progress on this store" in result.stderr
            assert "Traceback" not in result.stderr
    db = sqlite3.connect(tmp_path / "out" / "digest.sqlite3")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("SELECT count(*), count(DISTINCT edition) FROM articles").fetchone() == (8, 1)
    assert db.execute("SELECT date FROM editions").fetchall() == [(DATE,)]

    # with --wait they queue instead, and every one of them succeeds
    with ThreadPoolExecutor(8) as pool:
        waited = list(
            pool.map(lambda _: subprocess.run([*args, "--wait", "300"], cwd=REPO, capture_output=True), range(8))
        )
    assert [r.returncode for r in waited] == [0] * 8
    assert db.execute("SELECT count(*), count(DISTINCT edition) FROM articles").fetchone() == (8, 1)
    db.close()
