"""Quote arithmetic, exactly as domain.md "Pricing" states it.

One price: 349 kr per hour per person, 25 % VAT *included*; the VAT share of a price is
therefore price × 0.2 (349 = 279.20 + 69.80). VAT is never added on top: past disputes came
from quotes that did. Money and hours are Decimal; rounding uses exact fractions.

Decisions where the domain is silent:

- Add-on hours are extra *on-site* hours for the whole team (work hours = workers × on-site
  hours). They are added after the 2-hour minimum is applied to the cleaning, so an ordered
  add-on always shows in the price. All are half-hour multiples, so the total stays on the
  half hour. Windows: 1 hour per *started* 30 m² of floor area (80 m² → 3 h).
- Add-ons exist only for moving_out; asking for one elsewhere is an error, not silently
  dropped. Ordering the same add-on twice counts once.
- First visit of a regular cleaning: quoted on-site hours × 1.3, rounded up to the half hour
  (2 h → 3 h), so it is always visibly longer than a normal visit.
- Areas above 5,000 m² are rejected as implausible (lead mails carry 30–500 m²).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from tools.services import AddOn, ServiceType, parse_service

HOURLY_RATE = Decimal("349")
VAT_SHARE = Decimal("0.2")  # 25 % VAT included in a price is exactly 20 % of that price.
MIN_HOURS_ON_SITE = Decimal("2")
MAX_AREA_M2 = Decimal("5000")
FIRST_VISIT_FACTOR = Decimal("1.3")
WINDOWS_ADD_ON_STEP_M2 = 30
SPEED_M2_PER_HOUR: dict[ServiceType, int] = {
    ServiceType.MOVING_OUT: 20,
    ServiceType.DEEP: 15,
    ServiceType.REGULAR: 30,
    ServiceType.STANDARD: 25,
    ServiceType.BUSINESS: 35,
    ServiceType.WINDOWS: 100,
}
_FIXED_ADD_ON_HOURS: dict[AddOn, Decimal] = {
    AddOn.OVEN: Decimal("0.5"),
    AddOn.FRIDGE: Decimal("0.5"),
    AddOn.DESCALING: Decimal("1"),
}
_CENT = Decimal("0.01")
# First visit: hours on site, work hours, price from, price to (all None unless regular).
_FirstVisit = tuple[Decimal | None, Decimal | None, Decimal | None, Decimal | None]


class PricingErrorCode(StrEnum):
    INVALID_AREA = "invalid_area"
    AREA_NOT_POSITIVE = "area_not_positive"
    AREA_TOO_LARGE = "area_too_large"
    UNKNOWN_SERVICE = "unknown_service"
    UNKNOWN_ADD_ON = "unknown_add_on"
    ADD_ON_NOT_AVAILABLE = "add_on_not_available"


class PricingError(ValueError):
    """A quote cannot be calculated; `code` is stable so callers and the model can branch."""

    def __init__(self, code: PricingErrorCode, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class AddOnLine:
    add_on: AddOn
    hours_on_site: Decimal


@dataclass(frozen=True, slots=True)
class QuoteCalculation:
    """Everything a quote states; money in kr incl. VAT, hours in half-hour steps."""

    service: ServiceType
    area_m2: Decimal
    workers: int
    hours_on_site: Decimal
    work_hours: Decimal
    price_min: Decimal
    price_max: Decimal
    vat_min: Decimal
    vat_max: Decimal
    add_ons: tuple[AddOnLine, ...] = ()
    first_visit_hours_on_site: Decimal | None = None
    first_visit_work_hours: Decimal | None = None
    first_visit_price_min: Decimal | None = None
    first_visit_price_max: Decimal | None = None


def parse_area(value: Decimal | int | float) -> Decimal:
    """Validate an area in m².

    Text such as "1.200" is deliberately refused: read naively it becomes 1.2 m² and a
    minimum-price quote. Mail parsing turns Danish text into numbers before this point.
    """
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float):
        raise PricingError(PricingErrorCode.INVALID_AREA, f"not an area: {value!r}")
    area = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not area.is_finite():
        raise PricingError(PricingErrorCode.INVALID_AREA, f"not an area: {value!r}")
    if area <= 0:
        raise PricingError(PricingErrorCode.AREA_NOT_POSITIVE, "area must be above 0 m²")
    if area > MAX_AREA_M2:
        raise PricingError(PricingErrorCode.AREA_TOO_LARGE, f"area above {MAX_AREA_M2} m²")
    return area


def workers_for(service: ServiceType, area_m2: Decimal) -> int:
    """1 worker under 60 m², otherwise 2; a move-out over 50 m² always gets 2."""
    if service is ServiceType.MOVING_OUT and area_m2 > 50:
        return 2
    return 1 if area_m2 < 60 else 2


def _ceil_half(value: Fraction | Decimal) -> Decimal:
    return Decimal(math.ceil(Fraction(value) * 2)) / 2


def _add_on_lines(svc: ServiceType, area: Decimal, raw: Iterable[AddOn | str]) -> list[AddOnLine]:
    try:
        wanted = {AddOn(value) for value in raw}
    except ValueError as exc:
        raise PricingError(PricingErrorCode.UNKNOWN_ADD_ON, str(exc)) from exc
    if wanted and svc is not ServiceType.MOVING_OUT:
        raise PricingError(PricingErrorCode.ADD_ON_NOT_AVAILABLE, f"no add-ons for {svc}")
    windows = Decimal(math.ceil(Fraction(area) / WINDOWS_ADD_ON_STEP_M2))
    return [AddOnLine(a, _FIXED_ADD_ON_HOURS.get(a, windows)) for a in AddOn if a in wanted]


def vat_share(price_incl_vat: Decimal) -> Decimal:
    """The VAT contained in a VAT-inclusive price (25 % VAT → 20 % of the price)."""
    return (price_incl_vat * VAT_SHARE).quantize(_CENT)


def _figures(workers: int, hours_on_site: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """Work hours, price from, price to (one hour of slack per worker)."""
    work = workers * hours_on_site
    return (
        work,
        (work * HOURLY_RATE).quantize(_CENT),
        ((work + workers) * HOURLY_RATE).quantize(_CENT),
    )


def calculate_quote(
    service: ServiceType | str, area_m2: Decimal | int | float, add_ons: Iterable[AddOn | str] = ()
) -> QuoteCalculation:
    """Calculate a quote; raises `PricingError` for inputs that must not be priced."""
    svc = service if isinstance(service, ServiceType) else parse_service(service)
    if svc is None:
        raise PricingError(PricingErrorCode.UNKNOWN_SERVICE, f"unknown service: {service!r}")
    area = parse_area(area_m2)
    workers = workers_for(svc, area)
    lines = tuple(_add_on_lines(svc, area, add_ons))
    cleaning = max(
        MIN_HOURS_ON_SITE, _ceil_half(Fraction(area) / (SPEED_M2_PER_HOUR[svc] * workers))
    )
    hours = cleaning + sum((line.hours_on_site for line in lines), Decimal(0))
    work_hours, price_min, price_max = _figures(workers, hours)
    first: _FirstVisit = (None, None, None, None)
    if svc is ServiceType.REGULAR:
        first_hours = _ceil_half(hours * FIRST_VISIT_FACTOR)
        first = (first_hours, *_figures(workers, first_hours))
    return QuoteCalculation(
        svc, area, workers, hours, work_hours, price_min, price_max,
        vat_share(price_min), vat_share(price_max), lines, *first,
    )  # fmt: skip


def missing_quote_inputs(
    area_m2: Decimal | int | float | None, service: ServiceType | str | None
) -> tuple[str, ...]:
    """Name the inputs ("area_m2", "service") still missing before a quote may be made.

    Never guesses: an area that cannot be priced (absent, ≤ 0, implausibly large) and an
    unrecognised service both count as missing. `tools.quote_text.quote_readiness` turns
    the result into the Danish question for the customer.
    """
    missing: list[str] = []
    try:
        parse_area(area_m2)  # type: ignore[arg-type]  # None is refused like any non-number
    except PricingError:
        missing.append("area_m2")
    if service is None or (not isinstance(service, ServiceType) and parse_service(service) is None):
        missing.append("service")
    return tuple(missing)
