"""Working days and the placement of demo bookings on the one team calendar.

Rules (domain.md "Calendar and bookings"): Monday–Friday 08:00–17:00, Saturday 08:00–15:00,
never Sundays or Danish public holidays, 60 minutes between two jobs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

CPH = ZoneInfo("Europe/Copenhagen")
BUFFER = timedelta(minutes=60)
STEP = timedelta(minutes=30)
# Every other coming day keeps one free 2-hour slot, so an availability search in the demo
# always has something to offer.
KEEP_FREE = timedelta(hours=2)
WEEKS_BACK = 2  # chunks 0..1 lie before today, 2..4 are today and the next 20 days
CHUNKS = 5
_PAST_WEEKS = 10  # how far back a visit may go when the coming weeks are full


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (the anonymous Meeus/Jones/Butcher algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return date(year, month, day + 1)


def danish_holidays(year: int) -> frozenset[date]:
    """Public holidays and the days around Christmas and New Year the company keeps closed."""
    easter = easter_sunday(year)
    movable = (-3, -2, 0, 1, 39, 49, 50)  # skærtorsdag … 2. pinsedag (Kristi himmelfart 39)
    fixed = (date(year, 1, 1), date(year, 12, 24), date(year, 12, 25), date(year, 12, 26),
             date(year, 12, 31))  # fmt: skip
    return frozenset((*fixed, *(easter + timedelta(days=n) for n in movable)))


def working_window(day: date) -> tuple[datetime, datetime] | None:
    """Start and end of the working day in Copenhagen time, or None on a day off."""
    if day.weekday() == 6 or day in danish_holidays(day.year):
        return None
    close = time(15) if day.weekday() == 5 else time(17)
    return datetime.combine(day, time(8), CPH), datetime.combine(day, close, CPH)


@dataclass(frozen=True, slots=True)
class Job:
    """One visit to place. ``chunk`` is the preferred week: 0–1 past, 2–4 the next 21 days."""

    key: str
    hours: Decimal
    chunk: int
    weekday: int | None = None
    group: str = ""  # visits of one customer: kept ``spacing_days`` apart
    spacing_days: int = 0


@dataclass(frozen=True, slots=True)
class Placement:
    start: datetime
    end: datetime
    past: bool


def _ceil_to_step(moment: datetime) -> datetime:
    local = moment.astimezone(CPH)
    midnight = datetime.combine(local.date(), time(0), CPH)
    steps = math.ceil((local - midnight) / STEP)
    return midnight + steps * STEP


class _Calendar:
    def __init__(self, now: datetime, busy: Iterable[tuple[datetime, datetime]]) -> None:
        self.now = now
        self.today = now.astimezone(CPH).date()
        self.taken: list[tuple[datetime, datetime]] = sorted(busy)
        self.load: dict[date, int] = {}

    def chunk_days(self, chunk: int) -> list[date]:
        first = self.today + timedelta(days=7 * (chunk - WEEKS_BACK))
        return [first + timedelta(days=i) for i in range(7)]

    def _free(self, start: datetime, end: datetime) -> bool:
        return all(end + BUFFER <= s or start >= e + BUFFER for s, e in self.taken)

    def _first_free(self, opens: datetime, closes: datetime, length: timedelta) -> datetime | None:
        start = opens
        while start + length <= closes:
            if self._free(start, start + length):
                return start
            start += STEP
        return None

    def place(self, day: date, hours: Decimal) -> Placement | None:
        """Book the earliest free time of the day, unless that takes the last free 2-hour slot
        of a coming day that keeps one (every other day)."""
        window = working_window(day)
        if window is None:
            return None
        opens, closes = window
        past = day < self.today
        if not past:
            opens = max(opens, _ceil_to_step(self.now))
        length = timedelta(minutes=int(hours * 60))
        start = self._first_free(opens, closes, length)
        if start is None:
            return None
        self.taken.append((start, start + length))
        if (
            not past
            and day.toordinal() % 2 == 0
            and self._first_free(opens, closes, KEEP_FREE) is None
        ):
            self.taken.pop()
            return None
        self.load[day] = self.load.get(day, 0) + 1
        return Placement(start=start, end=start + length, past=past)

    def candidates(self, job: Job) -> list[date]:
        """The job's own week first (its usual weekday first), then the other coming weeks for
        a coming job, then the past from yesterday backwards: a visit the coming weeks have no
        room for becomes one already done."""
        own = self.chunk_days(job.chunk)
        own.sort(key=lambda d: (d.weekday() != job.weekday, self.load.get(d, 0), d))
        coming: list[date] = []
        if job.chunk >= WEEKS_BACK:
            coming = [d for c in range(WEEKS_BACK, CHUNKS) for d in self.chunk_days(c)]
            coming.sort(key=lambda d: (self.load.get(d, 0), d))
        back = [self.today - timedelta(days=d) for d in range(1, 7 * _PAST_WEEKS)]
        return own + coming + back


def place_jobs(
    jobs: Sequence[Job], *, now: datetime, busy: Iterable[tuple[datetime, datetime]] = ()
) -> dict[str, Placement]:
    """Place each job on the first day of its candidates where it fits with 60-minute buffers
    around every other booking (``busy`` are bookings already in the calendar). Longest jobs
    go first, so they still find a free morning."""
    cal = _Calendar(now, busy)
    placed: dict[str, Placement] = {}
    visits: dict[str, list[date]] = {}
    for job in sorted(jobs, key=lambda j: -j.hours):
        seen = visits.setdefault(job.group, []) if job.group else []
        for day in cal.candidates(job):
            if any(abs((day - other).days) < job.spacing_days for other in seen):
                continue
            spot = cal.place(day, job.hours)
            if spot is not None:
                placed[job.key] = spot
                seen.append(day)
                break
    return placed
