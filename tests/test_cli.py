from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from digest.store import EditionLock

from .conftest import REPO, SEEDS


def digest(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "digest", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd or REPO,
        env={**os.environ, **(env or {})},
    )


def test_run_writes_html_pdf_json(tmp_path):
    result = digest("run", "--inbox", str(SEEDS), "--output", str(tmp_path), "--date", "2019-11-03")
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "2019-11-03"
    assert result.stdout.split() == [
        str(folder / "digest.html"),
        str(folder / "digest.pdf"),
        str(folder / "digest.json"),
    ]
    assert (folder / "digest.pdf").read_bytes().startswith(b"%PDF")
    data = json.loads((folder / "digest.json").read_text())
    assert len(data["stories"]) == 5
    assert "edition 2019-11-03 written: 5 stories from 8 articles" in result.stderr
    # none of the page furniture reaches any output
    from pypdf import PdfReader

    from .test_clean import BOILERPLATE

    pdf_text = "\n".join(page.extract_text() for page in PdfReader(folder / "digest.pdf").pages)
    for text in ((folder / "digest.html").read_text(), (folder / "digest.json").read_text(), pdf_text):
        for line in BOILERPLATE:
            assert line not in text, line
    status = digest("status", "--inbox", str(SEEDS), "--output", str(tmp_path))
    assert status.returncode == 0 and "waiting:          0 articles" in status.stdout


def test_help_explains_every_command():
    helps = {command: digest(command, "--help") for command in ("run", "send", "summarize", "status")}
    for result in helps.values():
        assert result.returncode == 0 and "usage: digest" in result.stdout
    assert "--no-pdf" in helps["run"].stdout and "--send" in helps["run"].stdout
    assert "--force" in helps["send"].stdout and "7 e-mail not delivered" in helps["send"].stdout
    assert digest("--help").returncode == 0


def test_summarize_json():
    files = [str(SEEDS / name) for name in ("000_7c368ac86b694baf.txt", "001_90c3d18951d23e06.txt")]
    result = digest("summarize", "--max-words", "100", "--json", *files)
    assert result.returncode == 0, result.stderr
    sentences = json.loads(result.stdout)["sentences"]
    assert sentences and all(set(s) == {"text", "citations"} for s in sentences)
    assert all(set(s["citations"]) <= set(files) for s in sentences)
    assert sum(len(s["text"].split()) for s in sentences) <= 100 * 1.15 + 70


def test_user_mistakes_are_one_line_without_traceback(tmp_path):
    config = tmp_path / "digest.toml"
    config.write_text("max_stories = 'lots'\n")
    for args, code in (
        (("run", "--config", str(config)), 2),
        (("run", "--timezone", "Nowhere/Land", "--output", str(tmp_path)), 2),
        (("summarize", str(tmp_path / "missing.txt")), 5),
        (("run", "--date", "yesterday"), 2),
    ):
        result = digest(*args)
        assert result.returncode == code, (args, result.stderr)
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 or "usage:" in result.stderr


def test_second_run_is_refused_while_one_holds_the_lock(tmp_path):
    lock = EditionLock(tmp_path / "digest.sqlite3")
    lock.acquire()
    try:
        result = digest("run", "--inbox", str(SEEDS), "--output", str(tmp_path), "--no-pdf")
    finally:
        lock.release()
    assert result.returncode == 3
    assert "another digest edition is in progress" in result.stderr


def test_a_wrong_inbox_is_one_line_and_no_edition(tmp_path):
    wrong = str(tmp_path / "inbxo")
    for command in (["run"], ["serve"]):
        result = digest(*command, "--inbox", wrong, "--output", str(tmp_path / "out"), "--timezone", "UTC")
        assert result.returncode == 2, (command, result.stderr)
        assert result.stderr.splitlines() == [
            f"digest: error: the inbox {wrong} does not exist; fix --inbox or inbox in digest.toml, or create it"
        ]
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").glob("*-*-*"))
    doctor = digest("doctor", "--inbox", wrong, "--output", str(tmp_path / "out"))
    assert doctor.returncode == 1 and f"FAIL  inbox   the inbox {wrong} does not exist" in doctor.stdout


def test_no_new_articles_write_nothing_and_mail_nothing(tmp_path, smtp):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    server = smtp()
    config = tmp_path / "digest.toml"
    config.write_text(
        f'inbox = "{inbox}"\noutput = "{tmp_path / "out"}"\ntimezone = "UTC"\npdf = false\n'
        f'[email]\nhost = "127.0.0.1"\nport = {server.port}\nsecurity = "none"\n'
        'from = "digest@example.org"\nto = ["ada@example.org"]\n'
    )
    first = digest("run", "--config", str(config), "--date", "2019-11-03", "--send")
    assert first.returncode == 0 and first.stdout == ""
    assert first.stderr.splitlines()[-1] == (
        f"digest: no new articles in {inbox}; nothing written (use --allow-empty to write an empty edition)"
    )
    assert not (tmp_path / "out" / "2019-11-03").exists() and server.mailbox.received == []
    empty = digest("run", "--config", str(config), "--date", "2019-11-03", "--send", "--allow-empty")
    assert empty.returncode == 0, empty.stderr
    assert (tmp_path / "out" / "2019-11-03" / "digest.json").is_file() and server.mailbox.received == []
    assert "edition 2019-11-03 has no stories; it is not mailed" in empty.stderr
    (inbox / "a.txt").write_text((SEEDS / "000_7c368ac86b694baf.txt").read_text())
    assert digest("run", "--config", str(config), "--date", "2019-11-04").returncode == 0
    again = digest("run", "--config", str(config), "--date", "2019-11-05", "--send")
    assert again.returncode == 0 and not (tmp_path / "out" / "2019-11-05").exists()
    assert "no new articles since the edition of 2019-11-04; nothing written" in again.stderr
    status = digest("status", "--config", str(config))
    assert "last edition:     2019-11-04" in status.stdout and server.mailbox.received == []


def test_output_naming_a_file_is_one_line(tmp_path):
    afile = tmp_path / "output.txt"
    afile.write_text("not a folder")
    for command in ("run", "status", "serve"):
        result = digest(command, "--inbox", str(SEEDS), "--output", str(afile), "--timezone", "UTC")
        assert result.returncode == 2, (command, result.stderr)
        assert result.stderr.splitlines() == [
            f"digest: error: the output {afile} is not a folder; fix --output or output in digest.toml"
        ]


def test_status_into_a_closed_pipe_exits_quietly(tmp_path):
    read, write = os.pipe()
    os.close(read)  # `digest status | head -1`, with head already gone
    try:
        result = subprocess.run(
            [sys.executable, "-m", "digest", "status", "--inbox", str(SEEDS), "--output", str(tmp_path)],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
            timeout=120,
        )
    finally:
        os.close(write)
    assert result.returncode == 141 and result.stderr == ""


def test_help_is_wrapped_to_the_terminal():
    for command in ("run", "serve", "send", "summarize", "doctor", "status"):
        result = digest(command, "--help", env={"COLUMNS": "64"})
        assert result.returncode == 0
        assert [line for line in result.stdout.splitlines() if len(line) > 64] == [], command


def test_status_and_doctor_count_the_same_files_waiting(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(SEEDS / "000_7c368ac86b694baf.txt", inbox)
    where = ("--inbox", str(inbox), "--output", str(tmp_path / "out"), "--timezone", "UTC")
    assert digest("run", *where, "--no-pdf").returncode == 0
    shutil.copy(SEEDS / "001_90c3d18951d23e06.txt", inbox)
    status = digest("status", *where)
    doctor = digest("doctor", *where)
    assert "to read:          1 file not read yet" in status.stdout
    assert f"inbox   {inbox}: 1 file not read yet" in doctor.stdout
    assert "(1 story, 1 article, made" in status.stdout


def test_control_characters_in_names_and_text_never_reach_the_terminal_raw(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    name = "bad\n12:00:00 ERROR forged\x1b[2J\u202e.txt"
    (inbox / name).write_bytes(bytes(range(256)) * 20)  # set aside, by name, in the log and in status
    article = inbox / "esc.json"
    text = "The harbour bridge \x1b[31mreopened\x1b[0m to traffic on Monday after two years of repairs, officials said."
    article.write_text(json.dumps({"title": "Harbour", "text": text + " The work finished a month early."}))
    where = ("--inbox", str(inbox), "--output", str(tmp_path / "out"), "--timezone", "UTC", "--no-pdf")
    results = [digest("run", *where), digest("status", *where[:6]), digest("summarize", str(article))]
    for result in results:
        assert result.returncode == 0, result.stderr
        for text in (result.stdout, result.stderr):
            assert "\x1b" not in text and "\u202e" not in text, text
            assert not any(line.startswith("12:00:00 ERROR forged") for line in text.splitlines())
    assert "set aside bad\\n12:00:00 ERROR forged\\x1b[2J\\u202e.txt" in results[0].stderr
    assert "bad\\n12:00:00 ERROR forged" in results[1].stdout
    assert "The harbour bridge \\x1b[31mreopened\\x1b[0m to traffic" in results[2].stdout
