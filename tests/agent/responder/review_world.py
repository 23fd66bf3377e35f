"""Helpers of the review and delivery tests: an inbound mail with the responder's draft
reply, written directly with the models and repositories, and a mailbox that records the
order of its calls."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from memory.database import Database
from memory.models import Escalation, InboundEmail, Lead, OutboundEmail
from memory.models.enums import (
    EscalationStatus,
    InboundStatus,
    LeadSource,
    LeadStatus,
    OutboundStatus,
    QuoteStatus,
    Service,
    Severity,
)
from memory.repositories.outbox import OutboxRepository
from memory.repositories.quotes import QuoteRepository
from tools.integrations.local import RecordingMailbox
from tools.integrations.ports import IntegrationError, OutgoingMail, SentMail

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
CUSTOMER = "mette.hansen@example.dk"
SENDER = "Rendetalje <info@rendetalje.dk>"
GMAIL_THREAD = "18c0ffee00aa"
PARENT = "<CAK2-mette@mail.gmail.com>"
REFERENCES = "<CAK1-mette@mail.gmail.com> <CAK2-mette@mail.gmail.com>"
BODY = (
    "Hej Mette\n\nTak for din henvendelse om flytterengøring. Hvor mange kvadratmeter er "
    "boligen, og hvor mange værelser er der?\n\nVenlig hilsen\nRendetalje"
)


@dataclass(frozen=True)
class Seeded:
    inbound_id: uuid.UUID
    outbound_id: uuid.UUID
    key: str


async def seed_draft(
    db: Database,
    *,
    to: str = CUSTOMER,
    body: str = BODY,
    approved: bool = False,
    automatic: bool = True,
    reasons: tuple[str, ...] = ("mode_draft_only",),
    created_at: datetime = NOW - timedelta(hours=1),
    inbound_status: InboundStatus = InboundStatus.DRAFTED,
    quote_id: uuid.UUID | None = None,
    lead_id: uuid.UUID | None = None,
    threaded: bool = True,
) -> Seeded:
    """An inbound mail from `to` and the responder's draft reply to it."""
    tag = uuid.uuid4().hex[:10]
    key = f"reply:{tag}"
    async with db.transaction() as s:
        inbound = InboundEmail(
            message_id=f"<{tag}@mail.gmail.com>",
            thread_id=f"<root-{tag}@mail.gmail.com>",
            provider_id=f"gm-{tag}",
            from_address=to,
            subject="Flytterengøring",
            received_at=created_at - timedelta(minutes=5),
            raw=b"Subject: Flytterengoring\r\n\r\nHej",
            raw_size=30,
            status=inbound_status,
            provider_thread_id=GMAIL_THREAD,
            intent="new_lead",
            reasons=list(reasons),
        )
        s.add(inbound)
        await s.flush()
        outbox = OutboxRepository(s)
        row, _ = await outbox.create_draft_once(
            to_address=to,
            subject="Re: Flytterengøring",
            body=body,
            lead_id=lead_id,
            quote_id=quote_id,
            in_reply_to=PARENT if threaded else None,
            references=REFERENCES if threaded else None,
            thread_id=inbound.thread_id,
            idempotency_key=key,
            session_id=None,
            created_by=None,
            created_at=created_at,
            inbound_email_id=inbound.id,
            purpose="reply",
            automatic=automatic,
            review_reasons=list(reasons),
        )
        if approved:
            await outbox.approve(row.id, by=None, at=created_at)
        return Seeded(inbound.id, row.id, key)


async def escalate(db: Database, email: str = CUSTOMER) -> None:
    async with db.transaction() as s:
        s.add(
            Escalation(
                customer_email=email,
                severity=Severity.HIGH,
                reason="conflict keywords: klage",
                matched_keywords=["klage"],
                status=EscalationStatus.OPEN,
                details={},
            )
        )


async def add_lead(db: Database, *, name: str, email: str, phone: str | None = None) -> uuid.UUID:
    async with db.transaction() as s:
        lead = Lead(
            source=LeadSource.DIRECT,
            status=LeadStatus.NEW,
            name=name,
            email=email,
            phone=phone,
            dedup_key=f"test:{uuid.uuid4().hex}",
            received_at=NOW - timedelta(days=3),
        )
        s.add(lead)
        await s.flush()
        return lead.id


async def sent_quote(db: Database, lead_id: uuid.UUID, *, sent_at: datetime) -> uuid.UUID:
    """A moving-out quote of 80 m² (1.396–2.094 kr) that the customer was sent."""
    async with db.transaction() as s:
        quote = await QuoteRepository(s).insert_draft(
            lead_id=lead_id,
            customer_id=None,
            service=Service.MOVING_OUT,
            area_m2=Decimal(80),
            workers=2,
            hours_on_site=Decimal(2),
            work_hours=Decimal(4),
            hourly_rate=Decimal(349),
            price_min=Decimal(1396),
            price_max=Decimal(2094),
            vat_min=Decimal("279.20"),
            vat_max=Decimal("418.80"),
            add_ons={},
            valid_until=date(2026, 12, 31),
            text="Tilbud",
            created_at=sent_at,
        )
        quote.status, quote.sent_at = QuoteStatus.SENT, sent_at
        return quote.id


async def outbound(db: Database, outbound_id: uuid.UUID) -> OutboundEmail:
    async with db.transaction() as s:
        row = await s.get(OutboundEmail, outbound_id)
        assert row is not None
        return row


async def inbound_status(db: Database, inbound_id: uuid.UUID) -> tuple[InboundStatus, str | None]:
    async with db.transaction() as s:
        row = await s.get(InboundEmail, inbound_id)
        assert row is not None
        return row.status, row.status_reason


async def set_status(db: Database, outbound_id: uuid.UUID, status: OutboundStatus) -> None:
    async with db.transaction() as s:
        row = await s.get(OutboundEmail, outbound_id)
        assert row is not None
        row.status = status


class TracingMailbox(RecordingMailbox):
    """The recording mailbox, noting each call; `pause` holds a send open (so a concurrent
    caller arrives meanwhile), `send_draft_failures` fail only sends of drafts."""

    def __init__(self, *, pause: float = 0.0) -> None:
        super().__init__(sender=SENDER)
        self.calls: list[str] = []
        self.pause = pause
        self.send_draft_failures: list[IntegrationError] = []

    async def create_draft(self, message: OutgoingMail) -> str:
        self.calls.append("create_draft")
        return await super().create_draft(message)

    async def send_draft(self, draft_id: str, message: OutgoingMail) -> SentMail:
        self.calls.append("send_draft")
        if self.pause:
            await asyncio.sleep(self.pause)
        if self.send_draft_failures:
            raise self.send_draft_failures.pop(0)
        return await super().send_draft(draft_id, message)

    def delete_draft(self, draft_id: str) -> None:
        """A person deletes the draft in the mailbox: it is gone, and a new one can be made."""
        message = self.drafts.pop(draft_id)
        self._drafts_by_key.pop(message.idempotency_key, None)

    async def find_sent(self, mark: str, idempotency_key: str) -> SentMail | None:
        self.calls.append("find_sent")
        return await super().find_sent(mark, idempotency_key)
