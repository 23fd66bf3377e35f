"""With a calendar and a mailbox configured, the tools use them through the same ports."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agent.adapters import sql_ports
from agent.execution import ToolExecutor
from api.composition import Container
from memory.models import Booking, OutboundEmail
from tools.availability import BusyInterval
from tools.canonical.caller import Caller
from tools.canonical.ports import Ports
from tools.canonical.registry import tool_table
from tools.integrations.local import InMemoryCalendar, RecordingMailbox

from .conftest import NOW

CPH = ZoneInfo("Europe/Copenhagen")


def executor(
    container: Container, caller: Caller, calendar: InMemoryCalendar, mailbox: RecordingMailbox
) -> ToolExecutor:
    def ports_for(session: AsyncSession) -> Ports:
        return sql_ports(session, calendar=calendar, mailbox=mailbox, clock=lambda: NOW)

    return ToolExecutor(
        container.database,
        ports_for,
        caller,
        table=tool_table(),
        model="test",
        run_id="r",
        clock=lambda: NOW,
    )


async def test_calendar_busy_time_is_respected_and_bookings_become_events(
    container: Container, caller: Caller
) -> None:
    # The calendar is taken all of Wednesday 2 December.
    wednesday = datetime(2026, 12, 2, 0, 0, tzinfo=CPH)
    calendar = InMemoryCalendar([BusyInterval(wednesday, wednesday + timedelta(days=1))])
    ex = executor(container, caller, calendar, RecordingMailbox())
    table = tool_table()

    spec = table["check_availability"]
    out = await ex.run(spec, "a1", spec.args.model_validate({"count": 3}), "slots")
    assert out.record is not None
    starts = [datetime.fromisoformat(s["start"]) for s in out.record["slots"]]
    assert starts and all(s.astimezone(CPH).date() != wednesday.date() for s in starts)

    spec = table["create_booking"]
    taken = spec.args.model_validate({"start": "2026-12-02T10:00:00+01:00"})
    refused = await ex.run(spec, "b1", taken, "book")
    assert refused.status == "failed" and "slot_unavailable" in refused.content

    free = spec.args.model_validate({"start": starts[0].isoformat()})
    booked = await ex.run(spec, "b2", free, "book")
    assert booked.status == "succeeded" and booked.record is not None
    event_id = booked.record["booking"]["calendar_event_id"]
    assert event_id in calendar.events
    async with container.database.transaction() as s:
        rows = list((await s.execute(select(Booking))).scalars())
    assert [(r.calendar_event_id, r.start) for r in rows] == [(event_id, starts[0])]


async def test_sending_goes_through_the_mailbox_once(container: Container, caller: Caller) -> None:
    mailbox = RecordingMailbox(sender="info@rendetalje.dk")
    ex = executor(container, caller, InMemoryCalendar(), mailbox)
    table = tool_table()
    draft = await ex.run(
        table["draft_email_reply"],
        "d1",
        table["draft_email_reply"].args.model_validate(
            {"to": "kunde@example.dk", "subject": "Tid", "body": "Hej\n\nVi kan komme torsdag."}
        ),
        "draft",
    )
    assert draft.record is not None
    send = table["send_email"].args.model_validate({"draft_id": draft.record["id"]})
    first = await ex.run(table["send_email"], "s1", send, "send")
    again = await ex.run(table["send_email"], "s1", send, "send")
    assert first.status == again.status == "succeeded" and again.replayed
    assert [m.to for m in mailbox.sent] == [("kunde@example.dk",)]
    async with container.database.transaction() as s:
        mail = (await s.execute(select(OutboundEmail))).scalar_one()
    assert mail.status == "sent" and mail.provider_message_id is not None
    assert mail.body.endswith("Venlig hilsen\nRendetalje")

    refused = await ex.run(
        table["draft_email_reply"],
        "d2",
        table["draft_email_reply"].args.model_validate({"to": "lead@adhelp.dk", "body": "Hej"}),
        "draft",
    )
    assert refused.status == "failed" and "policy" in refused.content
