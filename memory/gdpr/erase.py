"""A GDPR erasure (right to be forgotten) of one person, in the caller's transaction.

What happens to each kind of row:

- leads, customers, bookings, outbound mail, escalations and quotes not accepted: deleted.
- accepted quotes are bookkeeping: service, area, hours, amounts and dates stay; the links to
  the lead and customer and the quote text (which names them) go.
- inbound mail: the ledger row stays as a tombstone (Message-ID, provider id, arrival time,
  status ``ignored``) so a redelivery or a Gmail resync stays a no-op instead of importing the
  mail, and the lead, again; every header, the raw bytes and the triage notes are cleared.
- chat messages that mention them: kept in place (the transcript's order and its tool-call
  pairing stay valid) with the content ``[slettet]``, no embedding and tool-call arguments
  emptied; a vector one of them held for its text passes to the owner's newest copy of that
  text that is not erased (one vector per text and owner). Their sessions lose the summary
  (rebuilt from what is left) and a title that names them, and their stream events (a
  reconnect buffer whose text deltas may split a name across events) are deleted.
  ``chat_turns`` holds no text.
- LangGraph checkpoints of those sessions: deleted (all three tables); the next turn starts
  from the stored transcript.
- audit rows: input and result become ``{"erased": true}``, summary, intent and error text are
  cleared; the task type, status, error code and timing stay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from memory.gdpr.rows import delete_checkpoints
from memory.gdpr.subject import Subject, find_subject, mentions
from memory.models import (
    Booking,
    ChatEvent,
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
from memory.models.enums import InboundStatus, QuoteStatus
from memory.repositories.messages import MessageRepository

ERASED_TEXT = "[slettet]"
ERASED_JSON = {"erased": True}


@dataclass(frozen=True)
class ErasureReport:
    email: str
    erased_at: datetime
    leads: int
    customers: int
    quotes_deleted: int
    quotes_anonymised: int
    bookings: int
    inbound_emails: int
    outbound_emails: int
    escalations: int
    chat_messages: int
    chat_sessions: int
    chat_events: int
    checkpoint_rows: int
    audit_rows: int


async def erase(session: AsyncSession, email: str, *, now: datetime) -> ErasureReport:
    """Erase the person behind ``email``; the caller commits (or rolls back) all of it."""
    subject = await find_subject(session, email)
    return await erase_subject(session, subject, now=now)


async def erase_subject(session: AsyncSession, subject: Subject, *, now: datetime) -> ErasureReport:
    audit = await _erase_audit(session, subject)
    messages = await _scrub_messages(session, subject)
    sessions, events = await _scrub_sessions(session, subject)
    checkpoints = await delete_checkpoints(session, (str(i) for i in subject.session_ids))
    outbound = await _delete(session, OutboundEmail, subject.outbound_ids)
    escalations = await _delete(session, Escalation, subject.escalation_ids)
    bookings = await _delete(session, Booking, subject.booking_ids)
    quotes_deleted, quotes_kept = await _quotes(session, subject)
    inbound = await _tombstone_inbound(session, subject, now=now)
    leads = await _delete(session, Lead, subject.lead_ids)
    customers = await _delete(session, Customer, subject.customer_ids)
    await session.flush()
    return ErasureReport(
        email=subject.email,
        erased_at=now,
        leads=leads,
        customers=customers,
        quotes_deleted=quotes_deleted,
        quotes_anonymised=quotes_kept,
        bookings=bookings,
        inbound_emails=inbound,
        outbound_emails=outbound,
        escalations=escalations,
        chat_messages=messages,
        chat_sessions=sessions,
        chat_events=events,
        checkpoint_rows=checkpoints,
        audit_rows=audit,
    )


def _count(result: Any) -> int:
    return int(result.rowcount or 0)


async def _delete(session: AsyncSession, model: Any, ids: set[Any]) -> int:
    if not ids:
        return 0
    return _count(await session.execute(delete(model).where(model.id.in_(ids))))


async def _erase_audit(session: AsyncSession, subject: Subject) -> int:
    if not subject.task_ids:
        return 0
    stmt = (
        update(TaskExecution)
        .where(TaskExecution.id.in_(subject.task_ids))
        .values(
            input=ERASED_JSON,
            result=ERASED_JSON,
            result_summary=None,
            intent=None,
            error=None,
        )
    )
    return _count(await session.execute(stmt))


def _scrub_calls(calls: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    if calls is None:
        return None
    return [
        {k: v for k, v in c.items() if k in ("id", "name", "type")} | {"args": {}} for c in calls
    ]


async def _scrub_messages(session: AsyncSession, subject: Subject) -> int:
    if not subject.message_ids:
        return 0
    # A copy of the same text that stays (its tool-call arguments did not name them) takes
    # over the vector: one vector per text and owner, and the erased copy may hold it.
    await MessageRepository(session).pass_on_vectors(message_ids=subject.message_ids)
    rows = await session.execute(
        select(ChatMessage.id, ChatMessage.tool_calls).where(
            ChatMessage.id.in_(subject.message_ids)
        )
    )
    for message_id, calls in rows.all():
        await session.execute(
            update(ChatMessage)
            .where(ChatMessage.id == message_id)
            .values(content=ERASED_TEXT, embedding=None, tool_calls=_scrub_calls(calls))
        )
    return len(subject.message_ids)


async def _scrub_sessions(session: AsyncSession, subject: Subject) -> tuple[int, int]:
    ids = subject.session_ids
    if not ids:
        return 0, 0
    await session.execute(
        update(ChatSession)
        .where(ChatSession.id.in_(ids), mentions(ChatSession.title, subject))
        .values(title=ERASED_TEXT)
    )
    changed = await session.execute(
        update(ChatSession).where(ChatSession.id.in_(ids)).values(summary="", summary_upto_id=None)
    )
    events = await session.execute(delete(ChatEvent).where(ChatEvent.session_id.in_(ids)))
    return _count(changed), _count(events)


async def _quotes(session: AsyncSession, subject: Subject) -> tuple[int, int]:
    if not subject.quote_ids:
        return 0, 0
    mine = Quote.id.in_(subject.quote_ids)
    accepted = Quote.status == QuoteStatus.ACCEPTED
    kept = await session.execute(
        update(Quote).where(mine, accepted).values(lead_id=None, customer_id=None, text=ERASED_TEXT)
    )
    deleted = await session.execute(delete(Quote).where(mine, ~accepted))
    return _count(deleted), _count(kept)


async def _tombstone_inbound(session: AsyncSession, subject: Subject, *, now: datetime) -> int:
    if not subject.inbound_ids:
        return 0
    stmt = (
        update(InboundEmail)
        .where(InboundEmail.id.in_(subject.inbound_ids))
        .values(
            thread_id=None,
            from_address=None,
            reply_to=None,
            to_address=None,
            subject=None,
            raw=None,
            raw_size=0,
            status=InboundStatus.IGNORED,
            status_reason="erased (GDPR)",
            lead_id=None,
            provider_thread_id=None,
            intent=None,
            language=None,
            reasons=["gdpr_erased"],
            lease_owner=None,
            lease_until=None,
            next_attempt_at=None,
            processed_at=now,
        )
    )
    return _count(await session.execute(stmt))
