"""The offline adapters keep the ports' promises: idempotency, aware times, history expiry."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from tools.availability import BusyInterval, find_slots
from tools.danish_format import company_tz
from tools.integrations import (
    CalendarEventRequest,
    CalendarPort,
    ErrorCode,
    HistoryExpiredError,
    InMemoryCalendar,
    IntegrationError,
    MailboxPort,
    OutgoingMail,
    RecordingMailbox,
)
from tools.integrations.mime_build import header_message_id

TZ = company_tz()
MON = date(2026, 12, 7)


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), TZ)


def event(key: str, start: datetime, hours: int = 2) -> CalendarEventRequest:
    return CalendarEventRequest(
        summary="Hovedrengøring",
        start=start,
        end=start + timedelta(hours=hours),
        idempotency_key=key,
    )


def outgoing(key: str = "outbox:1", **changes: object) -> OutgoingMail:
    fields: dict[str, object] = {
        "to": ("kunde@example.dk",),
        "subject": "Re: Rengøring",
        "body": "Hej",
        "idempotency_key": key,
    }
    fields.update(changes)
    return OutgoingMail(**fields)  # type: ignore[arg-type]


async def test_free_busy_returns_blocks_overlapping_the_half_open_window() -> None:
    before = BusyInterval(at(MON, 6), at(MON, 8))  # ends as the window starts
    inside = BusyInterval(at(MON, 9), at(MON, 11))
    across = BusyInterval(at(MON, 16), at(MON + timedelta(days=1), 9))
    after = BusyInterval(at(MON, 18), at(MON, 19))  # starts as the window ends
    port: CalendarPort = InMemoryCalendar([after, across, inside, before])
    assert await port.free_busy(at(MON, 8), at(MON, 18)) == [inside, across]


async def test_free_busy_compares_instants_not_wall_clocks() -> None:
    block = BusyInterval(
        datetime(2026, 12, 7, 8, 0, tzinfo=UTC), datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    )
    calendar = InMemoryCalendar([block])
    # 09:00–10:00 Copenhagen is 08:00–09:00 UTC: the block overlaps it.
    assert await calendar.free_busy(at(MON, 9), at(MON, 10)) == [block]
    assert await calendar.free_busy(at(MON, 10), at(MON, 11)) == []


async def test_free_busy_refuses_naive_or_reversed_windows() -> None:
    calendar = InMemoryCalendar()
    with pytest.raises(ValueError, match="timezone-aware"):
        await calendar.free_busy(datetime(2026, 12, 7, 8), datetime(2026, 12, 7, 9))
    with pytest.raises(ValueError, match="ends before"):
        await calendar.free_busy(at(MON, 9), at(MON, 8))


async def test_created_events_are_busy_and_creating_again_is_a_no_op() -> None:
    calendar = InMemoryCalendar()
    first = await calendar.create_event(event("booking:1", at(MON, 9)))
    again = await calendar.create_event(event("booking:1", at(MON, 13)))  # same key
    assert first.event_id == again.event_id
    assert (first.already_existed, again.already_existed) == (False, True)
    assert len(calendar.events) == 1
    busy = await calendar.free_busy(at(MON, 0), at(MON, 23))
    assert busy == [BusyInterval(at(MON, 9), at(MON, 11))]  # the first request's time


async def test_a_booked_event_takes_its_slot_out_of_the_offer() -> None:
    calendar = InMemoryCalendar()
    now = at(MON, 6)
    free = find_slots(now, await calendar.free_busy(now, now + timedelta(days=14)))
    await calendar.create_event(event("booking:2", free[0].start))
    later = find_slots(now, await calendar.free_busy(now, now + timedelta(days=14)))
    assert free[0].start not in [slot.start for slot in later]


async def test_injected_failures_are_raised_once() -> None:
    calendar = InMemoryCalendar()
    calendar.failures.append(IntegrationError(ErrorCode.UNAVAILABLE, "down"))
    with pytest.raises(IntegrationError):
        await calendar.create_event(event("booking:3", at(MON, 9)))
    assert (await calendar.create_event(event("booking:3", at(MON, 9)))).already_existed is False


async def test_sending_twice_with_one_key_sends_once() -> None:
    mailbox = RecordingMailbox(sender="Rendetalje <info@rendetalje.dk>")
    port: MailboxPort = mailbox
    first = await port.send(outgoing(thread_id="t-9"))
    again = await port.send(outgoing(thread_id="t-9", body="changed"))
    other = await port.send(outgoing("outbox:2"))
    assert first == again
    assert first.thread_id == "t-9"
    assert first.header_message_id == header_message_id("outbox:1", "info@rendetalje.dk")
    assert other.message_id != first.message_id
    assert [mail.idempotency_key for mail in mailbox.sent] == ["outbox:1", "outbox:2"]
    assert mailbox.sent[0].body == "Hej"


async def test_a_failed_send_is_not_recorded_and_can_be_retried() -> None:
    mailbox = RecordingMailbox()
    mailbox.failures.append(IntegrationError(ErrorCode.RATE_LIMITED, "slow down"))
    with pytest.raises(IntegrationError) as caught:
        await mailbox.send(outgoing())
    assert caught.value.code is ErrorCode.RATE_LIMITED
    assert mailbox.sent == []
    sent = await mailbox.send(outgoing())
    assert mailbox.sent == [outgoing()]
    assert sent.header_message_id is None  # no sender configured


async def test_drafts_are_idempotent_by_key() -> None:
    mailbox = RecordingMailbox()
    first = await mailbox.create_draft(outgoing())
    assert await mailbox.create_draft(outgoing()) == first
    assert await mailbox.create_draft(outgoing("outbox:2")) != first
    assert len(mailbox.drafts) == 2
    assert mailbox.sent == []


async def test_history_reports_delivered_mail_and_expires() -> None:
    mailbox = RecordingMailbox()
    start = await mailbox.current_history_id()
    one = mailbox.deliver(b"Subject: 1\r\n\r\nfirst\r\n")
    page = await mailbox.list_history(start)
    assert page.message_ids == (one,)
    two = mailbox.deliver(b"Subject: 2\r\n\r\nsecond\r\n")
    later = await mailbox.list_history(page.history_id)
    assert later.message_ids == (two,)
    assert (await mailbox.list_history(later.history_id)).message_ids == ()

    mailbox.expire_history()
    with pytest.raises(HistoryExpiredError):
        await mailbox.list_history(start)
    assert (await mailbox.list_history(await mailbox.current_history_id())).message_ids == ()


async def test_list_and_fetch_delivered_mail() -> None:
    mailbox = RecordingMailbox(page_size=2)
    ids = [mailbox.deliver(f"Subject: {n}\r\n\r\nbody\r\n".encode()) for n in range(3)]
    first, token = await mailbox.list_message_ids("in:inbox", None)
    rest, end = await mailbox.list_message_ids("in:inbox", token)
    assert first + rest == list(reversed(ids))  # newest first, as Gmail lists
    assert end is None
    assert await mailbox.fetch_raw(ids[1]) == b"Subject: 1\r\n\r\nbody\r\n"
    with pytest.raises(IntegrationError) as caught:
        await mailbox.fetch_raw("msg-404")
    assert caught.value.code is ErrorCode.NOT_FOUND
