"""One model step: the message list in, the next tool call or the final answer out.

A tool call carries a short note in the staff's language of what is being done ("Jeg
beregner tilbuddet."); the audit trail records it as the model's intent, and a streaming
UI shows it while the tool runs. It holds no figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from langchain_core.messages import BaseMessage

from agent.offline.answers import compose_answer
from agent.offline.followup import effective_understanding
from agent.offline.language import Lang
from agent.offline.mail_reply import respond_to_mail
from agent.offline.plan_types import Finish, ToolCallPlan
from agent.offline.planner import decide
from agent.offline.transcript import read_transcript

_NOTES: dict[str, tuple[str, str]] = {
    "search_leads": ("Jeg søger efter leadet.", "Looking up the lead."),
    "get_lead": ("Jeg henter leadets detaljer.", "Fetching the lead's details."),
    "check_availability": ("Jeg tjekker kalenderen.", "Checking the calendar."),
    "create_booking": (
        "Jeg opretter bookingen (kræver godkendelse).",
        "Creating the booking (needs approval).",
    ),
    "draft_quote": ("Jeg beregner tilbuddet.", "Pricing the quote."),
    "draft_email_reply": ("Jeg skriver et mailudkast.", "Drafting the email."),
    "send_email": (
        "Jeg sender mailen (kræver godkendelse).",
        "Sending the email (needs approval).",
    ),
}


@dataclass(frozen=True, slots=True)
class Reply:
    """The model's output for one step: a note plus a tool call, or the final answer."""

    text: str
    call: ToolCallPlan | None = None


def tool_note(name: str, lang: Lang) -> str:
    da, en = _NOTES.get(name, (f"Jeg bruger {name}.", f"Using {name}."))
    return da if lang == "da" else en


def respond(messages: Sequence[BaseMessage], tools: frozenset[str], *, now: datetime) -> Reply:
    if (mail_step := respond_to_mail(messages, tools)) is not None:
        return Reply(*mail_step)
    transcript = read_transcript(messages)
    u = effective_understanding(transcript, now, tools)
    decision = decide(u, transcript, tools)
    if isinstance(decision, ToolCallPlan):
        return Reply(tool_note(decision.name, u.language), decision)
    finish = decision if isinstance(decision, Finish) else Finish()
    return Reply(compose_answer(u, transcript.current, finish, u.language))
