"""The Danish mail body the offline model drafts for a customer.

Customer mail is always Danish, whatever language staff chat in. The body greets the
customer by first name, carries what this turn produced (the quote's own validated text,
the offered slots, a booking) or, without such results, what staff asked to say ("skriv til
Lene om at vi kan komme torsdag" → "Vi kan komme torsdag 3. december."), and is signed by
the company. Staff's words are only reused when they wrote Danish: an English request cannot
be translated faithfully here, so it gets a neutral Danish text for staff to edit.
"""

from __future__ import annotations

import re

from agent.offline.plan_types import MailContent
from agent.offline.understand import Understanding
from tools.canonical.records import LeadSummary
from tools.danish_format import format_date

SIGNATURE = "Venlig hilsen\nRendetalje"
QUOTE_INTRO = "Tak for din henvendelse. Her er vores tilbud:"
SLOTS_INTRO = "Vi kan tilbyde disse tider:"
SLOTS_OUTRO = "Skriv endelig, hvilken tid der passer dig bedst, så reserverer vi den."
NO_SLOTS = "Vi har desværre ingen ledige tider i den periode, men vender tilbage med et forslag."
FOLLOW_UP = (
    "Vi vil gerne høre, om du har haft mulighed for at se på vores tilbud. Skriv eller ring "
    "endelig, hvis du har spørgsmål."
)
GENERIC = "Tak for din henvendelse. Vi vender tilbage hurtigst muligt."

_CLAUSE = re.compile(
    r"\b(?:om at|og (?:fortæl|sig|skriv)(?: (?:hende|ham|dem))? at|(?<!for )at)\s+(.+)$",
    re.IGNORECASE | re.DOTALL,
)
_FOLLOW_UP = re.compile(r"\bfølg\w* op\b|\bfollow[- ]?up\b|\bopfølgning\b", re.IGNORECASE)
_PRONOUNS = (
    (re.compile(r"\b(?:hun|han)\b", re.IGNORECASE), "du"),
    (re.compile(r"\b(?:hende|ham)\b", re.IGNORECASE), "dig"),
)


def first_name(lead: LeadSummary | None) -> str | None:
    if lead is None or not lead.name.strip():
        return None
    return lead.name.split()[0].capitalize()


def _sentence(text: str) -> str:
    text = " ".join(text.split()).strip(" ,;:")
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else f"{text}."


def _with_dates(clause: str, u: Understanding) -> str:
    """Name the day explicitly: "torsdag" → "torsdag 3. december"."""
    for day in u.dates:
        if not day.single_day:
            continue
        words = day.text.split()
        prefix = words[0] + " " if words and words[0] in ("på", "den") else ""
        phrase = re.compile(re.escape(day.text), re.IGNORECASE)
        clause = phrase.sub(f"{prefix}{format_date(day.start)}", clause, count=1)
    return clause


def request_text(u: Understanding) -> str | None:
    """What staff asked the mail to say, as a Danish sentence, if they wrote it in Danish."""
    if u.language != "da":
        return None
    # A follow-up answer ("Mette Hansen") comes first; the request it completes after it.
    matches = (_CLAUSE.search(line) for line in u.text.split("\n"))
    match = next((found for found in matches if found is not None), None)
    if match is None:
        return None
    clause = match.group(1)
    for pattern, replacement in _PRONOUNS:
        clause = pattern.sub(replacement, clause)
    return _sentence(_with_dates(clause, u)) or None


def _paragraphs(u: Understanding, content: MailContent) -> list[str]:
    parts: list[str] = []
    if content.quote is not None:
        parts += [QUOTE_INTRO, content.quote.text.strip()]
    if content.slots is not None and (content.quote is None or content.slots.slots):
        lines = [f"- {slot.label_da}" for slot in content.slots.slots]
        parts += [f"{SLOTS_INTRO}\n" + "\n".join(lines), SLOTS_OUTRO] if lines else [NO_SLOTS]
    if content.booking is not None:
        parts.append(f"Hermed bekræfter vi din booking {content.booking.label_da}.")
    if parts:
        return parts
    asked = request_text(u)
    if asked:
        return [asked]
    return [FOLLOW_UP if _FOLLOW_UP.search(u.text) else GENERIC]


def compose_mail(u: Understanding, lead: LeadSummary | None, content: MailContent) -> str:
    name = first_name(lead)
    greeting = f"Hej {name}," if name else "Hej,"
    return "\n\n".join([greeting, *_paragraphs(u, content), SIGNATURE])
