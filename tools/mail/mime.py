"""Parse raw inbound mail into a small, safe, typed record.

Never raises on malformed input: broken encodings, wrong charsets and missing headers degrade
into `defects`. Text handed on to the model is normalised (no zero-width, tag or bidi
characters; hidden HTML dropped) and split from the quoted history.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes
from email import policy as email_policy
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from html.parser import HTMLParser

_MAX_PARTS = 200


@dataclass(frozen=True, slots=True)
class Attachment:
    """An attachment we ignore but record: its name and declared type."""

    filename: str | None
    content_type: str


@dataclass(frozen=True, slots=True)
class MailHeaders:
    """Headers that matter for loop and bulk detection and for sender trust."""

    auto_submitted: str | None = None
    precedence: str | None = None
    list_id: str | None = None
    list_unsubscribe: str | None = None
    return_path: str | None = None
    authentication_results: str | None = None
    x_autoreply: str | None = None
    x_autorespond: str | None = None
    x_auto_response_suppress: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedMail:
    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    from_address: str | None
    from_name: str | None
    reply_to: str | None
    to: tuple[str, ...]
    subject: str
    date: datetime | None
    headers: MailHeaders
    text: str
    quoted: str
    links: tuple[str, ...]
    attachments: tuple[Attachment, ...]
    language: str | None
    size: int
    defects: tuple[str, ...]


# --- text normalisation ------------------------------------------------------------------

_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\u3164\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]"
)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def normalise_text(text: str) -> str:
    """NFC, no invisible/control characters, spaces collapsed, at most one blank line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub("", text)
    text = unicodedata.normalize("NFC", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def _clean_header(value: str) -> str:
    """One line: no CR/LF (header injection), no invisible characters."""
    value = _INVISIBLE.sub("", value)
    value = re.sub(r"[\x00-\x1f\x7f\u0085\u2028\u2029]", " ", value)
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()


# --- HTML to text ------------------------------------------------------------------------

_VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)
_DROP = frozenset(
    ["script", "style", "head", "title", "template", "noscript", "object", "iframe", "svg"]
)
_BLOCK = frozenset(
    [
        "p",
        "div",
        "br",
        "tr",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "ul",
        "ol",
        "blockquote",
        "hr",
        "section",
        "article",
        "header",
        "footer",
        "pre",
        "address",
        "dl",
        "dt",
        "dd",
        "form",
    ]
)
_HIDDEN_STYLE = re.compile(
    r"display:none|visibility:hidden|mso-hide:all|opacity:0(?:\.0+)?(?:;|$|!)"
    r"|(?:^|;)font-size:0+(?:\.0+)?(?:px|pt|em|rem|%)?(?:;|$|!)"
    r"|max-height:0+(?:px)?(?:;|$|!)"
    r"|(?:^|;)color:(?:#fff(?:fff)?|white|rgba?\(255,255,255(?:,[\d.]+)?\))(?:;|$|!)"
)


def _hides(tag: str, attrs: list[tuple[str, str | None]]) -> bool:
    if tag in _DROP:
        return True
    for name, raw in attrs:
        value = (raw or "").casefold()
        if name == "hidden":
            return True
        if name == "aria-hidden" and value.strip() == "true":
            return True
        if name == "style" and _HIDDEN_STYLE.search(re.sub(r"\s+", "", value)):
            return True
        if tag == "font" and name == "color" and value.strip() in {"#fff", "#ffffff", "white"}:
            return True
    return False


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.links: list[str] = []
        self._stack: list[tuple[str, bool]] = []
        self._cells = 0

    @property
    def _hidden(self) -> bool:
        return bool(self._stack) and self._stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        hidden = self._hidden or _hides(tag, attrs)
        if not hidden:
            if tag in _BLOCK:
                self.out.append("\n")
            if tag == "tr":
                self._cells = 0
            if tag in {"td", "th"}:
                if self._cells:
                    tail = "".join(self.out[-4:]).rstrip()
                    self.out.append(" " if tail.endswith(":") else ": ")
                self._cells += 1
            if tag == "a":
                href = dict(attrs).get("href") or ""
                href = _clean_header(href)
                if href and href not in self.links and len(self.links) < 500:
                    self.links.append(href)
        if tag not in _VOID and len(self._stack) < 1000:
            self._stack.append((tag, hidden))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self._hidden and tag in _BLOCK:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                del self._stack[i:]
                break
        if not self._hidden and tag in _BLOCK:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.out.append(data.replace("\n", " "))


def html_to_text(html: str) -> tuple[str, tuple[str, ...]]:
    """Visible text of an HTML body and the link URLs found in it."""
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # noqa: BLE001 - HTMLParser on hostile input; keep what we have
        parser.out.append("\n")
    return normalise_text("".join(parser.out)), tuple(parser.links)


# --- quoted history ----------------------------------------------------------------------

_QUOTE_HEAD = re.compile(r"^(den|on)\b.*\b(skrev|wrote)\b.*:\s*$", re.IGNORECASE)
_QUOTE_HEAD_START = re.compile(r"^(den|on)\s", re.IGNORECASE)
_QUOTE_HEAD_END = re.compile(r"\b(skrev|wrote)\b.*:\s*$", re.IGNORECASE)
_SEPARATOR = re.compile(
    r"^-{2,}\s*(original message|oprindelig meddelelse|forwarded message|"
    r"videresendt meddelelse|videresendt besked)\s*-*\s*$",
    re.IGNORECASE,
)
_FROM_LINE = re.compile(r"^(fra|from)\s*:\s*\S", re.IGNORECASE)
_HEADER_LINE = re.compile(r"^(sendt|sent|dato|date|til|to|emne|subject|cc)\s*:", re.IGNORECASE)


def _history_start(lines: list[str]) -> int | None:
    for i, line in enumerate(lines):
        s = line.strip()
        if _SEPARATOR.match(s) or (len(s) < 300 and _QUOTE_HEAD.match(s)):
            return i
        if (
            _QUOTE_HEAD_START.match(s)
            and i + 1 < len(lines)
            and len(s) < 300
            and _QUOTE_HEAD_END.search(s + " " + lines[i + 1].strip())
        ):
            return i
        if _FROM_LINE.match(s) and any(
            _HEADER_LINE.match(nxt.strip()) for nxt in lines[i + 1 : i + 5]
        ):
            return i
    return None


def split_quoted(text: str) -> tuple[str, str]:
    """(new text, quoted history): history headers and ">"-lines go to the second part."""
    lines = text.split("\n")
    start = _history_start(lines)
    head, tail = (lines, []) if start is None else (lines[:start], lines[start:])
    kept = [ln for ln in head if not ln.lstrip().startswith(">")]
    quoted = [ln for ln in head if ln.lstrip().startswith(">")] + tail
    return normalise_text("\n".join(kept)), normalise_text("\n".join(quoted))


# --- headers -----------------------------------------------------------------------------


def _decode_bytes(data: bytes, charset: str | None, defects: list[str]) -> str:
    candidates: list[str] = []
    if charset:
        try:
            candidates.append(codecs.lookup(charset.strip().strip('"')).name)
        except (LookupError, ValueError):
            defects.append(f"unknown charset {_clean_header(charset)[:40]!r}")
    candidates.append("utf-8")
    for name in candidates:
        try:
            return data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
    defects.append("undecodable text, decoded with replacement")
    return data.decode("windows-1252", errors="replace")


_SURROGATES = re.compile("[\udc80-\udcff]")


def _raw_header(msg: Message, name: str) -> str | None:
    wanted = name.casefold()
    raw = next((v for k, v in msg.raw_items() if k.casefold() == wanted), None)
    return None if raw is None else str(raw)


def _header(msg: Message, name: str, defects: list[str]) -> str | None:
    raw = _raw_header(msg, name)
    return None if raw is None else _decode_text(raw, name, defects)


_ANGLE_ADDR = re.compile(r"^(.*)<([^<>]*)>$", re.DOTALL)


def _mailbox(msg: Message, name: str, defects: list[str]) -> tuple[str | None, str | None]:
    """(display name, address) of an address header. The address is taken from the raw
    header before any RFC 2047 decoding (RFC 2047 §5): an encoded word in the display name
    may decode to anything, e.g. "\r\nBcc: x@evil" or another address, and must never
    become the address."""
    raw = _raw_header(msg, name)
    if raw is None:
        return None, None
    flat = re.sub(r"\r?\n[ \t]*", " ", raw).strip()
    if _SURROGATES.search(flat):  # raw 8-bit header bytes: most senders mean UTF-8
        flat = _decode_bytes(flat.encode("ascii", "surrogateescape"), None, defects)
    angle = _ANGLE_ADDR.match(flat)
    if angle is not None:  # "display name <addr>": the address is the last angle-addr
        raw_name, addr = angle.group(1).strip().strip('"').strip(), angle.group(2)
    else:
        raw_name, addr = parseaddr(flat)
    display = _decode_text(raw_name, name, defects) if raw_name else None
    return display, _address(addr)


def _decode_text(raw: str, name: str, defects: list[str]) -> str | None:
    if _SURROGATES.search(raw):
        # Raw 8-bit header bytes (not RFC 2047): most senders mean UTF-8.
        raw = _decode_bytes(raw.encode("ascii", "surrogateescape"), None, defects)
    try:
        text = str(make_header(decode_header(raw)))
    except Exception:  # noqa: BLE001 - unknown charsets, broken encoded words
        try:
            parts = decode_header(raw)
            text = "".join(
                p if isinstance(p, str) else _decode_bytes(p, cs, defects) for p, cs in parts
            )
        except Exception:  # noqa: BLE001
            text = str(raw)
        defects.append(f"badly encoded header {name}")
    text = text.encode("utf-8", errors="replace").decode("utf-8", errors="replace")
    return _clean_header(text)


_ADDR = re.compile(r"^[^\s@<>,;:\"()\[\]\\]+@[^\s@<>,;:\"()\[\]\\]+\.[^\s@<>,;:\"()\[\]\\]+$")


def _address(value: str) -> str | None:
    value = value.strip().lower()
    return value if _ADDR.match(value) else None


_MSGID = re.compile(r"<[^<>\s]{1,500}>")


def _msg_ids(value: str | None) -> tuple[str, ...]:
    return tuple(_MSGID.findall(value or ""))[:100]


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed if parsed.tzinfo is not None else None


# --- bodies ------------------------------------------------------------------------------


def _part_text(part: Message, defects: list[str]) -> str:
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - broken transfer encodings
        defects.append("undecodable body part")
        return ""
    if isinstance(payload, str):
        payload = payload.encode("utf-8", errors="replace")
    if not isinstance(payload, bytes):
        return ""
    try:
        charset = part.get_content_charset()
    except Exception:  # noqa: BLE001
        charset = None
    return _decode_bytes(payload, charset, defects)


def _bodies(msg: Message, defects: list[str]) -> tuple[str | None, str | None, list[Attachment]]:
    plain: str | None = None
    html: str | None = None
    attachments: list[Attachment] = []
    for count, part in enumerate(msg.walk()):
        if count > _MAX_PARTS:
            defects.append("too many parts")
            break
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        try:
            filename = part.get_filename()
            disposition = part.get_content_disposition()
        except Exception:  # noqa: BLE001
            filename, disposition = None, None
        if disposition == "attachment" or filename or not ctype.startswith("text/"):
            name = _clean_header(filename)[:200] if filename else None
            attachments.append(Attachment(name, ctype))
            continue
        if ctype == "text/html":
            if html is None:
                html = _part_text(part, defects)
        elif plain is None:
            plain = _part_text(part, defects)
    return plain, html, attachments


def parse_message(raw: bytes) -> ParsedMail:
    """Parse one raw RFC 5322 message; never raises."""
    try:
        return _parse(raw)
    except Exception as exc:  # noqa: BLE001 - last resort: an empty record, flagged
        return ParsedMail(
            message_id=None,
            in_reply_to=None,
            references=(),
            from_address=None,
            from_name=None,
            reply_to=None,
            to=(),
            subject="",
            date=None,
            headers=MailHeaders(),
            text="",
            quoted="",
            links=(),
            attachments=(),
            language=None,
            size=len(raw),
            defects=(f"unparseable message: {type(exc).__name__}",),
        )


def _parse(raw: bytes) -> ParsedMail:
    defects: list[str] = []
    msg = message_from_bytes(raw, policy=email_policy.compat32)
    for part in msg.walk():
        defects.extend(type(d).__name__ for d in part.defects)
        if len(defects) > 50:
            break

    def h(name: str) -> str | None:
        return _header(msg, name, defects)

    from_name, from_address = _mailbox(msg, "From", defects)
    _, reply_to = _mailbox(msg, "Reply-To", defects)
    to = tuple(a for _, addr in getaddresses([h("To") or ""]) if (a := _address(addr)))
    message_id = next(iter(_msg_ids(h("Message-ID"))), None)
    if message_id is None:
        defects.append("missing Message-ID")

    try:
        plain, html, attachments = _bodies(msg, defects)
    except Exception:  # noqa: BLE001 - last resort, the parser must not raise
        defects.append("unparseable body")
        plain, html, attachments = None, None, []
    links: tuple[str, ...] = ()
    if plain is not None and plain.strip():
        body = normalise_text(plain)
    elif html is not None:
        body, links = html_to_text(html)
    else:
        body = normalise_text(plain or "")
    text, quoted = split_quoted(body)

    return ParsedMail(
        message_id=message_id,
        in_reply_to=next(iter(_msg_ids(h("In-Reply-To"))), None),
        references=_msg_ids(h("References")),
        from_address=from_address,
        from_name=_clean_header(from_name or "") or None,
        reply_to=reply_to,
        to=to,
        subject=h("Subject") or "",
        date=_date(h("Date")),
        headers=MailHeaders(
            auto_submitted=h("Auto-Submitted"),
            precedence=h("Precedence"),
            list_id=h("List-Id"),
            list_unsubscribe=h("List-Unsubscribe"),
            return_path=h("Return-Path"),
            authentication_results=h("Authentication-Results"),
            x_autoreply=h("X-Autoreply"),
            x_autorespond=h("X-Autorespond"),
            x_auto_response_suppress=h("X-Auto-Response-Suppress"),
        ),
        text=text,
        quoted=quoted,
        links=links,
        attachments=tuple(attachments),
        language=None,
        size=len(raw),
        defects=tuple(dict.fromkeys(defects)),
    )
