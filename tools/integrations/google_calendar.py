"""Google Calendar behind CalendarPort: free/busy for availability, events for bookings.

The caller passes an authorised `httplib2.Http`-like object (see `settings.build_calendar`;
tests pass a recorded `HttpMockSequence`). Event ids come from the idempotency key
(`ports.calendar_event_id`), so a retried or repeated create answers 409 "duplicate" instead
of making a second event; the adapter then fetches and returns the existing one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tools.availability import BusyInterval
from tools.danish_format import COMPANY_TIME_ZONE, company_tz
from tools.integrations.google_api import GoogleApi, Json, RetryPolicy, field_str
from tools.integrations.ports import (
    CalendarEventRequest,
    CreatedEvent,
    ErrorCode,
    IntegrationError,
)

# Stored on each event so a person looking at it in Google can trace it back to RenOS.
IDEMPOTENCY_PROPERTY = "renosIdempotencyKey"


def _rfc3339(moment: datetime) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"datetime must be timezone-aware: {moment!r}")
    return moment.isoformat()


def _parse_rfc3339(value: object, operation: str) -> datetime:
    """Google's RFC 3339 times ("...Z" or "...+01:00") as aware Copenhagen datetimes."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise IntegrationError(ErrorCode.INVALID, f"{operation}: bad time {value!r}") from exc
    if moment.tzinfo is None:
        raise IntegrationError(ErrorCode.INVALID, f"{operation}: time without offset {value!r}")
    return moment.astimezone(company_tz())


def _event_time(moment: datetime) -> Json:
    # dateTime in Copenhagen local time plus the zone name: Google shows it as the staff
    # expect, and recurring or edited events keep following Danish summer time.
    return {"dateTime": moment.astimezone(company_tz()).isoformat(), "timeZone": COMPANY_TIME_ZONE}


def event_body(event: CalendarEventRequest) -> Json:
    body: Json = {
        "id": event.event_id,
        "summary": event.summary,
        "description": event.description,
        "start": _event_time(event.start),
        "end": _event_time(event.end),
        "extendedProperties": {"private": {IDEMPOTENCY_PROPERTY: event.idempotency_key}},
    }
    if event.location:
        body["location"] = event.location
    return body


def _created(response: Json, *, already_existed: bool, operation: str) -> CreatedEvent:
    link = response.get("htmlLink")
    return CreatedEvent(
        event_id=field_str(response, "id", operation),
        status=str(response.get("status") or "confirmed"),
        html_link=link if isinstance(link, str) else None,
        already_existed=already_existed,
    )


class GoogleCalendar:
    """CalendarPort on one Google calendar (`calendar_id`: "primary" or a calendar's id)."""

    def __init__(
        self, http: Any, *, calendar_id: str = "primary", retry: RetryPolicy | None = None
    ) -> None:
        self._api = GoogleApi("calendar", "v3", http, retry or RetryPolicy())
        self._calendar_id = calendar_id

    async def free_busy(self, start: datetime, end: datetime) -> list[BusyInterval]:
        """Busy blocks overlapping [start, end) on the calendar.

        A calendar Google could not read (the response lists `errors` for it) is an error,
        never "no busy times": that would offer slots that are taken.
        """
        if end <= start:
            raise ValueError(f"free/busy window ends before it starts: {start}–{end}")
        operation = "calendar.freebusy.query"
        body = {
            "timeMin": _rfc3339(start),
            "timeMax": _rfc3339(end),
            "items": [{"id": self._calendar_id}],
        }
        request = self._api.service.freebusy().query(body=body)
        response = await self._api.execute(operation, request)
        entry = self._calendar_entry(response, operation)
        errors = entry.get("errors") or []
        if errors:
            reason = str(errors[0].get("reason", "unknown"))
            code = ErrorCode.NOT_FOUND if reason == "notFound" else ErrorCode.UNAVAILABLE
            raise IntegrationError(code, f"{operation}: calendar error {reason}", reason=reason)
        busy: list[BusyInterval] = []
        for block in entry.get("busy") or []:
            begin = _parse_rfc3339(block.get("start"), operation)
            finish = _parse_rfc3339(block.get("end"), operation)
            if finish > begin:  # an empty block blocks nothing
                busy.append(BusyInterval(begin, finish))
        return busy

    def _calendar_entry(self, response: Json, operation: str) -> Json:
        calendars = response.get("calendars")
        if not isinstance(calendars, dict) or not calendars:
            raise IntegrationError(ErrorCode.INVALID, f"{operation}: no calendars in response")
        entry = calendars.get(self._calendar_id)
        if entry is None and len(calendars) == 1:
            # Google may key the answer by the calendar's address rather than "primary".
            entry = next(iter(calendars.values()))
        if not isinstance(entry, dict):
            raise IntegrationError(ErrorCode.INVALID, f"{operation}: calendar missing")
        return entry

    async def create_event(self, event: CalendarEventRequest) -> CreatedEvent:
        """Create the booking's event, or return the one an earlier call with the key made
        (whatever its times are now: the key names the event, as with Google's own ids)."""
        events = self._api.service.events()
        insert = events.insert(calendarId=self._calendar_id, body=event_body(event))
        try:
            response = await self._api.execute("calendar.events.insert", insert)
        except IntegrationError as exc:
            if exc.status != 409:
                raise
        else:
            return _created(response, already_existed=False, operation="calendar.events.insert")
        get = events.get(calendarId=self._calendar_id, eventId=event.event_id)
        existing = await self._api.execute("calendar.events.get", get)
        return _created(existing, already_existed=True, operation="calendar.events.get")
