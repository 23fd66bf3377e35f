"""The counts the reply decision needs: the daily cap, sender and thread rates, last quote.

All four are read in one statement (one round trip per mail), each part by an index: today's
automatic sends by the partial index on ``sent_at``, the sender's replies by
``lower(to_address)``, the thread's by ``thread_id``, and the last quote through the
customer's leads and customer rows found by ``lower(email)`` (so none of them reads more rows
as the tables grow).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from memory.models import Customer, InboundEmail, Lead, OutboundEmail, Quote
from memory.models.enums import OutboundStatus
from memory.repositories.quotes import SEEN_STATUSES

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


def _last_quote_sent_at(email: str) -> ColumnElement[datetime | None]:
    """When the newest sent or accepted quote whose lead's (or customer's) email is ``email``
    was sent (its creation time when that is unknown); NULL when there is none. The same
    answer as ``QuoteRepository.latest_sent_to``, found from the address's rows instead of
    by reading every quote."""
    address = email.strip().lower()
    if not address:
        return literal(None, type_=Quote.sent_at.type)
    when = func.coalesce(Quote.sent_at, Quote.created_at).label("at")
    by_lead = (
        select(when)
        .join(Lead, Lead.id == Quote.lead_id)
        .where(func.lower(Lead.email) == address, Quote.status.in_(SEEN_STATUSES))
    )
    by_customer = (
        select(when)
        .join(Customer, Customer.id == Quote.customer_id)
        .where(func.lower(Customer.email) == address, Quote.status.in_(SEEN_STATUSES))
    )
    either = union_all(by_lead, by_customer).subquery()
    return select(func.max(either.c.at)).scalar_subquery()


async def reply_stats(
    session: AsyncSession, *, recipient: str, thread_id: str | None, now: datetime
) -> ReplyStats:
    automatic_today = (
        select(func.count())
        .select_from(OutboundEmail)
        .where(
            OutboundEmail.automatic.is_(True),
            OutboundEmail.status == OutboundStatus.SENT,
            OutboundEmail.sent_at >= _midnight(now),
        )
        .scalar_subquery()
    )
    to_sender = (
        select(func.count())
        .select_from(OutboundEmail)
        .where(
            func.lower(OutboundEmail.to_address) == recipient.strip().casefold(),
            OutboundEmail.status.in_(_COUNTED),
            OutboundEmail.created_at >= now - timedelta(hours=1),
        )
        .scalar_subquery()
    )
    in_thread: ColumnElement[int] = literal(0)
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
            .scalar_subquery()
        )
    row = (
        await session.execute(
            select(automatic_today, to_sender, in_thread, _last_quote_sent_at(recipient))
        )
    ).one()
    return ReplyStats(
        replies_today=int(row[0]),
        sender_replies_last_hour=int(row[1]),
        thread_replies_last_day=int(row[2]),
        last_quote_sent_at=row[3],
    )
