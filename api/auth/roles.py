"""What each staff role may do: one table for the HTTP endpoints and the agent's tools alike.

A permission absent from a role's row is denied; there is no other place that grants rights.
"""

from __future__ import annotations

from enum import StrEnum
from types import MappingProxyType

from memory.models.enums import StaffRole


class Permission(StrEnum):
    SESSIONS_READ = "sessions.read"
    SESSIONS_WRITE = "sessions.write"
    CHAT_SEND = "chat.send"
    APPROVALS_DECIDE = "approvals.decide"
    # Approving a send to a customer who has an open escalation: the owner's call alone.
    APPROVALS_DECIDE_ESCALATED = "approvals.decide_escalated"
    GDPR_EXPORT = "gdpr.export"
    TOOL_SEARCH_LEADS = "tool.search_leads"
    TOOL_GET_LEAD = "tool.get_lead"
    TOOL_CHECK_AVAILABILITY = "tool.check_availability"
    TOOL_CREATE_BOOKING = "tool.create_booking"
    TOOL_DRAFT_QUOTE = "tool.draft_quote"
    TOOL_DRAFT_EMAIL_REPLY = "tool.draft_email_reply"
    TOOL_SEND_EMAIL = "tool.send_email"


TOOL_PREFIX = "tool."

# Tools that only read or draft inside our own data; safe for anyone who may chat.
_READ_AND_DRAFT_TOOLS = frozenset(
    {
        Permission.TOOL_SEARCH_LEADS,
        Permission.TOOL_GET_LEAD,
        Permission.TOOL_CHECK_AVAILABILITY,
        Permission.TOOL_DRAFT_QUOTE,
        Permission.TOOL_DRAFT_EMAIL_REPLY,
    }
)

_EVALUATOR = frozenset(
    {
        Permission.SESSIONS_READ,
        Permission.SESSIONS_WRITE,  # an evaluator needs sessions of its own to chat in
        Permission.CHAT_SEND,
        *_READ_AND_DRAFT_TOOLS,
    }
)

_STAFF = _EVALUATOR | {
    Permission.APPROVALS_DECIDE,
    Permission.TOOL_CREATE_BOOKING,
    Permission.TOOL_SEND_EMAIL,
}

_OWNER = frozenset(Permission)

ROLE_PERMISSIONS: MappingProxyType[StaffRole, frozenset[Permission]] = MappingProxyType(
    {
        StaffRole.OWNER: _OWNER,
        StaffRole.STAFF: frozenset(_STAFF),
        StaffRole.EVALUATOR: _EVALUATOR,
    }
)


def allowed(role: StaffRole, permission: Permission) -> bool:
    """Whether ``role`` holds ``permission``; unknown roles hold nothing."""
    return permission in ROLE_PERMISSIONS.get(role, frozenset())


def tool_permission(tool_name: str) -> Permission:
    """The permission that lets a caller's model run ``tool_name`` (ValueError if none)."""
    return Permission(TOOL_PREFIX + tool_name)


def allowed_tools(role: StaffRole) -> frozenset[str]:
    """The tool names a role's runs may execute; every other call is refused and audited."""
    held = ROLE_PERMISSIONS.get(role, frozenset())
    return frozenset(p.value.removeprefix(TOOL_PREFIX) for p in held if p.startswith(TOOL_PREFIX))
