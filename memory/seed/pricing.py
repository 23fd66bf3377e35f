"""Quote figures and texts for the demo data, following domain.md "Pricing".

``memory`` must not import ``tools``, so the few lines of arithmetic the demo needs live here;
the seed tests check every demo quote against the formula independently.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from memory.models.enums import Frequency, Service

HOURLY_RATE = Decimal(349)
VAT_SHARE = Decimal("0.2")  # 25 % VAT included in a price is 20 % of that price
MIN_HOURS_ON_SITE = Decimal(2)
SPEED_M2_PER_HOUR: dict[Service, int] = {
    Service.MOVING_OUT: 20,
    Service.DEEP: 15,
    Service.REGULAR: 30,
    Service.STANDARD: 25,
    Service.BUSINESS: 35,
    Service.WINDOWS: 100,
}
SERVICE_NAMES: dict[Service, str] = {
    Service.REGULAR: "fast rengøring",
    Service.MOVING_OUT: "flytterengøring",
    Service.DEEP: "hovedrengøring",
    Service.STANDARD: "almindelig rengøring",
    Service.BUSINESS: "erhvervsrengøring",
    Service.WINDOWS: "vinduespudsning",
}
FREQUENCY_NAMES: dict[Frequency, str] = {
    Frequency.WEEKLY: "hver uge",
    Frequency.BIWEEKLY: "hver 14. dag",
    Frequency.MONTHLY: "hver måned",
    Frequency.ONCE: "engangsopgave",
}
MONTHS = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
          "september", "oktober", "november", "december")  # fmt: skip
WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class QuoteFigures:
    workers: int
    hours_on_site: Decimal
    work_hours: Decimal
    price_min: Decimal
    price_max: Decimal
    vat_min: Decimal
    vat_max: Decimal


def workers_for(service: Service, area_m2: int) -> int:
    """1 under 60 m², otherwise 2; a move-out cleaning over 50 m² always gets 2."""
    if service is Service.MOVING_OUT and area_m2 > 50:
        return 2
    return 1 if area_m2 < 60 else 2


def quote_figures(service: Service, area_m2: int) -> QuoteFigures:
    workers = workers_for(service, area_m2)
    raw = Fraction(area_m2, SPEED_M2_PER_HOUR[service] * workers)
    hours = max(Decimal(math.ceil(raw * 2)) / 2, MIN_HOURS_ON_SITE)
    work_hours = hours * workers
    price_min = work_hours * HOURLY_RATE
    price_max = (work_hours + workers) * HOURLY_RATE
    return QuoteFigures(
        workers=workers,
        hours_on_site=hours,
        work_hours=work_hours,
        price_min=price_min.quantize(_CENT),
        price_max=price_max.quantize(_CENT),
        vat_min=(price_min * VAT_SHARE).quantize(_CENT),
        vat_max=(price_max * VAT_SHARE).quantize(_CENT),
    )


def estimated_value(service: Service, area_m2: int | None, visits_per_month: int) -> Decimal | None:
    """The lead's value: the lower quote price per visit × visits in a month (one-offs: 1)."""
    if area_m2 is None:
        return None
    return quote_figures(service, area_m2).price_min * max(visits_per_month, 1)


def da_number(value: Decimal) -> str:
    """Danish number format: 1.396 / 4,5 / 279,20 (thousands dot, decimal comma)."""
    if value == value.to_integral_value():
        return f"{int(value):,}".replace(",", ".")
    text = f"{value:,.2f}" if value.as_tuple().exponent == -2 else f"{value:,}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def da_date(day: date, *, weekday: bool = False) -> str:
    text = f"{day.day}. {MONTHS[day.month - 1]} {day.year}"
    return f"{WEEKDAYS[day.weekday()]} {text}" if weekday else text


def quote_text(
    *,
    first_name: str,
    service: Service,
    frequency: Frequency,
    area_m2: int,
    address: str,
    figures: QuoteFigures,
    valid_until: date,
) -> str:
    """The customer-facing quote: states work hours, workers, pay-for-actual-time, the call
    before going more than 1 hour over, and 349 kr/time (domain.md)."""
    f = figures
    how_often = "" if frequency is Frequency.ONCE else f" ({FREQUENCY_NAMES[frequency]})"
    per_visit = "" if frequency is Frequency.ONCE else " pr. gang"
    people = "1 medarbejder" if f.workers == 1 else f"{f.workers} medarbejdere"
    return (
        f"Hej {first_name}\n\n"
        f"Tak for din henvendelse. Her er vores tilbud på {SERVICE_NAMES[service]}{how_often} "
        f"af ca. {area_m2} m² på {address}.\n\n"
        f"Vi kommer {people} i ca. {da_number(f.hours_on_site)} timer{per_visit}, "
        f"i alt {da_number(f.work_hours)} arbejdstimer.\n"
        f"Pris: 349 kr/time pr. medarbejder inkl. moms, dvs. forventet "
        f"{da_number(f.price_min)}–{da_number(f.price_max)} kr inkl. moms{per_visit} "
        f"(heraf moms {da_number(f.vat_min)}–{da_number(f.vat_max)} kr).\n\n"
        f"Du betaler kun for den faktiske tid, vi bruger. Hvis vi kan se, at opgaven kommer til "
        f"at tage mere end 1 time ud over det anslåede, ringer vi til dig, inden vi fortsætter.\n\n"
        f"Tilbuddet gælder til og med {da_date(valid_until)}.\n\n"
        f"Venlig hilsen\nRendetalje"
    )
