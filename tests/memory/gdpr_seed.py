"""Seeding one person into every place that can hold their data (for the GDPR tests)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import empty_checkpoint
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from sqlalchemy.ext.asyncio import AsyncSession

from agent.redaction import redact
from memory.models import (
    EMBEDDING_DIMENSION,
    Booking,
    ChatEvent,
    ChatMessage,
    ChatSession,
    ChatTurn,
    Customer,
    Escalation,
    InboundEmail,
    Lead,
    OutboundEmail,
    Quote,
    TaskExecution,
)
from memory.models.enums import (
    ChatChannel,
    LeadSource,
    MessageRole,
    QuoteStatus,
    Service,
    Severity,
    TaskStatus,
)

NOW = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    phone: str  # as written in the records
    digits: str  # the local number, however spaced
    address: str

    @property
    def needles(self) -> list[str]:
        return [self.name.lower(), self.email.lower(), self.address.lower(), self.digits]


METTE = Person(
    "Mette Gdprsen", "Mette.Gdpr@example.dk", "+45 21 43 65 87", "21436587", "Solbakken 17, 8240"
)
JONAS = Person(
    "Jonas Bevaret", "jonas.keep@example.dk", "31 52 73 94", "31527394", "Havnegade 3, 8000"
)


@dataclass
class Seeded:
    person: Person
    lead_id: uuid.UUID
    customer_id: uuid.UUID
    accepted_quote_id: uuid.UUID
    session_id: uuid.UUID
    ids: dict[str, uuid.UUID] = field(default_factory=dict)


def _raw_mail(p: Person, key: str) -> bytes:
    return (
        f"From: Leadmail <noreply@leadmail.no>\r\nReply-To: {p.name} <{p.email}>\r\n"
        f"To: info@rendetalje.dk\r\nSubject: Ny henvendelse fra {p.name}\r\n"
        f"Message-ID: <{key}@leadmail.no>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Navn: {p.name}\r\nEmail: {p.email}\r\nTelefon: {p.phone}\r\n"
        f"Adresse: {p.address}\r\nFlytterengøring, 80 m2.\r\n"
    ).encode()


def _quote(p: Person, status: QuoteStatus, **links: uuid.UUID) -> Quote:
    return Quote(
        service=Service.MOVING_OUT,
        area_m2=Decimal("80.0"),
        workers=2,
        hours_on_site=Decimal("3.0"),
        work_hours=Decimal("6.0"),
        hourly_rate=Decimal("349.00"),
        price_min=Decimal("2094.00"),
        price_max=Decimal("2443.00"),
        vat_min=Decimal("418.80"),
        vat_max=Decimal("488.60"),
        add_ons={},
        status=status,
        valid_until=date(2025, 7, 1),
        text=f"Kære {p.name}, tilbud på flytterengøring af {p.address}.",
        sent_at=NOW,
        decided_at=NOW if status == QuoteStatus.ACCEPTED else None,
        **links,
    )


async def seed_person(s: AsyncSession, p: Person, staff_id: uuid.UUID, key: str) -> Seeded:
    customer = Customer(name=p.name, email=p.email, phone=p.phone, address=p.address)
    s.add(customer)
    await s.flush()
    lead = Lead(
        customer_id=customer.id,
        source=LeadSource.RENGOERING_NU,
        name=p.name,
        email=p.email,
        phone=p.phone,
        address=p.address,
        notes=f"Ring til {p.name} efter kl. 16",
        dedup_key=f"dedup-{key}",
        thread_id=f"<{key}@leadmail.no>",
        received_at=NOW,
    )
    s.add(lead)
    await s.flush()
    draft = _quote(p, QuoteStatus.DRAFT, lead_id=lead.id)
    accepted = _quote(p, QuoteStatus.ACCEPTED, lead_id=lead.id, customer_id=customer.id)
    s.add_all([draft, accepted])
    await s.flush()
    booking = Booking(
        customer_id=customer.id,
        lead_id=lead.id,
        quote_id=accepted.id,
        service=Service.MOVING_OUT,
        start=NOW + timedelta(days=7),
        end=NOW + timedelta(days=7, hours=3),
        address=p.address,
        notes=f"Nøgle hos {p.name}, tlf {p.phone}",
        idempotency_key=f"book-{key}",
    )
    inbound = InboundEmail(
        message_id=f"<{key}@leadmail.no>",
        thread_id=f"<{key}@leadmail.no>",
        from_address="noreply@leadmail.no",
        reply_to=p.email,
        to_address="info@rendetalje.dk",
        subject=f"Ny henvendelse fra {p.name}",
        received_at=NOW,
        raw=_raw_mail(p, key),
        raw_size=len(_raw_mail(p, key)),
        source=LeadSource.RENGOERING_NU,
        lead_id=lead.id,
        status_reason=f"lead for {p.name}",
    )
    s.add_all([booking, inbound])
    await s.flush()
    outbound = OutboundEmail(
        idempotency_key=f"out-{key}",
        to_address=p.email,
        subject=f"Tilbud til {p.name}",
        body=f"Hej {p.name}\n\nVi kommer til {p.address}. Vi ringer på {p.phone}.",
        lead_id=lead.id,
        inbound_email_id=inbound.id,
        quote_id=accepted.id,
    )
    escalation = Escalation(
        customer_email=p.email,
        lead_id=lead.id,
        inbound_email_id=inbound.id,
        severity=Severity.MEDIUM,
        reason=f"Klage fra {p.name}",
        matched_keywords=["klage"],
        details={"customer_name": p.name, "phone": p.phone},
    )
    chat = ChatSession(
        owner_id=staff_id, channel=ChatChannel.CHAT, title=f"{p.name} flytning", summary=""
    )
    s.add_all([outbound, escalation, chat])
    await s.flush()
    chat.summary = f"Vi talte om {p.name} ({p.email}) på {p.address}."
    vector = [0.01] * EMBEDDING_DIMENSION
    s.add_all(
        [
            ChatMessage(
                session_id=chat.id,
                role=MessageRole.USER,
                content=f"Find {p.name}, tlf {p.phone}",
                embedding=vector,
            ),
            ChatMessage(
                session_id=chat.id,
                role=MessageRole.ASSISTANT,
                content="",
                tool_calls=[
                    {"id": f"call-{key}", "name": "search_leads", "args": {"query": p.email}}
                ],
            ),
            ChatMessage(
                session_id=chat.id,
                role=MessageRole.TOOL,
                content=f'{{"lead_id": "{lead.id}", "address": "{p.address}"}}',
                tool_call_id=f"call-{key}",
            ),
            ChatMessage(
                session_id=chat.id,
                role=MessageRole.ASSISTANT,
                content=f"{p.name.split()[0].upper()} {p.name.split()[1]} bor på {p.address}.",
                embedding=vector,
            ),
            ChatEvent(session_id=chat.id, run_id=f"run-{key}", kind="text", data={"text": p.name}),
            ChatEvent(
                session_id=chat.id, run_id=f"run-{key}", kind="text", data={"text": p.phone[:6]}
            ),
            ChatTurn(session_id=chat.id, run_id=f"run-{key}", started_at=NOW, lease_until=NOW),
            TaskExecution(
                tool_call_id=f"call-{key}",
                task_type="search_leads",
                status=TaskStatus.SUCCEEDED,
                input=redact({"query": p.email, "phone": p.phone}),
                result={"lead_ids": [str(lead.id)], "count": 1},
                result_summary="1 lead",
                session_id=chat.id,
                channel="chat",
                started_at=NOW,
            ),
            TaskExecution(
                tool_call_id=f"call2-{key}",
                task_type="draft_email_reply",
                status=TaskStatus.SUCCEEDED,
                input=redact({"to": p.email, "body": f"Hej {p.name}", "lead_id": str(lead.id)}),
                result={"outbound_id": str(outbound.id)},
                channel="email",
                started_at=NOW,
            ),
            TaskExecution(
                tool_call_id=f"call3-{key}",
                task_type="get_lead",
                status=TaskStatus.SUCCEEDED,
                input=redact({"name": p.name}),
                result=None,
                channel="chat",
                started_at=NOW,
            ),
        ]
    )
    await s.flush()
    return Seeded(
        person=p,
        lead_id=lead.id,
        customer_id=customer.id,
        accepted_quote_id=accepted.id,
        session_id=chat.id,
        ids={"inbound": inbound.id, "outbound": outbound.id, "booking": booking.id},
    )


async def seed_checkpoint(saver: AsyncPostgresSaver, session_id: uuid.UUID, p: Person) -> None:
    """A LangGraph checkpoint of the session whose messages mention the person (they land in
    checkpoint_blobs), plus a pending write (checkpoint_writes)."""
    checkpoint = empty_checkpoint()
    messages = [
        HumanMessage(content=f"Ring til {p.name} på {p.phone}"),
        AIMessage(content=f"{p.name} bor på {p.address} ({p.email})."),
    ]
    checkpoint["channel_values"] = {"messages": messages}
    checkpoint["channel_versions"] = {"messages": "1"}
    config: RunnableConfig = {"configurable": {"thread_id": str(session_id), "checkpoint_ns": ""}}
    saved = await saver.aput(config, checkpoint, {"source": "loop", "step": 1}, {"messages": "1"})
    await saver.aput_writes(saved, [("messages", [HumanMessage(content=p.email)])], "task-1")
