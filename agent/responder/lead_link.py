"""Which lead an inbound mail belongs to, and whether it repeats a mail already in hand.

domain.md "Duplicates": the same thread, or the same customer within 24 hours, is the same
lead. A mail in a known thread joins that thread's lead; else the customer's newest lead is
used while it is open (new, contacted, quoted) or was received in the last 24 hours; else a
new lead is made from the fields the mail carries. Fields the lead lacks are filled in from
the new mail; fields it has are never overwritten by mail text.

A mail is *merged* (answered by another mail's reply) when an earlier mail of the same lead,
in the same thread or within 24 hours, has a reply draft still waiting for review: the
reviewer sees one draft with a note, not two.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from agent.responder.reading import MailReading
from memory.models import InboundEmail, Lead, OutboundEmail
from memory.models.enums import Frequency, LeadSource, LeadStatus, OutboundStatus, Service
from memory.repositories.leads import LeadRepository
from tools.lead_score import score_lead

SAME_CUSTOMER_WINDOW = timedelta(hours=24)
_OPEN = (LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUOTED)


@dataclass(frozen=True, slots=True)
class LeadLink:
    lead: Lead
    created: bool
    merged_into: uuid.UUID | None  # the earlier inbound mail whose pending draft answers this
    merged_draft: uuid.UUID | None


def _dedup_key(message_id: str) -> str:
    return "mail:" + hashlib.sha256(message_id.encode()).hexdigest()[:40]


def _address(reading: MailReading) -> str | None:
    f = reading.fields
    place = " ".join(p for p in (f.postcode, f.city) if p)
    parts = [p for p in (f.address, place) if p]
    return ", ".join(parts)[:300] or None


def _name(reading: MailReading, email: str) -> str:
    name = reading.fields.name or reading.parsed.from_name
    if reading.fields.name is None and reading.source.value != "direct":
        name = None  # a relay's display name is the relay's, not the customer's
    return (name or email.partition("@")[0]).strip()[:200]


async def _thread_lead(session: AsyncSession, inbound: InboundEmail) -> Lead | None:
    if not inbound.thread_id:
        return None
    stmt = (
        select(Lead)
        .join(InboundEmail, InboundEmail.lead_id == Lead.id)
        .where(InboundEmail.thread_id == inbound.thread_id, InboundEmail.id != inbound.id)
        .order_by(InboundEmail.received_at.desc())
        .limit(1)
    )
    by_mail = (await session.execute(stmt)).scalars().first()
    if by_mail is not None:
        return by_mail
    stmt = select(Lead).where(Lead.thread_id == inbound.thread_id).limit(1)
    return (await session.execute(stmt)).scalars().first()


def _fill(lead: Lead, reading: MailReading) -> None:
    f = reading.fields
    if lead.phone is None and f.phone:
        lead.phone = f.phone[:40]
    if lead.address is None:
        lead.address = _address(reading)
    if lead.area_m2 is None and f.area_m2 is not None:
        lead.area_m2 = Decimal(f.area_m2)
    if lead.rooms is None and f.rooms is not None:
        lead.rooms = f.rooms
    if lead.service is None and f.service is not None:
        lead.service = Service(f.service.value)
    if lead.frequency is None and f.frequency is not None:
        lead.frequency = Frequency(f.frequency.value)
    if lead.property_type is None and f.property_type:
        lead.property_type = f.property_type[:100]
    if lead.wanted_dates is None and f.wanted_dates:
        lead.wanted_dates = f.wanted_dates[:500]


def _new_lead(inbound: InboundEmail, reading: MailReading, email: str, now: datetime) -> Lead:
    f = reading.fields
    score = score_lead(
        created_at=inbound.received_at,
        now=now,
        email=email,
        phone=f.phone,
        estimated_value_kr=None,
        status=LeadStatus.NEW.value,
    )
    lead = Lead(
        source=LeadSource(reading.source.value),
        status=LeadStatus.NEW,
        name=_name(reading, email),
        email=email,
        dedup_key=_dedup_key(inbound.message_id),
        thread_id=(inbound.thread_id or None) and inbound.thread_id[:300],
        received_at=inbound.received_at,
        score=score.total,
        score_response=score.response_speed,
        score_contact=score.contact_quality,
        score_value=score.value,
        score_engagement=score.engagement,
    )
    _fill(lead, reading)
    return lead


async def _pending_draft(
    session: AsyncSession, inbound: InboundEmail, lead: Lead
) -> tuple[uuid.UUID, uuid.UUID] | None:
    """An earlier mail of this lead (same thread, or within 24 hours) whose reply waits."""
    since = inbound.received_at - SAME_CUSTOMER_WINDOW
    same_thread = (
        InboundEmail.thread_id == inbound.thread_id
        if inbound.thread_id
        else InboundEmail.id.is_(None)
    )
    stmt = (
        select(InboundEmail.id, OutboundEmail.id)
        .join(OutboundEmail, OutboundEmail.inbound_email_id == InboundEmail.id)
        .where(
            InboundEmail.lead_id == lead.id,
            InboundEmail.id != inbound.id,
            InboundEmail.received_at <= inbound.received_at,
            or_(same_thread, InboundEmail.received_at >= since),
            OutboundEmail.status == OutboundStatus.DRAFT,
        )
        .order_by(InboundEmail.received_at, InboundEmail.id)
        .limit(1)
    )
    row = (await session.execute(stmt)).first()
    return None if row is None else (row[0], row[1])


async def link_lead(
    session: AsyncSession, inbound: InboundEmail, reading: MailReading, *, now: datetime
) -> LeadLink | None:
    """The lead of this mail (found or made); None when the mail has no customer address."""
    email = reading.customer
    if email is None:
        return None
    email = email.strip().casefold()
    lead = await _thread_lead(session, inbound)
    if lead is not None and (lead.email or "").casefold() != email:
        lead = None  # a thread someone else writes in is not their lead
    if lead is None:
        newest = await LeadRepository(session).newest_by_email(email)
        recent = (
            newest is not None and inbound.received_at - newest.received_at <= SAME_CUSTOMER_WINDOW
        )
        if newest is not None and (newest.status in _OPEN or recent):
            lead = newest
    created = lead is None
    if lead is None:
        lead = _new_lead(inbound, reading, email, now)
        session.add(lead)
        await session.flush()
    else:
        _fill(lead, reading)
    inbound.lead_id = lead.id
    merged = None if created else await _pending_draft(session, inbound, lead)
    return LeadLink(
        lead=lead,
        created=created,
        merged_into=merged[0] if merged else None,
        merged_draft=merged[1] if merged else None,
    )
