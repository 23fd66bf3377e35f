"""Lead score: each part's thresholds, the caps, the tiers and the invariants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tools.danish_format import company_tz
from tools.lead_score import (
    LeadScore,
    LeadStatus,
    LeadTier,
    contact_quality_points,
    engagement_points,
    is_company_domain,
    response_speed_points,
    score_lead,
    value_points,
)

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("age", "points"),
    [
        (timedelta(0), 25),
        (timedelta(minutes=59), 25),
        (timedelta(hours=1), 25),
        (timedelta(hours=1, seconds=1), 20),
        (timedelta(hours=4), 20),
        (timedelta(hours=4, seconds=1), 15),
        (timedelta(hours=24), 15),
        (timedelta(hours=24, seconds=1), 10),
        (timedelta(hours=72), 10),
        (timedelta(hours=72, seconds=1), 5),
        (timedelta(days=400), 5),
        (timedelta(hours=-3), 25),  # clock skew: treated as brand new
    ],
)
def test_response_speed(age: timedelta, points: int) -> None:
    assert response_speed_points(NOW - age, NOW) == points


def test_response_speed_compares_across_time_zones() -> None:
    created = datetime(2026, 12, 7, 12, 30, tzinfo=company_tz())  # 11:30 UTC
    assert response_speed_points(created, NOW) == 25


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        response_speed_points(datetime(2026, 12, 7), NOW)


@pytest.mark.parametrize(
    ("email", "phone", "points"),
    [
        ("kunde@gmail.com", "+45 12 34 56 78", 25),
        ("info@firma.dk", "12345678", 25),  # 25 + 5 capped at 25
        ("kunde@gmail.com", None, 15),
        ("info@firma.dk", None, 20),
        (None, "12 34 56 78", 10),
        (None, None, 0),
        ("", "", 0),
        ("not an email", None, 0),
        ("kunde@gmail.com", "1234", 15),  # too few digits for a phone number
        ("kunde@gmail.dk", None, 15),
        ("kunde@GMAIL.COM", None, 15),
        ("kunde@hotmail.dk", None, 15),
        ("kunde@hotmail.co.uk", None, 15),
        ("kunde@live.dk", None, 15),
        ("kunde@outlook.com", None, 15),
        ("kunde@yahoo.dk", None, 15),
        ("kunde@googlemail.com", None, 15),
        ("kunde@icloud.com", None, 20),  # not one of the five named families
        ("kunde@live-events.dk", None, 20),
    ],
)
def test_contact_quality(email: str | None, phone: str | None, points: int) -> None:
    assert contact_quality_points(email, phone) == points


def test_company_domain() -> None:
    assert is_company_domain("rendetalje.dk")
    assert not is_company_domain("gmail.com")
    assert not is_company_domain("mail.yahoo.co.uk")


@pytest.mark.parametrize(
    ("value", "points"),
    [
        (Decimal(25_000), 25),
        (Decimal(10_000), 25),
        (Decimal("9999.99"), 20),
        (Decimal(5_000), 20),
        (Decimal(4_999), 15),
        (Decimal(2_500), 15),
        (Decimal(2_499), 10),
        (Decimal(1_000), 10),
        (Decimal(999), 5),
        (Decimal("0.01"), 5),
        (Decimal(0), 0),
        (Decimal(-100), 0),
        (None, 0),
        (1396, 10),
    ],
)
def test_value(value: Decimal | int | None, points: int) -> None:
    assert value_points(value) == points


@pytest.mark.parametrize(
    ("status", "phone", "points"),
    [
        (LeadStatus.NEW, None, 0),
        (LeadStatus.NEW, "12345678", 5),
        (LeadStatus.CONTACTED, None, 5),
        (LeadStatus.CONTACTED, "12345678", 10),
        (LeadStatus.QUOTED, None, 15),  # contacted + quoted
        (LeadStatus.QUOTED, "12345678", 20),
        (LeadStatus.WON, None, 25),  # 5 + 10 + 15 capped
        (LeadStatus.WON, "12345678", 25),
        (LeadStatus.LOST, None, 0),
        (LeadStatus.LOST, "12345678", 5),
        ("quoted", None, 15),
    ],
)
def test_engagement(status: LeadStatus | str, phone: str | None, points: int) -> None:
    assert engagement_points(status, phone) == points


def test_unknown_status_is_refused() -> None:
    with pytest.raises(ValueError, match="archived"):
        engagement_points("archived", None)


@pytest.mark.parametrize(
    ("parts", "tier"),
    [
        ((25, 25, 25, 0), LeadTier.HOT),
        ((25, 25, 20, 4), LeadTier.WARM),  # 74
        ((25, 25, 0, 0), LeadTier.WARM),  # 50
        ((25, 20, 4, 0), LeadTier.COLD),  # 49
        ((0, 0, 0, 0), LeadTier.COLD),
        ((25, 25, 25, 25), LeadTier.HOT),
    ],
)
def test_tiers(parts: tuple[int, int, int, int], tier: LeadTier) -> None:
    score = LeadScore(*parts)
    assert score.total == sum(parts)
    assert score.tier is tier


def test_parts_outside_0_to_25_are_refused() -> None:
    with pytest.raises(ValueError, match="0–25"):
        LeadScore(30, 0, 0, 0)
    with pytest.raises(ValueError, match="0–25"):
        LeadScore(0, 0, 0, -1)


def test_a_fresh_company_lead_that_got_a_quote_is_hot() -> None:
    score = score_lead(
        created_at=NOW - timedelta(minutes=30),
        now=NOW,
        email="indkob@firma.dk",
        phone="+45 87 65 43 21",
        estimated_value_kr=Decimal(12_000),
        status=LeadStatus.QUOTED,
    )
    assert (score.response_speed, score.contact_quality, score.value, score.engagement) == (
        25,
        25,
        25,
        20,
    )
    assert score.total == 95
    assert score.tier is LeadTier.HOT


def test_an_old_gmail_lead_without_value_is_cold() -> None:
    score = score_lead(
        created_at=NOW - timedelta(days=5),
        now=NOW,
        email="kunde@gmail.com",
        phone=None,
        estimated_value_kr=None,
        status="new",
    )
    assert (score.total, score.tier) == (20, LeadTier.COLD)


emails = st.one_of(
    st.none(),
    st.sampled_from(["a@gmail.com", "b@firma.dk", "c@live.dk", "broken", "d@hotmail.co.uk"]),
    st.text(max_size=30),
)
phones = st.one_of(st.none(), st.text(alphabet="0123456789 +", max_size=15))


@given(
    age=st.timedeltas(min_value=timedelta(days=-2), max_value=timedelta(days=60)),
    email=emails,
    phone=phones,
    value=st.one_of(st.none(), st.decimals(min_value=-1000, max_value=10**6, places=2)),
    status=st.sampled_from(list(LeadStatus)),
)
def test_parts_are_bounded_and_add_up(
    age: timedelta, email: str | None, phone: str | None, value: Decimal | None, status: LeadStatus
) -> None:
    score = score_lead(
        created_at=NOW - age,
        now=NOW,
        email=email,
        phone=phone,
        estimated_value_kr=value,
        status=status,
    )
    parts = (score.response_speed, score.contact_quality, score.value, score.engagement)
    assert all(0 <= part <= 25 for part in parts)
    assert score.total == sum(parts)
    assert 0 <= score.total <= 100
    expected = (
        LeadTier.HOT if score.total >= 75 else LeadTier.WARM if score.total >= 50 else LeadTier.COLD
    )
    assert score.tier is expected


@given(
    a=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)),
    b=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)),
)
def test_an_older_lead_never_scores_higher_on_speed(a: timedelta, b: timedelta) -> None:
    younger, older = min(a, b), max(a, b)
    assert response_speed_points(NOW - older, NOW) <= response_speed_points(NOW - younger, NOW)


@given(a=st.decimals(min_value=-10, max_value=10**6), b=st.decimals(min_value=-10, max_value=10**6))
def test_more_value_never_scores_lower(a: Decimal, b: Decimal) -> None:
    assert value_points(min(a, b)) <= value_points(max(a, b))
