"""Tool records → the lines staff read, in Danish or English.

Every figure shown is a field of a tool result (or the price-list constant the pricing tool
itself uses); nothing is computed here. Danish answers use Danish number and date formats,
English answers the English ones from tools/danish_format.py.
"""

from __future__ import annotations

from agent.offline.language import Lang
from tools.canonical.records import (
    AvailabilityResult,
    BookingCreated,
    EmailDraft,
    EmailSent,
    LeadDetail,
    LeadSummary,
    QuoteDraft,
    SearchResult,
)
from tools.danish_format import (
    format_date,
    format_datetime,
    format_hours,
    format_kr,
    format_kr_range,
    format_quantity,
)
from tools.pricing import HOURLY_RATE
from tools.services import ServiceType

ENGLISH_SERVICE = {
    ServiceType.REGULAR: "Regular cleaning",
    ServiceType.MOVING_OUT: "Move-out cleaning",
    ServiceType.DEEP: "Deep cleaning",
    ServiceType.STANDARD: "Standard cleaning",
    ServiceType.BUSINESS: "Commercial cleaning",
    ServiceType.WINDOWS: "Window cleaning",
}
_STATUS_DA = {
    "new": "ny",
    "contacted": "kontaktet",
    "quoted": "tilbud givet",
    "won": "vundet",
    "lost": "tabt",
    "draft": "kladde",
    "sent": "sendt",
    "accepted": "accepteret",
    "declined": "afslået",
    "expired": "udløbet",
    "confirmed": "bekræftet",
    "pending": "afventer",
    "pending_approval": "afventer godkendelse",
    "cancelled": "aflyst",
    "approved": "godkendt",
    "rejected": "afvist",
}
_MAX_LISTED = 5


def short_id(value: object) -> str:
    return str(value)[:8]


def service_name(service: ServiceType, lang: Lang) -> str:
    return service.danish_name if lang == "da" else ENGLISH_SERVICE[service]


def status_name(status: str, lang: Lang) -> str:
    return _STATUS_DA.get(status, status) if lang == "da" else status


def _workers(count: int, lang: Lang) -> str:
    if lang == "da":
        return f"{count} medarbejder{'e' if count != 1 else ''}"
    return f"{count} worker{'s' if count != 1 else ''}"


def render_quote(quote: QuoteDraft, lang: Lang) -> str:
    area = format_quantity(quote.area_m2, lang)
    work = format_quantity(quote.work_hours, lang)
    price = format_kr_range(quote.price_min, quote.price_max, lang)
    rate, ref, until = format_kr(HOURLY_RATE, lang), short_id(quote.id), quote.valid_until
    team = f"{_workers(quote.workers, lang)} × {format_hours(quote.hours_on_site, lang)}"
    if lang == "da":
        return (
            f"{service_name(quote.service, lang)} af {area} m²: {team} = {work} arbejdstimer. "
            f"Pris: {price} inkl. moms ({rate}/time). Kunden betaler kun for den faktiske tid. "
            f"Tilbuddet er gemt som kladde (id {ref}) og gælder til {format_date(until, lang)}."
        )
    return (
        f"{service_name(quote.service, lang)} of {area} m²: {team} = {work} work hours. "
        f"Price: {price} incl. VAT ({rate}/hour). The customer pays only for the time "
        f"actually used. The quote is saved as a draft (id {ref}), valid until "
        f"{format_date(until, lang)}."
    )


def _facts(lead: LeadSummary, lang: Lang) -> str:
    parts = [status_name(lead.status, lang)]
    if lead.service is not None:
        parts.append(service_name(lead.service, lang).lower())
    if lead.area_m2 is not None:
        parts.append(f"{format_quantity(lead.area_m2, lang)} m²")
    parts.append(f"score {lead.score}")
    return f"{', '.join(parts)} [id {short_id(lead.id)}]"


def lead_line(lead: LeadSummary, lang: Lang) -> str:
    contact = f" ({lead.email})" if lead.email else ""
    return f"{lead.name}{contact} – {_facts(lead, lang)}"


def render_search(search: SearchResult, lang: Lang) -> str:
    leads = search.leads[:_MAX_LISTED]
    if not leads:
        if lang == "da":
            return f"Ingen leads matcher »{search.query}«."
        return f'No leads match "{search.query}".'
    if lang == "da":
        head = f"Fandt {len(search.leads)} lead{'s' if len(search.leads) != 1 else ''}"
        head += f" for »{search.query}«:"
    else:
        plural = "s" if len(search.leads) != 1 else ""
        head = f'Found {len(search.leads)} lead{plural} for "{search.query}":'
    return "\n".join([head, *(f"- {lead_line(lead, lang)}" for lead in leads)])


def render_lead_detail(detail: LeadDetail, lang: Lang) -> str:
    lead, da = detail.lead, lang == "da"
    lines = [f"{lead.name} – {_facts(lead, lang)}"]
    contact = ", ".join(x for x in (lead.email, lead.phone) if x)
    if contact:
        lines.append(f"- {'Kontakt' if da else 'Contact'}: {contact}")
    if lead.address:
        lines.append(f"- {'Adresse' if da else 'Address'}: {lead.address}")
    if lead.rooms is not None:
        lines.append(f"- {'Værelser' if da else 'Rooms'}: {lead.rooms}")
    lines.append(f"- {'Kilde' if da else 'Source'}: {lead.source} · {detail.tier}")
    for quote in detail.quotes[-3:]:
        price = format_kr_range(quote.price_min, quote.price_max, lang)
        what = service_name(quote.service, lang).lower()
        label = "Tilbud" if da else "Quote"
        lines.append(f"- {label}: {what}, {price} ({status_name(quote.status, lang)})")
    for booking in detail.bookings[-3:]:
        when = format_datetime(booking.start, lang)
        lines.append(f"- Booking: {when} ({status_name(booking.status, lang)})")
    if detail.mails:
        lines.append(f"- {'Mails' if da else 'Emails'}: {len(detail.mails)}")
    return "\n".join(lines)


def render_availability(result: AvailabilityResult, lang: Lang) -> str:
    hours = format_hours(result.hours_on_site, lang)
    if not result.slots:
        if lang == "da":
            return f"Der er ingen ledige tider i perioden til en opgave på {hours}."
        return f"There are no free slots in that period for a job of {hours}."
    head = (
        f"Ledige tider ({hours} på stedet):" if lang == "da" else f"Free slots ({hours} on site):"
    )
    labels = (slot.label_da if lang == "da" else slot.label_en for slot in result.slots)
    return "\n".join([head, *(f"- {label}" for label in labels)])


def render_booking(created: BookingCreated, lang: Lang) -> str:
    label = created.label_da if lang == "da" else created.label_en
    ref, status = short_id(created.booking.id), status_name(created.booking.status, lang)
    if lang == "da":
        return f"Bookingen er oprettet: {label} (id {ref}, status: {status})."
    return f"The booking is created: {label} (id {ref}, status: {status})."


def render_draft(draft: EmailDraft, lang: Lang) -> str:
    quoted = "\n".join(f"> {line}" if line else ">" for line in draft.body.splitlines())
    if lang == "da":
        head = f"Mailudkast til {draft.to} (emne »{draft.subject}«, id {short_id(draft.id)}). "
        head += "Det er ikke sendt."
    else:
        head = f'Email draft to {draft.to} (subject "{draft.subject}", id {short_id(draft.id)}). '
        head += "It has not been sent."
    return f"{head}\n\n{quoted}"


def render_sent(sent: EmailSent, lang: Lang) -> str:
    if sent.status == "sent":
        return (
            f"Mailen er sendt til {sent.to}."
            if lang == "da"
            else f"The email to {sent.to} is sent."
        )
    if lang == "da":
        return f"Mailen til {sent.to} har status »{status_name(sent.status, lang)}«."
    return f'The email to {sent.to} has status "{sent.status}".'
