"""LeadStore on PostgreSQL: fuzzy search, lookup by id, id prefix or email, and the detail."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from agent.adapters.mapping import (
    booking_summary,
    lead_summary,
    mail_summaries,
    quote_summary,
    score_parts,
    tier,
)
from memory.models import Lead
from memory.repositories.lead_search import LeadSearch
from memory.repositories.leads import LeadRepository
from memory.repositories.outbox import OutboxRepository
from memory.repositories.refs import find_by_ref
from tools.canonical.records import LeadDetail, LeadSummary


class SqlLeadStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._leads = LeadRepository(session)

    async def search(self, query: str, limit: int) -> list[LeadSummary]:
        found = await LeadSearch(self._session).search(query, limit)
        return [lead_summary(lead, match=score) for lead, score in found]

    async def find(self, lead_ref: str) -> LeadSummary | None:
        """By id, by a unique id prefix (≥ 6 hex digits; ambiguous gives None), or by exact
        email (case-insensitive; the newest lead of that customer)."""
        ref = lead_ref.strip()
        if "@" in ref:
            lead = await self._leads.newest_by_email(ref)
        else:
            lead = await find_by_ref(self._session, Lead, Lead.id, ref)
        return lead_summary(lead) if lead is not None else None

    async def detail(self, lead_id: uuid.UUID) -> LeadDetail | None:
        lead = await self._leads.get(lead_id)
        if lead is None:
            return None
        outbox = OutboxRepository(self._session)
        inbound = await outbox.inbound_for_lead(lead.id)
        outbound = await outbox.outbound_for_lead(lead.id)
        return LeadDetail(
            lead=lead_summary(lead),
            score_parts=score_parts(lead),
            tier=tier(lead.score),
            quotes=[quote_summary(q) for q in await self._leads.quotes_for(lead.id)],
            bookings=[booking_summary(b) for b in await self._leads.bookings_for(lead.id)],
            mails=mail_summaries(inbound, outbound),
        )
