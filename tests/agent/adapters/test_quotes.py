"""SqlQuoteStore: drafts from the pricing rules, lookup, and the last quote a customer got."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agent.adapters import SqlQuoteStore
from memory.database import Database
from memory.errors import NotFoundError
from memory.models import Quote
from memory.models.enums import QuoteStatus, Service
from tests.agent.adapters import NOW, add_lead
from tools.pricing import calculate_quote
from tools.services import ServiceType

VALID_UNTIL = date(2026, 12, 31)


async def test_save_draft_stores_the_calculation(db: Database) -> None:
    calc = calculate_quote("moving_out", 80, ["oven", "windows"])
    async with db.transaction() as s:
        lead = await add_lead(s, "Kunde", email="kunde@example.dk", with_customer=True)
        draft = await SqlQuoteStore(s).save_draft(
            lead_id=lead.id, calc=calc, text="Tilbud …", valid_until=VALID_UNTIL
        )
    assert (draft.lead_id, draft.status, draft.text) == (lead.id, "draft", "Tilbud …")
    assert draft.service is ServiceType.MOVING_OUT
    assert (draft.workers, draft.hours_on_site, draft.work_hours) == (
        2,
        Decimal("5.5"),
        Decimal(11),
    )
    assert (draft.price_min, draft.price_max) == (calc.price_min, calc.price_max)
    assert (draft.vat_min, draft.vat_max) == (calc.vat_min, calc.vat_max)
    assert draft.valid_until == VALID_UNTIL and draft.created_at.tzinfo is not None
    async with db.sessions() as s:
        row = await s.get(Quote, draft.id)
    assert row is not None
    assert row.customer_id == lead.customer_id is not None
    assert row.hourly_rate == Decimal(349) and row.area_m2 == Decimal(80)
    assert row.add_ons == {"oven": 0.5, "windows": 3.0}
    assert row.status is QuoteStatus.DRAFT


async def test_save_draft_without_a_lead_and_for_an_unknown_lead(db: Database) -> None:
    calc = calculate_quote("regular", 45)
    async with db.transaction() as s:
        draft = await SqlQuoteStore(s).save_draft(
            lead_id=None, calc=calc, text="t", valid_until=VALID_UNTIL
        )
        assert draft.lead_id is None and draft.hours_on_site == Decimal(2)
        with pytest.raises(NotFoundError):
            await SqlQuoteStore(s).save_draft(
                lead_id=uuid.uuid4(), calc=calc, text="t", valid_until=VALID_UNTIL
            )


async def test_find_by_id_and_prefix(db: Database) -> None:
    calc = calculate_quote("deep", 100)
    async with db.transaction() as s:
        saved = await SqlQuoteStore(s).save_draft(
            lead_id=None, calc=calc, text="hoved", valid_until=VALID_UNTIL
        )
    async with db.sessions() as s:
        store = SqlQuoteStore(s)
        for ref in (str(saved.id), str(saved.id)[:8], str(saved.id).upper()):
            found = await store.find(ref)
            assert found is not None and found.id == saved.id and found.text == "hoved"
        assert await store.find(str(uuid.uuid4())) is None
        assert await store.find("tilbud 7") is None


async def _quote(
    s: AsyncSession,
    lead_id: uuid.UUID | None,
    status: QuoteStatus,
    *,
    created: datetime,
    sent: datetime | None = None,
    customer_id: uuid.UUID | None = None,
) -> uuid.UUID:
    quote = Quote(
        lead_id=lead_id, customer_id=customer_id, service=Service.STANDARD,
        area_m2=Decimal(50), workers=1, hours_on_site=Decimal(2), work_hours=Decimal(2),
        hourly_rate=Decimal(349), price_min=Decimal(698), price_max=Decimal(1047),
        vat_min=Decimal("139.60"), vat_max=Decimal("209.40"), status=status,
        valid_until=VALID_UNTIL, text="t", sent_at=sent, created_at=created,
    )  # fmt: skip
    s.add(quote)
    await s.flush()
    return quote.id


async def test_latest_sent_to_picks_the_newest_sent_or_accepted(db: Database) -> None:
    d = timedelta(days=1)
    async with db.transaction() as s:
        lead = await add_lead(s, "Kunde", email="Kunde@Example.dk")
        other = await add_lead(s, "Anden", email="anden@example.dk")
        await _quote(s, lead.id, QuoteStatus.SENT, created=NOW - 11 * d, sent=NOW - 10 * d)
        accepted = await _quote(
            s, lead.id, QuoteStatus.ACCEPTED, created=NOW - 9 * d, sent=NOW - 3 * d
        )
        # Created after the accepted one was sent, but sent before it: sent time decides.
        await _quote(s, lead.id, QuoteStatus.SENT, created=NOW - 2 * d, sent=NOW - 4 * d)
        await _quote(s, lead.id, QuoteStatus.DRAFT, created=NOW)
        await _quote(s, lead.id, QuoteStatus.DECLINED, created=NOW, sent=NOW)
        await _quote(s, other.id, QuoteStatus.SENT, created=NOW, sent=NOW)
    async with db.sessions() as s:
        store = SqlQuoteStore(s)
        found = await store.latest_sent_to("kunde@EXAMPLE.dk ")
        assert found is not None and found.id == accepted and found.status == "accepted"
        assert await store.latest_sent_to("nobody@example.dk") is None
        assert await store.latest_sent_to("") is None
    async with db.transaction() as s:
        # Without a send time, the creation time counts.
        newest = await _quote(s, lead.id, QuoteStatus.SENT, created=NOW - d)
    async with db.sessions() as s:
        found = await SqlQuoteStore(s).latest_sent_to("kunde@example.dk")
        assert found is not None and found.id == newest


async def test_latest_sent_to_also_knows_the_customer_of_a_quote_without_lead(
    db: Database,
) -> None:
    async with db.transaction() as s:
        lead = await add_lead(s, "Kunde", email="kunde@example.dk", with_customer=True)
        quote_id = await _quote(
            s, None, QuoteStatus.SENT, created=NOW, sent=NOW, customer_id=lead.customer_id
        )
    async with db.sessions() as s:
        found = await SqlQuoteStore(s).latest_sent_to("kunde@example.dk")
        assert found is not None and found.id == quote_id
        assert (
            await s.execute(select(Quote.lead_id).where(Quote.id == quote_id))
        ).scalar_one() is None
