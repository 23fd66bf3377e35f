"""create_booking never runs without a person's approval: a booking asked for in chat pauses
before anything is written; reject leaves no booking, approve books once, edit books the
edited time. Real graph, offline model, demo data."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from agent.approvals import ApprovalDecision
from agent.demo_pricing import TOOLS_QUOTE_PRICER
from agent.events import AgentEvent, ApprovalRequired, Done, ToolFinished, ToolStarted
from api.composition import Container
from memory.models import Booking, TaskExecution
from memory.seed.demo import seed_demo
from tools.canonical.caller import Caller

from .conftest import NOW

THOMAS_BAK = "bbdef221-05f3-564b-b2bb-1cb300721551"  # deep clean, quote of 4 h on site
BIRGIT_POULSEN = "701b8815-a7c2-5bf2-807e-6329f9f83ac1"  # no quote: 2 h default


@pytest.fixture
async def demo(container: Container, caller: Caller) -> None:
    """The demo data set, seeded after the caller (its staff user shares an email with it)."""
    del caller
    async with container.database.transaction() as s:
        await seed_demo(s, now=NOW, pricer=TOOLS_QUOTE_PRICER)


async def turn(container: Container, caller: Caller, **kw: Any) -> list[AgentEvent]:
    assert container.chat is not None
    return [e async for e in container.chat.turn(caller, **kw)]


async def booking_ids(container: Container) -> set[Any]:
    async with container.database.transaction() as s:
        return set((await s.execute(select(Booking.id))).scalars())


async def new_bookings(container: Container, before: set[Any]) -> list[Booking]:
    async with container.database.transaction() as s:
        rows = (await s.execute(select(Booking))).scalars()
        return [b for b in rows if b.id not in before]


async def audit_status(container: Container, tool_call_id: str) -> str:
    async with container.database.transaction() as s:
        rows = list(
            (
                await s.execute(
                    select(TaskExecution).where(TaskExecution.tool_call_id == tool_call_id)
                )
            ).scalars()
        )
    assert len(rows) == 1
    return rows[0].status


async def free_starts(container: Container, caller: Caller, text: str) -> set[datetime]:
    """Ask for free slots in chat; the starts check_availability returned."""
    events = await turn(container, caller, text=text)
    [done] = [e for e in events if isinstance(e, ToolFinished)]
    assert (done.name, done.status) == ("check_availability", "succeeded")
    return {datetime.fromisoformat(s["start"]) for s in done.result["slots"]}


async def ask_to_book(
    container: Container, caller: Caller, text: str, lead_id: str, start: datetime
) -> ApprovalRequired:
    """Ask for a booking; it must pause for approval with nothing booked yet."""
    before = await booking_ids(container)
    events = await turn(container, caller, text=text)
    [pending] = [e for e in events if isinstance(e, ApprovalRequired)]
    assert pending.tool == "create_booking"
    assert pending.args["lead_id"] == lead_id
    assert datetime.fromisoformat(pending.args["start"]) == start
    assert not [e for e in events if isinstance(e, ToolFinished) and e.name == "create_booking"]
    call = next(e for e in events if isinstance(e, ToolStarted) and e.name == "create_booking")
    assert call.tool_call_id == pending.tool_call_id
    assert isinstance(events[-1], Done) and events[-1].status == "awaiting_approval"
    assert await new_bookings(container, before) == []
    assert await audit_status(container, pending.tool_call_id) == "pending_approval"
    return pending


async def decide(
    container: Container, caller: Caller, decision: ApprovalDecision, tool_call_id: str
) -> ToolFinished:
    events = await turn(container, caller, decision=decision)
    [done] = [e for e in events if isinstance(e, ToolFinished)]
    assert (done.name, done.tool_call_id) == ("create_booking", tool_call_id)
    assert isinstance(events[-1], Done) and events[-1].status == "completed"
    return done


TUESDAY_1230 = datetime.fromisoformat("2026-12-08T12:30:00+01:00")
WEDNESDAY_1430 = datetime.fromisoformat("2026-12-02T14:30:00+01:00")
FRIDAY_1430 = datetime.fromisoformat("2026-12-04T14:30:00+01:00")


@pytest.mark.usefixtures("demo")
async def test_reject_books_nothing(container: Container, caller: Caller) -> None:
    assert WEDNESDAY_1430 in await free_starts(container, caller, "Hvornår har vi tid i morgen?")
    before = await booking_ids(container)
    pending = await ask_to_book(
        container, caller, "Book Birgit Poulsen onsdag kl. 14.30", BIRGIT_POULSEN, WEDNESDAY_1430
    )
    done = await decide(
        container,
        caller,
        ApprovalDecision(decision="reject", reason="kunden har ikke bekræftet"),
        pending.tool_call_id,
    )
    assert done.status == "denied"
    assert await new_bookings(container, before) == []
    assert await audit_status(container, pending.tool_call_id) == "denied"


@pytest.mark.usefixtures("demo")
async def test_approve_books_once_with_the_default_two_hours(
    container: Container, caller: Caller
) -> None:
    assert WEDNESDAY_1430 in await free_starts(container, caller, "Hvornår har vi tid i morgen?")
    before = await booking_ids(container)
    pending = await ask_to_book(
        container, caller, "Book Birgit Poulsen onsdag kl. 14.30", BIRGIT_POULSEN, WEDNESDAY_1430
    )
    done = await decide(
        container, caller, ApprovalDecision(decision="approve"), pending.tool_call_id
    )
    assert done.status == "succeeded"
    [booking] = await new_bookings(container, before)
    assert str(booking.lead_id) == BIRGIT_POULSEN
    assert booking.start == WEDNESDAY_1430
    assert booking.end - booking.start == timedelta(hours=2)
    assert await audit_status(container, pending.tool_call_id) == "succeeded"


@pytest.mark.usefixtures("demo")
async def test_approve_takes_the_length_from_the_quote(
    container: Container, caller: Caller
) -> None:
    starts = await free_starts(container, caller, "Hvornår har vi tid til en opgave på 4 timer?")
    assert TUESDAY_1230 in starts
    before = await booking_ids(container)
    pending = await ask_to_book(
        container, caller, "Book Thomas Bak på tirsdag kl. 12.30", THOMAS_BAK, TUESDAY_1230
    )
    done = await decide(
        container, caller, ApprovalDecision(decision="approve"), pending.tool_call_id
    )
    assert done.status == "succeeded"
    [booking] = await new_bookings(container, before)
    assert str(booking.lead_id) == THOMAS_BAK and booking.quote_id is not None
    assert booking.start == TUESDAY_1230
    assert booking.end - booking.start == timedelta(hours=4)  # the quote's hours on site
    assert await audit_status(container, pending.tool_call_id) == "succeeded"


@pytest.mark.usefixtures("demo")
async def test_edit_books_the_edited_time(container: Container, caller: Caller) -> None:
    starts = await free_starts(container, caller, "Hvornår har vi tid?")
    assert {WEDNESDAY_1430, FRIDAY_1430} <= starts
    before = await booking_ids(container)
    pending = await ask_to_book(
        container, caller, "Book Birgit Poulsen onsdag kl. 14.30", BIRGIT_POULSEN, WEDNESDAY_1430
    )
    done = await decide(
        container,
        caller,
        ApprovalDecision(decision="edit", args={"start": FRIDAY_1430.isoformat()}),
        pending.tool_call_id,
    )
    assert done.status == "succeeded"
    [booking] = await new_bookings(container, before)
    assert str(booking.lead_id) == BIRGIT_POULSEN
    assert booking.start == FRIDAY_1430
    assert booking.end - booking.start == timedelta(hours=2)
    assert await audit_status(container, pending.tool_call_id) == "succeeded"
