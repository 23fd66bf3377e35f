"""Person names in staff chat: "Find Mette Hansen", "book jens", "Mettes tilbud".

A name starts at a word that is not a known word (words.py) and is either
- a known first name, capitalised or not ("Mette ringede", "tilbud til mette");
- capitalised, right after a cue ("til", "for", "med", "kunde", "customer", "hos", "about");
- any unknown word right after a verb that takes a person ("find", "søg efter", "book",
  "hvem er", "look up", "hedder"): "book jensen";
- a run of two or three capitalised unknown words that is not at a sentence start.
It continues over up to two more words of the same kind. A possessive is cut off: "Mette's",
"Hansen'", and "Mettes" when a noun follows ("Mettes tilbud"), except for names that end in
s themselves ("Jens tilbud"). Lowercase names are returned capitalised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.offline.lexicon import MONTHS, WEEKDAYS
from agent.offline.words import (
    COMMON_WORDS,
    DOMAIN_PREFIXES,
    FIRST_NAMES,
    NAMES_ENDING_IN_S,
    PLACES,
    STREET_SUFFIXES,
    SYSTEM_WORDS,
    word_set,
)

_TOKEN = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*(?:'s?)?")
_SKIP = re.compile(r"\S*@\S*|https?://\S+")
_SENTENCE_END = re.compile(r"(?:^|[.!?:;\n])[\s\"'(]*$")
_MAX_WORDS = 3
# Verbs that take a person as object: after them even an unknown lowercase word is a name.
_STRONG_CUES = word_set(
    """find finde søg søge slå book booke booker named hedder called navn navnet ring ringe
    call kontakt kontakte contact"""
)
_STRONG_BIGRAMS = frozenset({"søg efter", "look up", "search for", "hvem er", "who is", "ved navn"})
_WEAK_CUES = word_set(
    """til for med hos fra about om to with vis show svar reply tjek check mail email mailen
    og and hr fru mr mrs ms miss kunde kunden kunderne customer client lead leadet mvh vh
    hilsen regards"""
)
_POSSESSED = (
    "tilbud", "mail", "e-mail", "email", "booking", "adresse", "telefon", "nummer", "lead",
    "opgave", "svar", "besked", "status", "detalj", "info", "quote", "kalender", "aftale",
    "rengøring", "faktura", "lejlighed", "hus", "sag", "ordre", "henvendelse", "kontakt",
    "flytte", "hovedren", "details", "address", "phone", "number", "reply", "message",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Token:
    text: str
    start: int
    end: int
    sentence_start: bool

    @property
    def lower(self) -> str:
        return self.text.casefold()

    @property
    def bare(self) -> str:
        """The word without a trailing possessive apostrophe."""
        return re.sub(r"'s?$", "", self.lower)

    @property
    def capitalised(self) -> bool:
        return self.text[0].isupper()


def _tokens(text: str) -> list[_Token]:
    masked = _SKIP.sub(lambda match: " " * len(match.group(0)), text.replace("’", "'"))
    return [
        _Token(m.group(0), m.start(), m.end(), bool(_SENTENCE_END.search(masked[: m.start()])))
        for m in _TOKEN.finditer(masked)
    ]


def _known(word: str) -> bool:
    return (
        word in COMMON_WORDS
        or word in WEEKDAYS
        or word in MONTHS
        or word in PLACES
        or word in SYSTEM_WORDS
        or word.startswith(DOMAIN_PREFIXES)
        or word.endswith(STREET_SUFFIXES)
    )


def _first_name(token: _Token) -> bool:
    return token.bare in FIRST_NAMES or token.bare.split("-")[0] in FIRST_NAMES


def _adjacent(text: str, left: _Token, right: _Token) -> bool:
    """Only spaces between: a line break or a comma ends a name."""
    return text[left.end : right.start].strip(" \t") == ""


def _cue(text: str, tokens: list[_Token], index: int) -> str | None:
    """ "strong", "weak" or None: what the word(s) just before token `index` say."""
    if index == 0 or not _adjacent(text, tokens[index - 1], tokens[index]):
        return None
    previous = tokens[index - 1].lower
    bigram = ""
    if index >= 2 and _adjacent(text, tokens[index - 2], tokens[index - 1]):
        bigram = f"{tokens[index - 2].lower} {previous}"
    if previous in _STRONG_CUES or bigram in _STRONG_BIGRAMS:
        return "strong"
    return "weak" if previous in _WEAK_CUES else None


def _starts_name(text: str, tokens: list[_Token], index: int) -> bool:
    token = tokens[index]
    if len(token.bare) < 2:
        return False
    if _known(token.bare) and not (token.capitalised and _first_name(token)):
        return False
    if token.capitalised and _first_name(token):
        return not (token.sentence_start and token.bare in COMMON_WORDS)
    cue = _cue(text, tokens, index)
    if token.capitalised:
        if cue is not None:
            return True
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        return (
            not token.sentence_start
            and following is not None
            and _adjacent(text, token, following)
            and _continues(token, following)
        )
    return cue == "strong" or _first_name(token)


def _continues(previous: _Token, token: _Token) -> bool:
    """Whether `token` is the next part of a name that `previous` is part of."""
    if previous.text.endswith(("'", "'s")) or _known(token.bare) or len(token.bare) < 2:
        return False
    return token.capitalised or not previous.capitalised


def _strip_possessive(name: list[_Token], following: _Token | None) -> str:
    last = name[-1].text
    if last.endswith(("'s", "'")):
        last = re.sub(r"'s?$", "", last)
    elif (
        following is not None
        and last.casefold().endswith("s")
        and last.casefold() not in NAMES_ENDING_IN_S
        and following.lower.startswith(_POSSESSED)
    ):
        last = last[:-1]
    words = [token.text for token in name[:-1]] + [last]
    return " ".join(word if word[0].isupper() else _title(word) for word in words)


def _title(word: str) -> str:
    return "-".join(part.capitalize() for part in word.split("-"))


def extract_names(text: str) -> list[str]:
    """Person names in order of appearance; a name inside a longer one is not repeated."""
    tokens = _tokens(text)
    names: list[str] = []
    index = 0
    while index < len(tokens):
        if not _starts_name(text, tokens, index):
            index += 1
            continue
        end = index + 1
        while (
            end < len(tokens)
            and end - index < _MAX_WORDS
            and _adjacent(text, tokens[end - 1], tokens[end])
            and _continues(tokens[end - 1], tokens[end])
        ):
            end += 1
        following = tokens[end] if end < len(tokens) else None
        names.append(_strip_possessive(tokens[index:end], following))
        index = end
    return _without_repeats(names)


def _without_repeats(names: list[str]) -> list[str]:
    kept: list[str] = []
    for name in names:
        words = name.casefold().split()
        if not any(words == kept_name.casefold().split()[: len(words)] for kept_name in kept):
            kept.append(name)
    return kept
