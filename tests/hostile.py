"""A generator of bad inbox files: every kind of thing a folder can be handed.

Each :class:`Kind` writes one file (or directory, link, pipe) into an inbox and says what must
happen to it: ``"article"`` (read, and ``marker`` appears in an article's text), ``"aside"`` (set
aside with a reason) or ``"either"`` (where both are right, e.g. a file root can read anyway).
"""

from __future__ import annotations

import base64
import codecs
import json
import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PARAGRAPH = (
    "The harbour authority in Valmora said on Tuesday that the new breakwater would be finished by "
    "the spring, two years later than planned. Engineers blamed the delay on storms that damaged the "
    "foundations twice during the winter. The project has cost 41 million euros so far, according to "
    "the regional audit office."
)


@dataclass(frozen=True)
class Kind:
    name: str
    expect: str  # "article" | "aside" | "either" | "skipped" (not a file: never looked at)
    make: Callable[[Path], Path]  # writes into the inbox, returns the path it made
    marker: str | None = None  # text an article from it must contain


def _write(name: str, data: bytes | str) -> Callable[[Path], Path]:
    def make(inbox: Path) -> Path:
        path = inbox / name
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_bytes(data)
        return path

    return make


def _story(marker: str, extra: str = "") -> str:
    """A plain article whose body holds ``marker`` in a sentence."""
    return f"{PARAGRAPH}\n\nOfficials confirmed that {marker} was part of the plan. {extra}\n"


def _sparse(name: str, size: int) -> Callable[[Path], Path]:
    def make(inbox: Path) -> Path:
        path = inbox / name
        with path.open("wb") as handle:
            handle.write(PARAGRAPH.encode())
            handle.truncate(size)  # a hole: the file is this big without taking the space
        return path

    return make


def _symlink(name: str, target: str) -> Callable[[Path], Path]:
    def make(inbox: Path) -> Path:
        path = inbox / name
        path.symlink_to(target)
        return path

    return make


def _fifo(inbox: Path) -> Path:
    path = inbox / "pipe.txt"
    os.mkfifo(path)
    return path


def _directory(inbox: Path) -> Path:
    path = inbox / "folder-named-like-an-article.txt"
    path.mkdir()
    return path


def _unreadable(inbox: Path) -> Path:
    path = inbox / "unreadable.txt"
    path.write_text(_story("the unreadable marker"), encoding="utf-8")
    path.chmod(0)
    return path


def _deep_html(depth: int) -> str:
    return "<html><body>" + "<div>" * depth + f"<p>{PARAGRAPH}</p>" + "</div>" * depth + "</body></html>"


LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">\n' for i in range(1, 10)
    )
    + "]>\n<html><body><article><h1>Laughs</h1><p>&lol9;</p>"
    + f"<p>{PARAGRAPH}</p></article></body></html>"
)


def leaky_html(port: int) -> str:
    """A page that tries every way of making the renderer fetch something or run a script."""
    return f"""<!DOCTYPE html><html><head><title>Breakwater delayed again</title>
<base href="http://127.0.0.1:{port}/">
<link rel="stylesheet" href="file:///etc/passwd"><script src="http://127.0.0.1:{port}/x.js"></script>
<script>document.write('<img src=http://127.0.0.1:{port}/beacon>')</script></head>
<body><nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>Breakwater delayed again</h1>
<p>{PARAGRAPH}</p><p>The leaky page marker <img src="file:///etc/passwd"> stays in the text.
<iframe src="http://127.0.0.1:{port}/frame"></iframe></p>
<form action="http://127.0.0.1:{port}/post"><input name="q"><button>Search</button></form>
<p>Residents <a href="javascript:alert(1)">complained</a> about the noise of the works, the mayor said.</p>
</article><footer>© Valmora Times. All rights reserved.</footer></body></html>
"""


def _email(name: str, text: str) -> Callable[[Path], Path]:
    return _write(name, text.replace("\n", "\r\n").encode("latin-1", "replace"))


def _multipart_koi8() -> bytes:
    body = "Мэр Вальморы заявил, что работы продлятся до весны. Стоимость проекта выросла вдвое."
    encoded = base64.b64encode(body.encode("koi8-r")).decode()
    return (
        "From: Gorodskaya Gazeta <news@example.org>\r\nSubject: =?koi8-r?B?"
        + base64.b64encode("Мол задерживается".encode("koi8-r")).decode()
        + "?=\r\nDate: Tue, 05 Nov 2019 10:00:00 +0100\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/alternative; boundary="b1"\r\n\r\n--b1\r\n'
        "Content-Type: text/plain; charset=koi8-r\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + encoded
        + "\r\n--b1--\r\n"
    ).encode("ascii")


def _no_punctuation() -> str:
    words = PARAGRAPH.replace(".", "").replace(",", "").split()
    return "\n".join(" ".join(words[i : i + 12]) for i in range(0, len(words), 12)) + "\n"


# Strings made to make a backtracking pattern blow up (every pattern that sees article text is timed on
# them in test_properties): long runs of one bracket, mark or kind of white space, and the prefixes that
# start a partial match.
_SIZE = 100_000
_SPACES = " \t\u00a0\u1680\u2000\u2005\u200a\u202f\u205f\u3000"
ADVERSARIAL_TEXT = {
    **{f"run of {char!r}": char * _SIZE for char in "[(!*_`“\"'1.,-:a ”#>)]"},
    **{f"run of U+{ord(char):04X} then a letter": char * _SIZE + "x" for char in _SPACES},
    "Published, U+1680s, letters": "Published" + "\u1680" * (_SIZE // 2) + "a" * (_SIZE // 2),
    "Published, spaces, letters": "Published" + " " * (_SIZE // 2) + "a" * (_SIZE // 2),
    "Published on: spaces, digits": "Published on:" + " " * (_SIZE // 2) + "1" * (_SIZE // 2),
    "![ repeated": "![" * (_SIZE // 2),
    "[a]( repeated": "[a](" * (_SIZE // 4),
    "[a]: repeated": "[a]:" * (_SIZE // 4),
    "“a repeated": "“a" * (_SIZE // 2),
    "a' repeated": "a'" * (_SIZE // 2),
    "a. repeated": "a." * (_SIZE // 2),
    "1, repeated": "1," * (_SIZE // 2) + "x",
    "A  repeated (a name that never ends)": "A " * (_SIZE // 2),
    "Jan  repeated": "Jan " * (_SIZE // 4),
    "Jan, spaces, a letter": "Jan" + " " * _SIZE + "x",
    "(AP  repeated": "(AP " * (_SIZE // 4),
    "-  repeated then a letter": "- " * (_SIZE // 2) + "x",
    "FILE  repeated": "FILE " * (_SIZE // 5),
    "a。 repeated": "a。" * (_SIZE // 2),
    "---, new lines": "---\n" + "\n---  " * (_SIZE // 6),
}


def kinds(big_bytes: int, port: int) -> list[Kind]:
    """All kinds. ``big_bytes`` is a size over the configured limit (which the test sets); ``port`` is
    where a local HTTP server counts any request a file manages to make."""
    rng = random.Random(7)
    story = _story("the plain marker")
    return [
        Kind("0-byte file", "aside", _write("empty.txt", b"")),
        Kind("only whitespace", "aside", _write("blank.txt", " \n\t\n   \n")),
        Kind("random binary named .txt", "aside", _write("noise.txt", bytes(rng.randrange(256) for _ in range(4096)))),
        Kind("PNG named .html", "aside", _write("picture.html", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)),
        Kind("NUL bytes inside text", "aside", _write("nul.txt", story.encode()[:200] + b"\x00" * 64 + story.encode())),
        Kind(
            "truncated UTF-8 at the end",
            "article",
            _write("truncated.txt", _story("the truncated marker", "Café déjà").encode()[:-2]),
            "the truncated marker",
        ),
        Kind(
            "stray invalid UTF-8 byte",
            "article",
            _write("stray.txt", _story("the stray marker").encode().replace(b"harbour", b"harb\xffour")),
            "the stray marker",
        ),
        Kind(
            "UTF-8 with BOM",
            "article",
            _write("bom8.txt", codecs.BOM_UTF8 + _story("the bom marker").encode()),
            "the bom marker",
        ),
        Kind(
            "UTF-16 LE with BOM",
            "article",
            _write("utf16le.txt", codecs.BOM_UTF16_LE + _story("the utf16le marker").encode("utf-16-le")),
            "the utf16le marker",
        ),
        Kind(
            "UTF-16 BE with BOM",
            "article",
            _write("utf16be.txt", codecs.BOM_UTF16_BE + _story("the utf16be marker").encode("utf-16-be")),
            "the utf16be marker",
        ),
        Kind(
            "UTF-16 LE without BOM",
            "either",
            _write("utf16nobom.txt", _story("the utf16 nobom marker").encode("utf-16-le")),
            "the utf16 nobom marker",
        ),
        Kind(
            "Latin-1",
            "article",
            _write(
                "latin1.txt",
                _story("the latin marker", "Le café à Montréal était fermé, a-t-il ajouté.").encode("latin-1"),
            ),
            "the latin marker",
        ),
        Kind(
            "Windows-1252 smart quotes",
            "article",
            _write("cp1252.txt", _story("the cp1252 marker", "“It is late,” he said — again.").encode("cp1252")),
            "the cp1252 marker",
        ),
        Kind("200 MB text (over the size limit)", "aside", _sparse("huge.txt", 200 * 1024 * 1024)),
        Kind(
            "text just over the configured limit",
            "aside",
            _write("big.txt", (PARAGRAPH + "\n") * (big_bytes // 300 + 2)),
        ),
        Kind(
            "a single 5 MB line",
            "article",
            _write(
                "oneline.txt",
                ("Prices rose again in the port town, traders said. " * 100_000) + "The one line marker ends it.",
            ),
            "The one line marker ends it.",
        ),
        Kind(
            "old Mac CR line endings",
            "article",
            _write("cr.txt", _story("the carriage marker").replace("\n", "\r")),
            "the carriage marker",
        ),
        Kind(
            "HTML with scripts, iframes, forms, <base>, file: and local URLs",
            "article",
            _write("leaky.html", leaky_html(port)),
            "The leaky page marker",
        ),
        Kind("HTML nested 5,000 deep", "either", _write("deep.html", _deep_html(5_000))),
        Kind("HTML nested 200,000 deep", "either", _write("deeper.html", _deep_html(200_000))),
        Kind("XHTML with an entity expansion bomb", "either", _write("laughs.xhtml", LAUGHS)),
        Kind(
            "HTML of page furniture only",
            "aside",
            _write(
                "furniture.html",
                "<html><body><nav><a href='/'>Home</a><a href='/world'>World</a></nav>"
                "<div class='cookie'>We use cookies. Accept all</div>"
                "<footer>Subscribe to our newsletter</footer></body></html>",
            ),
        ),
        Kind(
            "HTML with no body text",
            "aside",
            _write("hollow.html", "<html><head><title>Nothing</title></head><body></body></html>"),
        ),
        Kind("e-mail that is garbage", "aside", _write("garbage.eml", bytes(rng.randrange(256) for _ in range(2048)))),
        Kind("e-mail without headers or body", "aside", _write("bare.eml", b"\r\n\r\n")),
        Kind("multipart e-mail in KOI8-R, base64", "article", _write("koi8.eml", _multipart_koi8()), "Мэр Вальморы"),
        Kind(
            "e-mail with an unknown charset",
            "either",
            _email(
                "oddcharset.eml",
                "From: a@example.org\nSubject: Odd\nContent-Type: text/plain; charset=x-no-such-charset\n\n"
                + _story("the odd charset marker"),
            ),
            "the odd charset marker",
        ),
        Kind(
            "e-mail with only an attachment",
            "aside",
            _email(
                "attachment.eml",
                "From: a@example.org\nSubject: Files\nMIME-Version: 1.0\n"
                'Content-Type: multipart/mixed; boundary="z"\n\n'
                "--z\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\nAAECAwQF\n--z--\n",
            ),
        ),
        Kind(
            "e-mail with a broken multipart boundary",
            "either",
            _email(
                "broken.eml",
                'From: a@example.org\nSubject: Broken\nContent-Type: multipart/alternative; boundary="never"\n\n'
                + _story("the broken boundary marker"),
            ),
        ),
        Kind("JSON number", "aside", _write("number.json", "42")),
        Kind("JSON list of strings", "aside", _write("strings.json", json.dumps(["a", "b"]))),
        Kind("JSON object without text", "aside", _write("notext.json", json.dumps({"title": "Only a title"}))),
        Kind(
            "JSON with a non-string title",
            "aside",
            _write("badtitle.json", json.dumps({"title": 7, "text": PARAGRAPH})),
        ),
        Kind("JSON cut off", "aside", _write("cut.json", json.dumps({"title": "Cut", "text": PARAGRAPH})[:40])),
        Kind("JSON nested 100,000 deep", "aside", _write("nested.json", "[" * 100_000 + "]" * 100_000)),
        Kind(
            "JSON with a javascript: URL and CR/LF in the source",
            "article",
            _write(
                "script.json",
                json.dumps(
                    {
                        "title": "Breakwater <script>alert('title')</script> delayed",
                        "source": "Valmora\r\nBcc: victim@example.org",
                        "url": "javascript:alert(document.cookie)",
                        "text": _story("the script json marker"),
                    }
                ),
            ),
            "the script json marker",
        ),
        Kind("symlink to a file outside the inbox", "aside", _symlink("passwd.txt", "/etc/passwd")),
        Kind("dangling symlink (a file that disappeared)", "aside", _symlink("gone.txt", "/nonexistent/gone.txt")),
        Kind("symlink loop", "aside", _symlink("loop.txt", "loop.txt")),
        Kind("named pipe", "aside", _fifo),
        Kind("directory named like an article", "skipped", _directory),
        Kind("unreadable permissions", "either", _unreadable, "the unreadable marker"),
        Kind(
            "text of only boilerplate",
            "aside",
            _write(
                "boilerplate.txt",
                "Advertisement\nSign up for our newsletter\nShare this article\nRead more\nFollow us on Twitter\n"
                "Accept cookies\nSubscribe\n",
            ),
        ),
        Kind("text without sentence punctuation", "either", _write("nopunct.txt", _no_punctuation())),
        # Text that used to stop or swamp an edition: patterns that backtracked, a line with no sentence
        # end, a caption opening a one-paragraph article, a date with its time of day.
        Kind(
            "Markdown: one 250 KB line of '['",
            "article",
            _write("brackets.md", "[" * 250_000 + "\n\n" + _story("the bracket marker")),
            "the bracket marker",
        ),
        Kind(
            "'Published', 2,000 U+1680 and 2,000 letters",
            "article",
            _write("ogham.txt", "Published" + "\u1680" * 2_000 + "a" * 2_000 + "\n\n" + _story("the ogham marker")),
            "the ogham marker",
        ),
        Kind(
            "one 2 MB line of words without punctuation",
            "article",
            _write(
                "endless.txt",
                " ".join(PARAGRAPH.replace(".", "").replace(",", "").split() * 7_000) + " the endless line marker\n",
            ),
            "the endless line marker",
        ),
        Kind(
            "JSON: one paragraph opening with a wire photo caption, published with a time of day",
            "article",
            _write(
                "captioned.json",
                json.dumps(
                    {
                        "published": "2026-11-29T09:30:00Z",
                        "text": "FILE - In this Oct. 27, 2012 file photo, the harbour master speaks at the quay in "
                        "Valmora. (AP Photo/Jane Doe, File) " + " ".join([PARAGRAPH] * 2) + " The caption marker "
                        "closes the article, the audit office said.",
                    }
                ),
            ),
            "The caption marker",
        ),
        Kind(
            "Arabic",
            "article",
            _write(
                "arabic.txt",
                "قالت سلطة الميناء في فالمورا يوم الثلاثاء إن كاسر الأمواج الجديد سينتهي بحلول الربيع. "
                "وأضافت أن العواصف ألحقت أضرارا بالأساسات مرتين خلال الشتاء.\n",
            ),
            "كاسر الأمواج",
        ),
        Kind(
            "Chinese",
            "article",
            _write(
                "chinese.txt",
                "瓦尔莫拉港务局周二表示，新防波堤将于明年春天完工，比计划晚两年。工程师将延误归咎于冬季风暴。\n",
            ),
            "新防波堤",
        ),
        Kind(
            "Russian",
            "article",
            _write(
                "russian.txt",
                "Портовое управление Вальморы заявило во вторник, что новый волнорез будет достроен к весне. "
                "Инженеры объяснили задержку зимними штормами.\n",
            ),
            "новый волнорез",
        ),
        Kind(
            "emoji",
            "article",
            _write("emoji.txt", _story("the emoji marker 🌊🚧", "Locals reacted with 😡 and 👍 on social media.")),
            "🌊",
        ),
        Kind(
            "bidi overrides and zero-width characters in the title",
            "article",
            _write(
                "bidi.txt",
                "Title: Breakwater \u202edeyaled\u202c news\u200b\nSource: Valmora\n\n" + _story("the bidi marker"),
            ),
            "the bidi marker",
        ),
        Kind(
            "markup in the header block",
            "article",
            _write(
                "header.txt",
                "Title: <img src=x onerror=alert(1)> Harbour\nSource: <b>Times</b>\nURL: javascript:alert(2)\n\n"
                + _story("the header marker"),
            ),
            "the header marker",
        ),
        Kind(
            "Markdown with broken front matter",
            "article",
            _write("front.md", "---\ntitle: [unclosed\n" + _story("the front marker")),
            "the front marker",
        ),
        Kind("unsupported type (.pdf)", "aside", _write("paper.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")),
        Kind("no extension", "aside", _write("README", _story("the noext marker"))),
    ]
