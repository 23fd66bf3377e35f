"""What the demo data needs from the business rules, and nothing more.

``memory`` must not import ``tools``, yet every demo quote, lead value and quote text has to
follow the real pricing rules. So the caller injects them (``agent.demo_pricing`` adapts
``tools.pricing.calculate_quote`` and ``tools.quote_text.build_quote_text``), the same way it
injects the lead scorer. The seed never computes a price or writes a quote text itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Protocol, TypeVar

from memory.models.enums import Service


class QuoteFigures(Protocol):
    """The figures a quote states: hours in half-hour steps, money in kr incl. VAT."""

    @property
    def workers(self) -> int: ...
    @property
    def hours_on_site(self) -> Decimal: ...
    @property
    def work_hours(self) -> Decimal: ...
    @property
    def price_min(self) -> Decimal: ...
    @property
    def price_max(self) -> Decimal: ...
    @property
    def vat_min(self) -> Decimal: ...
    @property
    def vat_max(self) -> Decimal: ...


FiguresT = TypeVar("FiguresT", bound=QuoteFigures)


class QuotePricer(Protocol[FiguresT]):
    """Prices a quote (``service`` is a ``Service`` value such as "moving_out") and writes its
    customer-facing text from the figures it priced. ``FiguresT`` is the pricer's own figures
    type, so ``text`` gets back exactly what ``price`` returned."""

    @property
    def hourly_rate(self) -> Decimal: ...
    def price(self, service: str, area_m2: Decimal) -> FiguresT: ...
    def text(self, figures: FiguresT) -> str: ...


@dataclass(frozen=True, slots=True)
class DemoPricing:
    """One seed run's view of the injected pricer, free of its figures type (so the row
    builders need no type parameter), and memoised: the plan asks about the same
    (service, area) pairs many times."""

    hourly_rate: Decimal
    _figures: Callable[[Service, int], QuoteFigures]
    _text: Callable[[Service, int], str]

    @staticmethod
    def of(pricer: QuotePricer[FiguresT]) -> DemoPricing:
        @cache
        def price(service: Service, area_m2: int) -> FiguresT:
            return pricer.price(service.value, Decimal(area_m2))

        def text(service: Service, area_m2: int) -> str:
            return pricer.text(price(service, area_m2))

        return DemoPricing(pricer.hourly_rate, price, text)

    def figures(self, service: Service, area_m2: int) -> QuoteFigures:
        return self._figures(service, area_m2)

    def text(self, service: Service, area_m2: int) -> str:
        return self._text(service, area_m2)
