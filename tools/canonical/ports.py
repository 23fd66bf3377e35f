"""What the canonical tools need from storage and the outside world. The agent layer wires
implementations backed by ``memory`` (and Google, when configured)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from tools.availability import BusyInterval
from tools.canonical.records import (
    BookingSummary,
    EmailDraft,
    LeadDetail,
    LeadSummary,
    QuoteDraft,
    QuoteSummary,
)
from tools.integrations.ports import CalendarPort, MailboxPort
from tools.pricing import QuoteCalculation


class LeadStore(Protocol):
    async def search(self, query: str, limit: int) -> list[LeadSummary]:
        """Fuzzy match on name, email, phone and address, best first."""
        ...

    async def find(self, lead_ref: str) -> LeadSummary | None:
        """A lead by id, by a unique id prefix (≥ 6 characters) or by exact email."""
        ...

    async def detail(self, lead_id: uuid.UUID) -> LeadDetail | None: ...


class QuoteStore(Protocol):
    async def save_draft(
        self, *, lead_id: uuid.UUID | None, calc: QuoteCalculation, text: str, valid_until: date
    ) -> QuoteDraft: ...

    async def find(self, quote_ref: str) -> QuoteDraft | None: ...

    async def latest_sent_to(self, email: str) -> QuoteSummary | None:
        """The newest quote sent to this customer (duplicate-quote rule)."""
        ...


@dataclass(frozen=True)
class NewBooking:
    start: datetime
    end: datetime
    lead_id: uuid.UUID | None
    quote_id: uuid.UUID | None
    notes: str | None
    calendar_event_id: str | None
    idempotency_key: str


class BookingStore(Protocol):
    async def busy_between(self, start: datetime, end: datetime) -> list[BusyInterval]: ...

    async def create(self, booking: NewBooking) -> BookingSummary:
        """Insert once per idempotency key; a repeat returns the first booking."""
        ...


@dataclass(frozen=True)
class ThreadInfo:
    """How to answer inside a customer's mail thread."""

    reply_to: str | None  # the customer's own address (already routed: never a relay)
    subject: str | None
    last_message_id: str | None
    references: tuple[str, ...]
    thread_id: str | None


@dataclass(frozen=True)
class NewDraft:
    to: str
    subject: str
    body: str
    lead_id: uuid.UUID | None
    quote_id: uuid.UUID | None
    in_reply_to: str | None
    references: tuple[str, ...]
    thread_id: str | None
    idempotency_key: str
    session_id: uuid.UUID | None
    created_by: uuid.UUID | None


class Outbox(Protocol):
    async def thread_for_lead(self, lead_id: uuid.UUID) -> ThreadInfo | None: ...

    async def create_draft(self, draft: NewDraft) -> EmailDraft:
        """Insert once per idempotency key; a repeat returns the first draft."""
        ...

    async def find_draft(self, draft_ref: str) -> EmailDraft | None: ...

    async def mark_approved(self, draft_id: uuid.UUID, *, by: uuid.UUID | None) -> EmailDraft: ...

    async def mark_sent(
        self, draft_id: uuid.UUID, *, provider_message_id: str | None
    ) -> EmailDraft: ...


@dataclass(frozen=True)
class Ports:
    """Everything a tool may touch, built per run by the agent."""

    leads: LeadStore
    quotes: QuoteStore
    bookings: BookingStore
    outbox: Outbox
    calendar: CalendarPort | None = None  # None: our bookings table is the calendar
    mailbox: MailboxPort | None = None  # None: our outbound table is the mailbox
