"""What the planner decides: call one tool next, or stop (with a question when it must ask)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from agent.offline.cues import Intent
from agent.offline.transcript import Transcript, Turn
from agent.offline.understand import Understanding
from tools.canonical.records import (
    AvailabilityResult,
    BookingCreated,
    LeadSummary,
    QuoteDraft,
)


@dataclass(frozen=True, slots=True)
class ToolCallPlan:
    name: str
    args: Mapping[str, object]


class QuestionKind(StrEnum):
    QUOTE_DETAILS = "quote_details"  # fields: "service", "area_m2"
    BOOKING_DETAILS = "booking_details"  # fields: "date", "time", "customer"
    RECIPIENT = "recipient"
    SEARCH_TERM = "search_term"
    LEAD_REF = "lead_ref"
    WHICH_LEAD = "which_lead"
    LEAD_NOT_FOUND = "lead_not_found"
    WHICH_DRAFT = "which_draft"
    NOTHING_TO_CONFIRM = "nothing_to_confirm"
    TOOL_UNAVAILABLE = "tool_unavailable"


# A question whose answer completes the previous request ("80 m2" after "how big is it?").
FOLLOW_UP_QUESTIONS = frozenset(
    {
        QuestionKind.QUOTE_DETAILS,
        QuestionKind.BOOKING_DETAILS,
        QuestionKind.RECIPIENT,
        QuestionKind.SEARCH_TERM,
        QuestionKind.LEAD_REF,
        QuestionKind.WHICH_LEAD,
        QuestionKind.LEAD_NOT_FOUND,
    }
)


@dataclass(frozen=True, slots=True)
class Question:
    kind: QuestionKind
    fields: tuple[str, ...] = ()
    query: str | None = None
    tool: str | None = None


@dataclass(frozen=True, slots=True)
class Finish:
    """No further tool call: answer now, asking `question` if something is missing."""

    question: Question | None = None


Decision = ToolCallPlan | Finish


@dataclass(frozen=True, slots=True)
class MailContent:
    """What a customer mail carries besides the greeting (tool results only)."""

    quote: QuoteDraft | None = None
    slots: AvailabilityResult | None = None
    booking: BookingCreated | None = None

    @property
    def empty(self) -> bool:
        has_slots = self.slots is not None and bool(self.slots.slots)
        return self.quote is None and not has_slots and self.booking is None


@dataclass(frozen=True, slots=True)
class LeadFound:
    lead: LeadSummary


@dataclass(frozen=True, slots=True)
class LeadMissing:
    """No lead: nothing to search for (query None) or the search found none."""

    query: str | None = None


def json_number(value: Decimal | int) -> int | float:
    """A tool argument as a JSON number: 80, not "80" or 80.0."""
    number = Decimal(value)
    return int(number) if number == number.to_integral_value() else float(number)


@dataclass(frozen=True, slots=True)
class PlanContext:
    """Everything one planning step looks at."""

    u: Understanding
    transcript: Transcript
    tools: frozenset[str]
    tasks: tuple[Intent, ...]
    focus: LeadSummary | None = None  # an earlier turn's lead, when the text points back
    mail_lead: LeadSummary | None = None  # the recipient of a confirmed offer
    mail_content: MailContent | None = None  # the content of a confirmed offer

    @property
    def turn(self) -> Turn:
        return self.transcript.current
