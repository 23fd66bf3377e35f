"""The email channel's smaller tool set, scoped to the sender."""

from __future__ import annotations

import pytest

from tools.canonical.registry import tool_table
from tools.mail_policy.tools_scope import (
    EMAIL_CHANNEL_TOOLS,
    email_tool_permission,
    scoped_search_args,
)

SENDER = "Birgit.Norgaard@example.dk"


def test_email_tools_are_canonical_tools() -> None:
    assert set(tool_table(EMAIL_CHANNEL_TOOLS)) == set(EMAIL_CHANNEL_TOOLS)
    assert "send_email" not in EMAIL_CHANNEL_TOOLS
    assert "create_booking" not in EMAIL_CHANNEL_TOOLS


@pytest.mark.parametrize(
    ("tool", "lead_email", "allowed", "reason", "scope"),
    [
        ("search_leads", None, True, "scoped_to_sender", "birgit.norgaard@example.dk"),
        ("get_lead", "birgit.norgaard@EXAMPLE.dk", True, "scoped_to_sender", SENDER.lower()),
        ("get_lead", "lene@example.dk", False, "lead_not_sender", None),
        ("get_lead", None, False, "lead_not_sender", None),
        ("check_availability", None, True, "allowed", None),
        ("draft_quote", None, True, "allowed", None),
        ("draft_email_reply", None, True, "allowed", None),
        ("send_email", None, False, "tool_not_in_email_channel", None),
        ("create_booking", None, False, "tool_not_in_email_channel", None),
        ("delete_everything", None, False, "tool_not_in_email_channel", None),
    ],
)
def test_permission(
    tool: str, lead_email: str | None, allowed: bool, reason: str, scope: str | None
) -> None:
    p = email_tool_permission(tool, sender_email=SENDER, lead_email=lead_email)
    assert (p.allowed, p.reason, p.scope_email) == (allowed, reason, scope)


def test_no_sender_no_tools() -> None:
    assert not email_tool_permission("search_leads", sender_email=" ").allowed
    assert not email_tool_permission("get_lead", sender_email="", lead_email="").allowed


def test_scoped_search_args() -> None:
    assert scoped_search_args(SENDER) == {"query": "birgit.norgaard@example.dk", "limit": 5}
