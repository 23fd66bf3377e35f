"""The auto-reply decision for one inbound mail, taken in code before and after the model.

Order (first match decides the outcome):

1. automated / bulk / list / bounce mail → `ignore` (never answered).
2. a lead relay (Leadmail, AdHelp) is never answered itself; the reply goes to the customer's
   address parsed from the body; without one (or if it is a relay address too) → `ignore`.
3. high or critical conflict keywords → `escalate` (an escalation record, no AI reply); this
   applies even when auto-reply is off, so the owner hears of it.
4. mode "off" → `ignore`.
5. a quote sent less than 7 days ago → `stop` (no reply; a human takes it).
6. every remaining flag sends the draft to review: medium/low conflict, a quote 7–30 days ago
   (both ends inclusive), the daily cap reached (the 51st reply of the day with cap 50),
   sender or thread rate limits reached, an unverified sender, a Reply-To that differs from
   From, an unknown lead source, mode "draft-only", an intent not allowed for auto-send.
7. nothing flagged, mode "auto-send", allowed intent → `auto_send`.

Decisions where the docs are silent: rate limits default to 2 replies per sender per hour and
3 per thread per day; a quote timestamp in the future (clock skew) counts as "less than 7 days";
naive datetimes are refused.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from tools.mail_policy.automation import (
    AutomationReason,
    InboundFacts,
    automation_reason,
    is_never_reply_relay,
)
from tools.mail_policy.conflict import ConflictGrade, Severity
from tools.mail_policy.triage import TriageIntent, complaint_grade

Mode = Literal["off", "draft-only", "auto-send"]
Outcome = Literal["ignore", "escalate", "draft_for_review", "auto_send", "stop"]
# Auto-send by default only answers new leads and quote requests (triage.TriageIntent).
DEFAULT_AUTO_SEND_INTENTS: frozenset[str] = frozenset({"new_lead"})
DUPLICATE_QUOTE_STOP = timedelta(days=7)
RECENT_QUOTE_WARNING = timedelta(days=30)
REPLY_HEADERS: dict[str, str] = {"Auto-Submitted": "auto-replied"}


class Reason(StrEnum):
    AUTOMATED = "automated"
    RELAY_NEVER_REPLY = "relay_never_reply"
    NO_RECIPIENT = "no_recipient"
    CONFLICT_CRITICAL = "conflict_critical"
    CONFLICT_HIGH = "conflict_high"
    CONFLICT_MEDIUM = "conflict_medium"
    CONFLICT_LOW = "conflict_low"
    MODE_OFF = "mode_off"
    MODE_DRAFT_ONLY = "mode_draft_only"
    DUPLICATE_QUOTE_7D = "duplicate_quote_7d"
    RECENT_QUOTE_WARNING = "recent_quote_warning"
    DAILY_CAP = "daily_cap"
    SENDER_RATE = "sender_rate"
    THREAD_RATE = "thread_rate"
    UNVERIFIED_SENDER = "unverified_sender"
    REPLY_TO_MISMATCH = "reply_to_mismatch"
    UNKNOWN_SOURCE = "unknown_source"
    INTENT_NOT_ALLOWED = "intent_not_allowed"


# Informational: recorded, but they do not by themselves stop an automatic reply.
INFO_REASONS = frozenset({Reason.RELAY_NEVER_REPLY})


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    reasons: tuple[Reason, ...]
    recipient: str | None  # who a reply may go to (the recipient lock); None: nobody
    conflict: ConflictGrade
    automation: AutomationReason | None = None

    @property
    def reply_headers(self) -> dict[str, str]:
        """Headers our reply must carry (RFC 3834), empty when nothing is sent or drafted."""
        return dict(REPLY_HEADERS) if self.outcome in ("auto_send", "draft_for_review") else {}


def _aware(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware: {moment!r}")
    return moment


def decide(
    facts: InboundFacts,
    *,
    mode: Mode,
    now: datetime,
    last_quote_sent_at: datetime | None,
    replies_today: int,
    sender_replies_last_hour: int,
    thread_replies_last_day: int,
    sender_verified: bool,
    reply_to_differs: bool,
    intent: TriageIntent | str,
    daily_cap: int = 50,
    sender_hourly_limit: int = 2,
    thread_daily_limit: int = 3,
    auto_send_intents: Set[str] = DEFAULT_AUTO_SEND_INTENTS,
) -> Decision:
    """Decide what happens to one inbound mail; pure, every fact passed in."""
    _aware(now, "now")
    conflict = complaint_grade(facts.subject, facts.body)
    automation = automation_reason(facts)

    def done(outcome: Outcome, reasons: list[Reason], recipient: str | None) -> Decision:
        return Decision(outcome, tuple(reasons), recipient, conflict, automation)

    if automation is not None and automation is not AutomationReason.LEAD_RELAY:
        return done("ignore", [Reason.AUTOMATED], None)
    notes: list[Reason] = []
    recipient: str | None = facts.sender.strip()
    if automation is AutomationReason.LEAD_RELAY:
        notes.append(Reason.RELAY_NEVER_REPLY)
        recipient = (facts.customer_email or "").strip() or None
        if recipient is None or is_never_reply_relay(recipient):
            return done("ignore", [*notes, Reason.NO_RECIPIENT], None)
    if conflict.severity >= Severity.HIGH:
        code = Reason.CONFLICT_CRITICAL if conflict.severity is Severity.CRITICAL else None
        return done("escalate", [*notes, code or Reason.CONFLICT_HIGH], None)
    if mode == "off":
        return done("ignore", [*notes, Reason.MODE_OFF], None)
    flags: list[Reason] = []
    if last_quote_sent_at is not None:
        age = now - _aware(last_quote_sent_at, "last_quote_sent_at")
        if age < DUPLICATE_QUOTE_STOP:
            return done("stop", [*notes, Reason.DUPLICATE_QUOTE_7D], None)
        if age <= RECENT_QUOTE_WARNING:
            flags.append(Reason.RECENT_QUOTE_WARNING)
    conflict_flags = {Severity.MEDIUM: Reason.CONFLICT_MEDIUM, Severity.LOW: Reason.CONFLICT_LOW}
    if conflict.severity in conflict_flags:
        flags.append(conflict_flags[conflict.severity])
    checks = (
        (replies_today >= daily_cap, Reason.DAILY_CAP),
        (sender_replies_last_hour >= sender_hourly_limit, Reason.SENDER_RATE),
        (thread_replies_last_day >= thread_daily_limit, Reason.THREAD_RATE),
        (not sender_verified, Reason.UNVERIFIED_SENDER),
        (reply_to_differs, Reason.REPLY_TO_MISMATCH),
        (facts.lead_source == "unknown", Reason.UNKNOWN_SOURCE),
        (mode == "draft-only", Reason.MODE_DRAFT_ONLY),
        (intent not in auto_send_intents, Reason.INTENT_NOT_ALLOWED),
    )
    flags += [reason for raised, reason in checks if raised]
    return done("draft_for_review" if flags else "auto_send", [*notes, *flags], recipient)
