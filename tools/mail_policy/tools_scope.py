"""The email channel's tools: a smaller set, scoped to the mail's sender.

A run started by an inbound mail acts on untrusted text, so it may only look up the sender,
check the calendar and draft; it never books or sends (the send goes through `decide`).
search_leads is scoped to the sender's email (the query is forced to that address) and
get_lead is allowed only for a lead whose email is the sender's. Everything else is denied.
"""

from __future__ import annotations

from dataclasses import dataclass

EMAIL_CHANNEL_TOOLS: tuple[str, ...] = (
    "search_leads",
    "get_lead",
    "check_availability",
    "draft_quote",
    "draft_email_reply",
)


@dataclass(frozen=True, slots=True)
class ToolPermission:
    allowed: bool
    reason: str
    scope_email: str | None = None  # results must be limited to this address


def _same(a: str | None, b: str) -> bool:
    return a is not None and a.strip().casefold() == b.strip().casefold() and bool(b.strip())


def email_tool_permission(
    tool: str, *, sender_email: str, lead_email: str | None = None
) -> ToolPermission:
    """May an email-channel run call `tool`? `lead_email` is the requested lead's address."""
    if tool not in EMAIL_CHANNEL_TOOLS:
        return ToolPermission(False, "tool_not_in_email_channel")
    if not sender_email.strip():
        return ToolPermission(False, "no_sender")
    scope = sender_email.strip().casefold()
    if tool == "get_lead" and not _same(lead_email, sender_email):
        return ToolPermission(False, "lead_not_sender")
    if tool in ("search_leads", "get_lead"):
        return ToolPermission(True, "scoped_to_sender", scope)
    return ToolPermission(True, "allowed")


def scoped_search_args(sender_email: str, limit: int = 5) -> dict[str, object]:
    """The only search an email run may make: the sender's own address."""
    return {"query": sender_email.strip().casefold(), "limit": limit}
