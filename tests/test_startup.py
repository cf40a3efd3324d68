"""Commands that make no edition start light: they never load the libraries that only making one needs.

Checked in real subprocesses (a fresh interpreter each), by which modules are loaded, not by time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from .conftest import REPO, SEEDS

HEAVY = ("numpy", "scipy", "sklearn", "wordfreq", "trafilatura", "weasyprint", "sumy")

# Prints the heavy libraries loaded so far, as a list on one line, prefixed by what was just done.
PROBE = textwrap.dedent(
    f"""\
    import contextlib, io, sys

    def loaded(step, names={HEAVY!r}):
        print(step, sorted(m for m in names if m in sys.modules), flush=True)
    """
)
# What making, mailing or storing an edition needs: `digest --help` loads none of it.
MAIL_MODULES = ("jinja2", "digest.output.render", "digest.mail.deliver")  # what `digest status` does not load
EDITION_MODULES = (*MAIL_MODULES, "digest.newsdesk", "digest.store")


def _python(script: str, cwd: Path) -> dict[str, str]:
    """Runs ``script`` after PROBE in a fresh interpreter; what each loaded() call printed, by step."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE + textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 0, result.stderr
    steps = dict(line.split(" ", 1) for line in result.stdout.splitlines() if line.startswith("step:"))
    assert steps, result.stdout
    return steps


def test_importing_the_command_line_loads_no_heavy_library(tmp_path):
    steps = _python(
        """\
        import digest.cli
        loaded("step:import")
        import digest
        digest.load_settings, digest.Newsdesk
        loaded("step:api")
        with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
            digest.cli.main(["--help"])
        with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
            digest.cli.main(["run", "--help"])
        loaded("step:help")
        """,
        tmp_path,
    )
    assert steps == {"step:import": "[]", "step:api": "[]", "step:help": "[]"}


def test_help_loads_none_of_what_an_edition_needs(tmp_path):
    steps = _python(
        f"""\
        from digest.cli import main
        with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
            main(["--help"])
        loaded("step:help", {EDITION_MODULES!r})
        with contextlib.redirect_stdout(io.StringIO()) as shown, contextlib.suppress(SystemExit):
            main(["run", "--help"])
        assert "else all: html, pdf, json" in " ".join(shown.getvalue().split()), shown.getvalue()
        """,
        tmp_path,
    )
    assert steps == {"step:help": "[]"}


def test_status_backup_and_send_load_no_heavy_library(tmp_path, smtp):
    output = tmp_path / "output"
    where = ["--inbox", str(SEEDS), "--output", str(output), "--timezone", "UTC"]
    made = subprocess.run(
        [sys.executable, "-m", "digest", "run", *where, "--date", "2019-11-03", "--no-pdf"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert made.returncode == 0, made.stderr
    server = smtp()
    (tmp_path / "digest.toml").write_text(
        f'[email]\nhost = "127.0.0.1"\nport = {server.port}\nsecurity = "none"\n'
        'from = "digest@example.org"\nto = ["ada@example.org"]\nattach_pdf = false\nretries = 0\n'
    )
    steps = _python(
        f"""\
        from digest.cli import main
        assert main(["status", *{where!r}]) == 0
        loaded("step:status")
        loaded("step:status-mail", {MAIL_MODULES!r})
        assert main(["backup", *{where!r}, "--to", {str(tmp_path / "copy.sqlite3")!r}]) == 0
        loaded("step:backup")
        assert main(["send", *{where!r}, "--date", "2019-11-03"]) == 0
        loaded("step:send")
        """,
        tmp_path,
    )
    assert steps == {"step:status": "[]", "step:status-mail": "[]", "step:backup": "[]", "step:send": "[]"}
    assert (tmp_path / "copy.sqlite3").is_file()
    assert [to for _, to, _ in server.mailbox.received] == [["ada@example.org"]]


def test_summarize_loads_only_numpy_and_scipy_and_runs_blas_in_one_thread(tmp_path, monkeypatch):
    """``digest summarize`` needs the arithmetic libraries, not the edition's: no model, extractor, PDF engine.
    Its matrices are small: BLAS threads would only wait for each other (and for a busy machine)."""
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    story = tmp_path / "story.txt"
    story.write_text((SEEDS / "000_7c368ac86b694baf.txt").read_text(encoding="utf-8"), encoding="utf-8")
    steps = _python(
        f"""\
        from digest.cli import main
        with contextlib.redirect_stdout(io.StringIO()) as shown:
            assert main(["summarize", {str(story)!r}]) == 0
        assert "[story.txt]" in shown.getvalue(), shown.getvalue()
        loaded("step:summarize")
        loaded("step:summarize-edition", {(*EDITION_MODULES, "digest.pipeline", "digest.config")!r})
        from threadpoolctl import threadpool_info
        print("step:blas", sorted({{pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}}))
        """,
        tmp_path,
    )
    assert steps == {"step:summarize": "['numpy', 'scipy']", "step:summarize-edition": "[]", "step:blas": "[1]"}
