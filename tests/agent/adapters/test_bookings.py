"""SqlBookingStore: busy time from the bookings table, and booking once per key."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from agent.adapters import SqlBookingStore, SqlQuoteStore
from memory.database import Database
from memory.errors import ConflictError, NotFoundError
from memory.models import Booking
from memory.models.enums import BookingStatus, Service
from tests.agent.adapters import CPH, add_lead
from tools.availability import BusyInterval
from tools.canonical.ports import NewBooking
from tools.pricing import calculate_quote

DAY = datetime(2026, 12, 8, tzinfo=CPH)  # a Tuesday
H = timedelta(hours=1)


def at(hour: float) -> datetime:
    return DAY + hour * H


def new(
    key: str,
    start: float = 9,
    hours: float = 2,
    *,
    lead_id: uuid.UUID | None = None,
    quote_id: uuid.UUID | None = None,
    notes: str | None = None,
    calendar_event_id: str | None = None,
) -> NewBooking:
    return NewBooking(
        start=at(start),
        end=at(start + hours),
        lead_id=lead_id,
        quote_id=quote_id,
        notes=notes,
        calendar_event_id=calendar_event_id,
        idempotency_key=key,
    )


async def _booking(s: AsyncSession, start: float, end: float, status: BookingStatus) -> None:
    s.add(Booking(start=at(start), end=at(end), status=status))
    await s.flush()


async def test_busy_between_is_the_overlapping_bookings_that_are_not_cancelled(
    db: Database,
) -> None:
    async with db.transaction() as s:
        await _booking(s, 6, 8, BookingStatus.CONFIRMED)  # ends as the window starts
        await _booking(s, 7, 9, BookingStatus.TENTATIVE)  # overlaps the start
        await _booking(s, 10, 12, BookingStatus.CONFIRMED)
        await _booking(s, 11, 13, BookingStatus.CANCELLED)
        await _booking(s, 15, 18, BookingStatus.COMPLETED)  # overlaps the end
        await _booking(s, 16, 17, BookingStatus.CONFIRMED)  # starts as the window ends
        await _booking(s, 24 + 9, 24 + 11, BookingStatus.CONFIRMED)  # the next day
    async with db.sessions() as s:
        busy = await SqlBookingStore(s).busy_between(at(8), at(16))
    assert busy == [
        BusyInterval(at(7), at(9)),
        BusyInterval(at(10), at(12)),
        BusyInterval(at(15), at(18)),
    ]
    assert all(b.start.tzinfo is not None for b in busy)


async def test_create_takes_customer_and_address_from_the_lead_and_service_from_the_quote(
    db: Database,
) -> None:
    async with db.transaction() as s:
        address = "Lokesvej 7, 8210 Aarhus V"
        lead = await add_lead(
            s, "Kunde", address=address, with_customer=True, service=Service.REGULAR
        )
        quote = await SqlQuoteStore(s).save_draft(
            lead_id=lead.id, calc=calculate_quote("deep", 90), text="t", valid_until=DAY.date()
        )
        made = await SqlBookingStore(s).create(
            new(
                "k1",
                lead_id=lead.id,
                quote_id=quote.id,
                notes="Nøgle hos naboen",
                calendar_event_id="evt-1",
            )
        )
    assert (made.lead_id, made.start, made.end) == (lead.id, at(9), at(11))
    assert (made.status, made.calendar_event_id) == ("confirmed", "evt-1")
    async with db.sessions() as s:
        row = await s.get(Booking, made.id)
    assert row is not None
    assert row.customer_id == lead.customer_id is not None
    assert (row.quote_id, row.service, row.idempotency_key) == (quote.id, Service.DEEP, "k1")
    assert (row.address, row.notes) == (address, "Nøgle hos naboen")


async def test_create_without_a_quote_uses_the_leads_service(db: Database) -> None:
    async with db.transaction() as s:
        lead = await add_lead(s, "Kunde", service=Service.WINDOWS)
        made = await SqlBookingStore(s).create(new("k1", lead_id=lead.id))
        row = await s.get(Booking, made.id)
        assert row is not None and row.service is Service.WINDOWS and row.customer_id is None


async def test_a_repeated_key_returns_the_first_booking(db: Database) -> None:
    async with db.transaction() as s:
        first = await SqlBookingStore(s).create(new("same", start=9))
    async with db.transaction() as s:
        again = await SqlBookingStore(s).create(new("same", start=13, notes="other"))
        other = await SqlBookingStore(s).create(new("different", start=13))
    assert again == first
    assert other.id != first.id
    async with db.sessions() as s:
        count = await s.scalar(select(func.count()).select_from(Booking))
    assert count == 2


async def test_a_calendar_event_booked_under_another_key_is_a_conflict(db: Database) -> None:
    async with db.transaction() as s:
        store = SqlBookingStore(s)
        await store.create(new("a", calendar_event_id="evt-9"))
        with pytest.raises(ConflictError, match="evt-9"):
            await store.create(new("b", start=13, calendar_event_id="evt-9"))
        # The transaction is still usable: the conflict did not abort it.
        assert len(await store.busy_between(at(0), at(24))) == 1


async def test_unknown_lead_or_quote_is_not_found(db: Database) -> None:
    async with db.transaction() as s:
        with pytest.raises(NotFoundError):
            await SqlBookingStore(s).create(new("x", lead_id=uuid.uuid4()))
        with pytest.raises(NotFoundError):
            await SqlBookingStore(s).create(new("y", quote_id=uuid.uuid4()))


async def test_two_concurrent_runs_with_one_key_make_one_booking(db: Database) -> None:
    async with db.transaction() as first_session:
        first = await SqlBookingStore(first_session).create(new("race", start=9))

        async def second_run() -> uuid.UUID:
            async with db.transaction() as s:
                return (await SqlBookingStore(s).create(new("race", start=14))).id

        # The second insert waits on the first transaction's uncommitted row.
        second = asyncio.create_task(second_run())
        await asyncio.sleep(0.3)
        assert not second.done()
    assert await asyncio.wait_for(second, 10) == first.id
    async with db.sessions() as s:
        rows = list((await s.execute(select(Booking))).scalars())
    assert [(r.id, r.start) for r in rows] == [(first.id, at(9))]
    assert rows[0].end - rows[0].start == timedelta(hours=2)
