"""The seven canonical tools as one table: name, arguments, whether the action leaves our own
data (and so waits for a person's approval), and the code that runs it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from tools.canonical import lookup, mailing, quoting, scheduling
from tools.canonical.args import (
    CheckAvailabilityArgs,
    CreateBookingArgs,
    DraftEmailReplyArgs,
    DraftQuoteArgs,
    GetLeadArgs,
    SearchLeadsArgs,
    SendEmailArgs,
)
from tools.canonical.caller import Caller
from tools.canonical.ports import Ports

Run = Callable[[Any, Ports, Caller, str], Awaitable[BaseModel]]
Check = Callable[[Any, Ports, Caller], Awaitable[object]]


@dataclass(frozen=True)
class ToolSpec:
    name: str
    args: type[BaseModel]
    run: Run
    needs_approval: bool = False
    # Runs before the approval pause, so a person is never asked to approve the impossible.
    check: Check | None = None

    @property
    def description(self) -> str:
        return (self.args.__doc__ or self.name).strip()


async def _search(a: SearchLeadsArgs, p: Ports, c: Caller, call_id: str) -> BaseModel:
    return await lookup.search_leads(a, p)


async def _get(a: GetLeadArgs, p: Ports, c: Caller, call_id: str) -> BaseModel:
    return await lookup.get_lead(a, p)


async def _availability(a: CheckAvailabilityArgs, p: Ports, c: Caller, call_id: str) -> BaseModel:
    return await scheduling.check_availability(a, p, c)


async def _book(a: CreateBookingArgs, p: Ports, c: Caller, call_id: str) -> BaseModel:
    return await scheduling.create_booking(a, p, c, idempotency_key=scheduling.booking_key(call_id))


async def _quote(a: DraftQuoteArgs, p: Ports, c: Caller, call_id: str) -> BaseModel:
    return await quoting.draft_quote(a, p, c)


async def _draft(a: DraftEmailReplyArgs, p: Ports, c: Caller, call_id: str) -> BaseModel:
    return await mailing.draft_email_reply(a, p, c, idempotency_key=mailing.draft_key(call_id))


async def _send(a: SendEmailArgs, p: Ports, c: Caller, call_id: str) -> BaseModel:
    return await mailing.send_email(a, p, c)


async def _check_booking(a: CreateBookingArgs, p: Ports, c: Caller) -> object:
    return await scheduling.validate_booking(a, p, c)


async def _check_send(a: SendEmailArgs, p: Ports, c: Caller) -> object:
    return await mailing.validate_send(a, p)


CANONICAL_TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec("search_leads", SearchLeadsArgs, _search),
    ToolSpec("get_lead", GetLeadArgs, _get),
    ToolSpec("check_availability", CheckAvailabilityArgs, _availability),
    ToolSpec("create_booking", CreateBookingArgs, _book, needs_approval=True, check=_check_booking),
    ToolSpec("draft_quote", DraftQuoteArgs, _quote),
    ToolSpec("draft_email_reply", DraftEmailReplyArgs, _draft),
    ToolSpec("send_email", SendEmailArgs, _send, needs_approval=True, check=_check_send),
)


def tool_table(names: tuple[str, ...] | None = None) -> dict[str, ToolSpec]:
    """The tools by name; a channel may offer a subset (e.g. the email responder)."""
    table = {spec.name: spec for spec in CANONICAL_TOOLS}
    return table if names is None else {n: table[n] for n in names}
