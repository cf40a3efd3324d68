"""E-mail newsletters: read from a Maildir into the inbox, and split into one article per story.

:func:`read_maildir` writes each message of the ``[mail] maildir`` folder into
``inbox/newsletters/<sender>/`` as an ``.eml`` file, once (a ledger in the store remembers each
Message-ID); the Maildir itself is only read, never changed.

:func:`newsletter_docs` is what the reader does with a newsletter (a message with a List-Id or
List-Unsubscribe header): its text is cut into blocks (paragraphs and headings, from the HTML part
when there is one), the greeting, the sign-off, the unsubscribe footer and sponsor blocks are
taken out, and a digest of several stories, each under its own heading, becomes one article per
story, titled by its heading, with the sender as the source. A long-form newsletter (one story
with subheadings, which opens with its text rather than a heading) stays one article titled by
the subject.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import hashlib
import logging
import mailbox
import re
from dataclasses import dataclass, field
from email.utils import parseaddr, parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path

from ..config import Settings
from ..models import RawDoc

log = logging.getLogger(__name__)

NEWSLETTERS_FOLDER = "newsletters"


@dataclass
class Block:
    """A paragraph or a heading of a message, with the first link it holds."""

    text: str
    heading: bool = False
    link: str | None = None


# HTML ---------------------------------------------------------------------------------------------
_BLOCK_TAGS = frozenset(
    """p div br li h1 h2 h3 h4 h5 h6 tr td th table tbody thead blockquote section article header footer
    ul ol pre hr figure center dt dd dl main nav aside hgroup""".split()
)
_SKIPPED_TAGS = frozenset("script style head title noscript template svg".split())
_HEADING_TAGS = frozenset("h1 h2 h3 h4 h5 h6".split())
_BOLD_TAGS = frozenset("b strong".split())
_SPACE = re.compile(r"\s+")


class _Blocks(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.parts: list[tuple[str, bool]] = []  # (text, in bold or a heading)
        self.link: str | None = None
        self.skipping = 0
        self.heading = 0
        self.bold = 0

    def _flush(self) -> None:
        text = _SPACE.sub(" ", "".join(t for t, _ in self.parts)).strip()
        if text:
            shown = [t for t, _ in self.parts if t.strip()]
            emphasised = all(strong for t, strong in self.parts if t.strip()) and bool(shown)
            self.blocks.append(Block(text, emphasised and _heading_shaped(text), self.link))
        self.parts, self.link = [], None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self.skipping += 1
        elif tag in _BLOCK_TAGS:
            self._flush()
        if tag in _HEADING_TAGS:
            self.heading += 1
        elif tag in _BOLD_TAGS:
            self.bold += 1
        elif tag == "a" and self.link is None:
            href = dict(attrs).get("href") or ""
            if href.startswith(("http://", "https://")):
                self.link = href

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCK_TAGS:
            self._flush()
        if tag in _HEADING_TAGS:
            self.heading = max(0, self.heading - 1)
        elif tag in _BOLD_TAGS:
            self.bold = max(0, self.bold - 1)

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append((data, self.heading > 0 or self.bold > 0))

    def close(self) -> None:
        super().close()
        self._flush()


def html_blocks(html: str) -> list[Block]:
    """The paragraphs and headings of an HTML text (headings: h1–h6, or a short line all in bold)."""
    parser = _Blocks()
    parser.feed(html)
    parser.close()
    return parser.blocks


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment, one paragraph per block, scripts and styles left out."""
    return "\n\n".join(block.text for block in html_blocks(html))


# plain text ---------------------------------------------------------------------------------------
_UNDERLINE = re.compile(r"^\s*(?:={3,}|-{3,}|\*{3,}|_{3,}|~{3,})\s*$")
_MARKED_HEADING = re.compile(r"^\s*(?:#{1,6}\s+(.+?)\s*#*|\*\*(.+?)\*\*|==+\s*(.+?)\s*==+)\s*$")
_TERMINAL = re.compile(r"[.!?:;,…]['\"”’)]*$")
_URL = re.compile(r"<?https?://\S+>?")


def _heading_shaped(text: str) -> bool:
    """A short line with letters and without a sentence's final punctuation."""
    if len(text) > 200 or not 0 < len(text.split()) <= 14:
        return False
    return not _TERMINAL.search(text) and re.search(r"[^\W\d_]", text) is not None


def text_blocks(text: str) -> list[Block]:
    """The paragraphs and headings of a plain-text message (blank lines part paragraphs; a heading
    is a short line alone, underlined, or marked with '#', '**…**' or '== … ==')."""
    blocks: list[Block] = []
    for chunk in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        lines = [line.strip() for line in chunk.splitlines() if line.strip()]
        if len(lines) == 2 and _UNDERLINE.match(lines[1]):
            blocks.append(Block(lines[0], heading=True))
            continue
        lines = [line for line in lines if not _UNDERLINE.match(line)]
        if not lines:
            continue
        marked = _MARKED_HEADING.match(lines[0]) if len(lines[0]) <= 200 else None
        if marked:
            blocks.append(Block(next(g for g in marked.groups() if g), heading=True))
            lines = lines[1:]
        elif len(lines) > 1 and _heading_shaped(lines[0]) and not _heading_shaped(" ".join(lines[1:])):
            blocks.append(Block(lines[0], heading=True))  # a heading with its paragraph right under it
            lines = lines[1:]
        if not lines:
            continue
        paragraph = " ".join(lines)
        links = _URL.findall(paragraph)
        paragraph = _SPACE.sub(" ", _URL.sub("", paragraph)).strip()
        if paragraph:
            blocks.append(Block(paragraph, heading=len(lines) == 1 and _heading_shaped(paragraph), link=None))
            if links:
                blocks[-1].link = links[0].strip("<>")
    return blocks


# what is not article text -------------------------------------------------------------------------
_GREETING = re.compile(
    r"^(?:hi|hello|hey|dear|greetings|welcome|howdy|good (?:morning|afternoon|evening|day))\b", re.IGNORECASE
)
_SIGN_OFF = re.compile(
    r"^(?:thanks|thank you|cheers|best|all the best|regards|kind regards|warmly|yours|see you|until next|"
    r"until tomorrow|talk soon|that['’]s (?:all|it)|have a (?:great|good|nice|lovely)|--\s*$|—\s*[A-Z])",
    re.IGNORECASE,
)
_FOOTER = re.compile(
    r"\b(?:unsubscribe|manage (?:your )?(?:preferences|subscriptions?|email settings)|update your preferences|"
    r"view (?:this (?:email|newsletter)|it) (?:in|on) (?:your|a|the) browser|view (?:in browser|online)|"
    r"you(?:['’]re| are) receiving this|you received this|no longer wish to receive|"
    r"(?:was )?this (?:email|newsletter) (?:was )?forwarded|forwarded (?:this|to you)|opt[ -]out|"
    r"all rights reserved|privacy policy)\b|©",
    re.IGNORECASE,
)
_SPONSOR = re.compile(
    r"\b(?:sponsor(?:ed)?(?: by)?|advertisement|advertiser|partner content|presented by|brought to you by|"
    r"together with|in partnership with|a word from (?:our|this week['’]s) sponsor|promoted)\b",
    re.IGNORECASE,
)
_SPONSOR_LABEL = re.compile(r"^\W*(?:sponsor(?:ed)?|advertisement|ad|promoted|partner)\b\W", re.IGNORECASE)
_READ_MORE = re.compile(
    r"\s*(?:read more|continue reading|read the full (?:story|article)|full story|more here)\s*[:→»›>-]*\s*$",
    re.IGNORECASE,
)


def _words(blocks: list[Block]) -> int:
    return sum(len(block.text.split()) for block in blocks)


def _without_furniture(blocks: list[Block]) -> list[Block]:
    """The blocks that are article text: no greeting, footer, sign-off, sponsor section or 'read more'."""
    kept: list[Block] = []
    in_sponsor = False
    headings_seen = 0
    for block in blocks:
        text = block.text
        if block.heading:
            headings_seen += 1
            in_sponsor = _SPONSOR.search(text) is not None
            if in_sponsor or _FOOTER.search(text):
                continue
        elif in_sponsor or _SPONSOR_LABEL.match(text):
            continue
        if _FOOTER.search(text) and len(text.split()) <= 60:
            if kept and any(not b.heading for b in kept) and re.search(r"unsubscribe|receiving this", text, re.I):
                break  # the footer: nothing after it is news
            continue
        if not kept and not headings_seen and _GREETING.match(text) and len(text.split()) <= 40:
            continue
        if _SIGN_OFF.match(text) and len(text.split()) <= 25 and any(not b.heading for b in kept):
            break  # the sign-off and the signature under it
        # (only a block's end is looked at: the pattern is not run over a whole long paragraph)
        text = (text[:-80] + _READ_MORE.sub("", text[-80:])).strip()
        if not text:
            continue
        kept.append(Block(text, block.heading, block.link))
    while kept and kept[-1].heading:  # a heading left with nothing under it
        kept.pop()
    return kept


@dataclass
class _Section:
    heading: Block | None
    body: list[Block] = field(default_factory=list)


# A story of a digest has at least this many words; the text before the first heading of a digest
# (its introduction) has fewer than PREAMBLE_WORDS, where a long-form piece opens with its story.
STORY_WORDS = 15
PREAMBLE_WORDS = 80


def newsletter_stories(blocks: list[Block], subject: str | None) -> list[tuple[str | None, str, str | None]]:
    """The stories of a newsletter: (title, text, link) each; one, titled by ``subject``, when the
    newsletter is a single piece."""
    kept = _without_furniture(blocks)
    sections = [_Section(None)]
    for block in kept:
        if block.heading:
            sections.append(_Section(block))
        else:
            sections[-1].body.append(block)
    preamble, headed = sections[0], sections[1:]
    stories = [s for s in headed if s.heading is not None and _words(s.body) >= STORY_WORDS]
    if len(stories) >= 2 and _words(preamble.body) < PREAMBLE_WORDS:
        return [
            (
                s.heading.text if s.heading else None,
                "\n\n".join(b.text for b in s.body),
                (s.heading.link if s.heading else None) or next((b.link for b in s.body if b.link), None),
            )
            for s in stories
        ]
    text = "\n\n".join(block.text for block in kept if not block.heading or block is not kept[0])
    return [(subject, text, None)] if text.strip() else []


def newsletter_docs(
    path: str, content: str, *, html: bool, title: str | None, source: str | None, published: str | None
) -> list[RawDoc]:
    """The articles of one newsletter message's body (see :func:`newsletter_stories`)."""
    blocks = html_blocks(content) if html else text_blocks(content)
    return [
        RawDoc(path=path, text=text, title=heading, source=source, url=link, published=published, extracted=True)
        for heading, text, link in newsletter_stories(blocks, title)
    ]


# reading a Maildir --------------------------------------------------------------------------------
@dataclass
class MailOutcome:
    folder: Path
    written: int = 0
    error: str | None = None


def maildir_problem(folder: Path) -> str | None:
    """Why ``folder`` cannot be read as a Maildir, or None."""
    if not folder.exists():
        return f"the Maildir {folder} does not exist; fix [mail] maildir in digest.toml"
    missing = [name for name in ("cur", "new") if not (folder / name).is_dir()]
    if missing:
        return f"{folder} is not a Maildir (it has no {' or '.join(missing)} folder); fix [mail] maildir"
    for name in ("cur", "new"):
        try:
            next(iter((folder / name).iterdir()), None)
        except OSError as exc:
            return f"the Maildir {folder / name} cannot be read ({exc.strerror or exc}); give this user read access"
    return None


def _sender_slug(message: email.message.Message) -> str:
    from .feeds import slug

    name, address = parseaddr(str(message.get("from") or ""))
    return slug(name or address.partition("@")[2] or address or "unknown-sender")


def _message_name(message: email.message.Message, data: bytes) -> str:
    from .feeds import slug

    day = "undated"
    with contextlib.suppress(TypeError, ValueError, IndexError):
        day = parsedate_to_datetime(str(message["date"])).strftime("%Y-%m-%d")
    subject = slug(str(message.get("subject") or "no subject"), 50)
    return f"{day}-{subject}-{hashlib.sha256(data).hexdigest()[:10]}.eml"


def read_maildir(settings: Settings) -> MailOutcome | None:
    """Write each message of the Maildir not written before into inbox/newsletters/<sender>/.
    None when no Maildir is configured. Never raises for the Maildir's own problems."""
    from ..store import open_store
    from .feeds import fetch_lock, write_whole

    if settings.mail is None or settings.mail.maildir is None:
        return None
    folder = settings.mail.maildir
    outcome = MailOutcome(folder)
    problem = maildir_problem(folder)
    if problem:
        outcome.error = problem
        log.warning("newsletters: %s", problem)
        return outcome
    source = f"maildir:{folder.resolve()}"
    lock = fetch_lock(settings)
    lock.acquire(wait=600.0)
    try:
        with open_store(settings) as store:
            seen = store.fetched_keys(source)
            box = mailbox.Maildir(str(folder), factory=None, create=False)
            for key in sorted(box.iterkeys()):
                try:
                    data = box.get_bytes(key)
                except (OSError, KeyError) as exc:  # removed by the mail client meanwhile, or unreadable
                    log.warning("newsletters: message %s cannot be read: %s", key, exc)
                    continue
                message = email.message_from_bytes(data, policy=email.policy.compat32)
                message_id = str(message.get("message-id") or "").strip()
                ledger_key = message_id or "sha256:" + hashlib.sha256(data).hexdigest()
                if ledger_key in seen:
                    continue
                target = settings.inbox / NEWSLETTERS_FOLDER / _sender_slug(message)
                try:
                    path = write_whole(target, _message_name(message, data), data)
                except OSError as exc:
                    outcome.error = f"cannot write into {target}: {exc.strerror or exc}"
                    log.warning("newsletters: %s", outcome.error)
                    break
                store.record_fetched(source, [(ledger_key, str(path))], _now())
                seen.add(ledger_key)
                outcome.written += 1
    finally:
        lock.release()
    if outcome.written:
        log.info("newsletters: %d new from %s", outcome.written, folder)
    return outcome


def _now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="seconds")
