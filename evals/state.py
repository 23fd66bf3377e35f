"""Fresh state for every trial, and the end state the checks look at.

Every trial gets a database of its own, copied (``CREATE DATABASE … TEMPLATE``) from a template
made once per run for each (dataset, frozen ``now``): the migrated schema with the LangGraph
checkpointer's tables, plus for ``demo`` the demo data seeded at that ``now``. The copy is
dropped when the trial ends, so no trial sees another's writes and trials may run in parallel.
The server is the one ``DATABASE_URL`` names, or the embedded one (as for the service).

``insert_records`` adds a scenario's ``setup.records``; ``snapshot`` reads entities back with
exactly the field names of the scenario format (docs/scenarios.md), as JSON values.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

from sqlalchemy import func, make_url, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from agent.demo_pricing import TOOLS_QUOTE_PRICER
from memory import migrate
from memory.checkpointer import open_checkpointer
from memory.database import Database, create_database, ensure_extensions
from memory.embedded import start_embedded_server
from memory.models import (
    Booking,
    Customer,
    Escalation,
    Lead,
    OutboundEmail,
    Quote,
    TaskExecution,
)
from memory.models.enums import (
    BookingStatus,
    LeadSource,
    LeadStatus,
    OutboundStatus,
    QuoteStatus,
    Service,
    Severity,
)
from memory.provision import create_database_if_missing, drop_database
from memory.seed.demo import seed_demo
from memory.settings import DatabaseSettings
from tools.canonical.quoting import QUOTE_VALIDITY
from tools.danish_format import company_tz
from tools.lead_score import score_lead
from tools.pricing import HOURLY_RATE, PricingError, calculate_quote, vat_share
from tools.quote_text import build_quote_text

Row = dict[str, Any]
_E = TypeVar("_E", bound=Enum)


class RecordError(ValueError):
    """A scenario record that cannot be stored; the message names the record."""


def admin_url(settings: DatabaseSettings) -> str:
    """A URL on the server trial databases live on: ``DATABASE_URL`` as given, else the
    embedded server under ``RENOS_DATA_DIR`` (started if needed; blocking)."""
    if settings.database_url is not None:
        return str(settings.database_url)
    return start_embedded_server(settings.data_dir).url("postgres")


class TrialDatabases:
    """Templates per (dataset, now), made on first use, and one database per trial."""

    def __init__(self, admin_url: str, *, pool_size: int = 5) -> None:
        self._admin = admin_url
        self._pool_size = pool_size
        self._prefix = f"renos_eval_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self._templates: dict[tuple[str, str], str] = {}
        self._lock = asyncio.Lock()

    def _url(self, name: str) -> str:
        return make_url(self._admin).set(database=name).render_as_string(hide_password=False)

    async def template(self, dataset: str, now: datetime) -> str:
        """The template's name for this dataset and clock (the empty one ignores the clock)."""
        async with self._lock:
            return await self._template(dataset, now)

    async def _template(self, dataset: str, now: datetime) -> str:
        key = (dataset, now.isoformat() if dataset != "empty" else "")
        if key in self._templates:
            return self._templates[key]
        # Every other template copies the empty one: migrating is the slow part.
        base = await self._template("empty", now) if dataset != "empty" else None
        name = f"{self._prefix}_t{len(self._templates)}"
        await asyncio.to_thread(create_database_if_missing, self._admin, name, template=base)
        database = create_database(self._url(name), pool_size=1)
        try:
            if base is None:
                await ensure_extensions(database)
                await migrate.upgrade(database)
                async with open_checkpointer(database, max_size=2):
                    pass  # its setup() creates the checkpointer's tables, once, here
            if dataset == "demo":
                async with database.transaction() as session:
                    await seed_demo(session, now=now, pricer=TOOLS_QUOTE_PRICER, scorer=score_lead)
        except BaseException:
            await database.dispose()
            await asyncio.to_thread(drop_database, self._admin, name)
            raise
        await database.dispose()  # a template must have no connections to be copied
        self._templates[key] = name
        return name

    @asynccontextmanager
    async def trial(self, dataset: str, now: datetime) -> AsyncIterator[Database]:
        """A database of the trial's own, dropped afterwards."""
        template = await self.template(dataset, now)
        name = f"{self._prefix}_{uuid.uuid4().hex[:10]}"
        await asyncio.to_thread(create_database_if_missing, self._admin, name, template=template)
        database = create_database(self._url(name), pool_size=self._pool_size)
        try:
            yield database
        finally:
            await database.dispose()
            await asyncio.to_thread(drop_database, self._admin, name)

    async def aclose(self) -> None:
        """Drop the templates."""
        async with self._lock:
            for name in self._templates.values():
                await asyncio.to_thread(drop_database, self._admin, name)
            self._templates.clear()


# --- records -----------------------------------------------------------------------------


def _text(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return None if value is None else str(value)


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError(f"not a number: {value!r}")
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _moment(value: Any, field: str) -> datetime:
    if not isinstance(value, str | datetime):
        raise ValueError(f"{field}: expected an ISO date-time, got {value!r}")
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=company_tz())


def _enum(cls: type[_E], value: Any, field: str) -> _E:
    try:
        return cls(value)
    except ValueError:
        known = ", ".join(str(m.value) for m in cls)
        raise ValueError(f"{field}: {value!r} is not one of {known}") from None


async def _lead_by_email(session: AsyncSession, email: str) -> Lead | None:
    stmt = (
        select(Lead)
        .where(func.lower(Lead.email) == email.strip().lower())
        .order_by(Lead.received_at.desc(), Lead.id)
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def _customer_by_email(session: AsyncSession, email: str) -> Customer | None:
    stmt = select(Customer).where(func.lower(Customer.email) == email.strip().lower())
    return (await session.execute(stmt)).scalar_one_or_none()


def _priced(service: Service | None, area: Decimal | None) -> Decimal | None:
    if service is None or area is None:
        return None
    try:
        return calculate_quote(service.value, area).price_min
    except PricingError:
        return None


async def _add_lead(session: AsyncSession, data: Row, now: datetime, index: int) -> None:
    service = _enum(Service, data["service"], "service") if data.get("service") else None
    status = _enum(LeadStatus, data.get("status") or "new", "status")
    email, phone = _text(data, "email"), _text(data, "phone")
    area = _decimal(data.get("area_m2"))
    value = _priced(service, area)
    lead = Lead(
        source=_enum(LeadSource, data.get("source") or "direct", "source"),
        status=status,
        name=_text(data, "name") or email or "Ukendt",
        email=email,
        phone=phone,
        address=_text(data, "address"),
        area_m2=area,
        rooms=int(data["rooms"]) if data.get("rooms") is not None else None,
        service=service,
        estimated_value=value,
        dedup_key=f"eval:lead:{index}:{uuid.uuid4().hex[:8]}",
        received_at=now,
        created_at=now,
    )
    if data.get("score") is not None:
        lead.score = int(data["score"])
    else:
        parts = score_lead(
            created_at=now,
            now=now,
            email=email,
            phone=phone,
            estimated_value_kr=value,
            status=status.value,
        )
        lead.score, lead.score_response = parts.total, parts.response_speed
        lead.score_contact, lead.score_value = parts.contact_quality, parts.value
        lead.score_engagement = parts.engagement
    session.add(lead)


async def _add_customer(session: AsyncSession, data: Row, now: datetime, index: int) -> None:
    email = _text(data, "email")
    if email and await _customer_by_email(session, email) is not None:
        raise ValueError(f"a customer with email {email} already exists")
    name = _text(data, "name") or (email.split("@")[0].capitalize() if email else "Ukendt")
    session.add(
        Customer(
            name=name,
            email=email,
            phone=_text(data, "phone"),
            address=_text(data, "address"),
            created_at=now,
        )
    )


async def _customer_for(session: AsyncSession, email: str) -> Customer:
    """The customer with this email; else one made from the lead with it (and linked to
    it); else one named after the address."""
    if (customer := await _customer_by_email(session, email)) is not None:
        return customer
    lead = await _lead_by_email(session, email)
    customer = Customer(
        name=lead.name if lead else email.split("@")[0].capitalize(),
        email=email,
        phone=lead.phone if lead else None,
        address=lead.address if lead else None,
    )
    session.add(customer)
    await session.flush()
    if lead is not None and lead.customer_id is None:
        lead.customer_id = customer.id
    return customer


async def _required_lead(session: AsyncSession, email: str) -> Lead:
    lead = await _lead_by_email(session, email)
    if lead is None:
        raise ValueError(f"lead_email: no lead with email {email} (add it under records.lead)")
    return lead


async def _named_lead(session: AsyncSession, data: Row) -> Lead | None:
    email = data.get("lead_email")
    return await _required_lead(session, str(email)) if email else None


async def _add_booking(session: AsyncSession, data: Row, now: datetime, index: int) -> None:
    del index
    if data.get("start") is None:
        raise ValueError("start: required (an ISO date-time)")
    start = _moment(data["start"], "start")
    if data.get("end") is not None:
        end = _moment(data["end"], "end")
    else:
        hours = _decimal(data.get("hours")) or Decimal(2)
        end = start + timedelta(hours=float(hours))
    lead = await _named_lead(session, data)
    customer = None
    if data.get("customer_email"):
        customer = await _customer_for(session, str(data["customer_email"]))
    elif lead is not None and lead.customer_id is not None:
        customer = await session.get(Customer, lead.customer_id)
    session.add(
        Booking(
            customer_id=customer.id if customer else None,
            lead_id=lead.id if lead else None,
            service=lead.service if lead else None,
            start=start,
            end=end,
            status=_enum(BookingStatus, data.get("status") or "confirmed", "status"),
            address=(customer.address if customer else None) or (lead.address if lead else None),
            calendar_event_id=_text(data, "calendar_event_id"),
            created_at=now,
        )
    )


_FIGURES = ("workers", "hours_on_site", "work_hours", "price_min", "price_max")


async def _add_quote(session: AsyncSession, data: Row, now: datetime, index: int) -> None:
    del index
    lead = await _named_lead(session, data)
    raw_service = data.get("service") or (lead.service.value if lead and lead.service else None)
    if raw_service is None:
        raise ValueError("service: required (or a lead with a service)")
    service = _enum(Service, raw_service, "service")
    area = _decimal(data.get("area_m2")) or (lead.area_m2 if lead else None)
    if area is None:
        raise ValueError("area_m2: required (or a lead with an area)")
    calc = calculate_quote(service.value, area)
    figures: dict[str, Any] = {key: getattr(calc, key) for key in _FIGURES}
    figures.update({k: _decimal(data[k]) for k in _FIGURES if data.get(k) is not None})
    status = _enum(QuoteStatus, data.get("status") or "draft", "status")
    session.add(
        Quote(
            lead_id=lead.id if lead else None,
            customer_id=lead.customer_id if lead else None,
            service=service,
            area_m2=area,
            workers=int(figures["workers"]),
            hours_on_site=figures["hours_on_site"],
            work_hours=figures["work_hours"],
            hourly_rate=HOURLY_RATE,
            price_min=figures["price_min"],
            price_max=figures["price_max"],
            vat_min=vat_share(figures["price_min"]),
            vat_max=vat_share(figures["price_max"]),
            add_ons={},
            status=status,
            valid_until=now.astimezone(company_tz()).date() + QUOTE_VALIDITY,
            text=build_quote_text(calc),
            sent_at=now if status is not QuoteStatus.DRAFT else None,
            created_at=now,
        )
    )


async def _add_outbound(session: AsyncSession, data: Row, now: datetime, index: int) -> None:
    to = _text(data, "to")
    if not to:
        raise ValueError("to: required")
    status = _enum(OutboundStatus, data.get("status") or "draft", "status")
    lead = await _lead_by_email(session, to)
    done = status in (OutboundStatus.APPROVED, OutboundStatus.SENT)
    session.add(
        OutboundEmail(
            idempotency_key=f"eval:record:{index}:{uuid.uuid4().hex[:8]}",
            to_address=to,
            cc=_text(data, "cc"),
            subject=_text(data, "subject") or "",
            body=_text(data, "body") or "",
            status=status,
            in_reply_to=_text(data, "in_reply_to"),
            thread_id=_text(data, "thread_id"),
            lead_id=lead.id if lead else None,
            approved_at=now if done else None,
            sent_at=now if status is OutboundStatus.SENT else None,
            created_at=now,
        )
    )


async def _add_escalation(session: AsyncSession, data: Row, now: datetime, index: int) -> None:
    del index
    email = _text(data, "customer_email")
    lead = await _lead_by_email(session, email) if email else None
    session.add(
        Escalation(
            customer_email=email,
            lead_id=lead.id if lead else None,
            severity=_enum(Severity, data.get("severity") or "medium", "severity"),
            reason=_text(data, "reason") or "",
            matched_keywords=[],
            details={},
            created_at=now,
        )
    )


_Builder = Callable[[AsyncSession, Row, datetime, int], Any]
# Parents first: a booking or quote names its lead or customer by email.
_BUILDERS: dict[str, _Builder] = {
    "customer": _add_customer,
    "lead": _add_lead,
    "quote": _add_quote,
    "booking": _add_booking,
    "outbound_email": _add_outbound,
    "escalation": _add_escalation,
}


async def insert_records(
    session: AsyncSession, records: Mapping[str, Sequence[Mapping[str, Any]]], now: datetime
) -> None:
    """Store a scenario's ``setup.records``, with sensible defaults for what a record leaves
    out (a lead is new, direct, received now and scored; a quote is priced by the pricing rules
    unless its figures are given; a booking lasts ``hours`` (default 2) unless ``end`` is given).
    Raises ``RecordError`` naming the record."""
    unknown = sorted(set(records) - set(_BUILDERS))
    if unknown:
        raise RecordError(f"setup.records: entities that cannot be created: {', '.join(unknown)}")
    for entity, build in _BUILDERS.items():
        for index, data in enumerate(records.get(entity, ())):
            try:
                await build(session, dict(data), now, index)
                await session.flush()
            except (ValueError, TypeError, ArithmeticError, SQLAlchemyError) as exc:
                message = " ".join(str(exc).split())[:500]
                raise RecordError(f"setup.records.{entity}[{index}]: {message}") from exc


# --- snapshot ----------------------------------------------------------------------------


def json_value(value: Any) -> Any:
    """A JSON-safe copy: Decimal → int or float, datetimes (in Copenhagen time) and dates →
    ISO, UUIDs → text, enums → their values."""
    if isinstance(value, Enum):
        return json_value(value.value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(company_tz()).isoformat()  # as scenario authors write them
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    return value


async def _leads(session: AsyncSession) -> list[Row]:
    rows = (await session.execute(select(Lead).order_by(Lead.received_at, Lead.id))).scalars()
    keys = ("name", "email", "phone", "address", "area_m2", "rooms", "service", "source")
    return [
        {**{k: getattr(r, k) for k in keys}, "status": r.status, "score": r.score} for r in rows
    ]


async def _customers(session: AsyncSession) -> list[Row]:
    stmt = select(Customer).order_by(Customer.created_at, Customer.id)
    return [
        {"name": r.name, "email": r.email, "phone": r.phone, "address": r.address}
        for r in (await session.execute(stmt)).scalars()
    ]


async def _bookings(session: AsyncSession) -> list[Row]:
    customer, lead = aliased(Customer), aliased(Lead)
    stmt = (
        select(Booking, customer.email, lead.email)
        .outerjoin(customer, Booking.customer_id == customer.id)
        .outerjoin(lead, Booking.lead_id == lead.id)
        .order_by(Booking.start, Booking.id)
    )
    return [
        {
            # A booking made for a lead without a customer record is still that person's.
            "customer_email": customer_email or lead_email,
            "lead_email": lead_email,
            "start": b.start,
            "end": b.end,
            "hours": Decimal((b.end - b.start).total_seconds()) / 3600,
            "status": b.status,
            "calendar_event_id": b.calendar_event_id,
        }
        for b, customer_email, lead_email in (await session.execute(stmt)).all()
    ]


async def _quotes(session: AsyncSession) -> list[Row]:
    customer, lead = aliased(Customer), aliased(Lead)
    stmt = (
        select(Quote, lead.email, customer.email)
        .outerjoin(lead, Quote.lead_id == lead.id)
        .outerjoin(customer, Quote.customer_id == customer.id)
        .order_by(Quote.created_at, Quote.id)
    )
    keys = ("service", "area_m2", "workers", "hours_on_site", "work_hours")
    return [
        {
            "lead_email": lead_email or customer_email,
            **{k: getattr(q, k) for k in keys},
            "price_min": q.price_min,
            "price_max": q.price_max,
            "status": q.status,
        }
        for q, lead_email, customer_email in (await session.execute(stmt)).all()
    ]


async def _outbound(session: AsyncSession) -> list[Row]:
    stmt = select(OutboundEmail).order_by(OutboundEmail.created_at, OutboundEmail.id)
    return [
        {
            "to": r.to_address,
            "cc": r.cc,
            "subject": r.subject,
            "body": r.body,
            "status": r.status,
            "in_reply_to": r.in_reply_to,
            "thread_id": r.thread_id,
        }
        for r in (await session.execute(stmt)).scalars()
    ]


async def _escalations(session: AsyncSession) -> list[Row]:
    stmt = select(Escalation).order_by(Escalation.created_at, Escalation.id)
    return [
        {"customer_email": r.customer_email, "severity": r.severity, "reason": r.reason}
        for r in (await session.execute(stmt)).scalars()
    ]


async def _tasks(session: AsyncSession) -> list[Row]:
    stmt = select(TaskExecution).order_by(TaskExecution.created_at, TaskExecution.id)
    return [
        {"tool": r.task_type, "status": r.status, "channel": r.channel, "session_id": r.session_id}
        for r in (await session.execute(stmt)).scalars()
    ]


_SNAPSHOTS: dict[str, Callable[[AsyncSession], Any]] = {
    "lead": _leads,
    "customer": _customers,
    "booking": _bookings,
    "quote": _quotes,
    "outbound_email": _outbound,
    "escalation": _escalations,
    "task_execution": _tasks,
}
ENTITIES: tuple[str, ...] = tuple(_SNAPSHOTS)


async def snapshot(session: AsyncSession, entities: Iterable[str]) -> dict[str, list[Row]]:
    """Every row of each named entity, with the scenario format's field names, JSON-safe."""
    state: dict[str, list[Row]] = {}
    for entity in dict.fromkeys(entities):
        if entity not in _SNAPSHOTS:
            raise ValueError(f"unknown entity {entity!r} (known: {', '.join(ENTITIES)})")
        rows: list[Row] = await _SNAPSHOTS[entity](session)
        state[entity] = [json_value(row) for row in rows]
    return state
