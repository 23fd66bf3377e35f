"""Sending an approved outbound mail exactly once, across crashes and concurrent callers.

Without a provider mailbox our outbound table is the mailbox: "sent" is only the status.
With one (Gmail) the send takes two transactions:

1. lock the row and, on the first attempt, note the mailbox's history id (`send_mark`) and
   commit it: from now on a mail with this key may exist in the provider's SENT folder.
2. lock the row again (a concurrent caller waits here) and re-check the status; an attempt
   that finds a mark noted by an earlier one first asks the mailbox whether the mail went out
   since the mark (`find_sent`) and, if so, only records it. Otherwise the provider draft is
   made in the customer's thread (once; its id is kept) and sent, and the row marked sent.

A provider failure leaves the row approved (its draft id and mark kept), so a later call
continues where this one stopped. Decision: when the mark is too old for the mailbox to tell
(`HistoryExpiredError`, about a week), nothing is sent; the row stays approved and every call
reports `send_state_unknown` until a person looks in the SENT folder.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from memory.database import Database
from memory.errors import ConflictError, NotFoundError
from memory.models import InboundEmail, OutboundEmail
from memory.models.enums import InboundStatus, OutboundStatus
from memory.repositories.outbox import OutboxRepository
from tools.integrations.ports import (
    ErrorCode,
    HistoryExpiredError,
    IntegrationError,
    MailboxPort,
    OutgoingMail,
    SentMail,
)

# An inbound mail in one of these states becomes `replied` once our answer is out; the
# others are final decisions of their own (escalated, ignored, quarantined) and stay.
# A mail being processed (leased by a worker) is left alone: the worker records its final
# status itself, under its lease.
_ANSWERABLE = (
    InboundStatus.RECEIVED,
    InboundStatus.DRAFTED,
    InboundStatus.FAILED,
)
SEND_STATE_UNKNOWN = "send_state_unknown"


@dataclass(frozen=True, slots=True)
class Delivered:
    outbound_id: uuid.UUID
    provider_message_id: str | None
    # True: an earlier call had sent it (recorded then, or found in the mailbox now);
    # nothing was sent by this call.
    replayed: bool


class DeliveryError(Exception):
    """The provider failed; the row stays approved and a later call continues."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


async def _locked(session: AsyncSession, outbound_id: uuid.UUID) -> OutboundEmail:
    row = await session.get(
        OutboundEmail, outbound_id, with_for_update=True, populate_existing=True
    )
    if row is None:
        raise NotFoundError(f"no outbound mail {outbound_id}")
    return row


def _require_approved(row: OutboundEmail) -> None:
    if row.status is not OutboundStatus.APPROVED:
        raise ConflictError(f"outbound mail {row.id} is {row.status}; only an approved one is sent")


def _replayed(row: OutboundEmail) -> Delivered:
    return Delivered(row.id, row.provider_message_id, replayed=True)


async def _record_sent(
    session: AsyncSession,
    row: OutboundEmail,
    provider_message_id: str | None,
    now: datetime,
    *,
    replayed: bool = False,
) -> Delivered:
    await OutboxRepository(session).mark_sent(
        row.id, provider_message_id=provider_message_id, at=now
    )
    if row.inbound_email_id is not None:
        await session.execute(
            update(InboundEmail)
            .where(InboundEmail.id == row.inbound_email_id, InboundEmail.status.in_(_ANSWERABLE))
            .values(status=InboundStatus.REPLIED)
            .execution_options(synchronize_session=False)
        )
    return Delivered(row.id, provider_message_id, replayed=replayed)


async def _provider_thread(session: AsyncSession, row: OutboundEmail) -> str | None:
    """The Gmail thread of the mail we answer. Only a threaded reply (In-Reply-To set) goes
    there: a lead relay's customer gets a new mail, not one filed in the relay's thread."""
    if row.inbound_email_id is None or not row.in_reply_to:
        return None
    stmt = select(InboundEmail.provider_thread_id).where(InboundEmail.id == row.inbound_email_id)
    return (await session.execute(stmt)).scalar_one_or_none()


def outgoing_mail(row: OutboundEmail, *, thread_id: str | None) -> OutgoingMail:
    """The provider's view of an outbound row. Only `to_address` receives it: the reply goes
    to the one recipient the responder locked (and the reviewer saw); `cc` is not sent."""
    return OutgoingMail(
        to=(row.to_address,),
        subject=row.subject,
        body=row.body,
        idempotency_key=row.idempotency_key,
        in_reply_to=row.in_reply_to,
        references=tuple((row.references or "").split()),
        thread_id=thread_id,
        automatic=row.automatic,
    )


async def _send(
    session: AsyncSession, mailbox: MailboxPort, row: OutboundEmail, *, resumed: bool
) -> tuple[SentMail, bool]:
    """The mail an earlier attempt sent (True), or the one sent now through the provider
    draft (False)."""
    mail = outgoing_mail(row, thread_id=await _provider_thread(session, row))
    assert row.send_mark is not None, "transaction 1 notes the mark"
    if resumed and (found := await mailbox.find_sent(row.send_mark, mail.idempotency_key)):
        return found, True
    if row.provider_draft_id is not None:
        try:
            return await mailbox.send_draft(row.provider_draft_id, mail), False
        except IntegrationError as exc:
            if exc.code is not ErrorCode.NOT_FOUND:
                raise
        # The draft is gone: sent (then SENT has it since the mark) or deleted by a person.
        if found := await mailbox.find_sent(row.send_mark, mail.idempotency_key):
            return found, True
    row.provider_draft_id = await mailbox.create_draft(mail)
    await session.flush()
    return await mailbox.send_draft(row.provider_draft_id, mail), False


async def _note_mark(
    database: Database, mailbox: MailboxPort, outbound_id: uuid.UUID, now: datetime
) -> Delivered | bool:
    """Transaction 1: the row's send mark, noted before anything can reach the provider.
    Returns the replay when already sent, else whether an earlier attempt had started."""
    async with database.transaction() as s:
        row = await _locked(s, outbound_id)
        if row.status is OutboundStatus.SENT:
            return _replayed(row)
        _require_approved(row)
        if row.send_mark is not None:
            return True
        row.send_mark = await mailbox.current_history_id()
        row.send_started_at = now
        return False


async def send_outbound(
    database: Database, mailbox: MailboxPort | None, outbound_id: uuid.UUID, *, now: datetime
) -> Delivered:
    """Send an approved outbound mail once. Already sent: the earlier result (`replayed`);
    not approved: `ConflictError`; provider failure: `DeliveryError`, the row stays approved."""
    if mailbox is None:
        async with database.transaction() as s:
            row = await _locked(s, outbound_id)
            if row.status is OutboundStatus.SENT:
                return _replayed(row)
            _require_approved(row)
            return await _record_sent(s, row, None, now)
    try:
        started = await _note_mark(database, mailbox, outbound_id, now)
    except IntegrationError as exc:
        raise DeliveryError(exc.code, exc.message) from exc
    if isinstance(started, Delivered):
        return started
    failure: IntegrationError | None = None
    async with database.transaction() as s:
        row = await _locked(s, outbound_id)
        if row.status is OutboundStatus.SENT:  # a concurrent caller sent it while we waited
            return _replayed(row)
        _require_approved(row)
        try:
            sent, earlier = await _send(s, mailbox, row, resumed=started)
        except IntegrationError as exc:
            failure = exc  # commit what we have (the draft id): the retry reuses it
        else:
            return await _record_sent(s, row, sent.message_id, now, replayed=earlier)
    if isinstance(failure, HistoryExpiredError):
        raise DeliveryError(
            SEND_STATE_UNKNOWN,
            f"cannot tell whether outbound mail {outbound_id} was sent: its send mark has "
            "expired; check the SENT folder",
        ) from failure
    assert failure is not None, "every other path returns inside the transaction"
    raise DeliveryError(failure.code, failure.message) from failure
