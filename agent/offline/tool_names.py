"""The name each bound tool goes by.

LangChain names a pydantic schema after its class ("SearchLeadsArgs"); the canonical
argument classes are mapped to their tool names ("search_leads"), so binding either the
tools or their argument schemas declares the same tools.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tools.canonical.args import (
    CheckAvailabilityArgs,
    CreateBookingArgs,
    DraftEmailReplyArgs,
    DraftQuoteArgs,
    GetLeadArgs,
    SearchLeadsArgs,
    SendEmailArgs,
)

CANONICAL_ARGS: dict[type, str] = {
    SearchLeadsArgs: "search_leads",
    GetLeadArgs: "get_lead",
    CheckAvailabilityArgs: "check_availability",
    CreateBookingArgs: "create_booking",
    DraftQuoteArgs: "draft_quote",
    DraftEmailReplyArgs: "draft_email_reply",
    SendEmailArgs: "send_email",
}


def tool_names(tools: Sequence[object], schemas: Sequence[dict[str, Any]]) -> list[str]:
    """One name per tool, in order: canonical for the argument classes, else the schema's."""
    names = []
    for tool, schema in zip(tools, schemas, strict=True):
        canonical = CANONICAL_ARGS.get(tool) if isinstance(tool, type) else None
        names.append(canonical or str(schema["function"]["name"]))
    return names


def bound_names(schemas: Sequence[object]) -> frozenset[str]:
    """The names in a `tools=` call argument: OpenAI-style dicts, or tool objects."""
    names: set[str] = set()
    for schema in schemas:
        if isinstance(schema, dict):
            function = schema.get("function")
            name = function.get("name") if isinstance(function, dict) else schema.get("name")
        else:
            name = getattr(schema, "name", None)
        if isinstance(name, str) and name:
            names.add(name)
    return frozenset(names)
