"""Outbox on PostgreSQL: drafts (once per idempotency key), approval, sending, and the thread
to answer a lead in (routing rules in :mod:`agent.adapters.threading`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from agent.adapters.mapping import email_draft
from agent.adapters.threading import LeadFacts, MailFacts, parse_references, thread_info, threadable
from memory.models import InboundEmail
from memory.repositories.leads import LeadRepository
from memory.repositories.outbox import OutboxRepository
from tools.canonical.ports import NewDraft, ThreadInfo
from tools.canonical.records import EmailDraft

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def _facts(mail: InboundEmail) -> MailFacts:
    return MailFacts(
        message_id=mail.message_id,
        thread_id=mail.thread_id,
        subject=mail.subject,
        source=mail.source.value if mail.source is not None else None,
        from_address=mail.from_address,
        reply_to=mail.reply_to,
    )


class SqlOutbox:
    def __init__(self, session: AsyncSession, *, clock: Clock = utc_now) -> None:
        self._session = session
        self._outbox = OutboxRepository(session)
        self._clock = clock

    async def thread_for_lead(self, lead_id: uuid.UUID) -> ThreadInfo | None:
        lead = await LeadRepository(self._session).get(lead_id)
        if lead is None:
            return None
        rows = await self._outbox.inbound_for_lead(lead.id, conversation_only=True)
        mails = [_facts(row) for row in rows]
        last = threadable(mails)
        raw = None
        if last is not None:
            row = next(r for r in rows if r.message_id == last.message_id)
            raw = await self._outbox.raw_message(row.id)
        facts = LeadFacts(source=lead.source.value, email=lead.email)
        return thread_info(facts, mails, parse_references(raw))

    async def create_draft(self, draft: NewDraft) -> EmailDraft:
        """Insert once per idempotency key; a repeat returns the first draft unchanged."""
        row, _ = await self._outbox.create_draft_once(
            to_address=draft.to,
            subject=draft.subject,
            body=draft.body,
            lead_id=draft.lead_id,
            quote_id=draft.quote_id,
            in_reply_to=draft.in_reply_to,
            references=" ".join(draft.references) or None,
            thread_id=draft.thread_id,
            idempotency_key=draft.idempotency_key,
            session_id=draft.session_id,
            created_by=draft.created_by,
            created_at=self._clock(),
        )
        return email_draft(row)

    async def find_draft(self, draft_ref: str) -> EmailDraft | None:
        row = await self._outbox.find(draft_ref)
        return email_draft(row) if row is not None else None

    async def mark_approved(self, draft_id: uuid.UUID, *, by: uuid.UUID | None) -> EmailDraft:
        """draft → approved; raises ``memory.errors.ConflictError`` for a sent or rejected
        draft and ``NotFoundError`` for an unknown one."""
        return email_draft(await self._outbox.approve(draft_id, by=by, at=self._clock()))

    async def mark_sent(
        self, draft_id: uuid.UUID, *, provider_message_id: str | None
    ) -> EmailDraft:
        """approved → sent; again on a sent draft returns it unchanged; a draft not approved
        raises ``memory.errors.ConflictError``."""
        row = await self._outbox.mark_sent(
            draft_id, provider_message_id=provider_message_id, at=self._clock()
        )
        return email_draft(row)
