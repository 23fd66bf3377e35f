"""What the model may pass to each tool. Docstrings and field descriptions are the prompt the
model reads; plumbing (who calls, which session, the clock) is never here."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from tools.services import AddOn, ServiceType


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SearchLeadsArgs(_Args):
    """Find leads and customers by name, email, phone or address (fuzzy: typos are fine)."""

    query: str = Field(min_length=2, max_length=200, description="Name, email, phone or address")
    limit: int = Field(default=5, ge=1, le=20)


class GetLeadArgs(_Args):
    """One lead with its score, quotes, bookings and email thread."""

    lead_id: str = Field(
        min_length=6, max_length=320, description="The lead's id (or its first 8 characters)"
    )


class CheckAvailabilityArgs(_Args):
    """Free slots in working hours for a job. The job length comes from the quote when a
    quote_id is given, else from hours_on_site, else 2 hours."""

    hours_on_site: Decimal | None = Field(default=None, gt=0, le=12)
    quote_id: str | None = Field(default=None, max_length=64)
    from_date: date | None = Field(default=None, description="First day to search (default: today)")
    days: int = Field(default=14, ge=1, le=60, description="How many days ahead to search")
    count: int = Field(default=3, ge=1, le=10, description="How many slots to offer")


class CreateBookingArgs(_Args):
    """Book a slot (needs staff approval before anything is written to the calendar)."""

    start: datetime = Field(description="Start, ISO 8601 in Europe/Copenhagen time")
    hours_on_site: Decimal | None = Field(default=None, gt=0, le=12)
    lead_id: str | None = Field(default=None, max_length=64)
    quote_id: str | None = Field(default=None, max_length=64)
    notes: str | None = Field(default=None, max_length=1000)


class DraftQuoteArgs(_Args):
    """Price a cleaning job with the company's price rules and save it as a draft quote."""

    service: ServiceType
    area_m2: Decimal = Field(gt=0, le=5000)
    lead_id: str | None = Field(default=None, max_length=64)
    add_ons: list[AddOn] = Field(default_factory=list, description="Only for moving_out")


class DraftEmailReplyArgs(_Args):
    """Write a reply or a new mail as a draft in the outbox (nothing is sent)."""

    body: str = Field(min_length=1, max_length=20_000, description="The mail text, in Danish")
    lead_id: str | None = Field(default=None, max_length=64)
    to: str | None = Field(default=None, max_length=320, description="Recipient if no lead")
    subject: str | None = Field(default=None, max_length=300)
    quote_id: str | None = Field(default=None, max_length=64, description="Quote to include")


class SendEmailArgs(_Args):
    """Send an existing draft from the outbox (needs staff approval)."""

    draft_id: str = Field(min_length=6, max_length=64)
