"""The errors a user can do something about.

Each carries one line of text that says what is wrong and what to do; the CLI prints that
line and exits with the error's ``exit_code``. Anything else is a bug and shows a traceback
only with ``--debug``.
"""

from __future__ import annotations

# Control characters (C0, DEL, C1), line and paragraph separators and bidirectional overrides:
# in a file name or an article they could forge log lines, move the cursor or reverse text.
_UNPRINTABLE = {
    code: ascii(chr(code))[1:-1] for code in [*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029, *range(0x202A, 0x202F)]
} | {code: f"\\u{code:04x}" for code in range(0x2066, 0x206A)}


def printable(text: str) -> str:
    """``text`` with the characters that act on a terminal or a log written as escapes (``\\n``, ``\\x1b``)."""
    return text.translate(_UNPRINTABLE)


def plural(count: int, word: str, words: str | None = None) -> str:
    """'1 story', '2 stories', '0 articles'."""
    if count == 1:
        return f"1 {word}"
    return f"{count} {words or (word[:-1] + 'ies' if word.endswith('y') else word + 's')}"


class DigestError(Exception):
    """Base class: a problem the user can fix, reported as one line."""

    exit_code = 1


class ConfigError(DigestError):
    """The configuration (file, environment or flags) is missing or invalid."""

    exit_code = 2


class LockBusyError(DigestError):
    """Another run holds the edition lock for this store."""

    exit_code = 3


class StoreError(DigestError):
    """The state database cannot be opened or is from a newer version."""

    exit_code = 4


class NothingNewError(DigestError):
    """No new article came for an edition: nothing was written (not a failure; ``--allow-empty`` writes one)."""

    exit_code = 0


class InputError(DigestError):
    """A file given on the command line cannot be used (``digest summarize``)."""

    exit_code = 5


class RenderError(DigestError):
    """An output could not be written (disk full, permissions, missing fonts)."""

    exit_code = 6


class DeliveryError(DigestError):
    """An edition could not be e-mailed (no such edition, server unreachable, login or TLS refused,
    or a recipient refused). ``report`` holds the per-recipient results when some were reached."""

    exit_code = 7

    def __init__(self, message: str, report: object | None = None) -> None:
        super().__init__(message)
        self.report = report
