"""The review queue: the responder's drafts that wait for a person, and their decisions.

A draft is re-checked when it is approved, because the world may have moved since it was
written: the customer may have been escalated, sent a quote, or the reviewer's edit may add a
link or another customer's data. A blocked approval changes nothing. The recipient cannot be
changed by a review (the edit takes a body and a subject only), so `recipient_changed` never
arises.

Decisions: an open escalation blocks everyone but the owner, because the escalation is the
owner's case (api/auth/roles.py: approvals.decide_escalated); for anyone else it is a
`ReviewForbiddenError`, not a conflict. Approving an approved mail whose send failed continues
the delivery (no edit then); the policy is re-checked only while nothing can have gone out
(no send mark), since a started send must be finished, not abandoned. A rejection is allowed
for a draft and for an approved mail whose send never started.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from agent.responder.delivery import DeliveryError, send_outbound
from agent.responder.outgoing_guard import outgoing_violations
from memory.database import Database
from memory.errors import ConflictError, NotFoundError
from memory.models import Escalation, InboundEmail, OutboundEmail
from memory.models.base import JsonDict
from memory.models.enums import EscalationStatus, InboundStatus, OutboundStatus, StaffRole
from memory.repositories.escalations import EscalationRepository
from memory.repositories.outbox import OutboxRepository
from memory.repositories.quotes import QuoteRepository
from tools.integrations.ports import MailboxPort
from tools.mail_policy.automation import is_never_reply_relay
from tools.mail_policy.decision import DUPLICATE_QUOTE_STOP, Reason

ESCALATED_SINCE_DRAFT = "escalated_since_draft"
DUPLICATE_QUOTE_7D = Reason.DUPLICATE_QUOTE_7D.value
RELAY_RECIPIENT = "relay_recipient"
REVIEW_REJECTED = "review_rejected"
# Who may approve a mail to a customer with an open escalation; mirrors the roles holding
# approvals.decide_escalated in api/auth/roles.py (a test keeps the two equal).
ESCALATION_DECIDERS = frozenset({StaffRole.OWNER})
MAX_SUBJECT = 998
MAX_REASON = 2000


class ReviewError(Exception):
    """Base of the review's refusals."""


class ReviewInputError(ReviewError, ValueError):
    """An edit or a rejection reason that cannot be used."""


class ReviewBlockedError(ReviewError):
    """The policy refuses this approval now; nothing was changed."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("approval blocked: " + ", ".join(reasons))
        self.reasons = reasons


class ReviewForbiddenError(ReviewBlockedError):
    """The recipient has an open escalation: only the owner may approve."""


@dataclass(frozen=True, slots=True)
class InboundSummary:
    id: uuid.UUID
    from_address: str | None
    subject: str | None
    received_at: datetime
    intent: str | None
    status: InboundStatus
    status_reason: str | None


@dataclass(frozen=True, slots=True)
class ReviewItem:
    id: uuid.UUID
    status: OutboundStatus
    to: str
    subject: str
    body: str
    reasons: tuple[str, ...]  # why the responder sent it to review
    created_at: datetime
    inbound: InboundSummary | None
    lead_id: uuid.UUID | None
    quote_id: uuid.UUID | None
    escalated: bool  # the recipient has an open escalation now
    automatic: bool
    notes: tuple[JsonDict, ...] = ()
    rejection_reason: str | None = None
    approved_by: uuid.UUID | None = None
    approved_at: datetime | None = None
    sent_at: datetime | None = None
    blockers: tuple[str, ...] = ()  # what would block an approval now


@dataclass(frozen=True, slots=True)
class ReviewOutcome:
    id: uuid.UUID
    status: OutboundStatus
    provider_message_id: str | None = None
    replayed: bool = False
    delivery_error: str | None = None  # approved, but the send failed: approve again later
    delivery_message: str | None = None


def _summary(mail: InboundEmail | None) -> InboundSummary | None:
    if mail is None:
        return None
    return InboundSummary(
        mail.id,
        mail.from_address,
        mail.subject,
        mail.received_at,
        mail.intent,
        mail.status,
        mail.status_reason,
    )


def _item(row: OutboundEmail, mail: InboundEmail | None, escalated: bool) -> ReviewItem:
    return ReviewItem(
        id=row.id,
        status=row.status,
        to=row.to_address,
        subject=row.subject,
        body=row.body,
        reasons=tuple(row.review_reasons or ()),
        created_at=row.created_at,
        inbound=_summary(mail),
        lead_id=row.lead_id,
        quote_id=row.quote_id,
        escalated=escalated,
        automatic=row.automatic,
        notes=tuple(row.review_notes or ()),
        rejection_reason=row.rejection_reason,
        approved_by=row.approved_by,
        approved_at=row.approved_at,
        sent_at=row.sent_at,
    )


async def _escalated(session: AsyncSession, addresses: set[str]) -> set[str]:
    if not addresses:
        return set()
    email = func.lower(Escalation.customer_email)
    stmt = select(email).where(
        Escalation.status == EscalationStatus.OPEN, email.in_(sorted(addresses))
    )
    return {str(a) for a in (await session.execute(stmt)).scalars()}


async def list_pending(session: AsyncSession, *, limit: int = 100) -> list[ReviewItem]:
    """Drafts the responder wrote for an inbound mail, waiting for a person; oldest first."""
    stmt = (
        select(OutboundEmail, InboundEmail)
        .join(InboundEmail, InboundEmail.id == OutboundEmail.inbound_email_id)
        .options(defer(InboundEmail.raw, raiseload=True))
        .where(OutboundEmail.status == OutboundStatus.DRAFT)
        .order_by(OutboundEmail.created_at, OutboundEmail.id)
        .limit(limit)
    )
    rows = (await session.execute(stmt)).all()
    escalated = await _escalated(session, {r.to_address.strip().lower() for r, _ in rows})
    return [_item(r, m, r.to_address.strip().lower() in escalated) for r, m in rows]


async def _find(session: AsyncSession, ref: str) -> OutboundEmail:
    row = await OutboxRepository(session).find(ref)
    if row is None or row.inbound_email_id is None:
        raise NotFoundError(f"no review item {ref}")
    return row


async def _inbound(session: AsyncSession, inbound_id: uuid.UUID | None) -> InboundEmail | None:
    if inbound_id is None:
        return None
    stmt = (
        select(InboundEmail)
        .options(defer(InboundEmail.raw, raiseload=True))
        .where(InboundEmail.id == inbound_id)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def get(
    session: AsyncSession,
    ref: str,
    *,
    now: datetime | None = None,
    role: StaffRole | None = None,
) -> ReviewItem:
    """One review item by id or unique id prefix (`NotFoundError` otherwise); with `now`, a
    draft also lists what would block its approval by `role` now."""
    row = await _find(session, ref)
    escalated = await EscalationRepository(session).has_open_for(row.to_address)
    item = _item(row, await _inbound(session, row.inbound_email_id), escalated)
    if now is None or row.status is not OutboundStatus.DRAFT:
        return item
    blockers = await policy_blockers(session, row, body=row.body, now=now, role=role)
    return replace(item, blockers=tuple(blockers))


async def policy_blockers(
    session: AsyncSession,
    row: OutboundEmail,
    *,
    body: str,
    now: datetime,
    subject: str | None = None,
    role: StaffRole | None = None,
) -> list[str]:
    """Reason codes that forbid sending `row` with this body (and edited subject) now; empty:
    it may go. An open escalation is left out for a role that may decide it."""
    out: list[str] = []
    to = row.to_address
    if role not in ESCALATION_DECIDERS and await EscalationRepository(session).has_open_for(to):
        out.append(ESCALATED_SINCE_DRAFT)
    quote = await QuoteRepository(session).latest_sent_to(to)
    # A future timestamp (clock skew) counts as recent, as in the drafting decision.
    if (
        quote is not None
        and quote.id != row.quote_id
        and now - (quote.sent_at or quote.created_at) < DUPLICATE_QUOTE_STOP
    ):
        out.append(DUPLICATE_QUOTE_7D)
    if is_never_reply_relay(to):
        out.append(RELAY_RECIPIENT)
    text = body if subject is None else f"{subject}\n\n{body}"
    violations = await outgoing_violations(
        session, body=text, recipient=to, lead_id=row.lead_id, quote_id=row.quote_id
    )
    for violation in violations:
        if violation.code.value not in out:
            out.append(violation.code.value)
    return out


async def _locked(session: AsyncSession, ref: str) -> OutboundEmail:
    found = await _find(session, ref)
    row = await session.get(OutboundEmail, found.id, with_for_update=True, populate_existing=True)
    assert row is not None, "rows are not deleted"
    return row


def _note(action: str, by: uuid.UUID | None, now: datetime, **extra: object) -> JsonDict:
    return {"at": now.isoformat(), "by": str(by) if by else None, "action": action, **extra}


def _clean_subject(subject: str | None) -> str | None:
    if subject is None:
        return None
    subject = subject.strip()
    if not subject or len(subject) > MAX_SUBJECT or "\r" in subject or "\n" in subject:
        raise ReviewInputError(f"the subject must be one line of 1–{MAX_SUBJECT} characters")
    return subject


async def approve(
    database: Database,
    mailbox: MailboxPort | None,
    ref: str,
    *,
    by: uuid.UUID | None,
    role: StaffRole,
    body: str | None = None,
    subject: str | None = None,
    now: datetime,
) -> ReviewOutcome:
    """Approve a draft (storing an edit) after the send-time policy check, then send it.
    Blocked: `ReviewBlockedError` (`ReviewForbiddenError` for an escalation and a role other
    than the owner) and nothing changes; not a draft: `ConflictError`."""
    if body is not None and not body.strip():
        raise ReviewInputError("the body must not be empty")
    subject = _clean_subject(subject)
    async with database.transaction() as s:
        row = await _locked(s, ref)
        retry = row.status is OutboundStatus.APPROVED
        if retry and (body is not None or subject is not None):
            raise ConflictError(f"{row.id} is already approved; it can no longer be edited")
        if not retry and row.status is not OutboundStatus.DRAFT:
            raise ConflictError(f"{row.id} is {row.status}; only a draft can be approved")
        new_body = row.body if body is None else body
        new_subject = None if subject is None or subject == row.subject else subject
        if not (retry and row.send_mark is not None):
            blockers = await policy_blockers(
                s, row, body=new_body, subject=new_subject, now=now, role=role
            )
            if ESCALATED_SINCE_DRAFT in blockers:
                raise ReviewForbiddenError(blockers)
            if blockers:
                raise ReviewBlockedError(blockers)
        edited = [n for n, v in (("body", new_body != row.body), ("subject", new_subject)) if v]
        if edited:
            row.body, row.subject = new_body, new_subject or row.subject
            row.review_notes = [*(row.review_notes or []), _note("edited", by, now, fields=edited)]
            row.provider_draft_id = None  # a provider draft made earlier has the old text
        if not retry:
            await OutboxRepository(s).approve(row.id, by=by, at=now)
        outbound_id = row.id
    try:
        sent = await send_outbound(database, mailbox, outbound_id, now=now)
    except DeliveryError as exc:
        return ReviewOutcome(
            outbound_id,
            OutboundStatus.APPROVED,
            delivery_error=exc.code,
            delivery_message=exc.message,
        )
    return ReviewOutcome(outbound_id, OutboundStatus.SENT, sent.provider_message_id, sent.replayed)


async def reject(
    database: Database, ref: str, *, by: uuid.UUID | None, reason: str, now: datetime
) -> ReviewOutcome:
    """Reject a draft (or an approved mail whose send never started) with a reason; the
    inbound mail stays `drafted` with status_reason `review_rejected`."""
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON:
        raise ReviewInputError(f"a rejection needs a reason of 1–{MAX_REASON} characters")
    async with database.transaction() as s:
        row = await _locked(s, ref)
        unsent = row.status is OutboundStatus.APPROVED and row.send_mark is None
        if row.status is not OutboundStatus.DRAFT and not unsent:
            raise ConflictError(f"{row.id} is {row.status}; it can no longer be rejected")
        row.status, row.rejection_reason = OutboundStatus.REJECTED, reason
        row.review_notes = [*(row.review_notes or []), _note("rejected", by, now, reason=reason)]
        await s.execute(
            update(InboundEmail)
            .where(
                InboundEmail.id == row.inbound_email_id,
                InboundEmail.status == InboundStatus.DRAFTED,
            )
            .values(status_reason=REVIEW_REJECTED)
            .execution_options(synchronize_session=False)
        )
        return ReviewOutcome(row.id, OutboundStatus.REJECTED)
