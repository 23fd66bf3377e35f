"""The real pricing rules in the shape the demo seed asks for (``memory.seed.QuotePricer``).

The same small adapter as the service's (``api.demo_pricing``, which evals may not import): an
eval's demo data carries exactly the figures and texts the running service's demo data has.
"""

from __future__ import annotations

from decimal import Decimal

from tools.pricing import HOURLY_RATE, QuoteCalculation, calculate_quote
from tools.quote_text import build_quote_text


class ToolsQuotePricer:
    """``memory.seed.QuotePricer`` backed by ``tools.pricing`` and ``tools.quote_text``."""

    @property
    def hourly_rate(self) -> Decimal:
        return HOURLY_RATE

    def price(self, service: str, area_m2: Decimal) -> QuoteCalculation:
        return calculate_quote(service, area_m2)

    def text(self, figures: QuoteCalculation) -> str:
        return build_quote_text(figures)


TOOLS_QUOTE_PRICER = ToolsQuotePricer()
