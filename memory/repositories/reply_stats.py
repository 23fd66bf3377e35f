"""The counts the reply decision needs: the daily cap, sender and thread rates, last quote."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from memory.models import InboundEmail, OutboundEmail
from memory.models.enums import OutboundStatus
from memory.repositories.quotes import QuoteRepository

# The company's day: the daily cap resets at midnight in Copenhagen.
_COMPANY_TZ = ZoneInfo("Europe/Copenhagen")
_COUNTED = (OutboundStatus.DRAFT, OutboundStatus.APPROVED, OutboundStatus.SENT)


@dataclass(frozen=True, slots=True)
class ReplyStats:
    replies_today: int  # automatic replies sent since midnight (Copenhagen)
    sender_replies_last_hour: int
    thread_replies_last_day: int
    last_quote_sent_at: datetime | None


def _midnight(now: datetime) -> datetime:
    local = now.astimezone(_COMPANY_TZ)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


async def reply_stats(
    session: AsyncSession, *, recipient: str, thread_id: str | None, now: datetime
) -> ReplyStats:
    automatic_today = select(func.count()).where(
        OutboundEmail.automatic.is_(True),
        OutboundEmail.status == OutboundStatus.SENT,
        OutboundEmail.sent_at >= _midnight(now),
    )
    to_sender = select(func.count()).where(
        func.lower(OutboundEmail.to_address) == recipient.strip().casefold(),
        OutboundEmail.status.in_(_COUNTED),
        OutboundEmail.created_at >= now - timedelta(hours=1),
    )
    thread = 0
    if thread_id:
        in_thread = (
            select(func.count())
            .select_from(OutboundEmail)
            .join(InboundEmail, InboundEmail.id == OutboundEmail.inbound_email_id)
            .where(
                InboundEmail.thread_id == thread_id,
                OutboundEmail.status.in_(_COUNTED),
                OutboundEmail.created_at >= now - timedelta(days=1),
            )
        )
        thread = int((await session.execute(in_thread)).scalar_one())
    quote = await QuoteRepository(session).latest_sent_to(recipient)
    sent_at = None if quote is None else (quote.sent_at or quote.created_at)
    return ReplyStats(
        replies_today=int((await session.execute(automatic_today)).scalar_one()),
        sender_replies_last_hour=int((await session.execute(to_sender)).scalar_one()),
        thread_replies_last_day=thread,
        last_quote_sent_at=sent_at,
    )
