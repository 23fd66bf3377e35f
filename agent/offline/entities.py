"""Contact details, ids and the job description (service, frequency, add-ons) in free text.

Measures (m², rooms, hours, clock times) are in `measures.py`, person names in `names.py`.
E-mails, phone numbers and ids are read from the lowercased text as typed; service words are
read from the typo-corrected text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TypeVar

from agent.offline.lexicon import (
    ADD_ON_PATTERNS,
    FREQUENCY_PATTERNS,
    SERVICE_PATTERNS,
    WEAK_SERVICE_PATTERNS,
)
from agent.offline.normalize import prepare
from tools.services import AddOn, Frequency, ServiceType

_T = TypeVar("_T")

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Danish numbers have eight digits and never start with 0 or 1; accepted groupings are
# 20304050, 2030 4050 and 20 30 40 50, with an optional +45 / 0045 / (+45) prefix. Other
# groupings are not accepted because "2026-12-03" would otherwise read as a phone number.
_PHONE = re.compile(
    r"(?<![\w+-])(?:(?:\+|00)\s?45[\s-]?|\(\+?45\)\s?)?"
    r"([2-9]\d(?:\d{6}|\d{2}[\s-]\d{4}|[\s-]\d{2}[\s-]\d{2}[\s-]\d{2}))(?![\w]|[.,/-]\d)"
)
_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
# A short id is the first 8 hex digits of a UUID. Bare, it must mix digits and letters
# (otherwise "20304050" or "deadbeef" would count); after "#" or "id" anything hex goes.
_SHORT_ID = re.compile(r"(?<![\w-])(#|\bid\s*[:#]?\s*)?([0-9a-f]{8})(?![\w-])")


def _compile(table: Iterable[tuple[_T, str]]) -> tuple[tuple[_T, re.Pattern[str]], ...]:
    return tuple((value, re.compile(rf"(?<!\w)(?:{pattern})(?!\w)")) for value, pattern in table)


_SERVICES = _compile(SERVICE_PATTERNS)
_WEAK_SERVICES = _compile(WEAK_SERVICE_PATTERNS)
_FREQUENCIES = _compile(FREQUENCY_PATTERNS)
_ADD_ONS = _compile(ADD_ON_PATTERNS)
_RECURRING = (Frequency.WEEKLY, Frequency.BIWEEKLY, Frequency.MONTHLY)


def _unique(values: Iterable[_T]) -> list[_T]:
    return list(dict.fromkeys(values))


def extract_emails(text: str) -> list[str]:
    """E-mail addresses, lowercased, in order of appearance, without duplicates."""
    found = (match.group(0).rstrip(".-") for match in _EMAIL.finditer(prepare(text).lowered))
    return _unique(found)


def extract_phones(text: str) -> list[str]:
    """Danish phone numbers normalised to "+45XXXXXXXX"."""
    lowered = _UUID.sub(" ", _EMAIL.sub(" ", prepare(text).lowered))
    digits = (re.sub(r"\D", "", match.group(1)) for match in _PHONE.finditer(lowered))
    return _unique(f"+45{number}" for number in digits)


def extract_ids(text: str) -> list[str]:
    """Lead, booking or draft ids: full UUIDs and 8-hex-digit prefixes, lowercased."""
    lowered = _EMAIL.sub(" ", prepare(text).lowered)
    ids = [match.group(0) for match in _UUID.finditer(lowered)]
    for match in _SHORT_ID.finditer(_UUID.sub(" ", lowered)):
        candidate = match.group(2)
        mixed = re.search(r"\d", candidate) and re.search(r"[a-f]", candidate)
        if match.group(1) or mixed:
            ids.append(candidate)
    return _unique(ids)


def _first_match(table: tuple[tuple[_T, re.Pattern[str]], ...], text: str) -> list[tuple[int, _T]]:
    hits = []
    for value, pattern in table:
        match = pattern.search(text)
        if match:
            hits.append((match.start(), value))
    return sorted(hits, key=lambda hit: hit[0])


def extract_frequency(text: str) -> Frequency | None:
    """How often the job recurs, when the text says so ("hver 14. dag" → biweekly)."""
    hits = _first_match(_FREQUENCIES, prepare(text).corrected)
    return hits[0][1] if hits else None


def extract_service(text: str) -> ServiceType | None:
    """The service asked for, or None when the text does not say (never a guess).

    With several services named, the first one wins, except that window cleaning loses to
    any other service: "flytterengøring inkl. vinduespudsning" is a move-out with a windows
    add-on. A recurring frequency alone ("hver 14. dag") means regular cleaning.
    """
    corrected = prepare(text).corrected
    hits = _first_match(_SERVICES, corrected)
    if not hits:
        hits = _first_match(_WEAK_SERVICES, corrected)
    if hits:
        non_windows = [service for _, service in hits if service is not ServiceType.WINDOWS]
        return non_windows[0] if non_windows else ServiceType.WINDOWS
    return ServiceType.REGULAR if extract_frequency(text) in _RECURRING else None


def extract_add_ons(text: str) -> list[AddOn]:
    """Move-out add-ons mentioned anywhere (oven, fridge, windows, descaling), in order."""
    hits = []
    corrected = prepare(text).corrected
    for add_on, pattern in _ADD_ONS:
        match = pattern.search(corrected)
        if match:
            hits.append((match.start(), add_on))
    return [add_on for _, add_on in sorted(hits, key=lambda hit: hit[0])]
