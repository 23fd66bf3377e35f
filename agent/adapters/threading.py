"""Where and how to answer a lead: the routing rules of domain.md "Leads", as pure functions.

- Rengøring.nu (Leadmail.no) and AdHelp relay a lead; the relay mail is never answered. We
  write a new mail to the customer's own address (parsed from the body into the lead), so it
  carries no In-Reply-To/References into the relay's thread. If the customer has since
  written to us from their own address (e.g. answering our quote), that mail is a real
  conversation and we answer inside it.
- Website form: sent from our own form address; the customer is in Reply-To.
- Leadpoint.dk (Rengøring Aarhus) and direct mail: Reply-To if present, else From.
- An address at a relay or lead-system domain is never returned as the customer's address.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import default as default_policy

from tools.canonical.ports import ThreadInfo

RELAY_SOURCES = frozenset({"rengoering_nu", "adhelp"})
RELAY_DOMAINS = ("leadmail.no", "adhelp.dk")
# Lead systems send from addresses that reach no customer, Leadpoint included.
SYSTEM_DOMAINS = (*RELAY_DOMAINS, "leadpoint.dk")
MAX_REFERENCES = 20
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")


@dataclass(frozen=True, slots=True)
class LeadFacts:
    source: str
    email: str | None


@dataclass(frozen=True, slots=True)
class MailFacts:
    """An inbound mail of the lead, newest first in every sequence below."""

    message_id: str
    thread_id: str | None
    subject: str | None
    source: str | None
    from_address: str | None
    reply_to: str | None


def _domain(address: str | None) -> str:
    return (address or "").rpartition("@")[2].strip().strip(">").lower()


def at_system_domain(address: str | None) -> bool:
    domain = _domain(address)
    return any(domain == d or domain.endswith("." + d) for d in SYSTEM_DOMAINS)


def is_relay_mail(mail: MailFacts) -> bool:
    """A lead relay's own mail: its thread is not the customer's."""
    domain = _domain(mail.from_address)
    relay_sender = any(domain == d or domain.endswith("." + d) for d in RELAY_DOMAINS)
    return mail.source in RELAY_SOURCES or relay_sender


def _usable(address: str | None) -> str | None:
    address = (address or "").strip()
    return address if "@" in address and not at_system_domain(address) else None


def reply_address(lead: LeadFacts, mails: Sequence[MailFacts]) -> str | None:
    """The customer's own address for a reply, following the lead source's routing rule."""
    own = [m for m in mails if not is_relay_mail(m)]
    if lead.source in RELAY_SOURCES:
        candidates = [lead.email, *(a for m in own for a in (m.reply_to, m.from_address))]
    elif not own:
        candidates = [lead.email]
    elif (own[0].source or lead.source) == "website":
        candidates = [own[0].reply_to, lead.email]  # From is our own form address
    else:
        candidates = [own[0].reply_to, own[0].from_address, lead.email]
    return next((a for a in map(_usable, candidates) if a is not None), None)


def parse_references(raw: bytes | None) -> tuple[str, ...]:
    """The References chain of a raw message (In-Reply-To when it has no References)."""
    if not raw:
        return ()
    headers = BytesHeaderParser(policy=default_policy).parsebytes(raw)
    chain = str(headers.get("References") or headers.get("In-Reply-To") or "")
    return tuple(_MESSAGE_ID.findall(chain))


def thread_info(
    lead: LeadFacts, mails: Sequence[MailFacts], references: tuple[str, ...]
) -> ThreadInfo:
    """How to answer. ``references`` is the References chain of the newest mail that is not a
    relay's (see :func:`threadable`); it gets that mail's Message-ID appended."""
    last = threadable(mails)
    if last is None:
        return ThreadInfo(
            reply_to=reply_address(lead, mails),
            subject=None,
            last_message_id=None,
            references=(),
            thread_id=None,
        )
    chain = list(dict.fromkeys((*references, last.message_id)))
    if len(chain) > MAX_REFERENCES:  # keep the thread's root and the latest (RFC 5322 3.6.4)
        chain = [chain[0], *chain[-(MAX_REFERENCES - 1) :]]
    return ThreadInfo(
        reply_to=reply_address(lead, mails),
        subject=last.subject,
        last_message_id=last.message_id,
        references=tuple(chain),
        thread_id=last.thread_id,
    )


def threadable(mails: Sequence[MailFacts]) -> MailFacts | None:
    """The newest mail we may answer inside its thread: any but a relay's."""
    return next((m for m in mails if not is_relay_mail(m)), None)
