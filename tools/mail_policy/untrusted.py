"""Make untrusted mail text safe to show a model: normalised, visible, and fenced in.

A mail can hide instructions in characters a person never sees (zero-width, Unicode tag
characters, bidi overrides) and try to end the block it is quoted in. `normalise_untrusted`
removes the hidden characters; `delimit_untrusted` wraps the text between markers carrying a
nonce and defuses every `<<<` / `>>>` inside, so the mail can neither close the block nor
forge a new one.

Decisions:

- Invisible characters go before NFKC (so a removed zero-width space cannot leave behind a
  sequence NFKC would change on a second pass) and again after it; NFKC also folds full-width
  and small-form look-alikes (`＜＜＜`, `﹤﹤﹤`) to ASCII before the markers are defused.
- Besides the listed classes, variation selectors, the combining grapheme joiner and the
  Hangul fillers go too: they are invisible and are used to smuggle text.
- Every line break (CRLF, CR, U+2028, NEL, …) becomes "\n"; trailing spaces on a line go;
  at most two blank lines in a row are kept.
- The cap counts the marker, so the result is never longer than `max_chars`. NFKC would turn
  the marker's "…" into "...", so a trailing "[... afkortet]" is turned back: normalising twice
  gives the same text.
- `make_nonce` is deterministic for reproducible runs; the seed must contain something the
  sender cannot know (a run id, a server secret), not just the Message-ID.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

TRUNCATION_MARKER = "[… afkortet]"
DEFAULT_MAX_CHARS = 8000

_INVISIBLE = re.compile(
    "[\u200b-\u200d\u2060\ufeff\u180e"  # zero-width
    "\U000e0000-\U000e007f"  # tag characters
    "\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"  # bidi controls
    "\ufe00-\ufe0f\U000e0100-\U000e01ef\u034f\u115f\u1160\u3164\uffa0]"  # smuggling carriers
)
_CONTROLS = frozenset({"Cc", "Cf", "Cs"})  # Cs: lone surrogates cannot be encoded
_NFKC_MARKER = unicodedata.normalize("NFKC", TRUNCATION_MARKER)
_LABEL = re.compile(r"[A-Z][A-Z0-9_]{0,31}")
_NONCE = re.compile(r"[0-9A-Za-z_-]{8,64}")
_OPEN = re.compile(r"<{3,}")
_CLOSE = re.compile(r">{3,}")


def _strip_invisible(line: str) -> str:
    line = _INVISIBLE.sub("", line)
    return "".join(ch for ch in line if ch == "\t" or unicodedata.category(ch) not in _CONTROLS)


def normalise_untrusted(text: str, *, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """NFKC, no invisible or control characters, "\\n" line ends, capped at `max_chars`."""
    if max_chars < len(TRUNCATION_MARKER) + 1:
        raise ValueError(f"max_chars too small: {max_chars}")
    lines = [_strip_invisible(line) for line in text.splitlines()]
    folded = unicodedata.normalize("NFKC", "\n".join(lines))
    lines = [_strip_invisible(line).rstrip() for line in folded.splitlines()]
    result = re.sub(r"\n{4,}", "\n\n\n", "\n".join(lines)).strip()
    if result.endswith(_NFKC_MARKER):
        result = result[: -len(_NFKC_MARKER)] + TRUNCATION_MARKER
    if len(result) > max_chars:
        kept = result[: max_chars - len(TRUNCATION_MARKER) - 1].rstrip()
        result = f"{kept}\n{TRUNCATION_MARKER}" if kept else TRUNCATION_MARKER
    return result


def defuse_markers(text: str) -> str:
    """Every run of three or more `<` or `>` becomes `‹` / `›`: no marker can be written."""
    text = _OPEN.sub(lambda m: "‹" * len(m.group(0)), text)
    return _CLOSE.sub(lambda m: "›" * len(m.group(0)), text)


def delimit_untrusted(
    text: str, *, nonce: str, label: str = "MAIL", max_chars: int = DEFAULT_MAX_CHARS
) -> str:
    """The normalised, defused text between `<<<UNTRUSTED label nonce>>>` and its end marker."""
    if not _LABEL.fullmatch(label):
        raise ValueError(f"label must be upper-case letters, digits or _: {label!r}")
    if not _NONCE.fullmatch(nonce):
        raise ValueError(f"nonce must be 8–64 letters, digits, - or _: {nonce!r}")
    body = defuse_markers(normalise_untrusted(text, max_chars=max_chars))
    return f"<<<UNTRUSTED {label} {nonce}>>>\n{body}\n<<<END UNTRUSTED {label} {nonce}>>>"


def make_nonce(seed: str) -> str:
    """16 hex characters of sha256(seed): the same seed always gives the same nonce."""
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()[:16]
