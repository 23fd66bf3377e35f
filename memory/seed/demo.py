"""``renos db seed``: a synthetic, Danish demo data set that hangs together.

The set is deterministic (one fixed random seed, ids from ``uuid5``) and idempotent: every
row is inserted with ``ON CONFLICT DO NOTHING``, so a second run, even with a later ``now``,
inserts nothing and says so. The caller owns the transaction; this module only flushes.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from memory.models import (
    Base,
    Booking,
    Customer,
    Escalation,
    InboundEmail,
    Lead,
    OutboundEmail,
    Quote,
    StaffUser,
)
from memory.models.enums import BookingStatus, LeadStatus, StaffRole
from memory.seed.calendar import place_jobs
from memory.seed.complaints import complaints
from memory.seed.followups import ignored, quote_replies
from memory.seed.plan import build_plan, demo_id
from memory.seed.ports import DemoPricing, FiguresT, QuotePricer
from memory.seed.rows import (
    Row,
    booking_jobs,
    booking_row,
    customer_rows,
    lead_row,
    quote_row,
)
from memory.seed.threads import lead_thread

STAFF: tuple[tuple[str, str, str, StaffRole], ...] = (
    ("owner", "Lone Rendtorff", "lone@rendetalje.dk", StaffRole.OWNER),
    ("staff-1", "Kasper Holt", "kasper@rendetalje.dk", StaffRole.STAFF),
    ("staff-2", "Amalie Friis", "amalie@rendetalje.dk", StaffRole.STAFF),
)


class LeadScoreParts(Protocol):
    """The four 0–25 parts of a lead score and their 0–100 total."""

    @property
    def response_speed(self) -> int: ...
    @property
    def contact_quality(self) -> int: ...
    @property
    def value(self) -> int: ...
    @property
    def engagement(self) -> int: ...
    @property
    def total(self) -> int: ...


class LeadScorer(Protocol):
    """Scores a lead from its facts; ``created_at`` is when the lead arrived. The real rules
    live in ``tools`` (``tools.lead_score.score_lead`` has this shape) and the caller injects
    them, because ``memory`` must not import ``tools``."""

    def __call__(
        self,
        *,
        created_at: datetime,
        now: datetime,
        email: str | None,
        phone: str | None,
        estimated_value_kr: Decimal | None,
        status: LeadStatus,
    ) -> LeadScoreParts: ...


@dataclass(frozen=True, slots=True)
class SeedReport:
    """How many demo rows this run inserted, per table."""

    staff_users: int = 0
    customers: int = 0
    leads: int = 0
    quotes: int = 0
    inbound_emails: int = 0
    outbound_emails: int = 0
    bookings: int = 0
    escalations: int = 0

    @property
    def total(self) -> int:
        return sum(self.as_dict().values())

    @property
    def inserted_anything(self) -> bool:
        return self.total > 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


_PARENTS: dict[str, InstrumentedAttribute[uuid.UUID]] = {
    "customer_id": Customer.id,
    "lead_id": Lead.id,
    "quote_id": Quote.id,
    "inbound_email_id": InboundEmail.id,
    "created_by": StaffUser.id,
    "approved_by": StaffUser.id,
}


async def seed_demo(
    session: AsyncSession,
    *,
    now: datetime,
    pricer: QuotePricer[FiguresT],
    scorer: LeadScorer | None = None,
) -> SeedReport:
    """Insert whatever part of the demo data set is missing; return what was inserted.

    ``pricer`` supplies every quote figure, job length, lead value and quote text (the real
    rules live in ``tools``; ``agent.demo_pricing.TOOLS_QUOTE_PRICER`` adapts them)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    pricing = DemoPricing.of(pricer)
    plan = build_plan(pricing)
    leads: list[Row] = []
    quotes: list[Row] = []
    inbound: list[Row] = []
    outbound: list[Row] = []
    for spec in plan.leads:
        quote = quote_row(spec, now, pricing)
        ins, outs = lead_thread(spec, quote, now)
        lead = lead_row(spec, now, thread_id=ins[0]["thread_id"], pricing=pricing)
        leads.append(_scored(lead, now, scorer))
        quotes.extend([quote] if quote is not None else [])
        inbound.extend(ins)
        outbound.extend(outs)
    replies_in, replies_out = quote_replies(plan.leads, now)
    complaints_in, complaints_out, escalations = complaints(plan.leads, now)
    inbound += replies_in + complaints_in + ignored(plan.leads, now)
    outbound += replies_out + complaints_out

    jobs = booking_jobs(plan, pricing)
    demo_bookings = [demo_id("booking", job.key) for job, _ in jobs]
    busy = await _other_bookings(session, now, demo_bookings)
    placed = place_jobs([job for job, _ in jobs], now=now, busy=busy)
    bookings = [booking_row(j, s, placed[j.key], now) for j, s in jobs if j.key in placed]

    staff = [
        {
            "id": demo_id("staff", key),
            "email": email,
            "name": name,
            "role": role,
            "active": True,
            "created_at": now - timedelta(days=400),
        }
        for key, name, email, role in STAFF
    ]
    return SeedReport(
        staff_users=await _insert(session, StaffUser, StaffUser.id, staff),
        customers=await _insert(session, Customer, Customer.id, customer_rows(plan, now)),
        leads=await _insert(session, Lead, Lead.id, leads),
        quotes=await _insert(session, Quote, Quote.id, quotes),
        inbound_emails=await _insert(session, InboundEmail, InboundEmail.id, inbound),
        outbound_emails=await _insert(session, OutboundEmail, OutboundEmail.id, outbound),
        bookings=await _insert(session, Booking, Booking.id, bookings),
        escalations=await _insert(session, Escalation, Escalation.id, escalations),
    )


def _scored(row: Row, now: datetime, scorer: LeadScorer | None) -> Row:
    if scorer is None:
        return row
    parts = scorer(
        created_at=row["received_at"],
        now=now,
        email=row["email"],
        phone=row["phone"],
        estimated_value_kr=row["estimated_value"],
        status=row["status"],
    )
    return {
        **row,
        "score": parts.total,
        "score_response": parts.response_speed,
        "score_contact": parts.contact_quality,
        "score_value": parts.value,
        "score_engagement": parts.engagement,
    }


async def _other_bookings(
    session: AsyncSession, now: datetime, demo_ids: Sequence[uuid.UUID]
) -> list[tuple[datetime, datetime]]:
    """Bookings already in the calendar that are not demo bookings: the demo keeps clear."""
    stmt = select(Booking.start, Booking.end).where(
        Booking.status != BookingStatus.CANCELLED,
        Booking.end > now - timedelta(weeks=12),
        Booking.start < now + timedelta(weeks=4),
        Booking.id.not_in(demo_ids),
    )
    return [(start, end) for start, end in (await session.execute(stmt)).all()]


async def _insert(
    session: AsyncSession,
    model: type[Base],
    id_column: InstrumentedAttribute[uuid.UUID],
    rows: list[Row],
) -> int:
    """Insert the rows that do not exist yet (by id or by any other unique key) and count
    them. A reference to a demo row that could not be inserted is cleared, not left dangling."""
    if not rows:
        return 0
    rows = await _without_dangling(session, rows)
    stmt = pg_insert(model).on_conflict_do_nothing().returning(id_column)
    result = await session.execute(stmt, rows)
    return len(result.all())


async def _without_dangling(session: AsyncSession, rows: list[Row]) -> list[Row]:
    fks = [key for key in _PARENTS if key in rows[0]]
    if not fks:
        return rows
    present: dict[str, set[uuid.UUID]] = {}
    for key in fks:
        wanted = {row[key] for row in rows if row[key] is not None}
        column = _PARENTS[key]
        found = await session.execute(select(column).where(column.in_(wanted)))
        present[key] = set(found.scalars())
    return [{**row, **{k: row[k] if row[k] in present[k] else None for k in fks}} for row in rows]
