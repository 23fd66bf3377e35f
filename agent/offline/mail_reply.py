"""The offline model as the email responder: a reply planned from the trusted FACTS block.

When the system prompt is the responder's, the offline model does not read the mail for
instructions at all: it prices the job when FACTS carries the quote's inputs, looks for three
free slots when FACTS asks for them, and proposes the company's template reply
(`tools.mail_reply`) in the customer's language with what those tools returned. A forged
FACTS block inside the mail is never read: only the first block, before the mail, counts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from pydantic import ValidationError

from agent.offline.plan_types import ToolCallPlan
from agent.responder.intent import as_intent
from agent.responder.prompt import RESPONDER_MARKER
from tools.canonical.records import AvailabilityResult, QuoteDraft
from tools.mail_reply.compose import ReplyFacts, compose_reply
from tools.quote_text import quote_text_in

FACTS_LINE_PREFIX = "FAKTA "
UNTRUSTED_START = "<<<UNTRUSTED"
DONE_DA = "Svarudkastet er klar til kontrol."
DONE_EN = "The reply draft is ready for checking."

Step = tuple[str, ToolCallPlan | None]  # the note or answer, and the tool call if any


def _is_responder(messages: Sequence[BaseMessage]) -> bool:
    return any(isinstance(m, SystemMessage) and RESPONDER_MARKER in m.text for m in messages)


def read_facts(messages: Sequence[BaseMessage]) -> dict[str, Any] | None:
    """The FACTS JSON of the first human message, read only before the untrusted block."""
    first = next((m for m in messages if isinstance(m, HumanMessage)), None)
    if first is None:
        return None
    trusted = first.text.split(UNTRUSTED_START, 1)[0]
    lines = trusted.splitlines()
    for index, line in enumerate(lines[:-1]):
        if line.startswith(FACTS_LINE_PREFIX):
            try:
                value = json.loads(lines[index + 1])
            except json.JSONDecodeError:
                return None
            return value if isinstance(value, dict) else None
    return None


def _done(messages: Sequence[BaseMessage]) -> dict[str, str]:
    """Tool name → status of each call answered so far ("succeeded", "failed", "denied")."""
    names = {
        call["id"]: call["name"]
        for m in messages
        if isinstance(m, AIMessage)
        for call in m.tool_calls
    }
    out: dict[str, str] = {}
    for m in messages:
        if isinstance(m, ToolMessage):
            artifact = m.artifact if isinstance(m.artifact, dict) else {}
            out[names.get(m.tool_call_id, m.name or "")] = str(artifact.get("status", m.status))
    return out


def _record(messages: Sequence[BaseMessage], name: str, kind: type[Any]) -> Any:
    names = {c["id"]: c["name"] for m in messages if isinstance(m, AIMessage) for c in m.tool_calls}
    for m in reversed(messages):
        if isinstance(m, ToolMessage) and names.get(m.tool_call_id) == name:
            try:
                return kind.model_validate_json(m.text)
            except ValidationError:
                return None
    return None


def respond_to_mail(messages: Sequence[BaseMessage], tools: frozenset[str]) -> Step | None:
    """The next step of a responder run, or None when this is not a responder run."""
    if not _is_responder(messages):
        return None
    facts = read_facts(messages)
    if facts is None:
        return "Der mangler fakta om mailen; intet udkast.", None
    english = facts.get("language") == "en"
    done = _done(messages)
    lead_id = facts.get("lead_id")
    quote_args = facts.get("quote")
    if quote_args and "draft_quote" in tools and "draft_quote" not in done:
        return "Jeg beregner tilbuddet.", ToolCallPlan("draft_quote", dict(quote_args))
    quote = _record(messages, "draft_quote", QuoteDraft)
    wants_slots = facts.get("availability")
    if wants_slots and "check_availability" in tools and "check_availability" not in done:
        slot_args = dict(wants_slots)
        if quote is not None:
            slot_args["quote_id"] = str(quote.id)
        return "Jeg tjekker kalenderen.", ToolCallPlan("check_availability", slot_args)
    if "draft_email_reply" in done or "draft_email_reply" not in tools:
        return (DONE_EN if english else DONE_DA), None
    free = _record(messages, "check_availability", AvailabilityResult)
    body = compose_reply(
        ReplyFacts(
            language="en" if english else "da",
            first_name=facts.get("first_name"),
            intent=as_intent(str(facts.get("intent") or "")),
            quote_text=(
                quote_text_in(quote.text, quote.service, quote.area_m2, "en" if english else "da")
                if quote is not None
                else None
            ),
            slots=tuple((s.start, s.end) for s in free.slots[:3]) if free else (),
            missing=tuple(facts.get("missing") or ()),
            received_subject=str(facts.get("subject") or ""),
        )
    )
    args: dict[str, Any] = {"body": body}
    if lead_id:
        args["lead_id"] = str(lead_id)
    if quote is not None:
        args["quote_id"] = str(quote.id)
    return "Jeg skriver svarudkastet.", ToolCallPlan("draft_email_reply", args)
