"""Reading leads and bookings for listings (CLI, API)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from memory.models import Booking, Customer, Lead, Quote
from memory.models.enums import LeadSource, LeadStatus


class LeadRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def list(
        self,
        *,
        status: LeadStatus | None = None,
        source: LeadSource | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Lead]:
        stmt = select(Lead).order_by(Lead.received_at.desc(), Lead.id).limit(limit).offset(offset)
        if status is not None:
            stmt = stmt.where(Lead.status == status)
        if source is not None:
            stmt = stmt.where(Lead.source == source)
        return list((await self._s.execute(stmt)).scalars())

    async def get(self, lead_id: uuid.UUID) -> Lead | None:
        return await self._s.get(Lead, lead_id)

    async def quotes_for(self, lead_id: uuid.UUID) -> list[Quote]:
        stmt = select(Quote).where(Quote.lead_id == lead_id).order_by(Quote.created_at)
        return list((await self._s.execute(stmt)).scalars())

    async def bookings_for(self, lead_id: uuid.UUID) -> list[Booking]:
        stmt = select(Booking).where(Booking.lead_id == lead_id).order_by(Booking.start)
        return list((await self._s.execute(stmt)).scalars())


class BookingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def list_between(
        self, start: datetime, end: datetime, *, include_cancelled: bool = False
    ) -> list[tuple[Booking, Customer | None]]:
        stmt = (
            select(Booking, Customer)
            .outerjoin(Customer, Customer.id == Booking.customer_id)
            .where(Booking.start < end, Booking.end > start)
            .order_by(Booking.start)
        )
        if not include_cancelled:
            stmt = stmt.where(Booking.status != "cancelled")
        return [(b, c) for b, c in (await self._s.execute(stmt)).all()]
