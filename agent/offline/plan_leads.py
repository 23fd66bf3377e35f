"""Which lead a request is about: search, pick the one strong match, or ask.

A match is taken only when it is unambiguous: the search found one lead, or exactly one
lead's name, e-mail or phone equals the query, or the best fuzzy score clearly beats the
next. Anything else is a question to staff, because a quote, booking or mail attached to
the wrong customer is worse than one more question.
"""

from __future__ import annotations

import re

from agent.offline.plan_types import (
    Decision,
    Finish,
    LeadFound,
    LeadMissing,
    Question,
    QuestionKind,
    ToolCallPlan,
)
from agent.offline.transcript import Turn
from agent.offline.understand import Understanding
from tools.canonical.records import LeadDetail, LeadSummary, QuoteDraft, SearchResult

STRONG_MATCH = 0.6
CLEAR_LEAD = 0.25

# "send hende et tilbud", "book the customer": the lead talked about in an earlier turn.
_REFERS_BACK = re.compile(
    r"\b(?:hende|ham|hun|han|kunden|leadet|dem|her|him|she|he|them|the customer|the lead)\b",
    re.IGNORECASE,
)

Resolution = LeadFound | LeadMissing | Decision


def _digits(value: str | None) -> str:
    return re.sub(r"\D", "", value or "")[-8:]


def _exact(lead: LeadSummary, query: str) -> bool:
    wanted = query.casefold().strip()
    if wanted in {lead.name.casefold(), (lead.email or "").casefold()}:
        return True
    digits = _digits(query)
    return len(digits) == 8 and digits == _digits(lead.phone)


def pick(search: SearchResult) -> LeadSummary | None:
    """The one lead the search clearly means, or None (none found, or ambiguous)."""
    leads = search.leads
    if len(leads) <= 1:
        return leads[0] if leads else None
    exact = [lead for lead in leads if _exact(lead, search.query)]
    if len(exact) == 1:
        return exact[0]
    best, runner_up = leads[0].match, leads[1].match
    clear = best is not None and runner_up is not None and best - runner_up >= CLEAR_LEAD
    return leads[0] if clear and best is not None and best >= STRONG_MATCH else None


def turn_lead(turn: Turn) -> LeadSummary | None:
    """The lead a finished turn was about, if it settled on one."""
    detail = turn.last(LeadDetail)
    if detail is not None:
        return detail.lead
    search = turn.last(SearchResult)
    return pick(search) if search is not None else None


def earlier_lead(turns: tuple[Turn, ...]) -> LeadSummary | None:
    for turn in reversed(turns):
        lead = turn_lead(turn)
        if lead is not None:
            return lead
    return None


def refers_back(text: str) -> bool:
    return _REFERS_BACK.search(text) is not None


def wants_lead(u: Understanding, focus: LeadSummary | None) -> bool:
    return u.has_reference or focus is not None


def resolve_lead(
    u: Understanding, turn: Turn, *, detail: bool, focus: LeadSummary | None = None
) -> Resolution:
    """The lead this turn is about, or the next lookup to make, or the question to ask.

    `detail` asks for the full record (get_lead) once the lead is known.
    """
    found = turn.last(LeadDetail)
    if found is not None:
        return LeadFound(found.lead)
    if u.ids:
        return ToolCallPlan("get_lead", {"lead_id": u.ids[0]})
    search = turn.last(SearchResult)
    if search is None and u.has_reference and u.search_term and len(u.search_term) >= 2:
        return ToolCallPlan("search_leads", {"query": u.search_term})
    lead = pick(search) if search is not None else focus
    if lead is None:
        if search is not None and search.leads:
            return Finish(Question(QuestionKind.WHICH_LEAD, query=search.query))
        return LeadMissing(search.query if search is not None else None)
    if detail:
        return ToolCallPlan("get_lead", {"lead_id": str(lead.id)})
    return LeadFound(lead)


def quote_lead(turn: Turn, quote: QuoteDraft) -> LeadSummary | None:
    lead = turn_lead(turn)
    if lead is not None and quote.lead_id in (None, lead.id):
        return lead
    return None
