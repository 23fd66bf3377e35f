"""Numbers, money, hours and dates the way the text's reader expects them.

Customer-facing text is always Danish: "1.396 kr", "279,20 kr", "1.396–2.094 kr",
"2,5 timer", "mandag 7. december kl. 13.00" (lowercase weekday and month names, as Danish
writes them).

English variants (`lang="en"`) exist for staff who chat in English. Decision: they use
English separators ("1,396–2,094 kr", "279.20 kr") but keep the "kr" unit. Danish "1.396"
reads as one-point-something to an English reader, and a misread price is worse than a
mixed convention; "kr" stays because every price the company has is in DKK. English dates:
"Monday 7 December at 13:00" (24-hour clock, as staff in Denmark use).

Datetimes are shown in Europe/Copenhagen; naive datetimes are refused, because guessing their
zone is how bookings end up an hour off around daylight-saving changes.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal
from zoneinfo import ZoneInfo

Lang = Literal["da", "en"]

COMPANY_TIME_ZONE = "Europe/Copenhagen"
EN_DASH = "–"

_WEEKDAYS = {
    "da": ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_MONTHS = {
    "da": (
        "januar", "februar", "marts", "april", "maj", "juni",
        "juli", "august", "september", "oktober", "november", "december",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
}  # fmt: skip


def company_tz() -> ZoneInfo:
    """The company's time zone (ZoneInfo caches instances, so this is cheap)."""
    return ZoneInfo(COMPANY_TIME_ZONE)


def format_number(value: Decimal | int, decimals: int = 0, lang: Lang = "da") -> str:
    """Group thousands and round half up: 1396 → "1.396", (279.2, 2) → "279,20"."""
    exponent = Decimal(1).scaleb(-decimals)
    text = f"{Decimal(value).quantize(exponent, rounding=ROUND_HALF_UP):,.{decimals}f}"
    if lang == "en":
        return text
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def _kr_decimals(*amounts: Decimal | int) -> int:
    """Whole kroner are shown without decimals; otherwise all amounts get øre (2 decimals)."""
    return 0 if all(Decimal(a) == Decimal(a).to_integral_value() for a in amounts) else 2


def format_kr(amount: Decimal | int, lang: Lang = "da") -> str:
    """1396 → "1.396 kr"; 279.2 → "279,20 kr"."""
    return f"{format_number(amount, _kr_decimals(amount), lang)} kr"


def format_kr_range(low: Decimal | int, high: Decimal | int, lang: Lang = "da") -> str:
    """(1396, 2094) → "1.396–2.094 kr" (en dash, no spaces, one unit)."""
    decimals = _kr_decimals(low, high)
    return f"{format_number(low, decimals, lang)}{EN_DASH}{format_number(high, decimals, lang)} kr"


def format_quantity(value: Decimal | int, lang: Lang = "da") -> str:
    """A count or measure without needless zeros: 80 → "80", 2.50 → "2,5", 1200 → "1.200"."""
    number = Decimal(value)
    if number == number.to_integral_value():
        return format_number(number, 0, lang)
    return format_number(number, 2, lang).rstrip("0")


def format_hours(hours: Decimal | int, lang: Lang = "da") -> str:
    """4 → "4 timer", 2.5 → "2,5 timer", 1 → "1 time" (singular only for exactly one)."""
    value = Decimal(hours)
    number = format_quantity(value, lang)
    if lang == "en":
        return f"{number} hour" if value == 1 else f"{number} hours"
    return f"{number} time" if value == 1 else f"{number} timer"


def _local(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime: {moment!r}")
    return moment.astimezone(company_tz())


def format_date(day: date, lang: Lang = "da", *, with_year: bool = False) -> str:
    """ "mandag 7. december" / "Monday 7 December"; a datetime is first made local."""
    if isinstance(day, datetime):
        day = _local(day).date()
    weekday, month = _WEEKDAYS[lang][day.weekday()], _MONTHS[lang][day.month - 1]
    text = f"{weekday} {day.day}. {month}" if lang == "da" else f"{weekday} {day.day} {month}"
    return f"{text} {day.year}" if with_year else text


def format_time(moment: datetime, lang: Lang = "da") -> str:
    """Local clock time: "8.00" / "13.00" in Danish, "08:00" / "13:00" in English (24-hour)."""
    local = _local(moment)
    if lang == "da":
        return f"{local.hour}.{local.minute:02d}"
    return f"{local.hour:02d}:{local.minute:02d}"


def format_datetime(moment: datetime, lang: Lang = "da", *, with_year: bool = False) -> str:
    """ "mandag 7. december kl. 13.00" / "Monday 7 December at 13:00"."""
    joiner = "kl." if lang == "da" else "at"
    day = format_date(_local(moment), lang, with_year=with_year)
    return f"{day} {joiner} {format_time(moment, lang)}"
