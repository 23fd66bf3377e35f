"""What the tools return (to the model as JSON, to the API and the audit trail as records)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from tools.services import ServiceType


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True)


class LeadSummary(_Record):
    id: uuid.UUID
    name: str
    email: str | None
    phone: str | None
    address: str | None
    source: str
    status: str
    service: ServiceType | None
    area_m2: Decimal | None
    rooms: int | None
    score: int
    received_at: datetime
    match: float | None = None  # trigram similarity when found by search


class QuoteSummary(_Record):
    id: uuid.UUID
    lead_id: uuid.UUID | None
    service: ServiceType
    area_m2: Decimal
    workers: int
    hours_on_site: Decimal
    work_hours: Decimal
    price_min: Decimal
    price_max: Decimal
    vat_min: Decimal
    vat_max: Decimal
    status: str
    valid_until: date
    created_at: datetime


class QuoteDraft(QuoteSummary):
    text: str


class BookingSummary(_Record):
    id: uuid.UUID
    lead_id: uuid.UUID | None
    start: datetime
    end: datetime
    status: str
    calendar_event_id: str | None


class MailSummary(_Record):
    id: uuid.UUID
    direction: str  # inbound | outbound
    subject: str | None
    status: str
    at: datetime


class LeadDetail(_Record):
    lead: LeadSummary
    score_parts: dict[str, int]
    tier: str
    quotes: list[QuoteSummary]
    bookings: list[BookingSummary]
    mails: list[MailSummary]


class SearchResult(_Record):
    query: str
    leads: list[LeadSummary]


class SlotOffer(_Record):
    start: datetime
    end: datetime
    label_da: str
    label_en: str


class AvailabilityResult(_Record):
    hours_on_site: Decimal
    slots: list[SlotOffer]


class BookingCreated(_Record):
    booking: BookingSummary
    label_da: str
    label_en: str


class EmailDraft(_Record):
    id: uuid.UUID
    to: str
    subject: str
    body: str
    status: str
    lead_id: uuid.UUID | None
    in_reply_to: str | None
    thread_id: str | None
    references: tuple[str, ...] = ()


class EmailSent(_Record):
    draft_id: uuid.UUID
    to: str
    status: str
    provider_message_id: str | None
