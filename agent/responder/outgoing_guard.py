"""The outgoing checks of a reply, with the facts they need read from the database.

`tools.mail_policy.outgoing.check_outgoing` is pure; this module supplies what it compares
against: the other customers whose data appears in the text (found by the database, so the
check scales with the text, not the customer list), the quote the reply may state (recomputed
by the pricing engine from the stored inputs, so a tampered quote row cannot widen what is
allowed) and the responder's system prompt. Without a quote, no price, hours or head count
other than the hourly rate may appear.
"""

from __future__ import annotations

import uuid
from collections.abc import Set
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from agent.responder.prompt import RESPONDER_SYSTEM_PROMPT
from memory.models import Quote
from memory.repositories.customer_mentions import others_in_text
from tools.danish_format import Lang
from tools.mail_policy.outgoing import QuoteFigures, Violation, check_outgoing
from tools.pricing import HOURLY_RATE, PricingError, QuoteCalculation, calculate_quote

# Without a quote: only the hourly rate (and its VAT share) may be named.
_NO_QUOTE = QuoteFigures(HOURLY_RATE, HOURLY_RATE, Decimal(-1), -1)


def quote_calculation(quote: Quote) -> QuoteCalculation | None:
    """The pricing engine's figures for a stored quote's inputs (None if they cannot be priced)."""
    try:
        return calculate_quote(quote.service.value, quote.area_m2, list(quote.add_ons))
    except PricingError:
        return None


async def outgoing_violations(
    session: AsyncSession,
    *,
    body: str,
    recipient: str,
    lead_id: uuid.UUID | None,
    quote_id: uuid.UUID | None,
    allowed_links: Set[str] = frozenset(),
    system_prompt: str = RESPONDER_SYSTEM_PROMPT,
    language: Lang = "da",
) -> list[Violation]:
    """Every rule ``body`` breaks as a reply to ``recipient`` written in ``language``; empty:
    it may be stored or sent."""
    calc = None
    if quote_id is not None:
        quote = await session.get(Quote, quote_id)
        calc = quote_calculation(quote) if quote is not None else None
    figures = QuoteFigures.of(calc) if calc is not None else _NO_QUOTE
    others = await others_in_text(session, body, recipient=recipient, lead_id=lead_id)
    return check_outgoing(
        body,
        allowed_links=allowed_links,
        known_customer_email=recipient,
        other_customers_data=others,
        system_prompt=system_prompt,
        quote_figures=figures,
        quote_calc=calc,
        language=language,
    )
