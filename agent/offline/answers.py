"""The final answer to staff: what the tools did this turn, in the language staff wrote.

The answer walks the turn's steps in order and reports each one (records rendered by
compose_records.py, failures and denials said plainly), then either asks the planner's
question or offers the natural next step (proposals.py). Figures only ever come from the
tool results in the transcript.
"""

from __future__ import annotations

import re

from agent.offline.compose_email import GENERIC
from agent.offline.compose_records import (
    lead_line,
    render_availability,
    render_booking,
    render_draft,
    render_lead_detail,
    render_quote,
    render_search,
    render_sent,
)
from agent.offline.cues import Intent
from agent.offline.language import Lang
from agent.offline.plan_leads import pick
from agent.offline.plan_types import Finish
from agent.offline.proposals import proposal_for, proposal_question
from agent.offline.questions import failure_text, question_text
from agent.offline.tool_results import RECORD_TYPES, FailureKind, ToolFailure
from agent.offline.transcript import Step, Turn
from agent.offline.understand import Understanding
from tools.canonical.records import (
    AvailabilityResult,
    BookingCreated,
    EmailDraft,
    EmailSent,
    LeadDetail,
    QuoteDraft,
    SearchResult,
)

_CAPABILITIES = (
    "Jeg kan finde leads, vise et leads detaljer, beregne tilbud, tjekke ledige tider, booke "
    "og skrive og sende mails til kunder. Prøv fx: »Hvad koster en flytterengøring på 80 m²?«",
    "I can find leads, show a lead's details, price quotes, check free slots, book, and write "
    'and send customer emails. Try e.g. "How much is a move-out cleaning of 80 m²?"',
)
_NO_TASK = {
    Intent.GREETING: ("Hej! ", "Hi! "),
    Intent.HELP: ("", ""),
    Intent.UNKNOWN: ("Det forstod jeg ikke helt. ", "I did not quite understand that. "),
}
_GENERIC_NOTE = (
    "\n\nUdkastet har en generel tekst – ret den gerne til, før mailen sendes.",
    "\n\nThe draft has a general Danish text (your wording is not translated) – edit it "
    "before sending.",
)
_THANKS = re.compile(r"^\W*(?:tak|mange tak|tusind tak|thanks|thank you|thx)\b", re.IGNORECASE)
_WELCOME = ("Selv tak!", "You're welcome!")
_NEED_APPROVAL = frozenset({"create_booking", "send_email"})
_DECLINED = ("OK, det lader jeg være.", "OK, I will leave it.")


def _pick(texts: tuple[str, str], lang: Lang) -> str:
    return texts[0] if lang == "da" else texts[1]


def _lead_briefly(lead_name: str, email: str | None, lang: Lang) -> str:
    who = f"{lead_name} ({email})" if email else lead_name
    return f"Kunde: {who}." if lang == "da" else f"Customer: {who}."


def _render_step(step: Step, turn: Turn, u: Understanding, lang: Lang) -> str | None:
    outcome = step.outcome
    if outcome is None and step.name in RECORD_TYPES:
        # Called but not answered: paused for approval, or the result never came.
        if step.name in _NEED_APPROVAL:
            outcome = ToolFailure(FailureKind.PENDING, "pending", "")
        else:
            outcome = ToolFailure(FailureKind.FAILED, "no_result", "")
    if isinstance(outcome, ToolFailure):
        return failure_text(step.name, outcome, lang)
    if isinstance(outcome, EmailDraft) and any(
        sent.draft_id == outcome.id and sent.status == "sent" for sent in turn.records(EmailSent)
    ):
        return None  # sent later in this turn: the "sent" line says it, not "not sent"
    if isinstance(outcome, SearchResult):
        chosen = pick(outcome)
        later_detail = turn.last(LeadDetail)
        if chosen is not None and later_detail is not None and later_detail.lead.id == chosen.id:
            return None  # the lead's record, further down, names the customer
        if chosen is None or u.has(Intent.FIND_LEAD):
            return render_search(outcome, lang)
        return _lead_briefly(chosen.name, chosen.email, lang)
    if isinstance(outcome, LeadDetail):
        if u.has(Intent.LEAD_DETAILS):
            return render_lead_detail(outcome, lang)
        if u.has(Intent.FIND_LEAD):
            return lead_line(outcome.lead, lang)
        return _lead_briefly(outcome.lead.name, outcome.lead.email, lang)
    return _render_record(outcome, lang)


def _render_record(outcome: object, lang: Lang) -> str | None:
    if isinstance(outcome, QuoteDraft):
        return render_quote(outcome, lang)
    if isinstance(outcome, AvailabilityResult):
        return render_availability(outcome, lang)
    if isinstance(outcome, BookingCreated):
        return render_booking(outcome, lang)
    if isinstance(outcome, EmailDraft):
        note = _pick(_GENERIC_NOTE, lang) if GENERIC in outcome.body else ""
        return render_draft(outcome, lang) + note
    if isinstance(outcome, EmailSent):
        return render_sent(outcome, lang)
    return None


def _without_task(u: Understanding, lang: Lang) -> str:
    if u.has(Intent.DECLINE):
        return _pick(_DECLINED, lang)
    if u.intent_names == (Intent.UNKNOWN,) and _THANKS.search(u.text):
        return _pick(_WELCOME, lang)
    lead_in = next((_NO_TASK[i] for i in u.intent_names if i in _NO_TASK), _NO_TASK[Intent.HELP])
    return _pick(lead_in, lang) + _pick(_CAPABILITIES, lang)


def compose_answer(u: Understanding, turn: Turn, finish: Finish, lang: Lang) -> str:
    """The answer for a finished turn (all tool results are in)."""
    parts = [text for step in turn.steps if (text := _render_step(step, turn, u, lang))]
    if finish.question is not None:
        parts.append(question_text(finish.question, lang))
    elif not turn.steps:
        parts.append(_without_task(u, lang))
    elif (proposal := proposal_for(turn)) is not None:
        parts.append(proposal_question(proposal, lang))
    return "\n\n".join(parts)
