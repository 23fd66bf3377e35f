"""QuoteStore on PostgreSQL: a calculated quote saved as a draft, lookup, the last one sent."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from agent.adapters.mapping import quote_draft, quote_summary
from agent.adapters.outbox import Clock, utc_now
from memory.errors import NotFoundError
from memory.models.enums import Service
from memory.repositories.leads import LeadRepository
from memory.repositories.quotes import QuoteRepository
from tools.canonical.records import QuoteDraft, QuoteSummary
from tools.pricing import HOURLY_RATE, QuoteCalculation


class SqlQuoteStore:
    def __init__(self, session: AsyncSession, *, clock: Clock = utc_now) -> None:
        self._session, self._clock = session, clock
        self._quotes = QuoteRepository(session)

    async def save_draft(
        self, *, lead_id: uuid.UUID | None, calc: QuoteCalculation, text: str, valid_until: date
    ) -> QuoteDraft:
        customer_id = None
        if lead_id is not None:
            lead = await LeadRepository(self._session).get(lead_id)
            if lead is None:
                raise NotFoundError(f"no lead {lead_id}")
            customer_id = lead.customer_id
        row = await self._quotes.insert_draft(
            lead_id=lead_id,
            customer_id=customer_id,
            service=Service(calc.service.value),
            area_m2=calc.area_m2,
            workers=calc.workers,
            hours_on_site=calc.hours_on_site,
            work_hours=calc.work_hours,
            hourly_rate=HOURLY_RATE,
            price_min=calc.price_min,
            price_max=calc.price_max,
            vat_min=calc.vat_min,
            vat_max=calc.vat_max,
            # JSON numbers: add-on hours are half-hour steps, exact as floats.
            add_ons={line.add_on.value: float(line.hours_on_site) for line in calc.add_ons},
            valid_until=valid_until,
            text=text,
            created_at=self._clock(),
        )
        return quote_draft(row)

    async def find(self, quote_ref: str) -> QuoteDraft | None:
        row = await self._quotes.find(quote_ref)
        return quote_draft(row) if row is not None else None

    async def latest_sent_to(self, email: str) -> QuoteSummary | None:
        row = await self._quotes.latest_sent_to(email)
        return quote_summary(row) if row is not None else None
