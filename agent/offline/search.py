"""What to search for when staff ask to find a lead.

A concrete reference wins (e-mail, then phone, then id, then name: the most precise first).
Without one, the words after the find cue are the term, minus filler ("søg efter leads i
Aarhus" → "aarhus", "find skovvej 12" → "skovvej 12"), so an address or a street can be
searched too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from agent.offline.normalize import prepare
from agent.offline.words import word_set

_FIND_CUE = re.compile(
    r"\b(?:find(?:e|er)?|søg(?:e|er)?(?: efter)?|slå|look(?: up)?|lookup|search(?: for)?"
    r"|hvem er|who is|leder efter|looking for)\b"
)
_FILLER = word_set(
    """efter for på lead leads leadet leadsene kunde kunden kunder kunderne customer customers
    client clients the a an en et den det de alle all some nogen med with named hedder ved
    navn i in fra from om about til to mig me os us lige just venligst please op up"""
)
_END = re.compile(r"[?!]|\.(?:\s|$)")


def search_term(text: str, references: Sequence[str] = ()) -> str | None:
    """The best search term for a lead lookup, or None when the text gives nothing."""
    if references:
        return references[0]
    corrected = prepare(text).corrected
    cue = _FIND_CUE.search(corrected)
    if cue is None:
        return None
    rest = corrected[cue.end() :]
    end = _END.search(rest)
    words = rest[: end.start() if end else len(rest)].strip(" ,;:").split()
    while words and words[0] in _FILLER:
        words.pop(0)
    while words and words[-1] in _FILLER:
        words.pop()
    return " ".join(words).strip(" ,;:") or None
