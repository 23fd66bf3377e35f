"""Whose data is it: every row that holds or points at one person, found from their email.

The person is the data subject of a GDPR request. Starting from the email we collect their
leads and customer records, and from those their names, phones and addresses; rows elsewhere
are theirs when they point at those ids, carry the email, or mention one of those values.
Audit rows hold redaction markers instead of values, so the markers of the same values are
computed here too (the memory layer may not import ``agent.redaction``; a test keeps the two
identical).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    SQLColumnExpression,
    Text,
    cast,
    false,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from memory.models import (
    Booking,
    ChatMessage,
    ChatSession,
    Customer,
    Escalation,
    InboundEmail,
    Lead,
    OutboundEmail,
    Quote,
    TaskExecution,
)

# Shorter values (a first name alone, a two-letter address) would match unrelated text.
MIN_TERM_LENGTH = 5
# Danish numbers have eight digits; "+45 20 30 40 50" and "20304050" are the same phone.
LOCAL_PHONE_DIGITS = 8


def redaction_marker(value: object) -> str:
    """The marker ``agent.redaction`` writes in place of a personal value."""
    digest = hashlib.sha256(str(value).encode("utf-8")).hexdigest()[:12]
    return f"[redacted:{digest}]"


@dataclass
class Subject:
    """Everything found for one email. ``terms`` are lower-cased texts that identify the
    person in free text; ``phones`` are local digit strings matched with spacing removed."""

    email: str
    names: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    addresses: set[str] = field(default_factory=set)
    markers: set[str] = field(default_factory=set)
    lead_ids: set[uuid.UUID] = field(default_factory=set)
    customer_ids: set[uuid.UUID] = field(default_factory=set)
    quote_ids: set[uuid.UUID] = field(default_factory=set)
    booking_ids: set[uuid.UUID] = field(default_factory=set)
    inbound_ids: set[uuid.UUID] = field(default_factory=set)
    outbound_ids: set[uuid.UUID] = field(default_factory=set)
    escalation_ids: set[uuid.UUID] = field(default_factory=set)
    message_ids: set[int] = field(default_factory=set)
    session_ids: set[uuid.UUID] = field(default_factory=set)
    task_ids: set[uuid.UUID] = field(default_factory=set)

    @property
    def terms(self) -> set[str]:
        found = {self.email, *self.names, *self.addresses}
        return {t.strip().lower() for t in found if len(t.strip()) >= MIN_TERM_LENGTH}

    @property
    def record_ids(self) -> set[str]:
        """Ids of their records, as they appear inside JSON (audit input and results)."""
        groups: Iterable[set[uuid.UUID]] = (
            self.lead_ids,
            self.customer_ids,
            self.quote_ids,
            self.booking_ids,
            self.inbound_ids,
            self.outbound_ids,
            self.escalation_ids,
        )
        return {str(i) for g in groups for i in g}

    @property
    def found(self) -> bool:
        return bool(self.record_ids or self.message_ids or self.session_ids or self.task_ids)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def phone_digits(phone: str) -> str | None:
    """The local number's digits, or None when too short to identify anyone."""
    digits = re.sub(r"\D", "", phone)
    return digits[-LOCAL_PHONE_DIGITS:] if len(digits) >= LOCAL_PHONE_DIGITS else None


def phone_variants(phone: str) -> set[str]:
    """Ways a tool argument may have spelled the phone (each gets its own marker)."""
    local = phone_digits(phone)
    if local is None:
        return {phone}
    pairs = " ".join(local[i : i + 2] for i in range(0, len(local), 2))
    return {phone, local, f"+45{local}", f"+45 {local}", pairs, f"+45 {pairs}", f"45{local}"}


def mentions(column: SQLColumnExpression[Any], subject: Subject) -> ColumnElement[bool]:
    """SQL: the column's text (JSON cast to text) mentions one of the subject's values."""
    return mentions_text(cast(column, Text), subject)


def mentions_text(text: SQLColumnExpression[Any], subject: Subject) -> ColumnElement[bool]:
    as_text = func.lower(text)
    conditions: list[ColumnElement[bool]] = [
        func.strpos(as_text, literal(term)) > 0 for term in sorted(subject.terms)
    ]
    if subject.phones:
        squeezed = func.regexp_replace(as_text, r"[\s.\-()]", "", "g")
        conditions += [func.strpos(squeezed, literal(p)) > 0 for p in sorted(subject.phones)]
    return or_(false(), *conditions)


def contains_any(column: SQLColumnExpression[Any], needles: Iterable[str]) -> ColumnElement[bool]:
    as_text = cast(column, Text)
    return or_(false(), *[func.strpos(as_text, literal(n)) > 0 for n in sorted(needles)])


async def find_subject(session: AsyncSession, email: str) -> Subject:
    """Every row of the person behind ``email`` (nothing is changed)."""
    subject = Subject(email=normalise_email(email))
    await _people(session, subject)
    await _records(session, subject)
    await _mail(session, subject)
    await _chat(session, subject)
    await _audit(session, subject)
    return subject


async def _ids(session: AsyncSession, stmt: object) -> set[uuid.UUID]:
    return set((await session.execute(stmt)).scalars().all())  # type: ignore[call-overload]


async def _people(session: AsyncSession, subject: Subject) -> None:
    e = subject.email
    leads = (await session.execute(select(Lead).where(func.lower(Lead.email) == e))).scalars()
    lead_rows = list(leads)
    customer_ids = {r.customer_id for r in lead_rows if r.customer_id is not None}
    customers = list(
        (
            await session.execute(
                select(Customer).where(
                    or_(func.lower(Customer.email) == e, Customer.id.in_(customer_ids))
                )
            )
        ).scalars()
    )
    subject.customer_ids = {c.id for c in customers}
    # A customer's other leads (another address, an older request) are theirs as well.
    if subject.customer_ids:
        more = await session.execute(select(Lead).where(Lead.customer_id.in_(subject.customer_ids)))
        lead_rows += [r for r in more.scalars() if r not in lead_rows]
    subject.lead_ids = {r.id for r in lead_rows}
    emails = {e}
    people: list[Lead | Customer] = [*lead_rows, *customers]
    for person in people:
        subject.names.add(person.name)
        if person.email:
            emails.add(person.email)
        if person.phone:
            subject.markers |= {redaction_marker(v) for v in phone_variants(person.phone)}
            if (digits := phone_digits(person.phone)) is not None:
                subject.phones.add(digits)
        if person.address:
            subject.addresses.add(person.address)
    values = {*emails, *subject.names, *subject.addresses}
    subject.markers |= {redaction_marker(v) for v in values}
    subject.markers |= {redaction_marker(v.lower()) for v in values}


async def _records(session: AsyncSession, subject: Subject) -> None:
    leads, customers = subject.lead_ids, subject.customer_ids
    subject.quote_ids = await _ids(
        session,
        select(Quote.id).where(or_(Quote.lead_id.in_(leads), Quote.customer_id.in_(customers))),
    )
    subject.booking_ids = await _ids(
        session,
        select(Booking.id).where(
            or_(
                Booking.lead_id.in_(leads),
                Booking.customer_id.in_(customers),
                Booking.quote_id.in_(subject.quote_ids),
            )
        ),
    )


async def _mail(session: AsyncSession, subject: Subject) -> None:
    e = subject.email
    # Raw bytes as text: non-ASCII bytes become escapes, the ASCII email and phone survive.
    raw_text = func.encode(InboundEmail.raw, "escape")
    subject.inbound_ids = await _ids(
        session,
        select(InboundEmail.id).where(
            or_(
                func.lower(InboundEmail.from_address) == e,
                func.lower(InboundEmail.reply_to) == e,
                func.strpos(func.lower(InboundEmail.to_address), e) > 0,
                InboundEmail.lead_id.in_(subject.lead_ids),
                mentions_text(raw_text, subject),
                mentions(InboundEmail.subject, subject),
            )
        ),
    )
    subject.outbound_ids = await _ids(
        session,
        select(OutboundEmail.id).where(
            or_(
                func.lower(OutboundEmail.to_address) == e,
                OutboundEmail.lead_id.in_(subject.lead_ids),
                OutboundEmail.inbound_email_id.in_(subject.inbound_ids),
                OutboundEmail.quote_id.in_(subject.quote_ids),
                mentions(OutboundEmail.cc, subject),
                mentions(OutboundEmail.subject, subject),
                mentions(OutboundEmail.body, subject),
            )
        ),
    )
    subject.escalation_ids = await _ids(
        session,
        select(Escalation.id).where(
            or_(
                func.lower(Escalation.customer_email) == e,
                Escalation.lead_id.in_(subject.lead_ids),
                Escalation.inbound_email_id.in_(subject.inbound_ids),
                mentions(Escalation.details, subject),
                mentions(Escalation.reason, subject),
            )
        ),
    )


async def _chat(session: AsyncSession, subject: Subject) -> None:
    lead_ids = {str(i) for i in subject.lead_ids | subject.customer_ids}
    rows = await session.execute(
        select(ChatMessage.id, ChatMessage.session_id).where(
            or_(
                mentions(ChatMessage.content, subject),
                mentions(ChatMessage.tool_calls, subject),
                contains_any(ChatMessage.content, lead_ids),
                contains_any(ChatMessage.tool_calls, lead_ids),
            )
        )
    )
    for message_id, session_id in rows:
        subject.message_ids.add(message_id)
        subject.session_ids.add(session_id)
    subject.session_ids |= await _ids(
        session,
        select(ChatSession.id).where(
            or_(mentions(ChatSession.title, subject), mentions(ChatSession.summary, subject))
        ),
    )


async def _audit(session: AsyncSession, subject: Subject) -> None:
    needles = subject.record_ids | subject.markers
    subject.task_ids = await _ids(
        session,
        select(TaskExecution.id).where(
            or_(
                contains_any(TaskExecution.input, needles),
                contains_any(TaskExecution.result, needles),
                mentions(TaskExecution.input, subject),
                mentions(TaskExecution.result, subject),
                mentions(TaskExecution.result_summary, subject),
                mentions(TaskExecution.intent, subject),
                mentions(TaskExecution.error, subject),
            )
        ),
    )
