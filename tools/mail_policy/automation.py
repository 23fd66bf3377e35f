"""Is an inbound mail automated, bulk, list or bounce mail? (RFC 3834 and common practice.)

Such mail is never answered: replying to robots makes mail loops and answers newsletters.
Known lead relays (Leadmail.no, AdHelp) send from system or noreply addresses, yet carry real
leads: they are reported as `LEAD_RELAY`, processed as leads, and never replied to themselves
(domain.md "Leads": the reply is a new mail to the customer's address from the body).

Decisions: a missing Return-Path is unknown, not null (only "" / "<>" is the null sender); a
bounce (null sender, MAILER-DAEMON, postmaster) wins over the relay rule, since a relay's
bounce carries no lead. Leadpoint.dk and the website form are not "never reply" relays.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

LeadSource = Literal["leadmail", "leadpoint", "adhelp", "website", "direct", "unknown"]
NEVER_REPLY_RELAY_DOMAINS = frozenset({"leadmail.no", "adhelp.dk"})


class AutomationReason(StrEnum):
    NULL_SENDER = "null_sender"
    MAILER_DAEMON = "mailer_daemon"
    AUTO_SUBMITTED = "auto_submitted"
    PRECEDENCE = "precedence"
    MAILING_LIST = "mailing_list"
    AUTOREPLY_HEADER = "autoreply_header"
    NOREPLY_SENDER = "noreply_sender"
    LEAD_RELAY = "lead_relay"


@dataclass(frozen=True, slots=True)
class InboundFacts:
    """What the parser established about one inbound mail; addresses are bare (a@b.dk)."""

    sender: str
    headers: Mapping[str, str] = field(default_factory=dict)
    return_path: str | None = None
    body: str = ""
    subject: str = ""
    lead_source: LeadSource = "direct"
    customer_email: str | None = None  # for relays: the customer's address from the body


_NOREPLY = re.compile(r"^(?:no|do[-_.]?not)[-_.]?reply\b|^noreply|^bounces?\b")
_BOUNCER = re.compile(r"^(?:mailer-daemon|postmaster)$")


def _local_part(address: str) -> str:
    return address.strip().strip("<>").rpartition("@")[0].casefold()


def domain_of(address: str) -> str:
    return address.strip().strip("<>").rpartition("@")[2].casefold()


def is_never_reply_relay(address: str) -> bool:
    """True for an address at Leadmail.no or AdHelp (or their subdomains)."""
    domain = domain_of(address)
    return any(domain == d or domain.endswith("." + d) for d in NEVER_REPLY_RELAY_DOMAINS)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.casefold() == name:
            return value.strip().casefold()
    return None


def automation_reason(facts: InboundFacts) -> AutomationReason | None:
    """Why this mail must not be answered (or that it is a lead relay); None for a person."""
    if facts.return_path is not None and facts.return_path.strip() in ("", "<>"):
        return AutomationReason.NULL_SENDER
    senders = [facts.sender] + ([facts.return_path] if facts.return_path else [])
    if any(_BOUNCER.match(_local_part(a) or a.strip("<> ").casefold()) for a in senders):
        return AutomationReason.MAILER_DAEMON
    if is_never_reply_relay(facts.sender) or facts.lead_source in ("leadmail", "adhelp"):
        return AutomationReason.LEAD_RELAY
    h = facts.headers
    auto = _header(h, "auto-submitted")
    if auto is not None and auto.split(";")[0].strip() != "no":
        return AutomationReason.AUTO_SUBMITTED
    if (_header(h, "precedence") or "") in ("bulk", "list", "junk", "auto_reply"):
        return AutomationReason.PRECEDENCE
    if any(_header(h, n) is not None for n in ("list-id", "list-unsubscribe", "list-post")):
        return AutomationReason.MAILING_LIST
    if any(_header(h, n) is not None for n in ("x-autoreply", "x-autorespond", "x-autoresponse")):
        return AutomationReason.AUTOREPLY_HEADER
    if _NOREPLY.match(_local_part(facts.sender)):
        return AutomationReason.NOREPLY_SENDER
    return None


def is_automated(facts: InboundFacts) -> bool:
    """True when the mail must be ignored entirely (a lead relay is processed, not ignored)."""
    reason = automation_reason(facts)
    return reason is not None and reason is not AutomationReason.LEAD_RELAY
