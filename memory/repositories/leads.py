"""Reading leads and bookings for listings (CLI, API)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from memory.models import Booking, Customer, Lead, Quote
from memory.models.enums import LeadSource, LeadStatus


class LeadRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def list_recent(
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

    async def count(self) -> int:
        return int((await self._s.execute(select(func.count()).select_from(Lead))).scalar_one())

    async def get(self, lead_id: uuid.UUID) -> Lead | None:
        return await self._s.get(Lead, lead_id)

    async def find_by_id_prefix(self, prefix: str) -> Lead | None:
        """The lead whose id starts with ``prefix`` (as printed in listings), if exactly one."""
        if len(prefix) < 6 or not all(ch in "0123456789abcdef-" for ch in prefix.lower()):
            return None
        stmt = select(Lead).where(cast(Lead.id, String).like(prefix.lower() + "%")).limit(2)
        found = list((await self._s.execute(stmt)).scalars())
        return found[0] if len(found) == 1 else None

    async def newest_by_email(self, email: str) -> Lead | None:
        """The most recently received lead with exactly this email (case-insensitive)."""
        address = email.strip().lower()
        if not address:
            return None
        stmt = (
            select(Lead)
            .where(func.lower(Lead.email) == address)
            .order_by(Lead.received_at.desc(), Lead.id)
            .limit(1)
        )
        return (await self._s.execute(stmt)).scalars().first()

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
