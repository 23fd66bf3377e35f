"""Our outbound mail (draft → approved → sent) and the inbound mail of a lead's threads."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from memory.errors import ConflictError, NotFoundError
from memory.models import InboundEmail, Lead, OutboundEmail, Quote
from memory.models.base import JsonDict
from memory.models.enums import InboundStatus, LeadStatus, OutboundStatus, QuoteStatus
from memory.repositories.refs import find_by_ref

# Mail the responder set aside (auto-replies, bulk, quarantine): never a thread to answer in.
_NOT_CONVERSATION = (InboundStatus.IGNORED, InboundStatus.QUARANTINED)


class OutboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def by_idempotency_key(self, key: str) -> OutboundEmail | None:
        stmt = select(OutboundEmail).where(OutboundEmail.idempotency_key == key)
        return (await self._s.execute(stmt)).scalar_one_or_none()

    async def create_draft_once(
        self,
        *,
        to_address: str,
        subject: str,
        body: str,
        lead_id: uuid.UUID | None,
        quote_id: uuid.UUID | None,
        in_reply_to: str | None,
        references: str | None,
        thread_id: str | None,
        idempotency_key: str,
        session_id: uuid.UUID | None,
        created_by: uuid.UUID | None,
        created_at: datetime | None = None,
        inbound_email_id: uuid.UUID | None = None,
        purpose: str | None = None,
        automatic: bool = False,
        review_reasons: list[str] | None = None,
    ) -> tuple[OutboundEmail, bool]:
        """Insert a draft unless one with this key exists; (draft, inserted).

        The responder also records the mail it answers, the purpose, that a machine wrote it
        and why it waits for review."""
        if (found := await self.by_idempotency_key(idempotency_key)) is not None:
            return found, False
        values: JsonDict = {
            "idempotency_key": idempotency_key,
            "to_address": to_address,
            "subject": subject,
            "body": body,
            "status": OutboundStatus.DRAFT,
            "in_reply_to": in_reply_to,
            "references": references,
            "thread_id": thread_id,
            "lead_id": lead_id,
            "quote_id": quote_id,
            "session_id": session_id,
            "created_by": created_by,
            "review_notes": [],
            "inbound_email_id": inbound_email_id,
            "purpose": purpose,
            "automatic": automatic,
            "review_reasons": list(review_reasons or []),
        }
        if created_at is not None:  # the run's clock (frozen in evals); else the server's
            values["created_at"] = values["updated_at"] = created_at
        stmt = (
            pg_insert(OutboundEmail)
            .values(values)
            .on_conflict_do_nothing(index_elements=[OutboundEmail.idempotency_key])
            .returning(OutboundEmail.id)
        )
        inserted = (await self._s.execute(stmt)).scalar_one_or_none()
        row = await self._s.get(OutboundEmail, inserted) if inserted is not None else None
        if row is None:
            row = await self.by_idempotency_key(idempotency_key)
        assert row is not None, "the conflicting draft is committed before DO NOTHING returns"
        return row, inserted is not None

    async def find(self, ref: str) -> OutboundEmail | None:
        return await find_by_ref(self._s, OutboundEmail, OutboundEmail.id, ref)

    async def _locked(self, draft_id: uuid.UUID) -> OutboundEmail:
        stmt = (
            select(OutboundEmail)
            .where(OutboundEmail.id == draft_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        row = (await self._s.execute(stmt)).scalar_one_or_none()
        if row is None:
            raise NotFoundError(f"no draft {draft_id}")
        return row

    async def approve(
        self, draft_id: uuid.UUID, *, by: uuid.UUID | None, at: datetime
    ) -> OutboundEmail:
        """draft → approved. Approving an approved draft changes nothing; any other state is a
        :class:`ConflictError` (a sent mail cannot be approved again, a rejected one stays so)."""
        row = await self._locked(draft_id)
        if row.status is OutboundStatus.APPROVED:
            return row
        if row.status is not OutboundStatus.DRAFT:
            raise ConflictError(f"draft {draft_id} is {row.status}; only a draft can be approved")
        row.status, row.approved_by, row.approved_at = OutboundStatus.APPROVED, by, at
        await self._s.flush()
        return row

    async def mark_sent(
        self, draft_id: uuid.UUID, *, provider_message_id: str | None, at: datetime
    ) -> OutboundEmail:
        """approved → sent. Marking a sent mail again returns it unchanged (a retry after the
        send succeeded); anything not yet approved is a :class:`ConflictError`."""
        row = await self._locked(draft_id)
        if row.status is OutboundStatus.SENT:
            return row
        if row.status is not OutboundStatus.APPROVED:
            raise ConflictError(f"draft {draft_id} is {row.status}; only an approved one is sent")
        row.status, row.sent_at = OutboundStatus.SENT, at
        row.provider_message_id = provider_message_id
        await self._mark_contacted(row, at)
        await self._s.flush()
        return row

    async def _mark_contacted(self, row: OutboundEmail, at: datetime) -> None:
        """What a sent mail means for its records, whoever sent it (chat or responder): the
        quote it carries is sent (the 7-day duplicate rule starts), and its lead is contacted,
        or quoted when a quote went with it."""
        if row.quote_id is not None:
            quote = await self._s.get(Quote, row.quote_id, with_for_update=True)
            if quote is not None and quote.status is QuoteStatus.DRAFT:
                quote.status, quote.sent_at = QuoteStatus.SENT, at
        if row.lead_id is None:
            return
        lead = await self._s.get(Lead, row.lead_id, with_for_update=True)
        if lead is None:
            return
        lead.contacted_at = lead.contacted_at or at
        if row.quote_id is not None and lead.status in (LeadStatus.NEW, LeadStatus.CONTACTED):
            lead.status = LeadStatus.QUOTED
        elif lead.status is LeadStatus.NEW:
            lead.status = LeadStatus.CONTACTED

    async def outbound_for_lead(self, lead_id: uuid.UUID) -> list[OutboundEmail]:
        """Our mail to a lead, newest first (by send time, else creation)."""
        when = func.coalesce(OutboundEmail.sent_at, OutboundEmail.created_at)
        stmt = (
            select(OutboundEmail)
            .where(OutboundEmail.lead_id == lead_id)
            .order_by(when.desc(), OutboundEmail.id)
        )
        return list((await self._s.execute(stmt)).scalars())

    async def inbound_for_lead(
        self, lead_id: uuid.UUID, *, conversation_only: bool = False
    ) -> list[InboundEmail]:
        """A lead's inbound mail, newest first; optionally without auto-replies and bulk. The
        raw message is not loaded (see :meth:`raw_message`)."""
        stmt = (
            select(InboundEmail)
            .options(defer(InboundEmail.raw, raiseload=True))
            .where(InboundEmail.lead_id == lead_id)
            .order_by(InboundEmail.received_at.desc(), InboundEmail.id)
        )
        if conversation_only:
            stmt = stmt.where(InboundEmail.status.not_in(_NOT_CONVERSATION))
        return list((await self._s.execute(stmt)).scalars())

    async def raw_message(self, inbound_id: uuid.UUID) -> bytes | None:
        stmt = select(InboundEmail.raw).where(InboundEmail.id == inbound_id)
        return (await self._s.execute(stmt)).scalar_one_or_none()
