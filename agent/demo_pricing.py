"""The real pricing rules, in the shape the demo seed asks for (``memory.seed.QuotePricer``).

``memory`` may not import ``tools``, so the seed takes its pricer injected; this adapter
hands it ``tools.pricing.calculate_quote`` and ``tools.quote_text.build_quote_text``.
"""

from __future__ import annotations

from decimal import Decimal

from tools.pricing import HOURLY_RATE, QuoteCalculation, calculate_quote
from tools.quote_text import build_quote_text


class ToolsQuotePricer:
    """``memory.seed.QuotePricer`` backed by ``tools``: the same figures and text a quote
    drafted by the assistant gets."""

    @property
    def hourly_rate(self) -> Decimal:
        return HOURLY_RATE

    def price(self, service: str, area_m2: Decimal) -> QuoteCalculation:
        return calculate_quote(service, area_m2)

    def text(self, figures: QuoteCalculation) -> str:
        return build_quote_text(figures)


TOOLS_QUOTE_PRICER = ToolsQuotePricer()
