"""What the assistant asks when information is missing, and how it reports a failed step.

domain.md: without the area or the service, never guess a price; ask for the size in m²
and the number of rooms. The Danish quote questions are the ones tools/quote_text.py uses
for customers, so staff and customers are asked the same thing.
"""

from __future__ import annotations

from agent.offline.language import Lang
from agent.offline.plan_types import Question, QuestionKind
from agent.offline.tool_results import FailureKind, ToolFailure
from tools.quote_text import quote_readiness

ACTIONS: dict[str, tuple[str, str]] = {
    "search_leads": ("søgningen efter leads", "the lead search"),
    "get_lead": ("opslaget af leadet", "the lead lookup"),
    "check_availability": ("tjekket af ledige tider", "the availability check"),
    "create_booking": ("bookingen", "the booking"),
    "draft_quote": ("tilbuddet", "the quote"),
    "draft_email_reply": ("mailudkastet", "the email draft"),
    "send_email": ("afsendelsen af mailen", "sending the email"),
}

_EN_QUOTE = {
    "area_m2": "How many m² is the home, and how many rooms does it have?",
    "service": "Which kind of cleaning is it – e.g. regular cleaning or move-out cleaning?",
}
_BOOKING = {
    ("date", "time"): (
        "Hvilken dag og hvilket klokkeslæt skal bookingen være?",
        "Which day and at what time should the booking be?",
    ),
    ("date",): ("Hvilken dag skal bookingen være?", "Which day should the booking be?"),
    ("time",): ("Hvilket klokkeslæt skal bookingen starte?", "At what time should it start?"),
}
_CUSTOMER = (
    "Hvilken kunde skal bookingen være til (navn, e-mail eller telefon)?",
    "Which customer is the booking for (name, email or phone)?",
)
_FIXED: dict[QuestionKind, tuple[str, str]] = {
    QuestionKind.RECIPIENT: (
        "Hvem skal mailen skrives til (navn eller e-mail)?",
        "Who should the email go to (name or email)?",
    ),
    QuestionKind.SEARCH_TERM: (
        "Hvem skal jeg søge efter? Skriv et navn, en e-mail, et telefonnummer eller en adresse.",
        "Who should I look for? Give me a name, an email, a phone number or an address.",
    ),
    QuestionKind.LEAD_REF: (
        "Hvilket lead mener du? Skriv navn, e-mail, telefon eller id.",
        "Which lead do you mean? Give me a name, email, phone or id.",
    ),
    QuestionKind.WHICH_LEAD: (
        "Flere leads passer. Hvilket mener du? Skriv det fulde navn eller e-mailen.",
        "Several leads match. Which one do you mean? Give me the full name or the email.",
    ),
    QuestionKind.LEAD_NOT_FOUND: (
        "Jeg kan ikke finde leadet. Kan du give mig e-mail eller telefonnummer?",
        "I cannot find that lead. Can you give me the email or phone number?",
    ),
    QuestionKind.WHICH_DRAFT: (
        "Jeg kan ikke finde et usendt mailudkast i samtalen. Hvilket udkast skal sendes "
        "(id), eller skal jeg skrive en ny mail?",
        "I cannot find an unsent email draft in this conversation. Which draft should I "
        "send (id), or shall I write a new email?",
    ),
    QuestionKind.NOTHING_TO_CONFIRM: (
        "Der er ikke noget, der venter på et ja. Hvad skal jeg gøre?",
        "There is nothing waiting for a yes. What would you like me to do?",
    ),
}


def _pick(texts: tuple[str, str], lang: Lang) -> str:
    return texts[0] if lang == "da" else texts[1]


def question_text(question: Question, lang: Lang) -> str:
    kind = question.kind
    if kind is QuestionKind.QUOTE_DETAILS:
        if lang == "da":
            area = None if "area_m2" in question.fields else 1
            service = None if "service" in question.fields else "standard"
            asked = quote_readiness(area, service).question or ""
            return f"Jeg gætter ikke på en pris. {asked}"
        asks = " ".join(
            _EN_QUOTE[field] for field in ("area_m2", "service") if field in question.fields
        )
        return f"I won't guess a price. {asks}"
    if kind is QuestionKind.BOOKING_DETAILS:
        when = tuple(field for field in ("date", "time") if field in question.fields)
        parts = [_pick(_BOOKING[when], lang)] if when else []
        if "customer" in question.fields:
            parts.append(_pick(_CUSTOMER, lang))
        return " ".join(parts)
    if kind is QuestionKind.TOOL_UNAVAILABLE:
        if lang == "da":
            return f"Det kan jeg ikke her: værktøjet {question.tool} er ikke tilgængeligt."
        return f"I cannot do that here: the tool {question.tool} is not available."
    return _pick(_FIXED[kind], lang)


def failure_text(tool: str, failure: ToolFailure, lang: Lang) -> str:
    """A plain report of a step that did not happen; the tool's own message, no guesses."""
    action = _pick(ACTIONS.get(tool, (tool, tool)), lang)
    reason = f": {failure.message}" if failure.message else ""
    if failure.kind is FailureKind.DENIED:
        if lang == "da":
            why = f" (begrundelse: {failure.message})" if failure.message else ""
            return f"Ikke udført: {action} blev afvist{why}."
        why = f" (reason: {failure.message})" if failure.message else ""
        return f"Not performed: {action} was rejected{why}."
    if failure.kind is FailureKind.PENDING:
        if lang == "da":
            return f"Ikke udført endnu: {action} afventer godkendelse."
        return f"Not performed yet: {action} is waiting for approval."
    if lang == "da":
        return f"Det lykkedes ikke: {action} fejlede ({failure.code}{reason})."
    return f"That did not work: {action} failed ({failure.code}{reason})."
