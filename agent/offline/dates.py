"""Date expressions in Danish and English, resolved against an injected clock.

Rules of the resolution (the domain is a booking calendar, so the future is what matters):

- "today" is the date of `now` in Europe/Copenhagen; `now` must be aware.
- A weekday ("tirsdag", "på tirsdag", "next Tuesday") is the first such day *after* today.
  "next Tuesday" and "Tuesday" mean the same day; staff who mean the week after say a date.
- A day and month without a year is the next time that date comes (1 January said on
  28 December is next year's). A date with an explicit year is kept, even in the past.
- Weeks are ranges Monday–Saturday (the company does not work on Sundays); "this week" and
  the current "uge N" start today, not on a Monday already gone.
- A weekday followed by a date ("tirsdag den 1. december") is one date: the explicit one.
  "fra A til B", "A-B", "mellem A og B" become one range.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from pydantic import BaseModel, ConfigDict, model_validator

from agent.offline.date_rules import RULES, Kind
from agent.offline.normalize import prepare
from tools.danish_format import company_tz


class DateRange(BaseModel):
    """A day (start == end) or a span of days, with the words it was read from."""

    model_config = ConfigDict(frozen=True)

    start: date
    end: date
    text: str

    @model_validator(mode="after")
    def _ordered(self) -> DateRange:
        if self.end < self.start:
            raise ValueError(f"end {self.end} before start {self.start}")
        return self

    @property
    def single_day(self) -> bool:
        return self.start == self.end


def local_today(now: datetime) -> date:
    """The company's date at `now`; a naive `now` is refused (its zone would be a guess)."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"naive datetime: {now!r}")
    return now.astimezone(company_tz()).date()


def combine(day: date, clock: time) -> datetime:
    """An aware Europe/Copenhagen datetime for a local date and clock time."""
    return datetime.combine(day, clock, tzinfo=company_tz())


@dataclass(frozen=True, slots=True)
class _Hit:
    start: int
    end: int
    first: date
    last: date
    kind: Kind


_RANGE_GAP = re.compile(r"\s*(?:-|til|to|until|indtil|through)\s*")
_BETWEEN_GAP = re.compile(r"\s*(?:og|and)\s*")
_BETWEEN_BEFORE = re.compile(r"(?:mellem|between)\s*$")
_WEEKDAY_THEN_DATE = re.compile(r"[\s,]*(?:den\s*|d\.\s*|the\s*)?")
_WEEKDAY_AND_WEEK = re.compile(r"[\s,]*(?:i|in|på|of)?\s*")


def _scan(text: str, today: date) -> list[_Hit]:
    taken = [False] * len(text)
    hits: list[_Hit] = []
    for pattern, resolve, kind in RULES:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(taken[start:end]):
                continue
            resolved = resolve(match, today)
            if resolved is None:
                continue
            taken[start:end] = [True] * (end - start)
            hits.append(_Hit(start, end, resolved[0], resolved[1], kind))
    return sorted(hits, key=lambda hit: hit.start)


def _day_in_week(weekday: _Hit, week: _Hit, today: date) -> date | None:
    """Tuesday "i næste uge": the week's Tuesday, if it is not already past."""
    monday = week.first - timedelta(days=week.first.weekday())
    day = monday + timedelta(days=weekday.first.weekday())
    return day if day >= today and day <= week.last + timedelta(days=1) else None


def _join(text: str, previous: _Hit, hit: _Hit, today: date) -> _Hit | None:
    """The one date two neighbouring hits mean together, or None if they stay two."""
    gap = text[previous.end : hit.start]
    kinds = (previous.kind, hit.kind)
    if kinds == ("weekday", "date") and _WEEKDAY_THEN_DATE.fullmatch(gap):
        return _Hit(previous.start, hit.end, hit.first, hit.last, "date")
    if set(kinds) == {"weekday", "week"} and _WEEKDAY_AND_WEEK.fullmatch(gap):
        weekday, week = (previous, hit) if previous.kind == "weekday" else (hit, previous)
        day = _day_in_week(weekday, week, today)
        return None if day is None else _Hit(previous.start, hit.end, day, day, "date")
    between = _BETWEEN_GAP.fullmatch(gap) and _BETWEEN_BEFORE.search(text[: previous.start])
    if (_RANGE_GAP.fullmatch(gap) or between) and hit.last >= previous.first:
        return _Hit(previous.start, hit.end, previous.first, hit.last, "range")
    return None


def _merge(text: str, hits: list[_Hit], today: date) -> list[_Hit]:
    merged: list[_Hit] = []
    for hit in hits:
        joined = _join(text, merged[-1], hit, today) if merged else None
        if joined is None:
            merged.append(hit)
        else:
            merged[-1] = joined
    return merged


def find_dates(text: str, *, now: datetime) -> list[DateRange]:
    """Every date expression in the text, in order, resolved relative to `now`."""
    today = local_today(now)
    corrected = prepare(text).corrected
    hits = _merge(corrected, _scan(corrected, today), today)
    return [
        DateRange(start=hit.first, end=hit.last, text=corrected[hit.start : hit.end].strip())
        for hit in hits
    ]
