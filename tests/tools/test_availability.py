"""Slot search and slot checks: working hours, holidays, buffer, lead time, DST."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tools.availability import (
    BusyInterval,
    SchedulingRules,
    Slot,
    SlotProblem,
    check_slot,
    find_slots,
    job_duration,
    opening_hours,
)
from tools.danish_format import company_tz
from tools.holidays import HolidayPolicy, holiday_name

TZ = company_tz()
HOUR = timedelta(hours=1)
TWO_HOURS = timedelta(hours=2)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), TZ)


def busy(day: date, start: tuple[int, int], end: tuple[int, int]) -> BusyInterval:
    return BusyInterval(at(day, *start), at(day, *end))


MON = date(2026, 12, 7)
TUE, WED = MON + timedelta(days=1), MON + timedelta(days=2)


def starts(slots: list[Slot]) -> list[datetime]:
    return [slot.start for slot in slots]


def test_three_slots_on_three_days_by_default() -> None:
    slots = find_slots(at(MON, 9), [])
    assert starts(slots) == [at(MON, 11), at(TUE, 8), at(WED, 8)]
    assert all(slot.end - slot.start == TWO_HOURS for slot in slots)


def test_buffer_after_a_busy_interval() -> None:
    slots = find_slots(at(MON, 7), [busy(MON, (8, 0), (11, 0))])
    assert slots[0].start == at(MON, 12)  # 11:00 + 60 min transport


def test_buffer_before_a_busy_interval() -> None:
    # a 2 h job at 08:00 ends 10:00; 10:00 + 60 min > 10:30, so Tuesday's first slot is 13:00
    blocks = [busy(TUE, (10, 30), (12, 0))]
    assert starts(find_slots(at(MON, 18), blocks))[0] == at(TUE, 13)
    blocks = [busy(TUE, (11, 0), (12, 0))]
    assert starts(find_slots(at(MON, 18), blocks))[0] == at(TUE, 8)  # ends 10:00, 60 min gap


def test_saturday_closes_at_15_and_sunday_is_closed() -> None:
    friday = date(2026, 12, 11)
    slots = find_slots(at(friday, 16), [], duration=timedelta(hours=7), count=2)
    # 7 h fits Saturday 08:00–15:00 exactly; Sunday is skipped
    assert starts(slots) == [at(friday + timedelta(days=1), 8), at(friday + timedelta(days=3), 8)]
    assert (
        find_slots(at(friday, 16), [], duration=timedelta(hours=7, minutes=30))[0].start.weekday()
        == 0
    )


def test_holidays_are_skipped() -> None:
    # Wed 23 Dec 2026 after hours: 24 (juleaften), 25, 26 (2. juledag), 27 (Sunday) are closed
    slots = find_slots(at(date(2026, 12, 23), 16), [])
    assert [s.start.date() for s in slots] == [
        date(2026, 12, 28),
        date(2026, 12, 29),
        date(2026, 12, 30),
    ]


def test_christmas_eve_opens_when_the_policy_says_so() -> None:
    rules = SchedulingRules(holidays=HolidayPolicy(closed_christmas_eve=False))
    slots = find_slots(at(date(2026, 12, 23), 16), [], rules=rules)
    assert slots[0].start == at(date(2026, 12, 24), 8)


def test_lead_time_of_two_hours() -> None:
    assert find_slots(at(MON, 10, 10), [])[0].start == at(MON, 12, 30)  # on the half-hour grid
    rules = SchedulingRules(lead_time=timedelta(0))
    assert find_slots(at(MON, 10), [], rules=rules)[0].start == at(MON, 10)


def test_dst_change_is_handled() -> None:
    # clocks go forward on Sunday 29 March 2026
    friday = date(2026, 3, 27)
    slots = find_slots(at(friday, 16), [])
    assert starts(slots) == [
        at(date(2026, 3, 28), 8),
        at(date(2026, 3, 30), 8),
        at(date(2026, 3, 31), 8),
    ]
    assert [s.start.utcoffset() for s in slots] == [HOUR, 2 * HOUR, 2 * HOUR]
    assert slots[1].start.astimezone(UTC).hour == 6
    # a busy interval given in UTC is understood across the change
    utc_busy = BusyInterval(
        datetime(2026, 3, 30, 6, tzinfo=UTC), datetime(2026, 3, 30, 8, tzinfo=UTC)
    )
    slots = find_slots(at(friday, 16), [utc_busy])
    assert slots[1].start == at(date(2026, 3, 30), 11)  # busy 08–10 local, + 60 min


def test_falls_back_to_several_slots_per_day() -> None:
    saturday = date(2026, 12, 12)
    slots = find_slots(at(saturday, 6), [], count=3, window=timedelta(hours=20))
    assert starts(slots) == [at(saturday, 8), at(saturday, 10), at(saturday, 12)]


def test_no_room_gives_fewer_or_no_slots() -> None:
    assert find_slots(at(MON, 9), [], duration=timedelta(hours=10)) == []
    whole_fortnight = BusyInterval(at(MON, 0), at(MON + timedelta(days=15), 0))
    assert find_slots(at(MON, 9), [whole_fortnight]) == []
    assert len(find_slots(at(MON, 9), [], count=20)) == 20


def test_window_limits_the_search() -> None:
    slots = find_slots(at(MON, 9), [], window=timedelta(days=1), count=5)
    assert all(s.start < at(TUE, 9) for s in slots)
    assert slots[-1].start == at(TUE, 8)


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        find_slots(datetime(2026, 12, 7, 9), [])
    with pytest.raises(ValueError, match="timezone-aware"):
        BusyInterval(datetime(2026, 12, 7, 9), at(MON, 10))
    with pytest.raises(ValueError, match="ends before"):
        BusyInterval(at(MON, 10), at(MON, 10))
    with pytest.raises(ValueError, match="count"):
        find_slots(at(MON, 9), [], count=0)
    with pytest.raises(ValueError, match="positive"):
        find_slots(at(MON, 9), [], duration=timedelta(0))


def test_job_duration_from_hours_on_site() -> None:
    assert job_duration(None) == TWO_HOURS
    assert job_duration(Decimal("2.5")) == timedelta(hours=2, minutes=30)
    assert job_duration(Decimal(4)) == timedelta(hours=4)
    with pytest.raises(ValueError, match="positive"):
        job_duration(Decimal(0))


def test_opening_hours() -> None:
    assert opening_hours(MON) == (at(MON, 8), at(MON, 17))
    assert opening_hours(date(2026, 12, 12)) == (
        at(date(2026, 12, 12), 8),
        at(date(2026, 12, 12), 15),
    )
    assert opening_hours(date(2026, 12, 13)) is None  # Sunday
    assert opening_hours(date(2026, 12, 25)) is None


NOW = at(MON, 9)
BLOCKS = [busy(TUE, (10, 0), (12, 0))]


@pytest.mark.parametrize(
    ("start", "duration", "problem"),
    [
        (at(TUE, 13), TWO_HOURS, None),
        (at(TUE, 8), TWO_HOURS, SlotProblem.BUFFER),  # ends as the other job starts
        (at(TUE, 8, 30), TWO_HOURS, SlotProblem.CONFLICT),
        (at(TUE, 11), TWO_HOURS, SlotProblem.CONFLICT),
        (at(TUE, 7, 30), timedelta(hours=1), SlotProblem.OUTSIDE_HOURS),
        (at(TUE, 12, 30), TWO_HOURS, SlotProblem.BUFFER),
        (at(TUE, 8), timedelta(hours=1, minutes=30), SlotProblem.BUFFER),  # ends 9:30, 30 min gap
        (at(TUE, 8), timedelta(hours=1), None),  # ends 9:00, exactly 60 min gap
        (at(TUE, 15, 30), TWO_HOURS, SlotProblem.OUTSIDE_HOURS),
        (at(TUE, 15), TWO_HOURS, None),
        (at(MON, 8), TWO_HOURS, SlotProblem.IN_PAST),
        (at(MON, 10), TWO_HOURS, SlotProblem.TOO_SOON),
        (at(MON, 11), TWO_HOURS, None),
        (at(date(2026, 12, 13), 10), TWO_HOURS, SlotProblem.SUNDAY),
        (at(date(2026, 12, 12), 13, 30), TWO_HOURS, SlotProblem.OUTSIDE_HOURS),  # Sat closes 15
        (at(date(2026, 12, 25), 10), TWO_HOURS, SlotProblem.HOLIDAY),
        (at(TUE, 10, 15), timedelta(minutes=15), SlotProblem.CONFLICT),  # off-grid is fine
    ],
)
def test_check_slot(start: datetime, duration: timedelta, problem: SlotProblem | None) -> None:
    result = check_slot(start, duration, BLOCKS, now=NOW)
    assert result.problem is problem
    assert result.ok is (problem is None)
    assert result.message


def test_check_slot_names_the_holiday_and_the_clash() -> None:
    result = check_slot(at(date(2026, 12, 24), 10), TWO_HOURS, [], now=NOW)
    assert (result.problem, result.holiday) == (SlotProblem.HOLIDAY, "juleaften")
    result = check_slot(at(TUE, 12, 30), TWO_HOURS, BLOCKS, now=NOW)
    assert result.busy == BLOCKS[0]


def test_check_slot_prefers_conflict_over_buffer() -> None:
    blocks = [busy(TUE, (7, 0), (7, 30)), busy(TUE, (9, 0), (9, 30))]
    assert check_slot(at(TUE, 8), TWO_HOURS, blocks, now=NOW).problem is SlotProblem.CONFLICT


# --- properties -------------------------------------------------------------------------

nows = st.datetimes(
    min_value=datetime(2026, 1, 1),
    max_value=datetime(2028, 12, 31),
    timezones=st.just(TZ),
    allow_imaginary=False,
)
durations = st.sampled_from([timedelta(minutes=m) for m in (30, 60, 120, 150, 180, 270, 480)])


@st.composite
def busy_intervals(draw: st.DrawFn, now: datetime) -> list[BusyInterval]:
    result = []
    for _ in range(draw(st.integers(0, 25))):
        offset = timedelta(minutes=draw(st.integers(-24 * 60, 15 * 24 * 60)))
        length = timedelta(minutes=draw(st.integers(15, 10 * 60)))
        start = (now + offset).astimezone(UTC)
        result.append(BusyInterval(start, start + length))
    return result


def local_hours(day: date) -> tuple[time, time]:
    return (time(8), time(15)) if day.weekday() == 5 else (time(8), time(17))


@settings(max_examples=150, deadline=None)
@given(data=st.data(), now=nows, duration=durations, count=st.integers(1, 5))
def test_every_offered_slot_is_bookable(
    data: st.DataObject, now: datetime, duration: timedelta, count: int
) -> None:
    blocks = data.draw(busy_intervals(now))
    slots = find_slots(now, blocks, duration=duration, count=count)
    assert len(slots) <= count
    assert starts(slots) == sorted(starts(slots))
    for slot in slots:
        local_start, local_end = slot.start.astimezone(TZ), slot.end.astimezone(TZ)
        day = local_start.date()
        assert slot.start.tzinfo is not None
        assert slot.end - slot.start == duration
        assert local_end.date() == day
        assert day.weekday() != 6
        assert holiday_name(day) is None
        opening, closing = local_hours(day)
        assert opening <= local_start.time()
        assert local_end.time() <= closing
        assert local_start.minute in (0, 30)
        assert slot.start >= now + TWO_HOURS
        assert slot.start < now + timedelta(days=14)
        for b in blocks:
            assert slot.end + HOUR <= b.start or slot.start >= b.end + HOUR
        assert check_slot(slot.start, duration, blocks, now=now).ok
    for first, second in itertools.pairwise(slots):
        assert first.end <= second.start


@settings(max_examples=100, deadline=None)
@given(now=nows, duration=durations)
def test_with_a_free_calendar_the_customer_gets_three_different_days(
    now: datetime, duration: timedelta
) -> None:
    slots = find_slots(now, [], duration=duration)
    assert len(slots) == 3
    assert len({slot.start.astimezone(TZ).date() for slot in slots}) == 3
