"""Quotes: saving drafts, finding them, and the newest quote a customer was sent."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from memory.models import Customer, Lead, Quote
from memory.models.base import JsonDict
from memory.models.enums import QuoteStatus, Service
from memory.repositories.refs import find_by_ref

# A quote the customer has seen: the duplicate-quote rule counts these.
SEEN_STATUSES = (QuoteStatus.SENT, QuoteStatus.ACCEPTED)


class QuoteRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def insert_draft(
        self,
        *,
        lead_id: uuid.UUID | None,
        customer_id: uuid.UUID | None,
        service: Service,
        area_m2: Decimal,
        workers: int,
        hours_on_site: Decimal,
        work_hours: Decimal,
        hourly_rate: Decimal,
        price_min: Decimal,
        price_max: Decimal,
        vat_min: Decimal,
        vat_max: Decimal,
        add_ons: JsonDict,
        valid_until: date,
        text: str,
        created_at: datetime | None = None,
    ) -> Quote:
        """Insert a quote in status draft; returns the row with its server defaults loaded."""
        values = {
            "lead_id": lead_id,
            "customer_id": customer_id,
            "service": service,
            "area_m2": area_m2,
            "workers": workers,
            "hours_on_site": hours_on_site,
            "work_hours": work_hours,
            "hourly_rate": hourly_rate,
            "price_min": price_min,
            "price_max": price_max,
            "vat_min": vat_min,
            "vat_max": vat_max,
            "add_ons": add_ons,
            "status": QuoteStatus.DRAFT,
            "valid_until": valid_until,
            "text": text,
        }
        if created_at is not None:  # the run's clock (frozen in evals); else the server's
            values["created_at"] = values["updated_at"] = created_at
        return (await self._s.scalars(insert(Quote).returning(Quote), [values])).one()

    async def find(self, ref: str) -> Quote | None:
        return await find_by_ref(self._s, Quote, Quote.id, ref)

    async def latest_sent_to(self, email: str) -> Quote | None:
        """The newest sent or accepted quote whose lead's (or customer's) email is ``email``,
        by the time it was sent (the creation time when that is unknown)."""
        address = email.strip().lower()
        if not address:
            return None
        stmt = (
            select(Quote)
            .outerjoin(Lead, Lead.id == Quote.lead_id)
            .outerjoin(Customer, Customer.id == Quote.customer_id)
            .where(Quote.status.in_(SEEN_STATUSES))
            .where(or_(func.lower(Lead.email) == address, func.lower(Customer.email) == address))
            .order_by(func.coalesce(Quote.sent_at, Quote.created_at).desc(), Quote.id)
            .limit(1)
        )
        return (await self._s.execute(stmt)).scalars().first()
