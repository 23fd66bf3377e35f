"""Tests of the PostgreSQL adapters of the tools' ports. Shared helpers live here."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from agent.demo_pricing import TOOLS_QUOTE_PRICER
from memory.database import Database
from memory.models import Customer, Lead
from memory.models.enums import LeadSource, LeadStatus
from memory.seed import seed_demo
from tools.lead_score import score_lead

CPH = ZoneInfo("Europe/Copenhagen")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=CPH)


async def seed(db: Database) -> None:
    async with db.transaction() as session:
        await seed_demo(session, now=NOW, pricer=TOOLS_QUOTE_PRICER, scorer=score_lead)


async def add_lead(
    session: AsyncSession,
    name: str,
    *,
    email: str | None = None,
    phone: str | None = None,
    address: str | None = None,
    source: LeadSource = LeadSource.DIRECT,
    received_at: datetime = NOW - timedelta(hours=1),
    with_customer: bool = False,
    **extra: Any,
) -> Lead:
    customer_id = None
    if with_customer:
        customer = Customer(name=name, email=email, phone=phone, address=address)
        session.add(customer)
        await session.flush()
        customer_id = customer.id
    lead = Lead(
        customer_id=customer_id,
        source=source,
        status=extra.pop("status", LeadStatus.NEW),
        name=name,
        email=email,
        phone=phone,
        address=address,
        dedup_key=f"test:{uuid.uuid4()}",
        received_at=received_at,
        **extra,
    )
    session.add(lead)
    await session.flush()
    return lead
