"""The outgoing checks of a reply, with the facts they need read from the database.

`tools.mail_policy.outgoing.check_outgoing` is pure; this module supplies what it compares
against: the other customers whose data appears in the text (found by the database, so the
check scales with the text, not the customer list), the quote the reply may state (recomputed
by the pricing engine from the stored inputs, so a tampered quote row cannot widen what is
allowed) and the responder's system prompt. Without a quote, no price, hours or head count
other than the hourly rate may appear.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Set
from decimal import Decimal

from sqlalchemy import ColumnElement, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from agent.responder.prompt import RESPONDER_SYSTEM_PROMPT
from memory.models import Customer, Lead, Quote
from tools.danish_format import Lang
from tools.mail_policy.outgoing import QuoteFigures, Violation, check_outgoing
from tools.pricing import HOURLY_RATE, PricingError, QuoteCalculation, calculate_quote

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_DIGITS = re.compile(r"\+?\d[\d \-.]{6,14}\d")
# Without a quote: only the hourly rate (and its VAT share) may be named.
_NO_QUOTE = QuoteFigures(HOURLY_RATE, HOURLY_RATE, Decimal(-1), -1)


def _phones(text: str) -> list[str]:
    out = {re.sub(r"\D", "", m.group(0))[-8:] for m in _DIGITS.finditer(text)}
    return sorted(p for p in out if len(p) == 8)


async def others_in_text(
    session: AsyncSession, text: str, *, recipient: str, lead_id: uuid.UUID | None
) -> list[str]:
    """Names, emails, phones and addresses of other customers that occur in ``text``."""
    flat = " ".join(text.split()).casefold()
    emails = sorted({m.group(0).casefold() for m in _EMAIL.finditer(text)})
    phones = _phones(text)
    found: list[str] = []
    for table in (Lead, Customer):
        name, email, phone, address = table.name, table.email, table.phone, table.address
        digits = func.right(func.regexp_replace(func.coalesce(phone, ""), r"\D", "", "g"), 8)

        def contained(column: InstrumentedAttribute[str | None]) -> ColumnElement[bool]:
            lowered = func.lower(func.coalesce(column, ""))
            return (func.length(lowered) >= 4) & (func.strpos(literal(flat), lowered) > 0)

        stmt = select(name, email, phone, address).where(
            or_(
                contained(name),
                contained(address),
                func.lower(email).in_(emails) if emails else literal(False).is_(True),
                digits.in_(phones) if phones else literal(False).is_(True),
            ),
            func.lower(func.coalesce(email, "")) != recipient.strip().casefold(),
        )
        if lead_id is not None and table is Lead:
            stmt = stmt.where(Lead.id != lead_id)
        for row in (await session.execute(stmt.limit(200))).all():
            found += [str(v) for v in row if v]
    return sorted(set(found))


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
