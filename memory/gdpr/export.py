"""A GDPR export (right of access): everything held about one person, as JSON-ready data."""

from __future__ import annotations

from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from memory.gdpr.rows import checkpoint_counts, jsonable, row_dict
from memory.gdpr.subject import Subject, find_subject
from memory.models import (
    Base,
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

# Raw mail larger than this is exported as its decoded text only.
RAW_TEXT_LIMIT = 256 * 1024


async def export(
    session: AsyncSession, email: str, *, now: datetime | None = None
) -> dict[str, Any]:
    """Everything held about the person behind ``email``. Reads only."""
    subject = await find_subject(session, email)
    return await export_subject(session, subject, now=now)


async def export_subject(
    session: AsyncSession, subject: Subject, *, now: datetime | None = None
) -> dict[str, Any]:
    async def rows(model: type[Base], ids: set[Any]) -> list[Any]:
        if not ids:
            return []
        column = model.__table__.c.id
        found = await session.execute(select(model).where(column.in_(ids)).order_by(column))
        return list(found.scalars())

    sessions = await rows(ChatSession, subject.session_ids)
    messages = await rows(ChatMessage, subject.message_ids)
    return {
        "subject": subject.email,
        "generated_at": jsonable(now) if now else None,
        "leads": [row_dict(r) for r in await rows(Lead, subject.lead_ids)],
        "customers": [row_dict(r) for r in await rows(Customer, subject.customer_ids)],
        "quotes": [row_dict(r) for r in await rows(Quote, subject.quote_ids)],
        "bookings": [row_dict(r) for r in await rows(Booking, subject.booking_ids)],
        "inbound_emails": [_inbound(r) for r in await rows(InboundEmail, subject.inbound_ids)],
        "outbound_emails": [row_dict(r) for r in await rows(OutboundEmail, subject.outbound_ids)],
        "escalations": [row_dict(r) for r in await rows(Escalation, subject.escalation_ids)],
        "chat_sessions": [
            {"id": str(s.id), "title": s.title, "summary": s.summary, "channel": s.channel.value}
            for s in sessions
        ],
        "chat_messages": [
            {**row_dict(m, skip=("embedding",)), "has_embedding": m.embedding is not None}
            for m in messages
        ],
        "audit": [row_dict(r) for r in await rows(TaskExecution, subject.task_ids)],
        "checkpoints": await checkpoint_counts(session, (str(i) for i in subject.session_ids)),
    }


def _inbound(row: InboundEmail) -> dict[str, Any]:
    out = row_dict(row, skip=("raw",))
    raw = row.raw or b""
    out["text"] = _body_text(raw) if raw else None
    out["raw"] = raw[:RAW_TEXT_LIMIT].decode("utf-8", "replace") if raw else None
    out["raw_truncated"] = len(raw) > RAW_TEXT_LIMIT
    return out


def _body_text(raw: bytes) -> str | None:
    """The readable body (plain text preferred, else HTML source)."""
    try:
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        body = message.get_body(preferencelist=("plain", "html"))
        return None if body is None else str(body.get_content())
    except (LookupError, ValueError, AssertionError):
        return raw.decode("utf-8", "replace")
