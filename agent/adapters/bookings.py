"""BookingStore on PostgreSQL: the bookings table is the calendar when Google's is not used."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from agent.adapters.mapping import booking_summary
from agent.adapters.outbox import Clock, utc_now
from memory.repositories.bookings import ScheduleRepository
from tools.availability import BusyInterval
from tools.canonical.ports import NewBooking
from tools.canonical.records import BookingSummary


class SqlBookingStore:
    def __init__(self, session: AsyncSession, *, clock: Clock = utc_now) -> None:
        self._schedule, self._clock = ScheduleRepository(session), clock

    async def busy_between(self, start: datetime, end: datetime) -> list[BusyInterval]:
        rows = await self._schedule.busy_between(start, end)
        return [BusyInterval(row.start, row.end) for row in rows]

    async def create(self, booking: NewBooking) -> BookingSummary:
        """Insert once per idempotency key; a repeat returns the first booking unchanged."""
        row, _ = await self._schedule.create_once(
            start=booking.start,
            end=booking.end,
            lead_id=booking.lead_id,
            quote_id=booking.quote_id,
            notes=booking.notes,
            calendar_event_id=booking.calendar_event_id,
            idempotency_key=booking.idempotency_key,
            created_at=self._clock(),
        )
        return booking_summary(row)
