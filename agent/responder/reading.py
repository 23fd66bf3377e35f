"""What one inbound mail says, established in code before any model sees it.

MIME parsing, the lead source and its fields, the one address a reply may go to (the
recipient lock), the RFC 3834 facts, sender authentication, the customer's language and the
triage intent. Nothing here reads the body as instructions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from agent.offline.entities import extract_frequency, extract_service
from agent.offline.language import detect_language, language_scores
from agent.offline.measures import extract_area, extract_rooms
from tools.mail.mime import ParsedMail, parse_message
from tools.mail.relays import (
    LeadFields,
    LeadSource,
    customer_address,
    detect_source,
    parse_lead_fields,
)
from tools.mail_policy.authentication import Verification, sender_verified
from tools.mail_policy.automation import (
    AutomationReason,
    InboundFacts,
    automation_reason,
)
from tools.mail_policy.automation import LeadSource as PolicySource
from tools.mail_policy.triage import Triage, triage
from tools.mail_policy.untrusted import normalise_untrusted
from tools.privacy import mask_codes

_POLICY_SOURCE: dict[LeadSource, PolicySource] = {
    LeadSource.RENGOERING_NU: "leadmail",
    LeadSource.RENGOERING_AARHUS: "leadpoint",
    LeadSource.ADHELP: "adhelp",
    LeadSource.WEBSITE: "website",
    LeadSource.DIRECT: "direct",
}
_RELAYED = (LeadSource.RENGOERING_NU, LeadSource.RENGOERING_AARHUS, LeadSource.ADHELP)
_MIN_WORDS_FOR_OTHER_LANGUAGE = 6
_PLAUSIBLE_M2 = (30, 500)
_PLAUSIBLE_ROOMS = (1, 15)


def _free_text_fields(fields: LeadFields, text: str) -> LeadFields:
    """Fill what labelled fields did not give from the customer's own words ("flytterengøring
    af 80 m²"), within the plausible ranges of domain.md; never overrides a labelled field."""
    area = fields.area_m2
    if area is None and (found := extract_area(text)) is not None:
        area = found if _PLAUSIBLE_M2[0] <= found <= _PLAUSIBLE_M2[1] else None
    rooms = fields.rooms
    if rooms is None and (counted := extract_rooms(text)) is not None:
        rooms = counted if _PLAUSIBLE_ROOMS[0] <= counted <= _PLAUSIBLE_ROOMS[1] else None
    return replace(
        fields,
        area_m2=area,
        rooms=rooms,
        service=fields.service or extract_service(text),
        frequency=fields.frequency or extract_frequency(text),
    )


@dataclass(frozen=True, slots=True)
class MailReading:
    parsed: ParsedMail
    source: LeadSource
    fields: LeadFields
    customer: str | None  # the recipient lock: the only address a reply may go to
    facts: InboundFacts
    automation: AutomationReason | None
    verification: Verification
    reply_to_differs: bool
    language: str  # "da" or "en": the reply's language
    other_language: bool  # neither Danish nor English: answered in English, reviewed
    triage: Triage
    body: str  # normalised text (zero-width, tag and bidi characters removed)


def has_lead_fields(f: LeadFields) -> bool:
    return any(v is not None for v in (f.area_m2, f.service, f.rooms, f.address, f.phone))


def _headers(parsed: ParsedMail) -> dict[str, str]:
    h = parsed.headers
    pairs = {
        "Auto-Submitted": h.auto_submitted,
        "Precedence": h.precedence,
        "List-Id": h.list_id,
        "List-Unsubscribe": h.list_unsubscribe,
        "X-Autoreply": h.x_autoreply,
        "X-Autorespond": h.x_autorespond,
    }
    return {k: v for k, v in pairs.items() if v is not None}


# Common words (not also Danish) of the neighbours' languages customers also write in (German,
# Swedish, Norwegian): enough of them, more than Danish or English words, is "another language".
_OTHER_MARKERS = frozenset(
    {
        "und",
        "ich",
        "nicht",
        "wir",
        "sie",
        "ist",
        "mit",
        "für",
        "bitte",
        "danke",
        "unsere",
        "unserer",
        "wohnung",
        "reinigung",
        "sehr",
        "geehrte",
        "damen",
        "herren",
        "freundlichen",
        "grüßen",
        "brauchen",
        "kostet",
        "eine",
        "einen",
        "die",
        "das",
        "och",
        "jag",
        "inte",
        "är",
        "för",
        "vänliga",
        "hälsningar",
        "städning",
        "lägenhet",
        "behöver",
        "kostar",
        "tack",
        "vennlig",
        "leilighet",
        "trenger",
        "rengjøring",
    }
)
_WORDS = re.compile(r"[^\W\d_]+")


def _language(text: str) -> tuple[str, bool]:
    """("da" | "en", whether the mail is in another language, answered in English)."""
    danish, english = language_scores(text)
    words = _WORDS.findall(text.casefold())
    other = sum(1 for word in words if word in _OTHER_MARKERS)
    if other >= 3 and other > max(danish, english):
        return "en", True
    if danish == 0 and english == 0 and len(words) >= _MIN_WORDS_FOR_OTHER_LANGUAGE:
        return "en", True
    return detect_language(text), False


def read_mail(raw: bytes) -> MailReading:
    parsed = parse_message(raw)
    # Door and alarm codes are masked before the model, the lead or the logs see them (the raw
    # mail, the evidence, is kept as it came and purged by retention).
    body = mask_codes(normalise_untrusted(parsed.text))
    subject = mask_codes(normalise_untrusted(parsed.subject))
    source = detect_source(parsed)
    fields = _free_text_fields(parse_lead_fields(body), f"{subject}\n{body}")
    customer = customer_address(parsed, source, fields)
    sender = (parsed.from_address or "").strip()
    facts = InboundFacts(
        sender=sender,
        headers=_headers(parsed),
        return_path=parsed.headers.return_path,
        body=body,
        subject=subject,
        lead_source=_POLICY_SOURCE[source],
        customer_email=customer if source in _RELAYED else None,
    )
    automation = automation_reason(facts)
    # For relays and the website form, the relay (or our own form) is the sender; what
    # matters is that it is authentic. Direct mail must come from the address we answer.
    verification = sender_verified(parsed.headers.authentication_results, sender or None)
    reply_to = (parsed.reply_to or "").strip().casefold()
    reply_to_differs = bool(reply_to) and reply_to != sender.casefold()
    language, other = _language(f"{subject}\n{body}")
    return MailReading(
        parsed=parsed,
        source=source,
        fields=fields,
        customer=customer,
        facts=facts,
        automation=automation,
        verification=verification,
        reply_to_differs=reply_to_differs,
        language=language,
        other_language=other,
        triage=triage(
            subject,
            body,
            source=_POLICY_SOURCE[source],
            automated=automation is not None and automation is not AutomationReason.LEAD_RELAY,
            has_lead_fields=has_lead_fields(fields),
        ),
        body=body,
    )
