from __future__ import annotations

from pathlib import Path

from digest.config import EmailSettings, Settings
from digest.doctor import Check, diagnose

from .conftest import Mailbox, free_port
from .test_cli import digest

SECRET = "s3cret-Password-only-in-the-environment"


def by_area(results: list[Check]) -> dict[str, list[tuple[str, str]]]:
    found: dict[str, list[tuple[str, str]]] = {}
    for check in results:
        found.setdefault(check.area, []).append((check.status, check.detail))
    return found


def test_a_sound_setup_is_all_ok_and_sends_nothing(tmp_path, seed_inbox, smtp, monkeypatch):
    server = smtp(Mailbox(accounts={"digest": SECRET}), auth_require_tls=False)
    monkeypatch.setenv("SMTP_PASSWORD", SECRET)
    email = EmailSettings(
        host="127.0.0.1",
        port=server.port,
        security="none",
        username="digest",
        password_env="SMTP_PASSWORD",
        sender="digest@example.org",
        to=("ada@example.org",),
    )
    settings = Settings(inbox=seed_inbox, output=tmp_path / "out", timezone="UTC", email=email)
    results = diagnose(settings)
    assert [(c.area, c.status) for c in results if c.status != "ok"] == []
    areas = by_area(results)
    assert areas["inbox"] == [("ok", f"{seed_inbox}: 5 files not read yet")]
    assert areas["e-mail"] == [
        ("ok", f"connected to 127.0.0.1:{server.port} (none, logged in as digest); nothing was sent")
    ]
    assert server.mailbox.logins == ["digest"] and server.mailbox.received == []
    assert {status for status, _ in areas["fonts"]} == {"ok"} and areas["pdf"][0][0] == "ok"


def test_problems_are_named_with_their_fix(tmp_path, monkeypatch):
    store = tmp_path / "out" / "digest.sqlite3"
    store.parent.mkdir()
    store.write_bytes(b"this is not a database" * 100)
    monkeypatch.delenv("NO_SUCH_PASSWORD_VARIABLE", raising=False)
    settings = Settings(
        inbox=tmp_path / "missing-inbox",
        output=tmp_path / "out",
        timezone="UTC",
        email=EmailSettings(
            host="127.0.0.1", port=free_port(), security="none", sender="a@example.org", to=("b@example.org",)
        ),
    )
    results = {c.area: c for c in diagnose(settings)}
    assert results["inbox"].status == "fail" and "create it" in results["inbox"].fix
    assert results["store"].status == "fail" and f"copy your last 'digest backup' over {store}" in results["store"].fix
    assert results["e-mail"].status == "fail" and "refused the connection" in results["e-mail"].detail
    missing = Settings(
        inbox=tmp_path,
        output=tmp_path / "out2",
        email=EmailSettings(
            username="digest", password_env="NO_SUCH_PASSWORD_VARIABLE", sender="a@x.org", to=("b@x.org",)
        ),
    )
    (check,) = [c for c in diagnose(missing) if c.area == "e-mail"]
    assert check.status == "fail" and "NO_SUCH_PASSWORD_VARIABLE" in check.detail and "is not set" in check.detail


def test_cli_doctor_exit_codes_and_no_secret_in_output(tmp_path, seed_inbox, smtp):
    server = smtp(Mailbox(accounts={"digest": SECRET}), auth_require_tls=False)
    config = tmp_path / "digest.toml"
    config.write_text(
        f'inbox = "{seed_inbox}"\noutput = "{tmp_path / "out"}"\ntimezone = "UTC"\n'
        f'[email]\nhost = "127.0.0.1"\nport = {server.port}\nsecurity = "none"\nusername = "digest"\n'
        'password_env = "SMTP_PASSWORD"\nfrom = "digest@example.org"\nto = ["ada@example.org"]\n'
    )
    good = digest("doctor", "--config", str(config), env={"SMTP_PASSWORD": SECRET})
    assert good.returncode == 0, good.stdout + good.stderr
    assert "digest doctor: all good" in good.stdout and "nothing was sent" in good.stdout
    wrong = digest("doctor", "--config", str(config), env={"SMTP_PASSWORD": "wrong"})
    assert wrong.returncode == 1
    assert "FAIL  e-mail" in wrong.stdout and "refused the login of 'digest'" in wrong.stdout
    for result in (good, wrong):
        assert SECRET not in result.stdout + result.stderr and "Traceback" not in result.stderr
    broken = tmp_path / "broken.toml"
    broken.write_text('timezone = "Mars/Base"\n')
    bad = digest("doctor", "--config", str(broken))
    assert bad.returncode == 1 and "FAIL  config  timezone 'Mars/Base' is not a known IANA zone name" in bad.stdout
    assert Path(tmp_path / "out").is_dir() is False  # doctor creates nothing
