"""Danish or English? For a staff chat line or a customer mail body.

Each word found in one language's marker list scores a point for that language; the letters
æ, ø and å score for Danish (capped, so one Danish place name does not outvote an English
sentence), as do the Danish set phrases "i dag"/"i morgen". Words both languages share
("find", "send", "book", "ok") score nothing. On a tie, including the empty text, the answer
is the default: Danish, the company's language.
"""

from __future__ import annotations

import re
from typing import Literal

from agent.offline.normalize import prepare
from agent.offline.words import DA_MARKERS, EN_MARKERS

Lang = Literal["da", "en"]

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_DANISH_LETTERS = re.compile(r"[æøå]")
_DANISH_PHRASES = re.compile(r"\bi (?:dag|morgen|overmorgen|aften|eftermiddag)\b")
_MAX_LETTER_POINTS = 2


def language_scores(text: str) -> tuple[int, int]:
    """(Danish points, English points) for the text; see the module docstring."""
    lowered = prepare(text).lowered
    words = _WORD.findall(lowered)
    danish = sum(1 for word in words if word in DA_MARKERS)
    english = sum(1 for word in words if word in EN_MARKERS)
    danish += min(len(_DANISH_LETTERS.findall(lowered)), _MAX_LETTER_POINTS)
    danish += 2 * len(_DANISH_PHRASES.findall(lowered))
    return danish, english


def detect_language(text: str, default: Lang = "da") -> Lang:
    """ "da" or "en"; `default` when the evidence is even (e.g. "ok", "Find Mette Hansen")."""
    danish, english = language_scores(text)
    if danish > english:
        return "da"
    if english > danish:
        return "en"
    return default
