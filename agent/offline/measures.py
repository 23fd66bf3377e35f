"""Numbers with a unit: floor area, rooms, hours of work and the clock time of a booking.

All read the prepared, typo-corrected text. Danish writes "2,5" for two and a half and
"1.200" for twelve hundred; both are understood.
"""

from __future__ import annotations

import re
from datetime import time
from decimal import ROUND_HALF_UP, Decimal

from agent.offline.lexicon import NUMBER_WORDS
from agent.offline.normalize import prepare

_NUMBER = r"(\d{1,3}(?:\.\d{3})+(?!\d)|\d+(?:[.,]\d+)?)"
_AREA_UNIT = (
    r"m2|kvm\.?|kvadrat(?:meter|\s?meter)?|square\s?(?:met(?:er|re)s?|m)"
    r"|sq\.?\s?m(?:eters?|etres?)?|sqm"
)
_AREA = re.compile(rf"(?<![\d.,]){_NUMBER}\s*(?:{_AREA_UNIT})(?!\w)")
_COUNT_WORDS = "|".join(word for word in NUMBER_WORDS if word not in {"a", "an"})
_ROOMS = re.compile(
    rf"(?<![\w.,])(\d{{1,2}}|{_COUNT_WORDS})\s*-?\s*"
    r"(?:værelse[rs]?|vær\.?(?!\w)|rum(?!\w)|(?:bed)?rooms?|roomed)"
)
_HOURS_UNIT = r"(?:timer|time|t|hours?|hrs?|h)(?!\w)"
_DURATION = re.compile(rf"(?<![\d.,:-]){_NUMBER}\s*{_HOURS_UNIT}")
_DURATION_WORDS = re.compile(rf"(?<!\w)({_COUNT_WORDS})\s+{_HOURS_UNIT}")
_ONE_AND_A_HALF = r"\bhalvanden time\b|\b(?:an hour and a|one and a) half(?: hours?)?\b"
_DURATION_PHRASES: tuple[tuple[re.Pattern[str], Decimal], ...] = (
    (re.compile(_ONE_AND_A_HALF), Decimal("1.5")),
    (re.compile(r"\ben halv time\b|\bhalf an hour\b|\b(?:a|one) half hour\b"), Decimal("0.5")),
    (re.compile(r"\ben time\b|\ban hour\b"), Decimal(1)),
)

_CLOCK = r"(\d{1,2})(?:[.:](\d{2}))?"
_KL = re.compile(rf"\bkl(?:\.|okken)?\s*{_CLOCK}(?![\d])")
_AM_PM = re.compile(rf"(?<![\d.,:]){_CLOCK}\s*([ap])\.?m\b\.?")
_COLON = re.compile(r"(?<![\d.,:/])(\d{1,2}):(\d{2})(?!\d)")
_AT = re.compile(
    rf"\bat\s+{_CLOCK}(?![\d.,:/]|\s*(?:m2|kvm|%|-|timer|hours?|days?|rooms?|kr|x|[ap]\.?m)\b)"
)
# "14.00" and "10.30" are times; "3.12" is the 3rd of December (see dates.py), so a dotted
# pair only counts as a time when the part after the dot cannot be a month.
_DOTTED = re.compile(r"(?<![\d.,:/])(\d{1,2})\.(\d{2})(?!\d|\.\d)")
_NOON = re.compile(r"\b(?:noon|midday)\b")


def _decimal(number: str) -> Decimal:
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", number):
        return Decimal(number.replace(".", ""))
    return Decimal(number.replace(",", "."))


def extract_area(text: str) -> int | None:
    """Floor area in whole m² ("82,5 m2" → 83: pricing works in whole m², round half up)."""
    match = _AREA.search(prepare(text).corrected)
    if match is None:
        return None
    value = int(_decimal(match.group(1)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return value if value > 0 else None


def extract_rooms(text: str) -> int | None:
    """Number of rooms: "4 værelser", "4-værelses", "3 rooms", "tre værelser"."""
    match = _ROOMS.search(prepare(text).corrected)
    if match is None:
        return None
    count = match.group(1)
    value = int(count) if count.isdigit() else NUMBER_WORDS[count]
    return value if value > 0 else None


def extract_duration(text: str) -> Decimal | None:
    """Hours of work: "3 timer", "2,5 timer", "3 hours", "halvanden time" → Decimal."""
    corrected = prepare(text).corrected
    candidates: list[tuple[int, Decimal]] = []
    match = _DURATION.search(corrected)
    if match:
        candidates.append((match.start(), _decimal(match.group(1))))
    match = _DURATION_WORDS.search(corrected)
    if match:
        candidates.append((match.start(), Decimal(NUMBER_WORDS[match.group(1)])))
    for pattern, hours in _DURATION_PHRASES:
        match = pattern.search(corrected)
        if match:
            candidates.append((match.start(), hours))
    positive = [(start, hours) for start, hours in candidates if hours > 0]
    return min(positive, key=lambda item: item[0])[1] if positive else None


def _clock(hour: str, minute: str | None, meridiem: str | None = None) -> time | None:
    h, m = int(hour), int(minute or 0)
    if meridiem is not None:
        if not 1 <= h <= 12:
            return None
        h = h % 12 + (12 if meridiem == "p" else 0)
    return time(h, m) if h <= 23 and m <= 59 else None


def extract_time_of_day(text: str) -> time | None:
    """The first clock time: "kl. 10", "kl 13.30", "10:00", "at 2 pm", "14.00"."""
    corrected = prepare(text).corrected
    found: list[tuple[int, time]] = []
    for pattern in (_KL, _COLON, _AT):
        for match in pattern.finditer(corrected):
            clock = _clock(match.group(1), match.group(2))
            if clock is not None:
                found.append((match.start(), clock))
    for match in _AM_PM.finditer(corrected):
        clock = _clock(match.group(1), match.group(2), match.group(3))
        if clock is not None:
            found.append((match.start(), clock))
    for match in _DOTTED.finditer(corrected):
        if match.group(2) == "00" or int(match.group(2)) > 12:
            clock = _clock(match.group(1), match.group(2))
            if clock is not None:
                found.append((match.start(), clock))
    for match in _NOON.finditer(corrected):
        found.append((match.start(), time(12)))
    return min(found, key=lambda item: item[0])[1] if found else None
