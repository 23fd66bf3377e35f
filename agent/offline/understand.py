"""`understand`: one staff utterance → language, intents, entities and what is missing.

The result is what the offline model's tool-calling step works from. `missing` says, per
intent, which tool arguments the utterance did not give:

- quote: "service" and "area_m2". If the utterance refers to a lead (name, e-mail, phone or
  id), the lead's record may hold them, so the list starts with "needs_lead_lookup" followed
  by the fields the lookup should supply; without a reference, the fields are a question to
  ask (domain.md: never guess a price).
- book: "date" (a single day; "næste uge" is not one), "time" and "customer".
- write_email: "recipient"; lead_details: "lead"; find_lead: "search_term".
- availability and send_email need nothing (defaults; the pending draft).

When the scorer finds no intent, the entities decide (marked "implicit:…" in the cues):
a service or an area alone is a quote question, a bare name, address or number a lookup.
"""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from agent.offline.cues import Intent
from agent.offline.dates import DateRange, combine, find_dates
from agent.offline.entities import (
    extract_add_ons,
    extract_emails,
    extract_frequency,
    extract_ids,
    extract_phones,
    extract_service,
)
from agent.offline.intents import IntentMatch, classify
from agent.offline.language import Lang, detect_language
from agent.offline.measures import (
    extract_area,
    extract_duration,
    extract_rooms,
    extract_time_of_day,
)
from agent.offline.names import extract_names
from agent.offline.normalize import prepare
from agent.offline.search import search_term
from tools.services import AddOn, Frequency, ServiceType

NEEDS_LEAD_LOOKUP = "needs_lead_lookup"
_IMPLICIT_CONFIDENCE = 0.4


class Understanding(BaseModel):
    """Everything the offline model read from one utterance (immutable)."""

    model_config = ConfigDict(frozen=True)

    text: str
    language: Lang
    intents: tuple[IntentMatch, ...]
    negated: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    area_m2: int | None = None
    rooms: int | None = None
    service: ServiceType | None = None
    frequency: Frequency | None = None
    add_ons: tuple[AddOn, ...] = ()
    dates: tuple[DateRange, ...] = ()
    time_of_day: time | None = None
    when: datetime | None = None
    duration_hours: Decimal | None = None
    search_term: str | None = None
    corrections: tuple[str, ...] = ()
    missing: dict[Intent, tuple[str, ...]] = {}

    @property
    def intent_names(self) -> tuple[Intent, ...]:
        return tuple(match.intent for match in self.intents)

    @property
    def has_reference(self) -> bool:
        """Whether the utterance names a lead or customer in any way."""
        return bool(self.names or self.emails or self.phones or self.ids)

    def has(self, intent: Intent) -> bool:
        return intent in self.intent_names


def _implicit(intent: Intent, reason: str) -> tuple[IntentMatch, ...]:
    return (IntentMatch(intent=intent, confidence=_IMPLICIT_CONFIDENCE, cues=(reason,)),)


def _fallback(found: Understanding) -> tuple[IntentMatch, ...]:
    if found.intent_names != (Intent.UNKNOWN,):
        return found.intents
    if found.service is not None or found.area_m2 is not None:
        return _implicit(Intent.QUOTE, "implicit: service/area")
    if found.has_reference or found.search_term:
        return _implicit(Intent.FIND_LEAD, "implicit: reference")
    if found.dates:
        return _implicit(Intent.AVAILABILITY, "implicit: date")
    return found.intents


def _missing(found: Understanding) -> dict[Intent, tuple[str, ...]]:
    single_day = any(day.single_day for day in found.dates)
    needs: dict[Intent, tuple[str, ...]] = {}
    for intent in found.intent_names:
        if intent is Intent.QUOTE:
            fields = tuple(
                name
                for name, value in (("service", found.service), ("area_m2", found.area_m2))
                if value is None
            )
            lookup = fields and found.has_reference
            needs[intent] = (NEEDS_LEAD_LOOKUP, *fields) if lookup else fields
        elif intent is Intent.BOOK:
            needs[intent] = tuple(
                name
                for name, given in (
                    ("date", single_day),
                    ("time", found.time_of_day is not None),
                    ("customer", found.has_reference),
                )
                if not given
            )
        elif intent in (Intent.WRITE_EMAIL, Intent.LEAD_DETAILS):
            field = "recipient" if intent is Intent.WRITE_EMAIL else "lead"
            needs[intent] = () if found.has_reference else (field,)
        elif intent is Intent.FIND_LEAD:
            needs[intent] = () if found.search_term else ("search_term",)
        elif intent in (Intent.AVAILABILITY, Intent.SEND_EMAIL):
            needs[intent] = ()
    return needs


def understand(text: str, *, now: datetime) -> Understanding:
    """Read one staff utterance (or mail body) relative to `now` (aware; the clock)."""
    classification = classify(text)
    service = extract_service(text)
    # Add-ons exist only for move-out cleaning (pricing refuses them elsewhere); with the
    # service still unknown they are kept, as the staff member may name it next.
    add_ons = extract_add_ons(text) if service in (ServiceType.MOVING_OUT, None) else []
    dates = find_dates(text, now=now)
    clock = extract_time_of_day(text)
    first_day = next((day.start for day in dates if day.single_day), None)
    names = extract_names(text)
    found = Understanding(
        text=text,
        language=detect_language(text),
        intents=classification.intents,
        negated=classification.negated,
        emails=tuple(extract_emails(text)),
        phones=tuple(extract_phones(text)),
        names=tuple(names),
        ids=tuple(extract_ids(text)),
        area_m2=extract_area(text),
        rooms=extract_rooms(text),
        service=service,
        frequency=extract_frequency(text),
        add_ons=tuple(add_ons),
        dates=tuple(dates),
        time_of_day=clock,
        when=combine(first_day, clock) if first_day and clock else None,
        duration_hours=extract_duration(text),
        corrections=prepare(text).corrections,
    )
    references = (*found.emails, *found.phones, *found.ids, *found.names)
    found = found.model_copy(update={"search_term": search_term(text, references)})
    found = found.model_copy(update={"intents": _fallback(found)})
    return found.model_copy(update={"missing": _missing(found)})
