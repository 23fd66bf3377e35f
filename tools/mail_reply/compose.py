"""Compose the company's reply to one inbound mail from facts decided elsewhere.

The text is built from fixed templates and the facts only: the customer's first name, the
pricing engine's validated quote text (verbatim), free slots from the calendar, and what we
still need to know. No links, images, addresses or amounts are added, so the reply carries no
figure that is not in the quote text.

Decisions:

- `not_for_us` mail gets no reply: asking for one is a bug, so it raises.
- A complaint gets only the apology and the owner's promise to call: a quote, slots or a
  request for details would read as a sales pitch to an unhappy customer.
- A first name is used only when it looks like one: at most two words of letters (joined by
  "-" or "'" within a word), at most 40 characters; anything else (an address, a link, a
  sentence from a parsed form) gives the greeting without a name.
- Slots: sorted, at most 3, shown in Copenhagen time; a slot is refused when it is naive or
  ends before it starts. Missing-info codes we do not know are ignored, never echoed.
- The subject is "Re: " plus the received subject without its reply prefixes ("Re:", "SV:",
  "Sv:", "AW:", "Re[2]:", …), folded to one line; forward prefixes ("Fwd:", "VS:") stay.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from tools.danish_format import Lang, format_date, format_datetime, format_time
from tools.mail_policy.triage import TriageIntent
from tools.mail_policy.untrusted import normalise_untrusted
from tools.mail_reply.templates import MISSING_ALIASES, TEMPLATES, Templates

MAX_SLOTS = 3
MAX_SUBJECT_CHARS = 200
FALLBACK_SUBJECT: dict[Lang, str] = {"da": "Din henvendelse", "en": "Your enquiry"}
_PART = r"[^\W\d_]+(?:[-'’][^\W\d_]+)*"
_NAME = re.compile(_PART + r"(?: " + _PART + r")?")  # "Anne-Mette", "Jens Peter"
_REPLY_PREFIX = re.compile(r"^\s*(?:re|sv|aw|antw)\s*(?:\[\d+\]|\(\d+\))?\s*:\s*", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ReplyFacts:
    language: Lang
    first_name: str | None
    intent: TriageIntent
    quote_text: str | None = None  # validated by tools.quote_text; included verbatim
    slots: tuple[tuple[datetime, datetime], ...] = ()  # aware datetimes
    missing: tuple[str, ...] = ()  # "m2", "rooms", "service", "address", "phone", …
    received_subject: str = ""

    @property
    def subject(self) -> str:
        return reply_subject(self.received_subject, self.language)


def _name(first_name: str | None) -> str | None:
    name = " ".join((first_name or "").split())
    plausible = len(name) <= 40 and _NAME.fullmatch(name) is not None
    return name if plausible and not re.search(r"http|www", name, re.IGNORECASE) else None


def _join(items: list[str], word: str) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {word} {items[-1]}"


def format_slot(start: datetime, end: datetime, language: Lang) -> str:
    """ "tirsdag 1. december kl. 9.00–12.00" / "Tuesday 1 December at 09:00–12:00"."""
    if end <= start:
        raise ValueError(f"slot ends before it starts: {start}–{end}")
    if format_date(start) != format_date(end):
        return f"{format_datetime(start, language)} – {format_datetime(end, language)}"
    return f"{format_datetime(start, language)}–{format_time(end, language)}"


def _slots_block(facts: ReplyFacts, t: Templates) -> str | None:
    slots = sorted(facts.slots, key=lambda slot: slot[0])[:MAX_SLOTS]
    if not slots:
        return None
    several = len(slots) > 1
    lines = [f"- {format_slot(start, end, facts.language)}" for start, end in slots]
    return "\n".join([t.slots_intro[several], *lines, "", t.slots_outro[several]])


def _missing_sentence(facts: ReplyFacts, t: Templates) -> str | None:
    keys = (code.strip().casefold() for code in facts.missing)
    codes = (MISSING_ALIASES.get(key, key) for key in keys)
    items = [t.missing_items[c] for c in dict.fromkeys(codes) if c in t.missing_items]
    if not items:
        return None
    ask = t.missing_ask_after_quote if facts.quote_text else t.missing_ask
    return ask.format(items=_join(items, t.list_and))


def compose_reply(facts: ReplyFacts) -> str:
    """The whole reply body: greeting, what we do next, quote, slots, questions, signature."""
    if facts.intent not in ("new_lead", "booking_change", "question", "complaint"):
        raise ValueError(f"no reply is written for intent {facts.intent!r}")
    t = TEMPLATES[facts.language]
    name = _name(facts.first_name)
    parts = [t.greeting_named.format(name=name) if name else t.greeting, t.intent[facts.intent]]
    if facts.intent != "complaint":
        quote = (facts.quote_text or "").strip()
        slots, missing = _slots_block(facts, t), _missing_sentence(facts, t)
        if facts.intent == "question" and not (quote or slots or missing):
            parts[-1] += " " + t.no_answer_yet
        if quote:
            parts[-1] += " " + t.quote_intro
            parts.append(quote)
        parts += [p for p in (slots, missing) if p]
    return "\n\n".join([*parts, t.signature])


def reply_subject(received_subject: str, language: Lang) -> str:
    """ "Re: " once before the received subject; "SV: Tilbud" → "Re: Tilbud"."""
    subject = " ".join(normalise_untrusted(received_subject).split())
    while (match := _REPLY_PREFIX.match(subject)) is not None:
        subject = subject[match.end() :]
    subject = subject.strip() or FALLBACK_SUBJECT[language]
    if len(subject) > MAX_SUBJECT_CHARS:
        subject = subject[: MAX_SUBJECT_CHARS - 1].rstrip() + "…"
    return f"Re: {subject}"
