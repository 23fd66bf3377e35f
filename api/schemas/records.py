"""Public shapes of the business records, shared by the HTTP API and the CLI's --json."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class LeadOut(_Out):
    id: uuid.UUID
    source: str
    status: str
    name: str
    email: str | None
    phone: str | None
    address: str | None
    area_m2: Decimal | None
    rooms: int | None
    property_type: str | None
    service: str | None
    frequency: str | None
    wanted_dates: str | None
    estimated_value: Decimal | None
    score: int
    score_response: int
    score_contact: int
    score_value: int
    score_engagement: int
    received_at: datetime


class QuoteOut(_Out):
    id: uuid.UUID
    service: str
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


class BookingOut(_Out):
    id: uuid.UUID
    lead_id: uuid.UUID | None
    customer_name: str | None = None
    customer_email: str | None = None
    service: str | None
    start: datetime
    end: datetime
    status: str
    address: str | None
    calendar_event_id: str | None


class LeadDetailOut(LeadOut):
    quotes: list[QuoteOut]
    bookings: list[BookingOut]


class StaffUserOut(_Out):
    id: uuid.UUID
    email: str
    name: str
    role: str
    active: bool


class ApiTokenOut(_Out):
    id: uuid.UUID
    user_id: uuid.UUID
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class CreatedTokenOut(ApiTokenOut):
    token: str  # the clear token, returned once at creation
