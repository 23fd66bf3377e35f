"""Free booking slots within working hours, and the check for one requested slot.

Rules from domain.md: Mon–Fri 08:00–17:00, Sat 08:00–15:00, closed Sundays and holidays
(`tools.holidays`), 60 minutes of transport buffer between jobs, 14 days searched, 3 slots
offered, job length from the quote's hours on site (default 2 h). `now` is always passed in.

Decisions where the domain is silent (defaults in `SchedulingRules`):

- Datetimes must be timezone-aware. Arithmetic happens in UTC (Python compares datetimes
  sharing a tzinfo as wall clocks, wrong across a DST change); days and hours are judged in
  Copenhagen time, and slots come back in it. Busy intervals are half-open [start, end).
- A job fits inside one working day. The buffer applies between jobs only, not against
  opening or closing time (the first job may start at 08:00).
- Candidate starts are on the whole and half hour; `check_slot` does not require the grid.
- Lead time: a slot starts at least 2 hours after `now`, so the team can get there.
- Spreading: first the earliest free slot on each of the first N days with room (a choice of
  days); if there are fewer such days, more follow in time order, never overlapping.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum

from tools.danish_format import company_tz
from tools.holidays import DEFAULT_HOLIDAY_POLICY, HolidayPolicy, holiday_name

DEFAULT_JOB_DURATION = timedelta(hours=2)
# Index = weekday (Monday 0); Sunday is None: closed.
_OPENING_HOURS = ((time(8), time(17)),) * 5 + ((time(8), time(15)), None)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"datetime must be timezone-aware: {moment!r}")
    return moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class BusyInterval:
    """A time the team is taken: a booking or a calendar free/busy block."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if _utc(self.end) <= _utc(self.start):
            raise ValueError(f"busy interval ends before it starts: {self.start}–{self.end}")


@dataclass(frozen=True, slots=True)
class Slot:
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class SchedulingRules:
    buffer: timedelta = timedelta(minutes=60)
    lead_time: timedelta = timedelta(hours=2)
    granularity: timedelta = timedelta(minutes=30)
    holidays: HolidayPolicy = DEFAULT_HOLIDAY_POLICY


DEFAULT_RULES = SchedulingRules()


class SlotProblem(StrEnum):
    IN_PAST = "in_past"
    TOO_SOON = "too_soon"
    SUNDAY = "sunday"
    HOLIDAY = "holiday"
    OUTSIDE_HOURS = "outside_hours"
    CONFLICT = "conflict"
    BUFFER = "buffer"


@dataclass(frozen=True, slots=True)
class SlotCheck:
    """Why a requested slot cannot be booked; `problem` is None when it can."""

    problem: SlotProblem | None
    message: str
    holiday: str | None = None
    busy: BusyInterval | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def job_duration(hours_on_site: Decimal | float | None) -> timedelta:
    """A booking lasts the quote's hours on site; 2 hours when there is no quote."""
    if hours_on_site is None:
        return DEFAULT_JOB_DURATION
    if hours_on_site <= 0:
        raise ValueError(f"hours on site must be positive: {hours_on_site}")
    return timedelta(minutes=round(Decimal(str(hours_on_site)) * 60))


def opening_hours(
    day: date, rules: SchedulingRules = DEFAULT_RULES
) -> tuple[datetime, datetime] | None:
    """Opening and closing time of `day` in Copenhagen, or None when closed."""
    hours = _OPENING_HOURS[day.weekday()]
    if hours is None or holiday_name(day, rules.holidays) is not None:
        return None
    tz = company_tz()
    return datetime.combine(day, hours[0], tz), datetime.combine(day, hours[1], tz)


def _clashes(
    start: datetime, end: datetime, busy: Iterable[BusyInterval], buffer: timedelta
) -> Iterator[tuple[bool, BusyInterval]]:
    """Busy intervals too close to [start, end); True marks a real overlap, False the buffer."""
    for interval in busy:
        b_start, b_end = _utc(interval.start), _utc(interval.end)
        if start < b_end + buffer and end + buffer > b_start:
            yield start < b_end and end > b_start, interval


def _minutes(span: timedelta) -> str:
    return f"{int(span.total_seconds() // 60)} minutes"


def check_slot(
    start: datetime,
    duration: timedelta,
    busy: Iterable[BusyInterval],
    *,
    now: datetime,
    rules: SchedulingRules = DEFAULT_RULES,
) -> SlotCheck:
    """Check one requested slot (for create_booking); reports the first problem found."""
    if duration <= timedelta(0):
        raise ValueError(f"duration must be positive: {duration}")
    begin, current = _utc(start), _utc(now)
    day = begin.astimezone(company_tz()).date()
    hours = opening_hours(day, rules)
    if begin < current:
        return SlotCheck(SlotProblem.IN_PAST, "the slot starts in the past")
    if begin < current + rules.lead_time:
        soon = f"starts less than {_minutes(rules.lead_time)} from now"
        return SlotCheck(SlotProblem.TOO_SOON, soon)
    if day.weekday() == 6:
        return SlotCheck(SlotProblem.SUNDAY, "no work on Sundays")
    if (name := holiday_name(day, rules.holidays)) is not None:
        return SlotCheck(SlotProblem.HOLIDAY, f"closed on {name}", holiday=name)
    if hours is None or begin < _utc(hours[0]) or begin + duration > _utc(hours[1]):
        return SlotCheck(SlotProblem.OUTSIDE_HOURS, "the job must fit inside one working day")
    clashes = sorted(_clashes(begin, begin + duration, busy, rules.buffer), key=lambda c: not c[0])
    if not clashes:
        return SlotCheck(None, "free")
    if clashes[0][0]:
        return SlotCheck(SlotProblem.CONFLICT, "overlaps another job", busy=clashes[0][1])
    gap = f"less than {_minutes(rules.buffer)} of transport time to another job"
    return SlotCheck(SlotProblem.BUFFER, gap, busy=clashes[0][1])


def find_slots(
    now: datetime,
    busy: Iterable[BusyInterval],
    *,
    duration: timedelta = DEFAULT_JOB_DURATION,
    count: int = 3,
    window: timedelta = timedelta(days=14),
    rules: SchedulingRules = DEFAULT_RULES,
) -> list[Slot]:
    """Up to `count` free slots starting within `window` after `now`, spread over days.

    Fewer (or none) when the window has no more room; a job longer than a day never fits.
    """
    if duration <= timedelta(0) or count < 1 or rules.granularity <= timedelta(0):
        raise ValueError("duration and granularity must be positive, count at least 1")
    blocks, tz, current = list(busy), company_tz(), _utc(now)
    earliest, latest = current + rules.lead_time, current + window
    first_day = current.astimezone(tz).date()
    per_day: list[list[datetime]] = []
    for offset in range((latest.astimezone(tz).date() - first_day).days + 1):
        if (hours := opening_hours(first_day + timedelta(days=offset), rules)) is None:
            continue
        start, close = _utc(hours[0]), _utc(hours[1])
        starts: list[datetime] = []
        while start + duration <= close:
            free = not any(_clashes(start, start + duration, blocks, rules.buffer))
            if free and earliest <= start < latest:
                starts.append(start)
            start += rules.granularity
        if starts:
            per_day.append(starts)
    chosen = [starts[0] for starts in per_day[:count]]  # one per day first: a choice of days
    for start in sorted(s for starts in per_day for s in starts):
        apart = all(start + duration <= c or c + duration <= start for c in chosen)
        if apart and len(chosen) < count:
            chosen.append(start)
    return [Slot(s.astimezone(tz), (s + duration).astimezone(tz)) for s in sorted(chosen)]
