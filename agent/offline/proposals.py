"""The next step the assistant offers at the end of an answer, and what "ja" then means.

One function derives the offer from a turn's tool results; the answer writer phrases it and
the planner acts on it when staff confirm. A confirmation only counts if the previous answer
really made that offer (its text is checked), so "ja" never triggers something unasked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from agent.offline.cues import Intent
from agent.offline.language import Lang
from agent.offline.plan_leads import turn_lead
from agent.offline.plan_types import MailContent
from agent.offline.transcript import Transcript, Turn
from tools.canonical.records import (
    AvailabilityResult,
    BookingCreated,
    EmailDraft,
    EmailSent,
    LeadSummary,
    QuoteDraft,
)


class ProposalKind(StrEnum):
    SEND_DRAFT = "send_draft"
    MAIL_CUSTOMER = "mail_customer"


@dataclass(frozen=True, slots=True)
class Proposal:
    kind: ProposalKind
    lead: LeadSummary | None = None
    draft: EmailDraft | None = None
    content: MailContent = field(default_factory=MailContent)

    @property
    def tasks(self) -> tuple[Intent, ...]:
        if self.kind is ProposalKind.SEND_DRAFT:
            return (Intent.SEND_EMAIL,)
        return (Intent.WRITE_EMAIL, Intent.SEND_EMAIL)


def turn_content(turn: Turn) -> MailContent:
    return MailContent(
        quote=turn.last(QuoteDraft),
        slots=turn.last(AvailabilityResult),
        booking=turn.last(BookingCreated),
    )


def proposal_for(turn: Turn) -> Proposal | None:
    """What to offer after this turn's results; None when nothing sensible is left."""
    if turn.failures():
        return None
    draft = turn.last(EmailDraft)
    if draft is not None:
        attempted = turn.last(EmailSent) is not None or any(
            step.name == "send_email" for step in turn.steps
        )
        return None if attempted else Proposal(ProposalKind.SEND_DRAFT, draft=draft)
    lead = turn_lead(turn)
    content = turn_content(turn)
    if lead is None or not lead.email or content.empty:
        return None
    if content.quote is not None and content.quote.lead_id not in (None, lead.id):
        return None
    return Proposal(ProposalKind.MAIL_CUSTOMER, lead=lead, content=content)


def _what(content: MailContent, lang: Lang) -> str:
    da = lang == "da"
    if content.quote is not None:
        return "tilbuddet" if da else "the quote"
    if content.booking is not None:
        return "en bekræftelse af bookingen" if da else "a booking confirmation"
    return "de ledige tider" if da else "the free slots"


def proposal_question(proposal: Proposal, lang: Lang) -> str:
    if proposal.kind is ProposalKind.SEND_DRAFT:
        if lang == "da":
            return "Skal jeg sende mailen? (Afsendelse kræver godkendelse.)"
        return "Shall I send the email? (Sending needs approval.)"
    name = proposal.lead.name if proposal.lead is not None else ""
    what = _what(proposal.content, lang)
    if lang == "da":
        return f"Skal jeg sende {what} til {name} på mail?"
    return f"Shall I email {what} to {name}?"


def confirmed_proposal(transcript: Transcript) -> Proposal | None:
    """The offer the previous answer made, if it made one (for "ja" / "yes, do it")."""
    if not transcript.earlier:
        return None
    previous = transcript.earlier[-1]
    proposal = proposal_for(previous)
    answer = previous.answer or ""
    if proposal is None or not any(
        proposal_question(proposal, lang) in answer for lang in ("da", "en")
    ):
        return None
    return proposal
