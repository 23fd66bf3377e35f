"""Planning steps for finding leads, quoting, checking the calendar and booking.

Each function looks at the turn's results so far and returns the next tool call, a Finish
(with the question to ask), or None when its task is already done. Figures passed on to the
next tool (hours on site, a lead's m²) are taken from earlier tool results, never computed.
"""

from __future__ import annotations

from decimal import Decimal

from agent.offline.cues import Intent
from agent.offline.plan_leads import resolve_lead, wants_lead
from agent.offline.plan_types import (
    Decision,
    Finish,
    LeadFound,
    LeadMissing,
    PlanContext,
    Question,
    QuestionKind,
    ToolCallPlan,
    json_number,
)
from tools.canonical.records import (
    AvailabilityResult,
    BookingCreated,
    LeadDetail,
    QuoteDraft,
    QuoteSummary,
    SearchResult,
)
from tools.services import ServiceType

DEFAULT_DAYS = 14
SLOT_COUNT = 3
_MIN_QUERY = 2


def plan_lookup(ctx: PlanContext) -> Decision | None:
    """find_lead: search; lead_details: search, then the one clear match's full record."""
    u, turn = ctx.u, ctx.turn
    if Intent.LEAD_DETAILS not in ctx.tasks:
        if turn.last(SearchResult) is not None:
            return None
        if not u.search_term or len(u.search_term) < _MIN_QUERY:
            return Finish(Question(QuestionKind.SEARCH_TERM))
        return ToolCallPlan("search_leads", {"query": u.search_term})
    if turn.last(LeadDetail) is not None:
        return None
    if not wants_lead(u, ctx.focus):
        return Finish(Question(QuestionKind.LEAD_REF))
    found = resolve_lead(u, turn, detail=True, focus=ctx.focus)
    if isinstance(found, LeadMissing):
        return Finish(Question(QuestionKind.LEAD_NOT_FOUND, query=found.query))
    return None if isinstance(found, LeadFound) else found


def plan_quote(ctx: PlanContext) -> Decision | None:
    u, turn = ctx.u, ctx.turn
    if turn.last(QuoteDraft) is not None:
        return None
    service = u.service
    area: Decimal | int | None = u.area_m2
    lead_id: str | None = None
    if wants_lead(u, ctx.focus):
        lookup = service is None or area is None
        found = resolve_lead(u, turn, detail=lookup, focus=ctx.focus)
        if isinstance(found, ToolCallPlan | Finish):
            return found
        if isinstance(found, LeadFound):
            lead_id = str(found.lead.id)
            service = service or found.lead.service
            area = area if area is not None else found.lead.area_m2
    if service is None or area is None:
        missing = tuple(n for n, v in (("service", service), ("area_m2", area)) if v is None)
        return Finish(Question(QuestionKind.QUOTE_DETAILS, fields=missing))
    args: dict[str, object] = {"service": service.value, "area_m2": json_number(area)}
    if u.add_ons and service is ServiceType.MOVING_OUT:
        args["add_ons"] = [add_on.value for add_on in u.add_ons]
    if lead_id is not None:
        args["lead_id"] = lead_id
    return ToolCallPlan("draft_quote", args)


def plan_availability(ctx: PlanContext) -> Decision | None:
    u, turn = ctx.u, ctx.turn
    if turn.last(AvailabilityResult) is not None:
        return None
    quote = turn.last(QuoteDraft)
    hours = quote.hours_on_site if quote is not None else u.duration_hours
    args: dict[str, object] = {}
    if hours is not None:
        args["hours_on_site"] = json_number(hours)
    days = DEFAULT_DAYS
    if u.dates:
        first = u.dates[0]
        args["from_date"] = first.start.isoformat()
        days = (first.end - first.start).days + 1
    args["days"] = days
    args["count"] = SLOT_COUNT
    return ToolCallPlan("check_availability", args)


def _latest_quote(detail: LeadDetail | None) -> QuoteSummary | None:
    usable = [q for q in detail.quotes if q.status not in ("declined", "expired")] if detail else []
    return max(usable, key=lambda quote: quote.created_at) if usable else None


def plan_booking(ctx: PlanContext) -> Decision | None:
    u, turn = ctx.u, ctx.turn
    if turn.last(BookingCreated) is not None:
        return None
    if u.when is None:
        fields = tuple(f for f in u.missing.get(Intent.BOOK, ("date", "time")) if f != "customer")
        if not wants_lead(u, ctx.focus):
            fields = (*fields, "customer")
        return Finish(Question(QuestionKind.BOOKING_DETAILS, fields=fields or ("date", "time")))
    if not wants_lead(u, ctx.focus):
        return Finish(Question(QuestionKind.BOOKING_DETAILS, fields=("customer",)))
    quote = turn.last(QuoteDraft)
    hours = quote.hours_on_site if quote is not None else u.duration_hours
    found = resolve_lead(u, turn, detail=hours is None, focus=ctx.focus)
    if isinstance(found, LeadMissing):
        return Finish(Question(QuestionKind.LEAD_NOT_FOUND, query=found.query))
    if not isinstance(found, LeadFound):
        return found
    known: QuoteDraft | QuoteSummary | None = quote or _latest_quote(turn.last(LeadDetail))
    if hours is None and known is not None:
        hours = known.hours_on_site
    args: dict[str, object] = {"start": u.when.isoformat()}
    if hours is not None:
        args["hours_on_site"] = json_number(hours)
    args["lead_id"] = str(found.lead.id)
    if known is not None and (quote is not None or u.duration_hours is None):
        args["quote_id"] = str(known.id)
    return ToolCallPlan("create_booking", args)
