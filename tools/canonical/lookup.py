"""search_leads and get_lead: read-only."""

from __future__ import annotations

from tools.canonical.args import GetLeadArgs, SearchLeadsArgs
from tools.canonical.errors import ToolError, ToolErrorCode
from tools.canonical.ports import Ports
from tools.canonical.records import LeadDetail, SearchResult


async def search_leads(args: SearchLeadsArgs, ports: Ports) -> SearchResult:
    query = " ".join(args.query.split())
    return SearchResult(query=query, leads=await ports.leads.search(query, args.limit))


async def get_lead(args: GetLeadArgs, ports: Ports) -> LeadDetail:
    found = await ports.leads.find(args.lead_id.strip())
    detail = await ports.leads.detail(found.id) if found is not None else None
    if detail is None:
        raise ToolError(
            ToolErrorCode.NOT_FOUND, f"no lead {args.lead_id}; search with search_leads first"
        )
    return detail
