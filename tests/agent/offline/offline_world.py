"""A small fake world for driving the offline model without a graph or a database.

`World` answers the canonical tools with real records (prices from tools/pricing.py, the
quote text from tools/quote_text.py) over four fixed leads, and `World.run` plays one staff
turn: invoke the model, answer its tool calls, repeat until it answers in text.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.runnables import Runnable
from pydantic import BaseModel

from agent.offline.model import OfflineChatModel
from tools.canonical.args import (
    CheckAvailabilityArgs,
    CreateBookingArgs,
    DraftEmailReplyArgs,
    DraftQuoteArgs,
    GetLeadArgs,
    SearchLeadsArgs,
    SendEmailArgs,
)
from tools.canonical.records import (
    AvailabilityResult,
    BookingCreated,
    BookingSummary,
    EmailDraft,
    EmailSent,
    LeadDetail,
    LeadSummary,
    QuoteDraft,
    SearchResult,
    SlotOffer,
)
from tools.danish_format import format_datetime, format_time
from tools.pricing import calculate_quote
from tools.quote_text import build_quote_text
from tools.services import ServiceType

CPH = ZoneInfo("Europe/Copenhagen")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=CPH)  # a Tuesday
ALL_TOOLS = [
    SearchLeadsArgs,
    GetLeadArgs,
    CheckAvailabilityArgs,
    CreateBookingArgs,
    DraftQuoteArgs,
    DraftEmailReplyArgs,
    SendEmailArgs,
]


def uid(n: int) -> uuid.UUID:
    return uuid.UUID(f"{n:08x}-aaaa-4aaa-8aaa-{n:012x}")


def lead(n: int, name: str, email: str | None, **extra: Any) -> LeadSummary:
    fields: dict[str, Any] = {
        "phone": None,
        "address": None,
        "source": "website",
        "status": "new",
        "service": None,
        "area_m2": None,
        "rooms": None,
        "score": 50,
        "received_at": NOW - timedelta(hours=2),
    }
    fields.update(extra)
    return LeadSummary(id=uid(n), name=name, email=email, **fields)


METTE = lead(
    1,
    "Mette Hansen",
    "mette.hansen@example.dk",
    phone="+45 20304050",
    address="Skovvej 12, 8000 Aarhus C",
    service=ServiceType.MOVING_OUT,
    area_m2=Decimal(80),
    rooms=3,
    score=72,
)
METTE_J = lead(2, "Mette Jensen", "mette.j@example.dk", service=ServiceType.DEEP, area_m2=120)
JENS = lead(3, "Jens Hansen", "jens@example.dk", service=ServiceType.REGULAR, area_m2=95)
LENE = lead(4, "Lene Mikkelsen", "lene@example.dk", status="contacted", score=40)
LEADS = (METTE, METTE_J, JENS, LENE)


def quote_record(service: str, area: Decimal | int, *, lead_id: uuid.UUID | None = None,
                 add_ons: tuple[str, ...] = (), n: int = 100) -> QuoteDraft:  # fmt: skip
    calc = calculate_quote(service, area, add_ons)
    return QuoteDraft(
        id=uid(n), lead_id=lead_id, service=calc.service, area_m2=calc.area_m2,
        workers=calc.workers, hours_on_site=calc.hours_on_site, work_hours=calc.work_hours,
        price_min=calc.price_min, price_max=calc.price_max, vat_min=calc.vat_min,
        vat_max=calc.vat_max, status="draft", valid_until=date(2026, 12, 31), created_at=NOW,
        text=build_quote_text(calc),
    )  # fmt: skip


def slot(start: datetime, hours: Decimal) -> SlotOffer:
    end = start + timedelta(hours=float(hours))
    return SlotOffer(
        start=start,
        end=end,
        label_da=f"{format_datetime(start, 'da')}–{format_time(end, 'da')}",
        label_en=f"{format_datetime(start, 'en')}–{format_time(end, 'en')}",
    )


def _matches(query: str) -> list[LeadSummary]:
    wanted = query.casefold()
    digits = "".join(ch for ch in query if ch.isdigit())[-8:]
    found = []
    for item in LEADS:
        phone = "".join(ch for ch in item.phone or "" if ch.isdigit())[-8:]
        if (
            wanted in item.name.casefold()
            or wanted == (item.email or "")
            or (digits and digits == phone)
        ):
            score = 1.0 if wanted == item.name.casefold() else 0.5
            found.append(item.model_copy(update={"match": score}))
    return sorted(found, key=lambda item: -(item.match or 0))


@dataclass
class World:
    """The tools' side of the conversation; `deny` names tools a reviewer rejects."""

    deny: set[str] = field(default_factory=set)
    fail: dict[str, tuple[str, str]] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    drafts: dict[str, EmailDraft] = field(default_factory=dict)

    def answer(self, name: str, args: dict[str, Any]) -> str:
        self.calls.append((name, args))
        if name in self.deny:
            error = {"code": "denied", "message": "afvist af Anna"}
            return json.dumps({"error": error})
        if name in self.fail:
            code, message = self.fail[name]
            return json.dumps({"error": {"code": code, "message": message}})
        record: BaseModel = getattr(self, name)(**args)
        return record.model_dump_json()

    def search_leads(self, query: str, limit: int = 5) -> SearchResult:
        return SearchResult(query=query, leads=_matches(query)[:limit])

    def get_lead(self, lead_id: str) -> LeadDetail:
        found = next(item for item in LEADS if str(item.id).startswith(lead_id))
        return LeadDetail(
            lead=found, score_parts={"speed": 20}, tier="warm", quotes=[], bookings=[], mails=[]
        )

    def draft_quote(self, service: str, area_m2: float, lead_id: str | None = None,
                    add_ons: list[str] | None = None) -> QuoteDraft:  # fmt: skip
        lead_uuid = uuid.UUID(lead_id) if lead_id else None
        return quote_record(service, Decimal(str(area_m2)), lead_id=lead_uuid,
                            add_ons=tuple(add_ons or ()))  # fmt: skip

    def check_availability(self, hours_on_site: float | None = None, from_date: str | None = None,
                           days: int = 14, count: int = 3, quote_id: str | None = None,
                           ) -> AvailabilityResult:  # fmt: skip
        hours = Decimal(str(hours_on_site or 2))
        first = date.fromisoformat(from_date) if from_date else date(2026, 12, 2)
        starts = [datetime.combine(first + timedelta(days=i), datetime.min.time(), CPH)
                  .replace(hour=8) for i in range(count)]  # fmt: skip
        return AvailabilityResult(hours_on_site=hours, slots=[slot(s, hours) for s in starts])

    def create_booking(self, start: str, hours_on_site: float | None = None,
                       lead_id: str | None = None, quote_id: str | None = None,
                       notes: str | None = None) -> BookingCreated:  # fmt: skip
        begin = datetime.fromisoformat(start)
        end = begin + timedelta(hours=float(hours_on_site or 2))
        offer = slot(begin, Decimal(str(hours_on_site or 2)))
        booking = BookingSummary(id=uid(300), lead_id=uuid.UUID(lead_id) if lead_id else None,
                                 start=begin, end=end, status="confirmed",
                                 calendar_event_id=None)  # fmt: skip
        return BookingCreated(booking=booking, label_da=offer.label_da, label_en=offer.label_en)

    def draft_email_reply(self, body: str, lead_id: str | None = None, to: str | None = None,
                          subject: str | None = None, quote_id: str | None = None,
                          ) -> EmailDraft:  # fmt: skip
        target = next((item for item in LEADS if str(item.id) == lead_id), None)
        address = to or (target.email if target else None) or "unknown@example.dk"
        draft = EmailDraft(id=uid(401 + len(self.drafts)), to=address,
                           subject=subject or "Henvendelse fra Rendetalje", body=body,
                           status="draft", lead_id=target.id if target else None,
                           in_reply_to=None, thread_id=None)  # fmt: skip
        self.drafts[str(draft.id)] = draft
        return draft

    def send_email(self, draft_id: str) -> EmailSent:
        draft = self.drafts[draft_id]
        return EmailSent(draft_id=draft.id, to=draft.to, status="sent",
                         provider_message_id="msg-1")  # fmt: skip

    def run(self, model: Runnable[Any, Any], history: list[BaseMessage], text: str,
            max_steps: int = 12) -> AIMessage:  # fmt: skip
        """Play one staff turn on `history` (extended in place); the final AI answer."""
        history.append(HumanMessage(text))
        for _ in range(max_steps):
            reply = model.invoke(history)
            assert isinstance(reply, AIMessage)
            history.append(reply)
            if not reply.tool_calls:
                return reply
            for call in reply.tool_calls:
                content = self.answer(call["name"], dict(call["args"]))
                history.append(
                    ToolMessage(content, tool_call_id=call["id"] or "", name=call["name"])
                )
        raise AssertionError(f"no answer after {max_steps} steps: {self.calls}")


def offline_model(tools: list[Any] | None = None) -> Runnable[Any, Any]:
    model = OfflineChatModel(clock=lambda: NOW)
    return model.bind_tools(ALL_TOOLS if tools is None else tools)
