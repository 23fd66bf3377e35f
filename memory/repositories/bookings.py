"""Bookings as the calendar: busy time, and creating a booking once per idempotency key."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from memory.errors import ConflictError, NotFoundError
from memory.models import Booking, Lead, Quote
from memory.models.base import JsonDict
from memory.models.enums import BookingStatus


class ScheduleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def busy_between(self, start: datetime, end: datetime) -> list[Booking]:
        """Bookings that are not cancelled and overlap [start, end), earliest first."""
        stmt = (
            select(Booking)
            .where(Booking.start < end, Booking.end > start)
            .where(Booking.status != BookingStatus.CANCELLED)
            .order_by(Booking.start, Booking.id)
        )
        return list((await self._s.execute(stmt)).scalars())

    async def by_idempotency_key(self, key: str) -> Booking | None:
        stmt = select(Booking).where(Booking.idempotency_key == key)
        return (await self._s.execute(stmt)).scalar_one_or_none()

    async def create_once(
        self,
        *,
        start: datetime,
        end: datetime,
        lead_id: uuid.UUID | None,
        quote_id: uuid.UUID | None,
        notes: str | None,
        calendar_event_id: str | None,
        idempotency_key: str,
        created_at: datetime | None = None,
    ) -> tuple[Booking, bool]:
        """Insert a confirmed booking unless one with this key exists; (booking, inserted).

        The customer and address come from the lead, the service from the quote (else the
        lead). ``ON CONFLICT DO NOTHING`` makes a concurrent repeat wait for the first and then
        return it, without aborting the caller's transaction.
        """
        if (found := await self.by_idempotency_key(idempotency_key)) is not None:
            return found, False
        lead = await self._s.get(Lead, lead_id) if lead_id is not None else None
        if lead_id is not None and lead is None:
            raise NotFoundError(f"no lead {lead_id}")
        quote = await self._s.get(Quote, quote_id) if quote_id is not None else None
        if quote_id is not None and quote is None:
            raise NotFoundError(f"no quote {quote_id}")
        values: JsonDict = {
            "customer_id": lead.customer_id if lead else quote.customer_id if quote else None,
            "lead_id": lead_id if lead_id is not None else quote.lead_id if quote else None,
            "quote_id": quote_id,
            "service": quote.service if quote else lead.service if lead else None,
            "start": start,
            "end": end,
            "status": BookingStatus.CONFIRMED,
            "address": lead.address if lead else None,
            "notes": notes,
            "calendar_event_id": calendar_event_id,
            "idempotency_key": idempotency_key,
        }
        if created_at is not None:  # the run's clock (frozen in evals); else the server's
            values["created_at"] = values["updated_at"] = created_at
        stmt = pg_insert(Booking).values(values).on_conflict_do_nothing().returning(Booking.id)
        inserted = (await self._s.execute(stmt)).scalar_one_or_none()
        if inserted is not None:
            booking = await self._s.get(Booking, inserted)
            assert booking is not None
            return booking, True
        if (found := await self.by_idempotency_key(idempotency_key)) is not None:
            return found, False
        raise ConflictError(f"calendar event {calendar_event_id} is already booked")
