"""One Settings object, layered: defaults < digest.toml < environment (DIGEST_*) < flags.

Every mistake raises :class:`ConfigError` with one line naming the setting and what to do.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, tzinfo
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError
from .summaries.summarizers import SUMMARIZERS

CONFIG_NAME = "digest.toml"


@dataclass(frozen=True)
class EmailSettings:
    host: str = "localhost"
    port: int = 587
    security: str = "starttls"  # "starttls" | "ssl" | "none"
    username: str | None = None
    password_env: str | None = None
    password_file: str | None = None
    sender: str | None = None
    to: tuple[str, ...] = ()
    subject: str = "Daily digest — {date}: {top_story}"
    attach: tuple[str, ...] = ("pdf",)  # the edition's files attached to each message (output formats)
    ca_file: str | None = None  # PEM file of the CA to trust for the server (default: the system's)
    timeout: float = 30.0  # seconds to wait for the server at each step
    deadline: float | None = None  # seconds for one whole attempt (connect, log in, send); None: 4 × timeout
    retries: int = 3  # further attempts after a connection error or a 4xx reply
    retry_delay: float = 10.0  # seconds before the first retry; doubled for each further one

    @property
    def attach_pdf(self) -> bool:
        return "pdf" in self.attach


# Fields a subject template may use, with an example value each (used to check the template).
SUBJECT_FIELDS = {"date": "2019-11-03", "day": "Sunday 3 November 2019", "top_story": "A story", "stories": 5}


def port_mismatch(port: int, security: str) -> str | None:
    """What is wrong when a well-known submission port is paired with the other TLS mode, else None.

    Port 465 speaks TLS from the first byte (RFC 8314); ports 587 and 25 start in plain text and
    upgrade with STARTTLS.
    """
    if port == 465 and security != "ssl":
        return f"port 465 expects security = 'ssl' (TLS from the start), not {security!r}"
    if port in (25, 587) and security == "ssl":
        return f"port {port} expects security = 'starttls' (it starts in plain text), not 'ssl'"
    return None


def check_address(where: str, value: str) -> str:
    """The bare address of ``value`` ('Name <a@b.org>' or 'a@b.org'), or a ConfigError saying why not."""
    if any(ch in value for ch in "\r\n\0"):
        raise ConfigError(f"{where}: {value!r} contains a line break; give one address per entry")
    _, address = parseaddr(value)
    if not address or "@" not in address or address.startswith("@") or address.endswith("@") or " " in address:
        raise ConfigError(f"{where}: {value!r} is not an e-mail address like 'reader@example.org'")
    return address


@dataclass(frozen=True)
class ScheduleSettings:
    at: tuple[str, ...] = ("07:00",)  # times of day, "HH:MM" or "HH:MM:SS", in the settings' timezone
    cron: str | None = None  # a 5-field cron expression; replaces at/days when set
    days: str = "*"  # cron day-of-week field: "*", "mon-fri", "sat,sun", ...
    watch: str = "auto"  # "auto": file-system events, polling where they are unavailable; "poll": always poll
    poll_seconds: float = 5.0  # how often the inbox is listed when polling
    settle_seconds: float = 2.0  # a file is read once it has not changed for this long
    catch_up_days: float = 7.0  # a missed edition is made on start if it is at most this late


@dataclass(frozen=True)
class FeedSettings:
    """One ``[[feeds]]`` entry: a news feed whose items are written into the inbox."""

    url: str
    name: str | None = None
    full_text: bool = False  # fetch each item's linked page (for feeds that carry only a teaser)
    fetch_minutes: float | None = None  # this feed's own cadence; None: the top-level fetch_minutes


@dataclass(frozen=True)
class FetchSettings:
    """``[fetch]``: how feeds are fetched over HTTP."""

    timeout: float = 30.0  # seconds for one whole response (connect, headers and body)
    max_mb: float = 10.0  # a larger response is refused, counted while it streams in (after gzip)
    max_redirects: int = 5
    per_host: int = 2  # requests at once to one host
    delay_seconds: float = 1.0  # between two requests to one host


@dataclass(frozen=True)
class MailSettings:
    """``[mail]``: a Maildir folder of newsletters, each message written into the inbox once."""

    maildir: Path | None = None


@dataclass(frozen=True)
class WebSettings:
    """``[web]``: the web app (``digest web``, ``digest serve --http``)."""

    token: str | None = None  # required to serve on any address but this machine's own (or $DIGEST_WEB_TOKEN)


class BaseURL(str):
    """``base_url``: the http(s) address the output folder is served at, ending in a slash."""


class StoreURL(str):
    """``store`` naming a PostgreSQL database (``postgresql://user@host/db``) rather than an SQLite file."""

    schemes = ("postgresql://", "postgres://")


@dataclass(frozen=True)
class Settings:
    inbox: Path = Path("inbox")
    output: Path = Path("output")
    store: Path | StoreURL | None = None  # an SQLite file (default: <output>/digest.sqlite3) or a postgresql:// URL
    timezone: str | None = None  # IANA name; None means the machine's local time
    max_stories: int = 20  # stories shown in full in HTML/PDF; the rest by title
    summary_words: int = 120  # words per story summary
    summarizer: str = "digest"  # what rates a summary's sentences: ours, or one of sumy's (see summarizers.py)
    formats: tuple[str, ...] = ("html", "pdf", "json")  # the outputs of an edition (see render.OUTPUT_FORMATS)
    pdf: bool = True  # false: the formats less the PDF
    max_file_mb: float = 50.0  # larger files are quarantined, not read
    log_file: Path | None = None
    config_path: Path | None = None
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    email: EmailSettings | None = None
    feeds: tuple[FeedSettings, ...] = ()
    fetch_minutes: float = 60.0  # how often digest serve fetches the feeds and reads the Maildir
    fetch: FetchSettings = field(default_factory=FetchSettings)
    mail: MailSettings | None = None
    web: WebSettings = field(default_factory=WebSettings)
    base_url: str | None = None  # where the output folder is served on the web (the feed's links); None: relative

    @property
    def store_path(self) -> Path:
        """The SQLite store; with a PostgreSQL store, where this machine's own locks are kept beside."""
        return self.store if isinstance(self.store, Path) else self.output / "digest.sqlite3"

    @property
    def store_url(self) -> str | None:
        """The PostgreSQL store's URL, or None for an SQLite file."""
        return str(self.store) if isinstance(self.store, StoreURL) else None

    @property
    def output_formats(self) -> tuple[str, ...]:
        """The formats an edition is written in: ``formats``, less the PDF if ``pdf`` is false."""
        return tuple(name for name in self.formats if self.pdf or name != "pdf")

    @property
    def tz(self) -> tzinfo:
        return load_timezone(self.timezone)


def local_timezone() -> tzinfo:
    """The machine's time zone with its DST rules (not just today's UTC offset)."""
    try:
        import tzlocal

        return tzlocal.get_localzone()
    except Exception:  # no zone configured on the machine: today's offset is the best there is
        local = datetime.now().astimezone().tzinfo
        assert local is not None
        return local


def load_timezone(name: str | None) -> tzinfo:
    if not name:
        return local_timezone()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"timezone {name!r} is not a known IANA zone name; use one like 'Europe/Berlin' or 'UTC'"
        ) from None


# Types of the top-level keys a user may set (TOML key == field name == DIGEST_<NAME>).
_TOP_KEYS: dict[str, type] = {
    "inbox": Path,
    "output": Path,
    "store": StoreURL,  # a path, or a URL
    "timezone": str,
    "max_stories": int,
    "summary_words": int,
    "summarizer": str,
    "formats": tuple,
    "pdf": bool,
    "max_file_mb": float,
    "log_file": Path,
    "fetch_minutes": float,
    "base_url": BaseURL,
}


_TABLES = ("schedule", "email", "feeds", "fetch", "mail", "web")


def _coerce(where: str, value: Any, kind: type) -> Any:
    """Turn a TOML or environment value into ``kind``, or say in one line what is wrong."""
    if kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in {"1", "true", "yes", "on", "0", "false", "no", "off"}:
            return value.lower() in {"1", "true", "yes", "on"}
        raise ConfigError(f"{where} must be true or false, not {value!r}")
    if kind in (int, float):
        try:
            number = kind(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{where} must be a number, not {value!r}") from None
        if number <= 0:
            raise ConfigError(f"{where} must be greater than 0, not {value!r}")
        return number
    if kind is tuple:  # formats, the only list among the top-level keys
        return _check_formats(where, _str_list(where, value))
    if kind is BaseURL:
        return check_base_url(where, value)
    if kind is StoreURL and isinstance(value, str) and value.strip().lower().startswith(StoreURL.schemes):
        return StoreURL(value.strip())
    if kind in (Path, StoreURL):
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{where} must be a path (a non-empty string), not {value!r}")
        return Path(value).expanduser()
    if not isinstance(value, str):
        raise ConfigError(f"{where} must be a string, not {value!r}")
    return value


def _str_list(where: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} must be a list of strings, not {value!r}")
    return tuple(value)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist; create it or drop --config") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"config file {path} cannot be read: {exc.strerror}") from None


def parse_time_of_day(value: str) -> tuple[int, int, int] | None:
    """(hour, minute, second) of "07:00" or "07:00:30", or None if it is not a time of day."""
    parts = value.strip().split(":")
    if len(parts) not in (2, 3) or not all(p.isdigit() and len(p) <= 2 for p in parts):
        return None
    hour, minute, second = (int(p) for p in [*parts, "0"][:3])
    return (hour, minute, second) if hour < 24 and minute < 60 and second < 60 else None


def _schedule_from(data: Mapping[str, Any], where: str, base: ScheduleSettings | None = None) -> ScheduleSettings:
    known = {f.name for f in fields(ScheduleSettings)}
    for key in data:
        if key not in known:
            raise ConfigError(f"unknown setting {where}.{key}; known: {', '.join(sorted(known))}")
    values: dict[str, Any] = {}
    if "at" in data:
        at = _str_list(f"{where}.at", data["at"])
        if not at:
            raise ConfigError(f"{where}.at must list at least one time of day like '07:00'")
        for value in at:
            if parse_time_of_day(value) is None:
                raise ConfigError(f"{where}.at: {value!r} is not a time of day like '07:00'")
        values["at"] = at
    if "cron" in data:
        cron = data["cron"]
        if cron is not None and (not isinstance(cron, str) or len(cron.split()) != 5):
            raise ConfigError(f"{where}.cron must be a 5-field cron expression like '0 7 * * mon-fri'")
        values["cron"] = cron
    if "days" in data:
        if not isinstance(data["days"], str) or not data["days"].strip():
            raise ConfigError(f"{where}.days must be a string like 'mon-fri' or '*'")
        values["days"] = data["days"]
    if "watch" in data:
        if data["watch"] not in ("auto", "poll"):
            raise ConfigError(f"{where}.watch must be 'auto' or 'poll', not {data['watch']!r}")
        values["watch"] = data["watch"]
    for key in ("poll_seconds", "settle_seconds", "catch_up_days"):
        if key in data:
            values[key] = _coerce(f"{where}.{key}", data[key], float)
    return replace(base or ScheduleSettings(), **values)


def _email_from(data: Mapping[str, Any], where: str, base: Path) -> EmailSettings:
    """The [email] table; relative ``password_file`` and ``ca_file`` paths are relative to ``base``."""
    known = {f.name for f in fields(EmailSettings)} | {"from", "attach_pdf"}
    for key in data:
        if key == "password":
            raise ConfigError(
                f"{where}.password must not be written in the config file; "
                "set password_env (a variable name) or password_file instead"
            )
        if key not in known:
            raise ConfigError(f"unknown setting {where}.{key}; known: {', '.join(sorted(known))}")
    values: dict[str, Any] = {}
    for key in ("host", "username", "password_env", "subject"):
        if key in data:
            values[key] = _coerce(f"{where}.{key}", data[key], str)
    for key in ("password_file", "ca_file"):
        if key in data:
            values[key] = str(base / _coerce(f"{where}.{key}", data[key], Path))
    if "from" in data or "sender" in data:
        values["sender"] = _coerce(f"{where}.from", data.get("from", data.get("sender")), str)
    if "port" in data:
        values["port"] = _coerce(f"{where}.port", data["port"], int)
        if values["port"] > 65535:
            raise ConfigError(f"{where}.port must be a port number (1-65535), not {data['port']!r}")
    if "security" in data:
        security = data["security"]
        if security not in ("starttls", "ssl", "none"):
            raise ConfigError(f"{where}.security must be 'starttls', 'ssl' or 'none', not {security!r}")
        values["security"] = security
    if "to" in data:
        values["to"] = _str_list(f"{where}.to", data["to"])
        for address in values["to"]:
            check_address(f"{where}.to", address)
    if "sender" in values:
        check_address(f"{where}.from", values["sender"])
    if "attach" in data and "attach_pdf" in data:
        raise ConfigError(f'{where}: set attach or attach_pdf, not both (attach = ["pdf"] is attach_pdf = true)')
    if "attach_pdf" in data:
        values["attach"] = ("pdf",) if _coerce(f"{where}.attach_pdf", data["attach_pdf"], bool) else ()
    if "attach" in data:
        values["attach"] = _check_attachments(f"{where}.attach", _str_list(f"{where}.attach", data["attach"]))
    for key in ("timeout", "retry_delay", "deadline"):
        if key in data:
            values[key] = _coerce(f"{where}.{key}", data[key], float)
    if "retries" in data:
        retries = data["retries"]
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise ConfigError(f"{where}.retries must be a whole number, 0 or more, not {retries!r}")
        values["retries"] = retries
    if "subject" in values:
        try:
            values["subject"].format(**SUBJECT_FIELDS)
        except (KeyError, IndexError, ValueError, AttributeError) as exc:
            usable = ", ".join("{" + name + "}" for name in SUBJECT_FIELDS)
            problem = f"unknown field {{{exc.args[0]}}}" if isinstance(exc, KeyError) else str(exc)
            raise ConfigError(f"{where}.subject: {problem}; it may use {usable} (write {{{{ for a brace)") from None
    settings = EmailSettings(**values)
    mismatch = port_mismatch(settings.port, settings.security)
    if mismatch:
        raise ConfigError(f"{where}: {mismatch}")
    return settings


def check_base_url(where: str, value: Any) -> BaseURL:
    """``value`` as a BaseURL (an http(s) address with a host, no query or fragment, ending in '/'), or a
    ConfigError saying what to write."""
    from urllib.parse import urlsplit

    example = "like 'https://example.org/digest/'"
    url = value.strip() if isinstance(value, str) else ""
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
        or any(ch.isspace() or ord(ch) < 32 for ch in url)
    ):
        raise ConfigError(
            f"{where} must be the http(s) address the output folder is served at, {example}, not {value!r}"
        )
    return BaseURL(url if url.endswith("/") else url + "/")


def check_feed_url(where: str, value: Any) -> str:
    """``value`` if it is an http(s) address, or a ConfigError saying why not."""
    from urllib.parse import urlsplit

    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where} must be a feed address like 'https://example.org/rss.xml', not {value!r}")
    url = value.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{where}: {url!r} is not an http:// or https:// address")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise ConfigError(f"{where}: {url!r} contains spaces or control characters")
    return url


def _feeds_from(data: Any, where: str) -> tuple[FeedSettings, ...]:
    """The [[feeds]] array of tables."""
    if not isinstance(data, list) or not all(isinstance(entry, dict) for entry in data):
        raise ConfigError(f"{where} must be written as [[feeds]] tables, each with url = '...'")
    known = {f.name for f in fields(FeedSettings)}
    feeds: list[FeedSettings] = []
    for number, entry in enumerate(data, start=1):
        here = f"{where}[{number}]"
        for key in entry:
            if key not in known:
                raise ConfigError(f"unknown setting {here}.{key}; known: {', '.join(sorted(known))}")
        if "url" not in entry:
            raise ConfigError(f"{here} has no url; give url = 'https://...' for each [[feeds]]")
        values: dict[str, Any] = {"url": check_feed_url(f"{here}.url", entry["url"])}
        if "name" in entry:
            values["name"] = _coerce(f"{here}.name", entry["name"], str).strip() or None
        if "full_text" in entry:
            values["full_text"] = _coerce(f"{here}.full_text", entry["full_text"], bool)
        if "fetch_minutes" in entry:
            values["fetch_minutes"] = _coerce(f"{here}.fetch_minutes", entry["fetch_minutes"], float)
        feeds.append(FeedSettings(**values))
    return tuple(feeds)


def _fetch_from(data: Mapping[str, Any], where: str) -> FetchSettings:
    known = {f.name for f in fields(FetchSettings)}
    for key in data:
        if key not in known:
            raise ConfigError(f"unknown setting {where}.{key}; known: {', '.join(sorted(known))}")
    values: dict[str, Any] = {}
    for key in ("timeout", "max_mb"):
        if key in data:
            values[key] = _coerce(f"{where}.{key}", data[key], float)
    for key in ("max_redirects", "per_host"):
        if key in data:
            number = data[key]
            if isinstance(number, bool) or not isinstance(number, int) or number < (0 if key == "max_redirects" else 1):
                least = "0" if key == "max_redirects" else "1"
                raise ConfigError(f"{where}.{key} must be a whole number, {least} or more, not {number!r}")
            values[key] = number
    if "delay_seconds" in data:
        delay = data["delay_seconds"]
        if isinstance(delay, bool) or not isinstance(delay, int | float) or delay < 0:
            raise ConfigError(f"{where}.delay_seconds must be a number of seconds, 0 or more, not {delay!r}")
        values["delay_seconds"] = float(delay)
    return FetchSettings(**values)


def _mail_from(data: Mapping[str, Any], where: str, base: Path) -> MailSettings:
    for key in data:
        if key == "imap":
            raise ConfigError(
                f"{where}.imap is not supported by this version; have your mail delivered into a Maildir "
                "and set maildir = '~/Mail/News' (see 'Filling the inbox' in the README)"
            )
        if key != "maildir":
            raise ConfigError(f"unknown setting {where}.{key}; known: maildir")
    if "maildir" not in data:
        raise ConfigError(f"{where} needs maildir = 'path/to/Maildir'")
    return MailSettings(maildir=base / _coerce(f"{where}.maildir", data["maildir"], Path))


def _web_from(data: Mapping[str, Any], where: str) -> WebSettings:
    for key in data:
        if key != "token":
            raise ConfigError(f"unknown setting {where}.{key}; known: token")
    token = data.get("token")
    if token is not None and (not isinstance(token, str) or not token.strip()):
        raise ConfigError(f"{where}.token must be a non-empty string")
    return WebSettings(token=token)


def _check_formats(where: str, formats: tuple[str, ...]) -> tuple[str, ...]:
    """``formats`` once each, or a ConfigError unless it names at least one format, each of them registered."""
    from .output.render import OUTPUT_FORMATS  # the registry, beside the writers

    known = ", ".join(OUTPUT_FORMATS)
    if not formats:
        raise ConfigError(f"{where} must name at least one output format: {known}")
    for name in formats:
        if name not in OUTPUT_FORMATS:
            raise ConfigError(f"{where}: {name!r} is not a known output format; known: {known}")
    return tuple(dict.fromkeys(formats))


def _check_attachments(where: str, names: tuple[str, ...]) -> tuple[str, ...]:
    """``names`` once each (an empty list attaches nothing), or a ConfigError unless each is a registered format."""
    from .output.render import OUTPUT_FORMATS

    for name in names:
        if name not in OUTPUT_FORMATS:
            raise ConfigError(f"{where}: {name!r} is not an output format; choose from {', '.join(OUTPUT_FORMATS)}")
    return tuple(dict.fromkeys(names))


def find_config(explicit: str | os.PathLike[str] | None, env: Mapping[str, str]) -> Path | None:
    """The config file to read: --config, else $DIGEST_CONFIG, else ./digest.toml if present."""
    if explicit:
        return Path(explicit)
    if env.get("DIGEST_CONFIG"):
        return Path(env["DIGEST_CONFIG"])
    local = Path.cwd() / CONFIG_NAME
    return local if local.is_file() else None


def load_settings(
    config: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build the Settings: defaults < TOML file < environment < ``overrides`` (flags).

    ``overrides`` values that are None are ignored, so argparse results can be passed as they are.
    """
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    path = find_config(config, env)
    schedule = ScheduleSettings()
    email: EmailSettings | None = None
    feeds: tuple[FeedSettings, ...] = ()
    fetch = FetchSettings()
    mail: MailSettings | None = None
    web = WebSettings()
    if path is not None:
        data = _read_toml(path)
        base = path.resolve().parent
        for key, value in data.items():
            if key == "schedule":
                if not isinstance(value, dict):
                    raise ConfigError(f"{path}: [schedule] must be a table")
                schedule = _schedule_from(value, "schedule")
            elif key == "email":
                if not isinstance(value, dict):
                    raise ConfigError(f"{path}: [email] must be a table")
                email = _email_from(value, "email", base)
            elif key == "feeds":
                feeds = _feeds_from(value, "feeds")
            elif key == "web":
                if not isinstance(value, dict):
                    raise ConfigError(f"{path}: [web] must be a table")
                web = _web_from(value, "web")
            elif key in ("fetch", "mail"):
                if not isinstance(value, dict):
                    raise ConfigError(f"{path}: [{key}] must be a table")
                if key == "fetch":
                    fetch = _fetch_from(value, "fetch")
                else:
                    mail = _mail_from(value, "mail", base)
            elif key in _TOP_KEYS:
                coerced = _coerce(f"{path.name}: {key}", value, _TOP_KEYS[key])
                if isinstance(coerced, Path) and not coerced.is_absolute():
                    coerced = base / coerced
                values[key] = coerced
            else:
                raise ConfigError(
                    f"{path}: unknown setting {key!r}; known: {', '.join(sorted([*_TOP_KEYS, *_TABLES]))}"
                )
    for key, kind in _TOP_KEYS.items():
        name = f"DIGEST_{key.upper()}"
        if env.get(name):
            values[key] = _coerce(f"environment variable {name}", env[name], kind)
    if env.get("DIGEST_WEB_TOKEN"):
        web = WebSettings(token=env["DIGEST_WEB_TOKEN"])
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        if key.startswith("schedule_"):  # --at, --cron, --watch of `digest serve`
            name = key.removeprefix("schedule_")
            schedule = _schedule_from({name: value}, "schedule", schedule)
            if name == "at":
                schedule = replace(schedule, cron=None)
        elif key in _TOP_KEYS:
            flag = "--format" if key == "formats" else f"--{key.replace('_', '-')}"
            values[key] = _coerce(flag, value, _TOP_KEYS[key])
        else:
            raise ConfigError(f"unknown setting {key!r}")
    settings = Settings(
        config_path=path, schedule=schedule, email=email, feeds=feeds, fetch=fetch, mail=mail, web=web, **values
    )
    if settings.summarizer not in SUMMARIZERS:
        raise ConfigError(f"summarizer {settings.summarizer!r} is not known; choose one of {', '.join(SUMMARIZERS)}")
    settings.tz  # noqa: B018 - validates the timezone name now, not in the middle of a run
    return settings
