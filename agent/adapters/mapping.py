"""ORM rows (``memory``) to the records the tools return (``tools.canonical.records``)."""

from __future__ import annotations

from memory.models import Booking, InboundEmail, Lead, OutboundEmail, Quote
from tools.canonical.records import (
    BookingSummary,
    EmailDraft,
    LeadSummary,
    MailSummary,
    QuoteDraft,
    QuoteSummary,
)
from tools.services import ServiceType

HOT_FROM, WARM_FROM = 75, 50  # domain.md "Leads": hot ≥ 75, warm ≥ 50, cold below


def tier(score: int) -> str:
    return "hot" if score >= HOT_FROM else "warm" if score >= WARM_FROM else "cold"


def lead_summary(lead: Lead, *, match: float | None = None) -> LeadSummary:
    return LeadSummary(
        id=lead.id,
        name=lead.name,
        email=lead.email,
        phone=lead.phone,
        address=lead.address,
        source=lead.source.value,
        status=lead.status.value,
        service=ServiceType(lead.service.value) if lead.service is not None else None,
        area_m2=lead.area_m2,
        rooms=lead.rooms,
        score=lead.score,
        received_at=lead.received_at,
        match=match,
    )


def score_parts(lead: Lead) -> dict[str, int]:
    return {
        "response": lead.score_response,
        "contact": lead.score_contact,
        "value": lead.score_value,
        "engagement": lead.score_engagement,
    }


def quote_summary(quote: Quote) -> QuoteSummary:
    return QuoteSummary(
        id=quote.id,
        lead_id=quote.lead_id,
        service=ServiceType(quote.service.value),
        area_m2=quote.area_m2,
        workers=quote.workers,
        hours_on_site=quote.hours_on_site,
        work_hours=quote.work_hours,
        price_min=quote.price_min,
        price_max=quote.price_max,
        vat_min=quote.vat_min,
        vat_max=quote.vat_max,
        status=quote.status.value,
        valid_until=quote.valid_until,
        created_at=quote.created_at,
    )


def quote_draft(quote: Quote) -> QuoteDraft:
    return QuoteDraft(**quote_summary(quote).model_dump(), text=quote.text)


def booking_summary(booking: Booking) -> BookingSummary:
    return BookingSummary(
        id=booking.id,
        lead_id=booking.lead_id,
        start=booking.start,
        end=booking.end,
        status=booking.status.value,
        calendar_event_id=booking.calendar_event_id,
    )


def email_draft(row: OutboundEmail) -> EmailDraft:
    return EmailDraft(
        id=row.id,
        to=row.to_address,
        subject=row.subject,
        body=row.body,
        status=row.status.value,
        lead_id=row.lead_id,
        in_reply_to=row.in_reply_to,
        thread_id=row.thread_id,
        references=tuple((row.references or "").split()),
    )


def mail_summaries(inbound: list[InboundEmail], outbound: list[OutboundEmail]) -> list[MailSummary]:
    """Both directions in one list, newest first; subject, status and time only."""
    mails = [
        MailSummary(
            id=m.id, direction="inbound", subject=m.subject, status=m.status.value, at=m.received_at
        )
        for m in inbound
    ] + [
        MailSummary(
            id=m.id,
            direction="outbound",
            subject=m.subject,
            status=m.status.value,
            at=m.sent_at or m.created_at,
        )
        for m in outbound
    ]
    return sorted(mails, key=lambda m: m.at, reverse=True)
