"""Row builders for the demo mail tables (inbound ledger and our outbound mail)."""

from __future__ import annotations

from datetime import datetime, timedelta

from memory.models.enums import InboundStatus, LeadSource, OutboundStatus
from memory.seed.mails import INBOX, BuiltMail
from memory.seed.plan import demo_id
from memory.seed.rows import Row

SIGNATURE = "Venlig hilsen\nRendetalje"
_MIN = timedelta(minutes=1)


def our_message_id(key: str) -> str:
    """The Message-ID an outbound demo mail was sent with (kept as provider_message_id)."""
    return f"<demo-out-{key}@rendetalje.dk>"


def inbound_row(
    key: str,
    mail: BuiltMail,
    *,
    received: datetime,
    now: datetime,
    status: InboundStatus,
    source: LeadSource | None,
    lead_n: int | None,
    thread_id: str,
    reason: str | None = None,
    deliveries: int = 1,
) -> Row:
    done = status is not InboundStatus.RECEIVED
    return {
        "id": demo_id("inbound", key),
        "message_id": mail.message_id,
        "thread_id": thread_id,
        "provider_id": None,
        "from_address": mail.from_address,
        "reply_to": mail.reply_to,
        "to_address": INBOX.addr_spec,
        "subject": mail.subject,
        "received_at": received,
        "raw": mail.raw,
        "raw_size": len(mail.raw),
        "source": source,
        "status": status,
        "status_reason": reason,
        "attempts": 1 if done else 0,
        "delivery_count": deliveries,
        "lead_id": None if lead_n is None else demo_id("lead", lead_n),
        "processed_at": min(received + 2 * _MIN, now) if done else None,
        "created_at": received,
    }


def outbound_row(
    key: str,
    *,
    to: str,
    subject: str,
    body: str,
    status: OutboundStatus,
    created: datetime,
    now: datetime,
    lead_n: int | None,
    inbound_key: str | None,
    thread_id: str,
    quote_n: int | None = None,
    in_reply_to: str | None = None,
    reason: str | None = None,
    sent_at: datetime | None = None,
) -> Row:
    """One mail of ours. ``sent_at`` pins the send time (e.g. to the quote's); otherwise it is
    approved 8 minutes after the draft and sent a minute later."""
    created = min(created, now)
    approved = min(created + 8 * _MIN, now) if sent_at is None else sent_at - _MIN
    is_sent = status is OutboundStatus.SENT
    reviewed = status in (OutboundStatus.APPROVED, OutboundStatus.SENT)
    notes = [{"by": "owner", "note": reason}] if reason else []
    return {
        "id": demo_id("outbound", key),
        "idempotency_key": f"demo:out:{key}",
        "to_address": to,
        "cc": None,
        "subject": subject,
        "body": body,
        "status": status,
        "in_reply_to": in_reply_to,
        "references": in_reply_to,
        "thread_id": thread_id,
        "lead_id": None if lead_n is None else demo_id("lead", lead_n),
        "inbound_email_id": None if inbound_key is None else demo_id("inbound", inbound_key),
        "quote_id": None if quote_n is None else demo_id("quote", quote_n),
        "session_id": None,
        "created_by": None,
        "approved_by": demo_id("staff", "owner") if reviewed else None,
        "review_notes": notes,
        "rejection_reason": reason,
        "provider_message_id": our_message_id(key) if is_sent else None,
        "approved_at": approved if reviewed else None,
        "sent_at": min(approved + _MIN, now) if is_sent else None,
        "created_at": created,
    }
