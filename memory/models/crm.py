"""Customers and leads (domain.md "Leads")."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from memory.models.base import Base, created_at_column, str_enum, updated_at_column, uuid_pk
from memory.models.enums import Frequency, LeadSource, LeadStatus, Service


def _mention_indexes(table: str) -> list[Index]:
    """What the outgoing check looks other customers up by (customer_mentions.py): the first
    four characters of the name and address, and the last eight digits of the phone."""
    prefix = "left(lower(coalesce({}, '')), 4)"
    return [
        Index(f"ix_{table}_name_prefix", text(prefix.format("name"))),
        Index(f"ix_{table}_address_prefix", text(prefix.format("address"))),
        Index(
            f"ix_{table}_phone_digits",
            text(r"right(regexp_replace(coalesce(phone, ''), '\D', '', 'g'), 8)"),
        ),
    ]


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[uuid.UUID] = uuid_pk()
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    leads: Mapped[list[Lead]] = relationship(back_populates="customer", lazy="raise")

    __table_args__ = (
        Index("uq_customers_email_lower", func.lower(email), unique=True),
        Index(
            "ix_customers_name_trgm",
            name,
            postgresql_using="gin",
            postgresql_ops={"name": "gin_trgm_ops"},
        ),
        *_mention_indexes("customers"),
    )


class Lead(Base):
    __tablename__ = "leads"

    id: Mapped[uuid.UUID] = uuid_pk()
    customer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    source: Mapped[LeadSource] = mapped_column(str_enum(LeadSource, "lead_source"))
    status: Mapped[LeadStatus] = mapped_column(
        str_enum(LeadStatus, "lead_status"), default=LeadStatus.NEW
    )
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(300))
    area_m2: Mapped[Decimal | None] = mapped_column(Numeric(7, 1))
    rooms: Mapped[int | None]
    property_type: Mapped[str | None] = mapped_column(String(100))
    service: Mapped[Service | None] = mapped_column(str_enum(Service, "service"))
    frequency: Mapped[Frequency | None] = mapped_column(str_enum(Frequency, "frequency"))
    wanted_dates: Mapped[str | None] = mapped_column(String(500))
    notes: Mapped[str | None] = mapped_column(Text)
    estimated_value: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    score: Mapped[int] = mapped_column(default=0)
    score_response: Mapped[int] = mapped_column(default=0)
    score_contact: Mapped[int] = mapped_column(default=0)
    score_value: Mapped[int] = mapped_column(default=0)
    score_engagement: Mapped[int] = mapped_column(default=0)
    # Same thread or same customer within 24 h is the same lead: the ingest computes this key.
    dedup_key: Mapped[str] = mapped_column(String(200), unique=True)
    thread_id: Mapped[str | None] = mapped_column(String(300), index=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    contacted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    customer: Mapped[Customer | None] = relationship(back_populates="leads", lazy="raise")

    __table_args__ = (
        CheckConstraint("score BETWEEN 0 AND 100", name="score_range"),
        CheckConstraint(
            "score_response BETWEEN 0 AND 25 AND score_contact BETWEEN 0 AND 25 "
            "AND score_value BETWEEN 0 AND 25 AND score_engagement BETWEEN 0 AND 25",
            name="score_parts_range",
        ),
        CheckConstraint("area_m2 IS NULL OR area_m2 > 0", name="area_positive"),
        CheckConstraint("rooms IS NULL OR rooms > 0", name="rooms_positive"),
        Index("ix_leads_email_lower", func.lower(email)),
        Index("ix_leads_status_received", status, received_at.desc()),
        *[
            Index(
                f"ix_leads_{col}_trgm",
                col,
                postgresql_using="gin",
                postgresql_ops={col: "gin_trgm_ops"},
            )
            for col in ("name", "email", "phone", "address")
        ],
        *_mention_indexes("leads"),
    )
