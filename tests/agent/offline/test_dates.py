"""Date expressions resolved against a frozen clock (Europe/Copenhagen)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from agent.offline.dates import DateRange, combine, find_dates, local_today

CPH = ZoneInfo("Europe/Copenhagen")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=CPH)  # Wednesday, ISO week 48
YEAR_END = datetime(2026, 12, 28, 9, 0, tzinfo=CPH)  # Monday, ISO week 53

Span = tuple[date, date]


def d(month: int, day: int, year: int = 2026) -> Span:
    return date(year, month, day), date(year, month, day)


def span(first: tuple[int, int, int], last: tuple[int, int, int]) -> Span:
    return date(*first), date(*last)


def spans(text: str, now: datetime = NOW) -> list[Span]:
    return [(found.start, found.end) for found in find_dates(text, now=now)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("i dag", [d(11, 25)]),
        ("today", [d(11, 25)]),
        ("i morgen", [d(11, 26)]),
        ("imorgen", [d(11, 26)]),
        ("tomorrow", [d(11, 26)]),
        ("i overmorgen", [d(11, 27)]),
        ("the day after tomorrow", [d(11, 27)]),
        ("på tirsdag", [d(12, 1)]),
        ("tirsdag", [d(12, 1)]),
        ("Tirsdag", [d(12, 1)]),
        ("on Tuesday", [d(12, 1)]),
        ("next Tuesday", [d(12, 1)]),
        ("næste tirsdag", [d(12, 1)]),
        ("onsdag", [d(12, 2)]),  # today is Wednesday: the next one
        ("torsdag", [d(11, 26)]),
        ("tirsdga", [d(12, 1)]),  # typo
        ("næste uge", [span((2026, 11, 30), (2026, 12, 5))]),
        ("i næste uge", [span((2026, 11, 30), (2026, 12, 5))]),
        ("next week", [span((2026, 11, 30), (2026, 12, 5))]),
        ("denne uge", [span((2026, 11, 25), (2026, 11, 28))]),  # from today, not Monday
        ("this week", [span((2026, 11, 25), (2026, 11, 28))]),
        ("uge 50", [span((2026, 12, 7), (2026, 12, 12))]),
        ("week 50", [span((2026, 12, 7), (2026, 12, 12))]),
        ("uge 48", [span((2026, 11, 25), (2026, 11, 28))]),
        ("uge 47", [span((2027, 11, 22), (2027, 11, 27))]),  # already past: next year
        ("uge 2 2027", [span((2027, 1, 11), (2027, 1, 16))]),
        ("1. december", [d(12, 1)]),
        ("1 december", [d(12, 1)]),
        ("den 1. december", [d(12, 1)]),
        ("december 1", [d(12, 1)]),
        ("December 1st", [d(12, 1)]),
        ("1st of December", [d(12, 1)]),
        ("3 dec", [d(12, 3)]),
        ("1. november", [d(11, 1, 2027)]),  # past without a year: next year
        ("1. november 2026", [d(11, 1)]),  # explicit year: kept, even in the past
        ("the 3rd", [d(12, 3)]),
        ("on the 30th", [d(11, 30)]),
        ("3/12", [d(12, 3)]),
        ("3.12", [d(12, 3)]),
        ("3.5.", [d(5, 3, 2027)]),
        ("03.12.2026", [d(12, 3)]),
        ("3/12-2026", [d(12, 3)]),
        ("2026-12-03", [d(12, 3)]),
        ("den 15.", [d(12, 15)]),  # 15 November is past: next month
        ("den 30.", [d(11, 30)]),
        ("om 3 dage", [d(11, 28)]),
        ("in 3 days", [d(11, 28)]),
        ("om en uge", [d(12, 2)]),
        ("in two weeks", [d(12, 9)]),
        ("weekend", [span((2026, 11, 28), (2026, 11, 29))]),
        ("i weekenden", [span((2026, 11, 28), (2026, 11, 29))]),
        ("next weekend", [span((2026, 11, 28), (2026, 11, 29))]),
        ("i december", [span((2026, 12, 1), (2026, 12, 31))]),
        ("næste måned", [span((2026, 12, 1), (2026, 12, 31))]),
        ("resten af måneden", [span((2026, 11, 25), (2026, 11, 30))]),
    ],
)
def test_resolves(text: str, expected: list[Span]) -> None:
    assert spans(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tirsdag den 1. december", [d(12, 1)]),  # one day, not two
        ("mandag d. 7/12", [d(12, 7)]),
        ("tirsdag i næste uge", [d(12, 1)]),
        ("Friday next week", [d(12, 4)]),
        ("fra 1. december til 5. december", [span((2026, 12, 1), (2026, 12, 5))]),
        ("mellem mandag og onsdag", [span((2026, 11, 30), (2026, 12, 2))]),
        ("3/12-5/12", [span((2026, 12, 3), (2026, 12, 5))]),
        ("tirsdag og torsdag", [d(12, 1), d(11, 26)]),  # two days, in the order said
        ("Kan I komme lørdag den 12. december i stedet for fredag?", [d(12, 12), d(11, 27)]),
    ],
)
def test_combinations(text: str, expected: list[Span]) -> None:
    assert spans(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "kl 10.30",
        "kl. 8.10",
        "14.00",
        "2.5 timer",
        "2,5 timer",
        "hver 14. dag",
        "80 m2",
        "20 30 40 50",
        "+45 2030 4050",
        "i morges",  # this morning is past
        "1/2 time",
        "4 værelser",
        "god morgen",
        "",
    ],
)
def test_not_dates(text: str) -> None:
    assert spans(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("uge 2", [span((2027, 1, 11), (2027, 1, 16))]),
        ("1. januar", [d(1, 1, 2027)]),
        ("2/1", [d(1, 2, 2027)]),
        ("næste uge", [span((2027, 1, 4), (2027, 1, 9))]),
        ("uge 53", [span((2026, 12, 28), (2027, 1, 2))]),
        ("denne uge", [span((2026, 12, 28), (2027, 1, 2))]),
        ("i januar", [span((2027, 1, 1), (2027, 1, 31))]),
        ("den 5.", [d(1, 5, 2027)]),
        ("næste måned", [span((2027, 1, 1), (2027, 1, 31))]),
        ("fredag", [d(1, 1, 2027)]),
    ],
)
def test_across_the_year_boundary(text: str, expected: list[Span]) -> None:
    assert spans(text, YEAR_END) == expected


def test_text_is_kept() -> None:
    found = find_dates("Book Jens på tirsdag kl. 10", now=NOW)
    assert [item.text for item in found] == ["på tirsdag"]
    assert found[0].single_day


def test_today_is_the_local_date() -> None:
    # 23:30 UTC on 25 November is already 26 November in Copenhagen
    late = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)
    assert local_today(late) == date(2026, 11, 26)
    assert spans("i morgen", late) == [d(11, 27)]
    with pytest.raises(ValueError, match="naive"):
        local_today(datetime(2026, 11, 25, 10))


def test_combine_gives_aware_local_datetimes_across_dst() -> None:
    winter = combine(date(2026, 12, 1), time(10))
    summer = combine(date(2026, 7, 1), time(10))
    assert winter.utcoffset() == timedelta(hours=1)
    assert summer.utcoffset() == timedelta(hours=2)
    assert winter.astimezone(UTC).hour == 9


def test_date_range_is_ordered_and_frozen() -> None:
    with pytest.raises(ValidationError):
        DateRange(start=date(2026, 12, 2), end=date(2026, 12, 1), text="x")
    found = DateRange(start=date(2026, 12, 1), end=date(2026, 12, 1), text="x")
    with pytest.raises(ValidationError):
        found.text = "y"  # type: ignore[misc]
