"""Request and response shapes of /v1/review (the responder's drafts waiting for a person)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from memory.models.enums import InboundStatus, OutboundStatus

MAX_BODY = 50_000


class InboundSummaryOut(BaseModel):
    """The customer's mail the draft answers."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    from_address: str | None
    subject: str | None
    received_at: datetime
    intent: str | None = Field(description="The responder's triage of the mail.")
    status: InboundStatus
    status_reason: str | None


class ReviewItemOut(BaseModel):
    """A draft reply and why it waits for review."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "5f0c1d2e-8a7b-4c3d-9e8f-0a1b2c3d4e5f",
                    "status": "draft",
                    "to": "mette@example.dk",
                    "subject": "Re: Flytterengøring",
                    "body": "Hej Mette ...",
                    "reasons": ["recent_quote_warning", "mode_draft_only"],
                    "created_at": "2026-12-01T09:00:00+01:00",
                    "inbound": None,
                    "lead_id": None,
                    "quote_id": None,
                    "escalated": False,
                    "automatic": True,
                    "notes": [],
                    "rejection_reason": None,
                    "approved_by": None,
                    "approved_at": None,
                    "sent_at": None,
                    "blockers": [],
                }
            ]
        },
    )

    id: uuid.UUID
    status: OutboundStatus
    to: str
    subject: str
    body: str
    reasons: list[str] = Field(description="Reason codes that sent the draft to review.")
    created_at: datetime
    inbound: InboundSummaryOut | None
    lead_id: uuid.UUID | None
    quote_id: uuid.UUID | None
    escalated: bool = Field(description="The recipient has an open escalation now.")
    automatic: bool = Field(description="Machine-written: sent with Auto-Submitted.")
    notes: list[dict[str, JsonValue]] = Field(description="Edits and decisions, oldest first.")
    rejection_reason: str | None
    approved_by: uuid.UUID | None
    approved_at: datetime | None
    sent_at: datetime | None
    blockers: list[str] = Field(
        default_factory=list,
        description="On a single draft: what would block the caller's approval now.",
    )


class ReviewList(BaseModel):
    """Drafts waiting for review, oldest first."""

    items: list[ReviewItemOut]


class ApproveIn(BaseModel):
    """An optional edit; the recipient cannot be changed."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{}, {"body": "Hej Mette\n\n...", "subject": "Tilbud"}]},
    )

    body: str | None = Field(default=None, min_length=1, max_length=MAX_BODY, pattern=r"\S")
    subject: str | None = Field(
        default=None, min_length=1, max_length=998, pattern=r"^[^\r\n]*\S[^\r\n]*$"
    )


class RejectIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"examples": [{"reason": "Kunden er allerede ringet op."}]},
    )

    reason: str = Field(min_length=1, max_length=2000, description="Why it is not sent.")


class ReviewOutcomeOut(BaseModel):
    """The mail's state after the decision; `delivery_error` set: approved, not yet sent
    (approve again to continue the send)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    status: OutboundStatus
    provider_message_id: str | None
    replayed: bool = Field(description="It had been sent before; nothing was sent now.")
    delivery_error: str | None
    delivery_message: str | None
