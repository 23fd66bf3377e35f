"""check_availability and create_booking on the rules in tools.availability.

Busy time is our bookings plus, when a calendar is configured, its free/busy blocks."""

from __future__ import annotations

import hashlib
from datetime import datetime, time, timedelta
from decimal import Decimal

from tools.availability import BusyInterval, check_slot, find_slots, job_duration
from tools.canonical.args import CheckAvailabilityArgs, CreateBookingArgs
from tools.canonical.caller import Caller
from tools.canonical.errors import ToolError, ToolErrorCode
from tools.canonical.ports import NewBooking, Ports
from tools.canonical.records import AvailabilityResult, BookingCreated, SlotOffer
from tools.danish_format import company_tz, format_datetime, format_time
from tools.integrations.ports import CalendarEventRequest, IntegrationError


async def _hours_for(quote_id: str | None, hours: Decimal | None, ports: Ports) -> Decimal | None:
    if quote_id:
        quote = await ports.quotes.find(quote_id)
        if quote is None:
            raise ToolError(ToolErrorCode.NOT_FOUND, f"no quote {quote_id}")
        return quote.hours_on_site
    return hours


async def _busy(ports: Ports, start: datetime, end: datetime) -> list[BusyInterval]:
    busy = await ports.bookings.busy_between(start, end)
    if ports.calendar is not None:
        try:
            busy += await ports.calendar.free_busy(start, end)
        except IntegrationError as exc:
            # Offering a slot the calendar may have taken is worse than offering none.
            raise ToolError(ToolErrorCode.UNAVAILABLE, f"calendar unavailable: {exc}") from exc
    return busy


def _label(start: datetime, end: datetime, lang: str) -> str:
    if lang == "da":
        return f"{format_datetime(start, 'da')}–{format_time(end, 'da')}"
    return f"{format_datetime(start, 'en')}–{format_time(end, 'en')}"


async def check_availability(
    args: CheckAvailabilityArgs, ports: Ports, caller: Caller
) -> AvailabilityResult:
    hours = await _hours_for(args.quote_id, args.hours_on_site, ports)
    duration = job_duration(hours)
    now = caller.now
    if args.from_date is not None:
        day_start = datetime.combine(args.from_date, time(0), company_tz())
        now = max(now, day_start)
    end = now + timedelta(days=args.days)
    slots = find_slots(
        now,
        await _busy(ports, now - timedelta(days=1), end + timedelta(days=1)),
        duration=duration,
        count=args.count,
        window=timedelta(days=args.days),
    )
    return AvailabilityResult(
        hours_on_site=Decimal(duration.total_seconds()) / 3600,
        slots=[
            SlotOffer(
                start=s.start,
                end=s.end,
                label_da=_label(s.start, s.end, "da"),
                label_en=_label(s.start, s.end, "en"),
            )
            for s in slots
        ],
    )


async def validate_booking(args: CreateBookingArgs, ports: Ports, caller: Caller) -> timedelta:
    """Everything create_booking checks before it asks for approval; returns the job length."""
    if args.start.tzinfo is None:
        raise ToolError(ToolErrorCode.INVALID, "start must include a time zone offset")
    duration = job_duration(await _hours_for(args.quote_id, args.hours_on_site, ports))
    if args.lead_id and await ports.leads.find(args.lead_id) is None:
        raise ToolError(ToolErrorCode.NOT_FOUND, f"no lead {args.lead_id}")
    window = (args.start - timedelta(days=1), args.start + duration + timedelta(days=1))
    check = check_slot(args.start, duration, await _busy(ports, *window), now=caller.now)
    if not check.ok:
        raise ToolError(ToolErrorCode.SLOT_UNAVAILABLE, check.message)
    return duration


async def create_booking(
    args: CreateBookingArgs, ports: Ports, caller: Caller, *, idempotency_key: str
) -> BookingCreated:
    """Runs only after approval. The slot is checked again: it may have been taken meanwhile."""
    duration = await validate_booking(args, ports, caller)
    lead = await ports.leads.find(args.lead_id) if args.lead_id else None
    quote = await ports.quotes.find(args.quote_id) if args.quote_id else None
    event_id = None
    if ports.calendar is not None:
        request = CalendarEventRequest(
            summary=f"Rengøring{f' – {lead.name}' if lead else ''}",
            description=args.notes or "",
            start=args.start,
            end=args.start + duration,
            location=lead.address if lead and lead.address else None,
            idempotency_key=idempotency_key,
        )
        try:
            event_id = (await ports.calendar.create_event(request)).event_id
        except IntegrationError as exc:
            raise ToolError(ToolErrorCode.UNAVAILABLE, f"calendar unavailable: {exc}") from exc
    booking = await ports.bookings.create(
        NewBooking(
            start=args.start,
            end=args.start + duration,
            lead_id=lead.id if lead else None,
            quote_id=quote.id if quote else None,
            notes=args.notes,
            calendar_event_id=event_id,
            idempotency_key=idempotency_key,
        )
    )
    return BookingCreated(
        booking=booking,
        label_da=_label(booking.start, booking.end, "da"),
        label_en=_label(booking.start, booking.end, "en"),
    )


def booking_key(tool_call_id: str) -> str:
    return "booking:" + hashlib.sha256(tool_call_id.encode()).hexdigest()[:40]
