"""The RFC 5322 message for an OutgoingMail, and Gmail's base64url `raw` form of it.

- UTF-8 throughout: non-ASCII headers (subject, display names) are RFC 2047 encoded by the
  stdlib policy; the text body is quoted-printable, so "æøå" survives any relay.
- The Message-ID is derived from the idempotency key and the sender's domain, so the same
  mail sent twice carries the same id and a resend is recognisable. Gmail's API may replace
  the Message-ID of what it sends, so the key's fingerprint also travels in `X-RenOS-Ref`,
  which providers keep; the Gmail adapter looks for it before retrying a send.
- Replies carry In-Reply-To and References (the parent's References plus the parent), which
  is what keeps them in the customer's thread in every mail client.
- Automatic replies say so (RFC 3834 Auto-Submitted; X-Auto-Response-Suppress for Exchange)
  so other robots do not answer them and start a loop.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from tools.danish_format import company_tz
from tools.integrations.ports import OutgoingMail

_POLICY = policy.SMTP  # CRLF line ends, RFC 2047 for non-ASCII headers, 78-column folding
REF_HEADER = "X-RenOS-Ref"


def sender_domain(sender: str) -> str:
    """The ASCII (IDNA) domain of an address such as "Rendetalje <info@rendetalje.dk>"."""
    address = parseaddr(sender)[1]
    local, at, domain = address.rpartition("@")
    if not (local and at and domain):
        raise ValueError(f"not an email address: {sender!r}")
    return domain.lower().encode("idna").decode("ascii")


def mail_ref(idempotency_key: str) -> str:
    """The key's fingerprint (128 bits of SHA-256): the key itself stays out of headers."""
    return hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:32]


def header_message_id(idempotency_key: str, sender: str) -> str:
    """The Message-ID for a key: stable across resends, unique per key and domain."""
    return f"<renos.{mail_ref(idempotency_key)}@{sender_domain(sender)}>"


def _angled(message_id: str) -> str:
    message_id = message_id.strip()
    if not message_id.startswith("<"):
        message_id = f"<{message_id}>"
    return message_id


def references_chain(mail: OutgoingMail) -> list[str]:
    """References as sent: the given chain, ending with In-Reply-To, without duplicates."""
    chain: list[str] = []
    for message_id in mail.references:
        if message_id.strip() and (angled := _angled(message_id)) not in chain:
            chain.append(angled)
    if mail.in_reply_to and mail.in_reply_to.strip():
        parent = _angled(mail.in_reply_to)
        if parent in chain:
            chain.remove(parent)
        chain.append(parent)
    return chain


def build_message(mail: OutgoingMail, *, sender: str, now: datetime) -> EmailMessage:
    """The message as it will be sent; `now` (aware) becomes the Date header."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be timezone-aware: {now!r}")
    message = EmailMessage(policy=_POLICY)
    message["From"] = sender
    message["To"] = ", ".join(mail.to)
    if mail.cc:
        message["Cc"] = ", ".join(mail.cc)
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(now.astimezone(company_tz()))
    message["Message-ID"] = header_message_id(mail.idempotency_key, sender)
    message[REF_HEADER] = mail_ref(mail.idempotency_key)
    if mail.in_reply_to and mail.in_reply_to.strip():
        message["In-Reply-To"] = _angled(mail.in_reply_to)
    if chain := references_chain(mail):
        message["References"] = " ".join(chain)
    if mail.automatic:
        message["Auto-Submitted"] = "auto-replied"
        message["X-Auto-Response-Suppress"] = "All"
    message.set_content(mail.body, subtype="plain", charset="utf-8", cte="quoted-printable")
    return message


def encode_raw(message: EmailMessage) -> str:
    """Gmail's `raw` field: the RFC 822 bytes, base64url encoded."""
    return base64.urlsafe_b64encode(message.as_bytes(policy=_POLICY)).decode("ascii")


def decode_raw(raw: str) -> bytes:
    """The RFC 822 bytes of a Gmail `raw` field (which may come without padding)."""
    try:
        # validate=True: the url-safe decoder would silently skip stray characters.
        return base64.b64decode(raw + "=" * (-len(raw) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("raw is not base64url") from exc
