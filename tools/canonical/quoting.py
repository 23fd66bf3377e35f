"""draft_quote: the price comes from the rules in tools.pricing, never from the model."""

from __future__ import annotations

from datetime import timedelta

from tools.canonical.args import DraftQuoteArgs
from tools.canonical.caller import Caller
from tools.canonical.errors import ToolError, ToolErrorCode
from tools.canonical.ports import Ports
from tools.canonical.records import QuoteDraft
from tools.danish_format import company_tz
from tools.pricing import PricingError, calculate_quote
from tools.quote_text import build_quote_text, validate_quote_text

QUOTE_VALIDITY = timedelta(days=30)


async def draft_quote(args: DraftQuoteArgs, ports: Ports, caller: Caller) -> QuoteDraft:
    lead_id = None
    if args.lead_id:
        lead = await ports.leads.find(args.lead_id)
        if lead is None:
            raise ToolError(ToolErrorCode.NOT_FOUND, f"no lead {args.lead_id}")
        lead_id = lead.id
    try:
        calc = calculate_quote(args.service, args.area_m2, args.add_ons)
    except PricingError as exc:
        raise ToolError(ToolErrorCode.INVALID, str(exc)) from exc
    text = build_quote_text(calc)
    if problems := validate_quote_text(text, calc):
        # A generated text that breaks the quote rules is a bug, never something to send.
        raise ToolError(ToolErrorCode.POLICY, "; ".join(p.message for p in problems))
    valid_until = caller.now.astimezone(company_tz()).date() + QUOTE_VALIDITY
    return await ports.quotes.save_draft(
        lead_id=lead_id, calc=calc, text=text, valid_until=valid_until
    )
