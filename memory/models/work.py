"""Quotes and bookings (domain.md "Pricing" and "Calendar and bookings")."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    func,
    literal_column,
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
from memory.models.crm import Customer, Lead
from memory.models.enums import BookingStatus, QuoteStatus, Service


class Quote(Base):
    __tablename__ = "quotes"

    id: Mapped[uuid.UUID] = uuid_pk()
    lead_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("leads.id", ondelete="SET NULL"), index=True
    )
    customer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    service: Mapped[Service] = mapped_column(str_enum(Service, "service"))
    area_m2: Mapped[Decimal] = mapped_column(Numeric(7, 1))
    workers: Mapped[int]
    hours_on_site: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    work_hours: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    hourly_rate: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    price_min: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    price_max: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    vat_min: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    vat_max: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    add_ons: Mapped[JsonDict] = mapped_column(JSONB, default=dict)
    status: Mapped[QuoteStatus] = mapped_column(
        str_enum(QuoteStatus, "quote_status"), default=QuoteStatus.DRAFT
    )
    valid_until: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    lead: Mapped[Lead | None] = relationship(lazy="raise")
    customer: Mapped[Customer | None] = relationship(lazy="raise")

    __table_args__ = (
        CheckConstraint("workers BETWEEN 1 AND 10", name="workers_range"),
        CheckConstraint("price_max >= price_min AND price_min > 0", name="price_range"),
        CheckConstraint("hours_on_site >= 2", name="minimum_hours"),
        Index("ix_quotes_status_created", "status", "created_at"),
    )


class Booking(Base):
    __tablename__ = "bookings"

    id: Mapped[uuid.UUID] = uuid_pk()
    customer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    lead_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("leads.id", ondelete="SET NULL"), index=True
    )
    quote_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("quotes.id", ondelete="SET NULL"), index=True
    )
    service: Mapped[Service | None] = mapped_column(str_enum(Service, "service"))
    start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[BookingStatus] = mapped_column(
        str_enum(BookingStatus, "booking_status"), default=BookingStatus.CONFIRMED
    )
    address: Mapped[str | None] = mapped_column(String(300))
    notes: Mapped[str | None] = mapped_column(Text)
    calendar_event_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    # A retried or resumed run sends the same key, so a booking is made at most once.
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    customer: Mapped[Customer | None] = relationship(lazy="raise")
    lead: Mapped[Lead | None] = relationship(lazy="raise")
    quote: Mapped[Quote | None] = relationship(lazy="raise")

    __table_args__ = (
        CheckConstraint('"end" > start', name="end_after_start"),
        Index("ix_bookings_start", "start"),
    )


# The digits of a lead's phone ("+45 20 30 40 50" -> "4520304050"), so a phone number matches
# however it was written. Literal arguments keep the expression identical to the index's, which
# the planner needs to use the index. (The index belongs to ``leads``; it is declared here, next
# to the other search-support schema of migration 0002, and attaches itself to that table.)
LEAD_PHONE_DIGITS = func.regexp_replace(
    Lead.phone, literal_column("'[^0-9]'"), literal_column("''"), literal_column("'g'")
)

Index(
    "ix_leads_phone_digits_trgm",
    LEAD_PHONE_DIGITS.label("phone_digits"),
    postgresql_using="gin",
    postgresql_ops={"phone_digits": "gin_trgm_ops"},
)
