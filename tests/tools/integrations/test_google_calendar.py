"""GoogleCalendar against the shipped calendar v3 discovery document and recorded responses."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.tools.integrations import (
    NOT_FOUND,
    RATE_LIMITED,
    SERVER_ERROR,
    UNAUTHENTICATED,
    Response,
    SleepRecorder,
    fast_retry,
    google_error,
    ok,
    recorded,
    sent,
)
from tools.availability import BusyInterval
from tools.danish_format import company_tz
from tools.integrations.google_calendar import GoogleCalendar
from tools.integrations.ports import (
    CalendarEventRequest,
    CalendarPort,
    ErrorCode,
    IntegrationError,
    calendar_event_id,
)

TZ = company_tz()
START = datetime(2026, 3, 23, 0, 0, tzinfo=TZ)  # a Monday in winter time (UTC+1)
END = START + timedelta(days=14)  # crosses the switch to summer time on 29 March


def freebusy_response(busy: list[dict[str, str]], key: str = "primary") -> Response:
    return ok(
        {
            "kind": "calendar#freeBusy",
            "timeMin": "2026-03-22T23:00:00.000Z",
            "timeMax": "2026-04-05T22:00:00.000Z",
            "calendars": {key: {"busy": busy}},
        }
    )


def booking(key: str = "booking:42") -> CalendarEventRequest:
    return CalendarEventRequest(
        summary="Flytterengøring – Søren Ærø, 80 m²",
        description="Tilbud Q-17: 2 medarbejdere × 2 timer. Nøgle hos naboen.",
        start=datetime(2026, 3, 24, 8, 0, tzinfo=UTC),  # 09:00 in Copenhagen
        end=datetime(2026, 3, 24, 10, 0, tzinfo=UTC),
        location="Østergade 12, 8000 Aarhus C",
        idempotency_key=key,
    )


def event_response(event_id: str, status: str = "confirmed") -> Response:
    return ok(
        {
            "kind": "calendar#event",
            "etag": '"3512345678901234"',
            "id": event_id,
            "status": status,
            "htmlLink": f"https://www.google.com/calendar/event?eid={event_id}",
            "created": "2026-03-20T10:00:00.000Z",
            "updated": "2026-03-20T10:00:00.123Z",
            "summary": "Flytterengøring – Søren Ærø, 80 m²",
            "creator": {"email": "info@rendetalje.dk", "self": True},
            "organizer": {"email": "info@rendetalje.dk", "self": True},
            "start": {"dateTime": "2026-03-24T09:00:00+01:00", "timeZone": "Europe/Copenhagen"},
            "end": {"dateTime": "2026-03-24T11:00:00+01:00", "timeZone": "Europe/Copenhagen"},
            "iCalUID": f"{event_id}@google.com",
            "sequence": 0,
            "reminders": {"useDefault": True},
            "eventType": "default",
        }
    )


def calendar(http: Any, sleeper: SleepRecorder | None = None, **kwargs: Any) -> GoogleCalendar:
    return GoogleCalendar(http, retry=fast_retry(sleeper or SleepRecorder()), **kwargs)


async def test_free_busy_sends_the_window_and_returns_aware_intervals() -> None:
    http = recorded(
        freebusy_response(
            [
                {"start": "2026-03-24T08:00:00Z", "end": "2026-03-24T10:30:00Z"},
                {"start": "2026-03-30T09:00:00+02:00", "end": "2026-03-30T12:00:00+02:00"},
                {"start": "2026-04-01T06:00:00.000Z", "end": "2026-04-01T08:15:00.000Z"},
            ]
        )
    )
    port: CalendarPort = calendar(http)
    busy = await port.free_busy(START, END)

    [request] = sent(http)
    assert (request.method, request.path) == ("POST", "/calendar/v3/freeBusy")
    assert request.json() == {
        "timeMin": "2026-03-23T00:00:00+01:00",
        "timeMax": "2026-04-06T00:00:00+02:00",
        "items": [{"id": "primary"}],
    }
    assert busy == [
        BusyInterval(
            datetime(2026, 3, 24, 9, 0, tzinfo=TZ), datetime(2026, 3, 24, 11, 30, tzinfo=TZ)
        ),
        BusyInterval(
            datetime(2026, 3, 30, 9, 0, tzinfo=TZ), datetime(2026, 3, 30, 12, 0, tzinfo=TZ)
        ),
        BusyInterval(
            datetime(2026, 4, 1, 8, 0, tzinfo=TZ), datetime(2026, 4, 1, 10, 15, tzinfo=TZ)
        ),
    ]
    # Same instants, and shown in Copenhagen time on both sides of the DST switch.
    assert busy[0].start == datetime(2026, 3, 24, 8, 0, tzinfo=UTC)
    assert [b.start.utcoffset() for b in busy] == [timedelta(hours=h) for h in (1, 2, 2)]


async def test_free_busy_reads_a_named_calendar_and_skips_empty_blocks() -> None:
    calendar_id = "c_8f3a9e@group.calendar.google.com"
    http = recorded(
        freebusy_response(
            [
                {"start": "2026-03-24T08:00:00Z", "end": "2026-03-24T08:00:00Z"},
                {"start": "2026-03-25T08:00:00Z", "end": "2026-03-25T09:00:00Z"},
            ],
            key=calendar_id,
        )
    )
    busy = await calendar(http, calendar_id=calendar_id).free_busy(START, END)
    assert sent(http)[0].json()["items"] == [{"id": calendar_id}]
    assert [b.start.astimezone(UTC).hour for b in busy] == [8]


async def test_free_busy_with_no_busy_times() -> None:
    http = recorded(ok({"kind": "calendar#freeBusy", "calendars": {"primary": {"busy": []}}}))
    assert await calendar(http).free_busy(START, END) == []


async def test_a_calendar_google_could_not_read_is_an_error_not_a_free_calendar() -> None:
    errors = {"errors": [{"domain": "global", "reason": "notFound"}], "busy": []}
    http = recorded(ok({"kind": "calendar#freeBusy", "calendars": {"primary": errors}}))
    with pytest.raises(IntegrationError) as caught:
        await calendar(http).free_busy(START, END)
    assert caught.value.code is ErrorCode.NOT_FOUND


async def test_free_busy_refuses_naive_datetimes_before_calling_google() -> None:
    http = recorded()
    with pytest.raises(ValueError, match="timezone-aware"):
        await calendar(http).free_busy(datetime(2026, 3, 23), datetime(2026, 3, 24))
    assert sent(http) == []


async def test_create_event_sends_an_id_from_the_key_and_copenhagen_times() -> None:
    event = booking()
    http = recorded(event_response(event.event_id))
    created = await calendar(http).create_event(event)

    [request] = sent(http)
    assert (request.method, request.path) == ("POST", "/calendar/v3/calendars/primary/events")
    body = request.json()
    assert body["id"] == calendar_event_id("booking:42")
    assert body["summary"] == "Flytterengøring – Søren Ærø, 80 m²"
    assert body["location"] == "Østergade 12, 8000 Aarhus C"
    assert body["start"] == {
        "dateTime": "2026-03-24T09:00:00+01:00",
        "timeZone": "Europe/Copenhagen",
    }
    assert body["end"] == {"dateTime": "2026-03-24T11:00:00+01:00", "timeZone": "Europe/Copenhagen"}
    assert body["extendedProperties"] == {"private": {"renosIdempotencyKey": "booking:42"}}
    assert created.event_id == event.event_id
    assert created.status == "confirmed"
    assert created.html_link is not None
    assert event.event_id in created.html_link
    assert created.already_existed is False


@pytest.mark.parametrize("key", ["booking:42", "b", "Booking/æøå 42 ✓", "x" * 5000])
def test_event_ids_are_valid_google_ids_and_stable(key: str) -> None:
    event_id = calendar_event_id(key)
    assert re.fullmatch(r"[a-v0-9]{5,1024}", event_id)
    assert calendar_event_id(key) == event_id
    assert calendar_event_id(key + " ") != event_id


async def test_a_retried_create_returns_the_event_the_first_attempt_made() -> None:
    # The first insert reached Google but its answer was lost (500); the retry meets
    # 409 duplicate, and the adapter fetches the event instead of making another.
    event = booking()
    duplicate = google_error(409, "duplicate", "The requested identifier already exists.")
    http = recorded(SERVER_ERROR, duplicate, event_response(event.event_id))
    sleeper = SleepRecorder()
    created = await calendar(http, sleeper).create_event(event)

    requests = sent(http)
    assert [(r.method, r.path) for r in requests] == [
        ("POST", "/calendar/v3/calendars/primary/events"),
        ("POST", "/calendar/v3/calendars/primary/events"),
        ("GET", f"/calendar/v3/calendars/primary/events/{event.event_id}"),
    ]
    assert requests[0].json()["id"] == requests[1].json()["id"] == event.event_id
    assert created.already_existed is True
    assert created.event_id == event.event_id
    assert sleeper.waits == [1.0]


async def test_rate_limited_then_ok_is_retried_after_a_backoff() -> None:
    http = recorded(RATE_LIMITED, freebusy_response([]))
    sleeper = SleepRecorder()
    assert await calendar(http, sleeper).free_busy(START, END) == []
    assert len(sent(http)) == 2
    assert sleeper.waits == [1.0]


async def test_calendar_rate_limit_as_403_is_retried_too() -> None:
    limited = google_error(403, "rateLimitExceeded", "Rate Limit Exceeded")
    http = recorded(limited, limited, limited)
    with pytest.raises(IntegrationError) as caught:
        await calendar(http).free_busy(START, END)
    assert caught.value.code is ErrorCode.RATE_LIMITED
    assert len(sent(http)) == 3


async def test_server_errors_give_up_after_the_attempts_as_unavailable() -> None:
    http = recorded(SERVER_ERROR, SERVER_ERROR, SERVER_ERROR)
    sleeper = SleepRecorder()
    with pytest.raises(IntegrationError) as caught:
        await calendar(http, sleeper).create_event(booking())
    assert caught.value.code is ErrorCode.UNAVAILABLE
    assert caught.value.status == 500
    assert len(sent(http)) == 3
    assert sleeper.waits == [1.0, 2.0]


@pytest.mark.parametrize(
    ("response", "code"),
    [
        (UNAUTHENTICATED, ErrorCode.AUTH),
        (google_error(403, "insufficientPermissions", "Insufficient Permission"), ErrorCode.AUTH),
        (google_error(403, "dailyLimitExceeded", "Daily Limit Exceeded"), ErrorCode.RATE_LIMITED),
        (NOT_FOUND, ErrorCode.NOT_FOUND),
        (
            google_error(400, "timeRangeEmpty", "The specified time range is empty."),
            ErrorCode.INVALID,
        ),
    ],
)
async def test_errors_that_retrying_cannot_fix_are_not_retried(
    response: Response, code: ErrorCode
) -> None:
    http = recorded(response)
    with pytest.raises(IntegrationError) as caught:
        await calendar(http).free_busy(START, END)
    assert caught.value.code is code
    assert len(sent(http)) == 1


class TimeoutThenRecorded:
    """An httplib2-like connection whose first request times out."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.timeouts = 1

    def request(self, *args: Any, **kwargs: Any) -> Any:
        if self.timeouts:
            self.timeouts -= 1
            raise TimeoutError("timed out")
        return self.inner.request(*args, **kwargs)


async def test_a_timeout_is_retried() -> None:
    inner = recorded(
        freebusy_response([{"start": "2026-03-24T08:00:00Z", "end": "2026-03-24T09:00:00Z"}])
    )
    busy = await calendar(TimeoutThenRecorded(inner)).free_busy(START, END)
    assert len(busy) == 1


async def test_timeouts_to_the_end_are_unavailable() -> None:
    flaky = TimeoutThenRecorded(recorded())
    flaky.timeouts = 3
    with pytest.raises(IntegrationError) as caught:
        await calendar(flaky).free_busy(START, END)
    assert caught.value.code is ErrorCode.UNAVAILABLE
    assert flaky.timeouts == 0
