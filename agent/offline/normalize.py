"""One prepared form of an utterance that every recogniser of the offline model reads.

`prepare` lowercases the text, unifies the characters people type in several ways (m², dashes,
curly quotes) and corrects typos of domain words against `lexicon.CORRECTION_VOCABULARY`
("flyterengøring" → "flytterengøring", "naeste" → "næste"). Keyword recognisers read
`corrected`; recognisers that must see the text as typed (e-mails, phone numbers, ids) read
`lowered`; the name finder reads `original`, because capitals are its best evidence.

Correction is deliberately conservative: only letter-only tokens of five letters or more that
are not already known words are touched, and only when exactly one vocabulary word is nearest.
A wrong correction silently changes what staff asked for; a missed one only loses a keyword.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from agent.offline.lexicon import CORRECTION_VOCABULARY
from agent.offline.words import COMMON_WORDS, FIRST_NAMES

_CHAR_MAP = str.maketrans(
    {
        "²": "2",
        "’": "'",
        "‘": "'",
        "´": "'",
        "`": "'",
        "“": '"',
        "”": '"',
        "–": "-",
        "—": "-",
        "\u00a0": " ",
    }
)
_WORD = re.compile(r"[^\W\d_]+")
_CHUNK = re.compile(r"\S+")
_MIN_CORRECTABLE = 5


@dataclass(frozen=True, slots=True)
class Prepared:
    """The three views of one utterance, plus the corrections made ("typo→word")."""

    original: str
    lowered: str
    corrected: str
    corrections: tuple[str, ...]


def fold(word: str) -> str:
    """ASCII-ish skeleton so "vaerelser", "værelser" and "verelser" end up close."""
    return word.casefold().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (transpositions count 1), capped at limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, start=1):
            cost = 0 if char_a == char_b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


_FOLDED_VOCABULARY: dict[str, str] = {fold(word): word for word in CORRECTION_VOCABULARY}


def _allowed_edits(word: str) -> int:
    return 1 if len(word) < 9 else 2


@lru_cache(maxsize=4096)
def correct_word(word: str) -> str:
    """The vocabulary word a (lowercase) token was meant to be, or the token itself."""
    if word in CORRECTION_VOCABULARY or word in COMMON_WORDS or word in FIRST_NAMES:
        return word
    folded = fold(word)
    exact = _FOLDED_VOCABULARY.get(folded)
    if exact is not None:
        return exact
    if len(word) < _MIN_CORRECTABLE:
        return word
    limit = _allowed_edits(folded)
    best: list[str] = []
    best_distance = limit + 1
    for folded_word, word_in_vocabulary in _FOLDED_VOCABULARY.items():
        if folded_word[0] != folded[0]:
            continue  # people rarely mistype the first letter; "parts" is not "marts"
        distance = edit_distance(folded, folded_word, limit)
        if distance < best_distance:
            best, best_distance = [word_in_vocabulary], distance
        elif distance == best_distance and distance <= limit:
            best.append(word_in_vocabulary)
    # A tie ("tirsdga" could never tie, but "torsdga"/"tirsdag" might) means we do not know.
    return best[0] if len(best) == 1 and best_distance <= limit else word


def normalize(text: str) -> str:
    """NFC, unified punctuation, casefolded, whitespace collapsed to single spaces."""
    text = unicodedata.normalize("NFC", text).translate(_CHAR_MAP).casefold()
    return " ".join(text.replace("m^2", "m2").split())


def _correct_chunk(chunk: re.Match[str], corrections: list[str]) -> str:
    token = chunk.group(0)
    if "@" in token or "://" in token:
        return token  # an address: its parts are not words

    def fix(word: re.Match[str]) -> str:
        fixed = correct_word(word.group(0))
        if fixed != word.group(0):
            corrections.append(f"{word.group(0)}→{fixed}")
        return fixed

    return _WORD.sub(fix, token)


@lru_cache(maxsize=512)
def prepare(text: str) -> Prepared:
    """Normalise and correct once; cached because every recogniser asks for the same text."""
    lowered = normalize(text)
    corrections: list[str] = []
    corrected = _CHUNK.sub(lambda chunk: _correct_chunk(chunk, corrections), lowered)
    return Prepared(text, lowered, corrected, tuple(corrections))
