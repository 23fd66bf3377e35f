"""The auto-reply decision: each rule, its boundaries, and auto-send only when nothing flags."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tools.mail_policy.automation import InboundFacts
from tools.mail_policy.decision import INFO_REASONS, Decision, Reason, decide

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
CUSTOMER = "birgit.norgaard@example.dk"
PLAIN = InboundFacts(CUSTOMER, body="Kan I komme lørdag?")
GOOD: dict[str, Any] = {
    "mode": "auto-send",
    "now": NOW,
    "last_quote_sent_at": None,
    "replies_today": 0,
    "sender_replies_last_hour": 0,
    "thread_replies_last_day": 0,
    "sender_verified": True,
    "reply_to_differs": False,
    "intent": "new_lead",
}


def run(facts: InboundFacts = PLAIN, **changes: Any) -> Decision:
    return decide(facts, **{**GOOD, **changes})


def test_clean_mail_in_auto_send_mode_is_sent_with_rfc3834_header() -> None:
    d = run()
    assert (d.outcome, d.reasons, d.recipient) == ("auto_send", (), CUSTOMER)
    assert d.reply_headers == {"Auto-Submitted": "auto-replied"}


@pytest.mark.parametrize(
    ("changes", "outcome", "reason"),
    [
        ({"mode": "off"}, "ignore", Reason.MODE_OFF),
        ({"mode": "draft-only"}, "draft_for_review", Reason.MODE_DRAFT_ONLY),
        ({"intent": "booking_change"}, "draft_for_review", Reason.INTENT_NOT_ALLOWED),
        ({"sender_verified": False}, "draft_for_review", Reason.UNVERIFIED_SENDER),
        ({"reply_to_differs": True}, "draft_for_review", Reason.REPLY_TO_MISMATCH),
        ({"replies_today": 49}, "auto_send", None),  # this is the 50th reply
        ({"replies_today": 50}, "draft_for_review", Reason.DAILY_CAP),  # the 51st
        ({"replies_today": 9, "daily_cap": 10}, "auto_send", None),
        ({"replies_today": 10, "daily_cap": 10}, "draft_for_review", Reason.DAILY_CAP),
        ({"sender_replies_last_hour": 1}, "auto_send", None),
        ({"sender_replies_last_hour": 2}, "draft_for_review", Reason.SENDER_RATE),
        ({"thread_replies_last_day": 2}, "auto_send", None),
        ({"thread_replies_last_day": 3}, "draft_for_review", Reason.THREAD_RATE),
    ],
)
def test_single_rules(changes: dict[str, Any], outcome: str, reason: Reason | None) -> None:
    d = run(**changes)
    assert d.outcome == outcome
    assert d.reasons == ((reason,) if reason else ())


@pytest.mark.parametrize(
    ("age", "outcome", "reasons"),
    [
        (timedelta(0), "stop", (Reason.DUPLICATE_QUOTE_7D,)),
        (timedelta(days=-1), "stop", (Reason.DUPLICATE_QUOTE_7D,)),  # clock skew
        (timedelta(days=7) - timedelta(seconds=1), "stop", (Reason.DUPLICATE_QUOTE_7D,)),
        (timedelta(days=7), "draft_for_review", (Reason.RECENT_QUOTE_WARNING,)),
        (timedelta(days=30), "draft_for_review", (Reason.RECENT_QUOTE_WARNING,)),
        (timedelta(days=30, seconds=1), "auto_send", ()),
    ],
)
def test_quote_age_boundaries(age: timedelta, outcome: str, reasons: tuple[Reason, ...]) -> None:
    d = run(last_quote_sent_at=NOW - age)
    assert (d.outcome, d.reasons) == (outcome, reasons)
    if outcome == "stop":
        assert d.recipient is None and d.reply_headers == {}


@pytest.mark.parametrize(
    ("body", "outcome", "reason"),
    [
        ("Jeg har kontaktet min advokat", "escalate", Reason.CONFLICT_CRITICAL),
        ("Dette er en klage", "escalate", Reason.CONFLICT_HIGH),
        ("Jeg er lidt skuffet", "draft_for_review", Reason.CONFLICT_MEDIUM),
        ("Det var uheldigt", "draft_for_review", Reason.CONFLICT_LOW),
    ],
)
def test_conflict(body: str, outcome: str, reason: Reason) -> None:
    d = run(replace(PLAIN, body=body))
    assert (d.outcome, d.reasons) == (outcome, (reason,))


def test_high_conflict_escalates_even_when_off_and_without_reply() -> None:
    d = run(replace(PLAIN, subject="Klage"), mode="off")
    assert (d.outcome, d.recipient, d.reply_headers) == ("escalate", None, {})


def test_automated_mail_is_ignored_before_anything_else() -> None:
    facts = InboundFacts(CUSTOMER, {"Auto-Submitted": "auto-replied"}, body="klage, advokat")
    d = run(facts)
    assert (d.outcome, d.reasons) == ("ignore", (Reason.AUTOMATED,))


def test_relay_reply_goes_to_body_address_never_to_relay() -> None:
    lead = InboundFacts("noreply@leadmail.no", lead_source="leadmail", customer_email="l@x.dk")
    d = run(lead, intent="new_lead")
    assert (d.outcome, d.recipient) == ("auto_send", "l@x.dk")
    assert d.reasons == (Reason.RELAY_NEVER_REPLY,)


@pytest.mark.parametrize("customer", [None, "", "sp@adhelp.dk"])
def test_relay_without_customer_address_is_not_answered(customer: str | None) -> None:
    lead = InboundFacts("sp@adhelp.dk", lead_source="adhelp", customer_email=customer)
    d = run(lead, intent="new_lead")
    assert (d.outcome, d.recipient) == ("ignore", None)
    assert Reason.NO_RECIPIENT in d.reasons


def test_unknown_source_goes_to_review() -> None:
    d = run(replace(PLAIN, lead_source="unknown"))
    assert (d.outcome, d.reasons) == ("draft_for_review", (Reason.UNKNOWN_SOURCE,))


def test_several_flags_are_all_reported_in_stable_order() -> None:
    d = run(mode="draft-only", sender_verified=False, replies_today=60)
    assert d.reasons == (Reason.DAILY_CAP, Reason.UNVERIFIED_SENDER, Reason.MODE_DRAFT_ONLY)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        run(now=NOW.replace(tzinfo=None))
    with pytest.raises(ValueError, match="timezone-aware"):
        run(last_quote_sent_at=datetime(2026, 11, 1))


_BODIES = st.sampled_from(["Hej", "klage", "skuffet", "uheldigt", "advokat", "tak for sidst"])
_HEADERS = st.sampled_from([{}, {"Precedence": "bulk"}, {"Auto-Submitted": "no"}])


@given(
    body=_BODIES,
    headers=_HEADERS,
    source=st.sampled_from(["direct", "unknown", "leadpoint", "website"]),
    mode=st.sampled_from(["off", "draft-only", "auto-send"]),
    quote_age_days=st.none() | st.integers(min_value=-2, max_value=40),
    replies_today=st.integers(0, 60),
    sender_rate=st.integers(0, 4),
    thread_rate=st.integers(0, 5),
    verified=st.booleans(),
    differs=st.booleans(),
    intent=st.sampled_from(["new_lead", "booking_change", "question", "complaint"]),
)
def test_never_auto_send_when_any_flag_is_raised(
    body: str,
    headers: dict[str, str],
    source: Any,
    mode: Any,
    quote_age_days: int | None,
    replies_today: int,
    sender_rate: int,
    thread_rate: int,
    verified: bool,
    differs: bool,
    intent: str,
) -> None:
    last = None if quote_age_days is None else NOW - timedelta(days=quote_age_days)
    d = decide(
        InboundFacts(CUSTOMER, headers, body=body, lead_source=source),
        mode=mode,
        now=NOW,
        last_quote_sent_at=last,
        replies_today=replies_today,
        sender_replies_last_hour=sender_rate,
        thread_replies_last_day=thread_rate,
        sender_verified=verified,
        reply_to_differs=differs,
        intent=intent,
    )
    flagged = [r for r in d.reasons if r not in INFO_REASONS]
    assert (d.outcome == "auto_send") == (not flagged)
    if d.outcome == "auto_send":
        assert mode == "auto-send" and verified and not differs and replies_today < 50
        assert quote_age_days is None or quote_age_days > 30
    assert d.outcome in ("ignore", "escalate", "draft_for_review", "auto_send", "stop")
