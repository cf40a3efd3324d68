"""The README's commands are run as written."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .conftest import REPO

README = (REPO / "README.md").read_text()


def blocks(heading: str) -> list[str]:
    section = README.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", section, re.S)


def commands(block: str) -> list[str]:
    return [line.split("  #")[0].strip() for line in block.splitlines() if line.strip()]


def run_digest(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """`digest ARGS` as a user types it, in ``cwd``, with this checkout's code."""
    return subprocess.run(
        [sys.executable, "-m", "digest", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def test_quick_start_is_two_commands_and_ci_runs_the_second():
    (block,) = blocks("Quick start")
    assert commands(block) == ["make demo", "make check"]
    assert "make check" in (REPO / ".ci" / "run").read_text()


def test_make_demo_makes_an_edition(tmp_path):
    result = subprocess.run(
        ["make", "demo", f"OUTPUT={tmp_path}"], cwd=REPO, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr
    printed = [Path(line) for line in result.stdout.splitlines() if line.startswith(str(tmp_path))]
    assert [p.name for p in printed] == ["digest.html", "digest.pdf", "digest.json"]
    assert all(p.stat().st_size > 1000 for p in printed)


def test_usage_examples_run(tmp_path):
    shutil.copytree(REPO / "inbox", tmp_path / "inbox")
    (block,) = blocks("Using it")
    for line in commands(block):
        args = shlex.split(line)
        assert args[0] == "digest"
        result = run_digest(args[1:], tmp_path)
        assert result.returncode == 0, (line, result.stderr)
    assert (tmp_path / "output" / "2019-11-03" / "digest.json").is_file()


def test_daemon_examples_run(tmp_path):
    """Each `digest serve` line starts a daemon; the other lines are run while it is up."""
    shutil.copytree(REPO / "inbox", tmp_path / "inbox")
    (block,) = blocks("Running it every day")
    lines = [shlex.split(line) for line in commands(block)]
    serving = [args for args in lines if args[:2] == ["digest", "serve"]]
    others = [args for args in lines if args[:2] != ["digest", "serve"]]
    assert serving and others
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for args in serving:
        log = tmp_path / "serve.log"
        with log.open("w") as stderr:
            daemon = subprocess.Popen([sys.executable, "-m", "digest", *args[1:]], cwd=tmp_path, stderr=stderr, env=env)
        try:
            deadline = time.monotonic() + 60
            while "watching" not in log.read_text() and time.monotonic() < deadline and daemon.poll() is None:
                time.sleep(0.1)
            assert "watching" in log.read_text(), log.read_text()
            for other in others:
                result = run_digest(other[1:], tmp_path)
                assert result.returncode == 0, (other, result.stderr)
        finally:
            daemon.terminate()
            assert daemon.wait(timeout=120) == 0, log.read_text()
    assert "edition requested from outside" in log.read_text()
