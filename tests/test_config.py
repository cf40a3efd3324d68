from __future__ import annotations

from pathlib import Path

import pytest

from digest.config import load_settings
from digest.errors import ConfigError


def test_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings(env={})
    assert settings.inbox == Path("inbox") and settings.output == Path("output")
    assert settings.store_path == Path("output/digest.sqlite3")
    assert settings.max_stories == 20 and settings.pdf is True and settings.email is None


def test_layers_file_then_environment_then_flags(tmp_path):
    config = tmp_path / "digest.toml"
    config.write_text(
        'inbox = "articles"\noutput = "/srv/out"\nmax_stories = 5\ntimezone = "Europe/Berlin"\n'
        '[schedule]\nat = ["06:30"]\n[email]\nhost = "mail.example"\nport = 465\nsecurity = "ssl"\n'
        'to = ["a@example.org"]\npassword_env = "SMTP_PASSWORD"\n'
    )
    settings = load_settings(config, env={"DIGEST_MAX_STORIES": "7"}, overrides={"output": "/tmp/x", "inbox": None})
    assert settings.inbox == tmp_path / "articles"  # relative to the config file
    assert settings.output == Path("/tmp/x")
    assert settings.max_stories == 7
    assert settings.schedule.at == ("06:30",)
    assert settings.email is not None and settings.email.port == 465 and settings.email.to == ("a@example.org",)
    assert str(settings.tz) == "Europe/Berlin"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("max_stories = 'many'", "must be a number"),
        ("max_stories = -1", "greater than 0"),
        ("colour = 'blue'", "unknown setting 'colour'"),
        ("timezone = 'Mars/Olympus'", "not a known IANA zone"),
        ("[schedule]\nat = ['25:00']", "not a time of day"),
        ("[email]\npassword = 'hunter2'", "must not be written in the config file"),
        ("[email]\nsecurity = 'tls'", "'starttls', 'ssl' or 'none'"),
        ("[email]\nport = 465\nsecurity = 'starttls'", "port 465 expects security = 'ssl'"),
        ("[email]\nport = 587\nsecurity = 'ssl'", "port 587 expects security = 'starttls'"),
        ("[email]\nto = ['reader']", r"email\.to: 'reader' is not an e-mail address"),
        ('[email]\nfrom = "Digest <digest@example.org>\\r\\nBcc: x@example.org"', "contains a line break"),
        ("[email]\nsubject = 'Digest {when}'", r"unknown field \{when\}; it may use \{date\}, \{day\}"),
        ("[email]\nretries = -1", "whole number, 0 or more"),
        ("[email]\ntimeout = 0", "greater than 0"),
        ("inbox = ", "not valid TOML"),
    ],
)
def test_mistakes_are_one_line(tmp_path, text, message):
    config = tmp_path / "digest.toml"
    config.write_text(text + "\n")
    with pytest.raises(ConfigError, match=message) as caught:
        load_settings(config, env={})
    assert "\n" not in str(caught.value)


def test_missing_file_and_bad_environment(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml", env={})
    with pytest.raises(ConfigError, match="DIGEST_PDF"):
        load_settings(env={"DIGEST_PDF": "maybe"})


def test_email_settings(tmp_path):
    config = tmp_path / "digest.toml"
    config.write_text(
        '[email]\nhost = "smtp.example.org"\nfrom = "Digest <digest@example.org>"\nto = ["a@example.org"]\n'
        'password_file = "secret/smtp"\nca_file = "/etc/ssl/our-ca.pem"\nretries = 0\nretry_delay = 1.5\n'
        'subject = "{stories} stories, {day}: {top_story}"\n'
    )
    email = load_settings(config, env={}).email
    assert email is not None
    assert (email.port, email.security, email.sender) == (587, "starttls", "Digest <digest@example.org>")
    assert email.password_file == str(tmp_path / "secret" / "smtp")  # relative to the config file
    assert email.ca_file == "/etc/ssl/our-ca.pem"
    assert (email.retries, email.retry_delay, email.timeout, email.attach_pdf) == (0, 1.5, 30.0, True)
