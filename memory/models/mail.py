"""Inbound mail ledger, outbound mail (drafts to sends) and escalations."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from memory.models.base import (
    Base,
    JsonDict,
    created_at_column,
    str_enum,
    updated_at_column,
    uuid_pk,
)
from memory.models.crm import Lead
from memory.models.enums import (
    EscalationStatus,
    InboundStatus,
    LeadSource,
    OutboundStatus,
    Severity,
)


class InboundEmail(Base):
    """A received mail, recorded once by its Message-ID; a second delivery only counts."""

    __tablename__ = "inbound_emails"

    id: Mapped[uuid.UUID] = uuid_pk()
    message_id: Mapped[str] = mapped_column(String(998), unique=True)
    thread_id: Mapped[str | None] = mapped_column(String(998), index=True)
    provider_id: Mapped[str | None] = mapped_column(String(200))
    from_address: Mapped[str | None] = mapped_column(String(320))
    reply_to: Mapped[str | None] = mapped_column(String(320))
    to_address: Mapped[str | None] = mapped_column(String(998))
    subject: Mapped[str | None] = mapped_column(String(998))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)
    raw_size: Mapped[int] = mapped_column(default=0)
    source: Mapped[LeadSource | None] = mapped_column(str_enum(LeadSource, "lead_source"))
    status: Mapped[InboundStatus] = mapped_column(
        str_enum(InboundStatus, "inbound_status"), default=InboundStatus.RECEIVED
    )
    status_reason: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    delivery_count: Mapped[int] = mapped_column(default=1)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lead_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("leads.id", ondelete="SET NULL"), index=True
    )
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The provider's thread (Gmail threadId): where a reply must be filed.
    provider_thread_id: Mapped[str | None] = mapped_column(String(200))
    intent: Mapped[str | None] = mapped_column(String(40))
    language: Mapped[str | None] = mapped_column(String(8))
    # Why the responder did what it did (stable reason codes), newest decision last.
    reasons: Mapped[list[str]] = mapped_column(
        JSONB, default=list, server_default=text("'[]'::jsonb")
    )
    # A duplicate (same thread or same customer within 24 hours) answered by another mail.
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("inbound_emails.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = created_at_column()

    lead: Mapped[Lead | None] = relationship(lazy="raise")

    __table_args__ = (
        # The workers' queue: pending mail in arrival order.
        Index(
            "ix_inbound_emails_pending",
            "received_at",
            "id",  # the claim's order; mail ingested together shares received_at
            postgresql_where=text("status IN ('received', 'processing')"),
        ),
        Index("ix_inbound_emails_lower_from", text("lower(from_address)")),
    )


class OutboundEmail(Base):
    """A mail we write: a draft until approved, sent at most once (idempotency key)."""

    __tablename__ = "outbound_emails"

    id: Mapped[uuid.UUID] = uuid_pk()
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    to_address: Mapped[str] = mapped_column(String(320))
    cc: Mapped[str | None] = mapped_column(String(998))
    subject: Mapped[str] = mapped_column(String(998))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[OutboundStatus] = mapped_column(
        str_enum(OutboundStatus, "outbound_status"), default=OutboundStatus.DRAFT
    )
    in_reply_to: Mapped[str | None] = mapped_column(String(998))
    references: Mapped[str | None] = mapped_column(Text)
    thread_id: Mapped[str | None] = mapped_column(String(998), index=True)
    lead_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("leads.id", ondelete="SET NULL"), index=True
    )
    inbound_email_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("inbound_emails.id", ondelete="SET NULL"), index=True
    )
    quote_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("quotes.id", ondelete="SET NULL"), index=True
    )
    session_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("chat_sessions.id", ondelete="SET NULL")
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    approved_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    review_notes: Mapped[list[JsonDict]] = mapped_column(JSONB, default=list)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    provider_message_id: Mapped[str | None] = mapped_column(String(998))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The responder's bookkeeping: why it is written, whether a machine wrote it (it then
    # carries Auto-Submitted: auto-replied), why it waits for review.
    purpose: Mapped[str | None] = mapped_column(String(40))
    automatic: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    review_reasons: Mapped[list[str]] = mapped_column(
        JSONB, default=list, server_default=text("'[]'::jsonb")
    )
    provider_draft_id: Mapped[str | None] = mapped_column(String(200))
    # Set before a provider send starts: a retry after a crash looks for the sent mail
    # (from this mailbox mark on) instead of sending again.
    send_mark: Mapped[str | None] = mapped_column(String(100))
    send_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        Index("ix_outbound_emails_to_lower", text("lower(to_address)")),
        # The daily cap: today's automatic sends, without reading all mail ever written.
        Index(
            "ix_outbound_emails_auto_sent",
            "sent_at",
            postgresql_where=text("automatic IS true AND status = 'sent'"),
        ),
    )


class Escalation(Base):
    """A case handed to the owner instead of an AI reply (complaints, conflict)."""

    __tablename__ = "escalations"

    id: Mapped[uuid.UUID] = uuid_pk()
    customer_email: Mapped[str | None] = mapped_column(String(320))
    lead_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("leads.id", ondelete="SET NULL"), index=True
    )
    inbound_email_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("inbound_emails.id", ondelete="SET NULL"), index=True
    )
    severity: Mapped[Severity] = mapped_column(str_enum(Severity, "severity"))
    reason: Mapped[str] = mapped_column(Text)
    matched_keywords: Mapped[list[str]] = mapped_column(JSONB, default=list)
    status: Mapped[EscalationStatus] = mapped_column(
        str_enum(EscalationStatus, "escalation_status"), default=EscalationStatus.OPEN
    )
    details: Mapped[JsonDict] = mapped_column(JSONB, default=dict)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (Index("ix_escalations_customer_email_lower", text("lower(customer_email)")),)


class MailboxSyncState(Base):
    """Where the inbox follower is in one provider mailbox (Gmail history id)."""

    __tablename__ = "mailbox_sync_state"

    mailbox: Mapped[str] = mapped_column(String(320), primary_key=True)
    history_id: Mapped[str | None] = mapped_column(String(100))
    last_full_sync_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_sync_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    full_syncs: Mapped[int] = mapped_column(default=0, server_default=text("0"))
