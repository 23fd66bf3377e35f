"""Retention: what is kept only for a while (limits from ``memory.retention``)."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from memory.gdpr.rows import delete_checkpoints
from memory.models import ChatMessage, ChatSession, ChatTurn, InboundEmail, TaskExecution
from memory.models.enums import InboundStatus
from memory.repositories.messages import MessageRepository
from memory.repositories.rate_limits import RateLimitRepository

PURGED_JSON = {"purged": True}
# Mail still waiting for the responder keeps its bytes whatever its age.
_PENDING = (InboundStatus.RECEIVED, InboundStatus.PROCESSING)


# One purge at a time in the whole cluster (every `renos serve` process schedules one).
PURGE_LOCK = "renos:gdpr:purge"


@dataclass(frozen=True)
class PurgeReport:
    raw_mails: int
    chat_sessions: int
    checkpoint_rows: int
    audit_rows: int
    rate_limit_windows: int = 0


async def purge(
    session: AsyncSession,
    *,
    now: datetime,
    raw_mail_days: int,
    transcript_days: int,
    audit_detail_days: int,
) -> PurgeReport:
    """Apply the retention limits; the caller owns (and commits) the transaction.

    - raw inbound bytes older than ``raw_mail_days``: cleared; the ledger row with its headers,
      status and size stays (it keeps redeliveries out).
    - chat sessions idle longer than ``transcript_days`` (no update, no message since, no
      running turn): deleted with their messages, stream events and checkpoints; a vector
      one of their messages held for its text passes to the owner's newest copy of that text
      in a session that stays (one vector per text and owner).
    - audit rows started more than ``audit_detail_days`` ago: input and result become
      ``{"purged": true}``, free-text summary, intent and error are cleared; type, status,
      error code, ids and timing stay.
    - rate-limit windows of tokens not used for an hour (a token's next call removes its own
      older windows; these are the ones of tokens that went quiet).
    """
    raw = await session.execute(
        update(InboundEmail)
        .where(
            InboundEmail.raw.is_not(None),
            InboundEmail.received_at < now - timedelta(days=raw_mail_days),
            InboundEmail.status.not_in(_PENDING),
        )
        .values(raw=None)
    )

    cutoff = now - timedelta(days=transcript_days)
    recent_message = exists().where(
        ChatMessage.session_id == ChatSession.id, ChatMessage.created_at >= cutoff
    )
    running = exists().where(ChatTurn.session_id == ChatSession.id)
    idle = list(
        (
            await session.execute(
                select(ChatSession.id).where(
                    ChatSession.updated_at < cutoff, ~recent_message, ~running
                )
            )
        ).scalars()
    )
    checkpoints = await delete_checkpoints(session, (str(i) for i in idle))
    if idle:
        # A text also said in a session that stays keeps a vector there (one vector per text
        # and owner: the copy in the purged session may be the one holding it).
        await MessageRepository(session).pass_on_vectors(session_ids=idle)
        # Messages, events and the turn row go with the session (ON DELETE CASCADE).
        await session.execute(delete(ChatSession).where(ChatSession.id.in_(idle)))

    audit = await session.execute(
        update(TaskExecution)
        .where(
            TaskExecution.started_at < now - timedelta(days=audit_detail_days),
            or_(
                TaskExecution.input != PURGED_JSON,
                TaskExecution.result.is_(None),
                TaskExecution.result != PURGED_JSON,
                TaskExecution.result_summary.is_not(None),
                TaskExecution.intent.is_not(None),
                TaskExecution.error.is_not(None),
            ),
        )
        .values(
            input=PURGED_JSON,
            result=PURGED_JSON,
            result_summary=None,
            intent=None,
            error=None,
        )
    )
    windows = await RateLimitRepository(session).sweep(before=now - timedelta(hours=1))
    await session.flush()
    return PurgeReport(
        raw_mails=int(raw.rowcount or 0),  # type: ignore[attr-defined]
        chat_sessions=len(idle),
        checkpoint_rows=checkpoints,
        audit_rows=int(audit.rowcount or 0),  # type: ignore[attr-defined]
        rate_limit_windows=windows,
    )


async def purge_exclusively(
    session: AsyncSession,
    *,
    now: datetime,
    raw_mail_days: int,
    transcript_days: int,
    audit_detail_days: int,
    wait: bool = False,
) -> PurgeReport | None:
    """:func:`purge` under a cluster-wide advisory lock held until the caller's transaction
    ends. Without ``wait``, None at once when another transaction is purging (it does this
    round's work); with ``wait``, after it has finished (then little is left to do)."""
    if not await _advisory_xact_lock(session, PURGE_LOCK, wait=wait):
        return None
    return await purge(
        session,
        now=now,
        raw_mail_days=raw_mail_days,
        transcript_days=transcript_days,
        audit_detail_days=audit_detail_days,
    )


async def _advisory_xact_lock(session: AsyncSession, name: str, *, wait: bool) -> bool:
    # The key as memory.locks.advisory_xact_lock derives it, so both name the same lock.
    key = zlib.crc32(name.encode("utf-8"))
    if wait:
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
        return True
    taken = await session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": key})
    return bool(taken.scalar_one())
