"""SqlLeadStore.find and .detail on the demo data set and on hand-made leads."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import func, select, update

from agent.adapters import SqlLeadStore
from memory.database import Database
from memory.models import Booking, InboundEmail, Lead, OutboundEmail, Quote
from memory.models.enums import LeadSource
from tests.agent.adapters import NOW, add_lead, seed


async def test_find_by_id_prefix_and_email(db: Database) -> None:
    async with db.transaction() as s:
        old = await add_lead(
            s, "Anna Berg", email="anna@example.dk", received_at=NOW - timedelta(days=9)
        )
        new = await add_lead(s, "Anna Berg", email="Anna@Example.dk")
    async with db.sessions() as s:
        store = SqlLeadStore(s)
        assert (found := await store.find(str(old.id))) is not None and found.id == old.id
        assert (found := await store.find(f"  {str(old.id)[:8]} ")) is not None
        assert found.id == old.id
        assert (found := await store.find(str(new.id)[:13].upper())) is not None
        assert found.id == new.id
        # Email: exact, case-insensitive, the newest lead of that customer.
        assert (found := await store.find("ANNA@example.DK")) is not None and found.id == new.id
        assert await store.find("anna@example.d") is None
        assert await store.find(str(uuid.uuid4())) is None
        assert await store.find(str(old.id)[:5]) is None  # too short to be a prefix
        assert await store.find("Anna Berg") is None  # a name is for search, not find


async def test_an_ambiguous_prefix_finds_nothing(db: Database) -> None:
    async with db.transaction() as s:
        a = await add_lead(s, "A", id=uuid.UUID("abcdef12-0000-4000-8000-000000000001"))
        b = await add_lead(s, "B", id=uuid.UUID("abcdef12-0000-4000-8000-000000000002"))
    async with db.sessions() as s:
        store = SqlLeadStore(s)
        assert await store.find("abcdef12") is None
        assert await store.find("abcdef12-0000-4000-8000-00000000000") is None
        assert (found := await store.find("abcdef12-0000-4000-8000-000000000001")) is not None
        assert found.id == a.id
        assert (found := await store.find("ABCDEF12-0000-4000-8000-000000000002")) is not None
        assert found.id == b.id


async def test_detail_of_a_demo_lead(db: Database) -> None:
    await seed(db)
    async with db.sessions() as s:
        # A lead with a quote, a booking and mail both ways.
        lead_id = (
            await s.execute(
                select(Lead.id)
                .join(Quote, Quote.lead_id == Lead.id)
                .join(Booking, Booking.lead_id == Lead.id)
                .join(OutboundEmail, OutboundEmail.lead_id == Lead.id)
                .order_by(Lead.received_at)
                .limit(1)
            )
        ).scalar_one()
        await s.execute(
            update(Lead)
            .where(Lead.id == lead_id)
            .values(
                score=80, score_response=5, score_contact=25, score_value=25, score_engagement=25
            )
        )
        lead = await s.get(Lead, lead_id)
        assert lead is not None
        n_in = await s.scalar(select(func.count()).where(InboundEmail.lead_id == lead_id))
        n_out = await s.scalar(select(func.count()).where(OutboundEmail.lead_id == lead_id))
        n_bookings = await s.scalar(select(func.count()).where(Booking.lead_id == lead_id))
        detail = await SqlLeadStore(s).detail(lead_id)

    assert detail is not None
    assert detail.lead.id == lead_id and detail.lead.name == lead.name
    assert detail.lead.source == lead.source.value and detail.lead.status == lead.status.value
    assert detail.lead.service is not None and detail.lead.service.value == lead.service
    assert detail.score_parts == {"response": 5, "contact": 25, "value": 25, "engagement": 25}
    assert detail.tier == "hot"
    assert [q.lead_id for q in detail.quotes] == [lead_id]
    assert len(detail.bookings) == n_bookings and all(b.lead_id == lead_id for b in detail.bookings)
    assert len(detail.mails) == (n_in or 0) + (n_out or 0)
    assert {m.direction for m in detail.mails} == {"inbound", "outbound"}
    assert [m.at for m in detail.mails] == sorted((m.at for m in detail.mails), reverse=True)


async def test_tiers_and_a_lead_without_anything(db: Database) -> None:
    async with db.transaction() as s:
        warm = await add_lead(s, "Warm", score=50, score_contact=25, score_engagement=25)
        cold = await add_lead(s, "Cold", score=49, score_contact=24, score_engagement=25,
                              source=LeadSource.WEBSITE)  # fmt: skip
        hot = await add_lead(s, "Hot", score=75, score_contact=25, score_engagement=25,
                             score_value=25)  # fmt: skip
    async with db.sessions() as s:
        store = SqlLeadStore(s)
        tiers = {}
        for lead in (warm, cold, hot):
            detail = await store.detail(lead.id)
            assert detail is not None
            assert (detail.quotes, detail.bookings, detail.mails) == ([], [], [])
            tiers[lead.name] = detail.tier
        assert tiers == {"Warm": "warm", "Cold": "cold", "Hot": "hot"}
        assert await store.detail(uuid.uuid4()) is None
