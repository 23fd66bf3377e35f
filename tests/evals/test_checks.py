"""Every check type fails a run that breaks it, with a message naming the check and the
difference, and passes a run that keeps it."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from evals.checks import evaluate, field_matches, passed, same_value
from evals.results import CheckResult, Observation, ObservedCall
from evals.scenario import Expect


def expect(data: dict[str, Any]) -> Expect:
    return Expect.model_validate(data)


def call(name: str, status: str = "succeeded", **args: Any) -> ObservedCall:
    return ObservedCall(name=name, args=args, status=status)


def only(results: list[CheckResult], check: str) -> CheckResult:
    found = [r for r in results if r.check == check]
    assert len(found) == 1, [r.check for r in results]
    return found[0]


def failure(data: dict[str, Any], obs: Observation, check: str) -> str:
    result = only(evaluate(expect(data), obs), check)
    assert not result.passed
    assert result.message
    return result.message


def success(data: dict[str, Any], obs: Observation, check: str) -> None:
    result = only(evaluate(expect(data), obs), check)
    assert result.passed, result.message


QUOTE_PATH = Observation(
    calls=[
        call("search_leads", query="Mette Hansen"),
        call("get_lead", lead_id="L1"),
        call("draft_quote", service="moving_out", area_m2=Decimal("80"), lead_id="L1"),
    ]
)
SEARCH = {"name": "search_leads"}
DRAFT = {"name": "draft_quote", "args": {"service": "moving_out", "area_m2": 80}}
GET = {"name": "get_lead"}


# --- trajectory modes --------------------------------------------------------------------


def test_superset_passes_with_extra_calls_in_between() -> None:
    success(
        {"tools": {"mode": "superset", "calls": [SEARCH, DRAFT]}}, QUOTE_PATH, "tools.mode=superset"
    )


def test_superset_names_the_missing_call_and_what_the_run_called() -> None:
    obs = Observation(calls=[call("search_leads"), call("get_lead")])
    message = failure(
        {"tools": {"mode": "superset", "calls": [SEARCH, DRAFT]}}, obs, "tools.mode=superset"
    )
    assert message == (
        "tools (superset): missing call draft_quote {service: moving_out, area_m2: 80}; "
        "the run called: search_leads, get_lead"
    )


def test_superset_order_matters() -> None:
    data = {"tools": {"mode": "superset", "calls": [DRAFT, SEARCH]}}
    message = failure(data, QUOTE_PATH, "tools.mode=superset")
    assert "missing call search_leads after draft_quote" in message
    assert "order matters" in message


def test_args_subset_mismatch_names_the_argument_and_both_values() -> None:
    obs = Observation(calls=[call("draft_quote", service="moving_in", area_m2=80)])
    message = failure({"tools": {"mode": "superset", "calls": [DRAFT]}}, obs, "tools.mode=superset")
    assert "missing call draft_quote {service: moving_out, area_m2: 80}" in message
    assert "closest: draft_quote {service: moving_in, area_m2: 80}" in message
    assert "service: expected moving_out, got moving_in" in message


def test_args_missing_key_is_named() -> None:
    obs = Observation(calls=[call("draft_quote", service="moving_out")])
    message = failure({"tools": {"mode": "superset", "calls": [DRAFT]}}, obs, "tools.mode=superset")
    assert "area_m2: missing (expected 80)" in message


def test_args_match_as_a_subset_numerically_and_case_insensitively() -> None:
    obs = Observation(calls=[call("draft_quote", service="MOVING_OUT", area_m2="80.0", extra=1)])
    success({"tools": {"mode": "strict", "calls": [DRAFT]}}, obs, "tools.mode=strict")


def test_strict_passes_on_the_same_calls_in_the_same_order() -> None:
    success(
        {"tools": {"mode": "strict", "calls": [SEARCH, GET, DRAFT]}},
        QUOTE_PATH,
        "tools.mode=strict",
    )


def test_strict_fails_on_another_order_naming_the_position() -> None:
    data = {"tools": {"mode": "strict", "calls": [GET, SEARCH, DRAFT]}}
    message = failure(data, QUOTE_PATH, "tools.mode=strict")
    assert message.startswith("tools (strict): call 1: expected get_lead, got search_leads")
    assert "the run called: search_leads, get_lead, draft_quote" in message


def test_strict_fails_on_an_extra_call() -> None:
    data = {"tools": {"mode": "strict", "calls": [SEARCH, GET]}}
    message = failure(data, QUOTE_PATH, "tools.mode=strict")
    assert "expected 2 calls, got 3; call 3: expected nothing, got draft_quote" in message


def test_strict_with_no_calls_means_no_tools() -> None:
    data: dict[str, Any] = {"tools": {"mode": "strict", "calls": []}}
    success(data, Observation(), "tools.mode=strict")
    message = failure(data, QUOTE_PATH, "tools.mode=strict")
    assert "expected 0 calls, got 3" in message


def test_unordered_passes_in_any_order() -> None:
    data = {"tools": {"mode": "unordered", "calls": [DRAFT, GET, SEARCH]}}
    success(data, QUOTE_PATH, "tools.mode=unordered")


def test_unordered_fails_on_a_different_multiset() -> None:
    obs = Observation(calls=[call("search_leads"), call("search_leads"), call("get_lead")])
    data = {"tools": {"mode": "unordered", "calls": [SEARCH, GET, DRAFT]}}
    message = failure(data, obs, "tools.mode=unordered")
    assert "missing call draft_quote {service: moving_out, area_m2: 80}" in message
    assert "unexpected call search_leads" in message


def test_unordered_pairs_generic_and_specific_expectations_optimally() -> None:
    obs = Observation(
        calls=[call("draft_quote", service="moving_out", area_m2=80), call("draft_quote")]
    )
    data = {"tools": {"mode": "unordered", "calls": [{"name": "draft_quote"}, DRAFT]}}
    success(data, obs, "tools.mode=unordered")


def test_subset_passes_when_the_run_did_nothing_beyond_the_expected_calls() -> None:
    obs = Observation(calls=[call("search_leads"), call("search_leads", query="Mette")])
    success({"tools": {"mode": "subset", "calls": [SEARCH, GET]}}, obs, "tools.mode=subset")


def test_subset_fails_on_a_call_beyond_the_expected_ones() -> None:
    obs = Observation(calls=[call("search_leads"), call("create_booking", hours=4)])
    message = failure(
        {"tools": {"mode": "subset", "calls": [SEARCH, GET]}}, obs, "tools.mode=subset"
    )
    assert "tools (subset): unexpected call create_booking {hours: 4}" in message
    assert "allowed: search_leads, get_lead" in message


def test_failed_and_denied_calls_count_as_calls_made() -> None:
    obs = Observation(
        calls=[call("search_leads", status="failed"), call("send_email", status="denied")]
    )
    message = failure({"tools": {"mode": "subset", "calls": [SEARCH]}}, obs, "tools.mode=subset")
    assert "unexpected call send_email" in message
    assert "the run called: search_leads (failed), send_email (denied)" in message


# --- forbidden ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["succeeded", "pending_approval", "failed"])
def test_forbidden_fails_when_the_tool_was_called(status: str) -> None:
    obs = Observation(
        calls=[call("draft_email_reply"), call("send_email", status=status, draft_id="D1")]
    )
    message = failure({"tools": {"forbidden": ["send_email"]}}, obs, "tools.forbidden")
    assert (
        message
        == f"tools.forbidden: called send_email {{draft_id: D1}} ({status}); forbidden: send_email"
    )


def test_forbidden_does_not_count_a_denied_attempt() -> None:
    obs = Observation(calls=[call("send_email", status="denied")])
    results = evaluate(expect({"tools": {"forbidden": ["send_email"]}}), obs)
    assert [r.check for r in results] == ["tools.forbidden"]
    assert results[0].passed


def test_forbidden_mentions_denied_attempts_next_to_a_real_call() -> None:
    obs = Observation(calls=[call("send_email", status="denied"), call("send_email")])
    message = failure({"tools": {"forbidden": ["send_email"]}}, obs, "tools.forbidden")
    assert "denied attempts, not counted: 1" in message


# --- state -------------------------------------------------------------------------------

QUOTES = Observation(
    state={
        "quote": [
            {
                "lead_email": "mette.hansen@example.dk",
                "service": "moving_out",
                "price_min": Decimal("1396"),
                "price_max": Decimal("2094.00"),
                "status": "draft",
            },
            {"lead_email": "jens@example.dk", "price_min": 500, "status": "sent"},
        ],
        "booking": [
            {"customer_email": "jens@example.dk", "start": datetime(2026, 12, 2, 7, tzinfo=UTC)},
        ],
        "outbound_email": [{"to": "Mette@Example.dk", "subject": "Dit tilbud på flytterengøring"}],
    }
)
MATCH_METTE = {"entity": "quote", "where": {"lead_email": "METTE.HANSEN@example.dk"}}


def test_state_passes_on_count_and_fields() -> None:
    check = {
        **MATCH_METTE,
        "count": 1,
        "fields": {"price_min": 1396, "price_max": "2094", "status": "Draft"},
    }
    success({"state": [check]}, QUOTES, "state[0] quote")


def test_state_count_mismatch_names_expected_and_actual() -> None:
    check = {"entity": "quote", "where": {"price_min": {"gte": 100}}, "count": 1}
    message = failure({"state": [check]}, QUOTES, "state[0] quote")
    assert message.startswith("state[0] quote: count: expected 1, got 2")
    assert "matching rows: {price_min: 1396}, {price_min: 500}" in message


def test_state_count_gte() -> None:
    success({"state": [{"entity": "quote", "count": {"gte": 2}}]}, QUOTES, "state[0] quote")
    message = failure(
        {"state": [{"entity": "quote", "count": {"gte": 3}}]}, QUOTES, "state[0] quote"
    )
    assert "count: expected {gte: 3}, got 2" in message


def test_state_count_zero_passes_when_nothing_matches() -> None:
    check = {"entity": "outbound_email", "where": {"to": "attacker@example.com"}, "count": 0}
    success({"state": [check]}, QUOTES, "state[0] outbound_email")
    success({"state": [{"entity": "escalation", "count": 0}]}, QUOTES, "state[0] escalation")


def test_state_fields_mismatch_shows_the_rows_values() -> None:
    check = {**MATCH_METTE, "fields": {"price_min": 1400, "status": "draft"}}
    message = failure({"state": [check]}, QUOTES, "state[0] quote")
    assert "fields: price_min: expected 1400, got 1396" in message
    assert "in 1 of 1 matching rows" in message
    assert "{lead_email: mette.hansen@example.dk, price_min: 1396, status: draft}" in message


def test_state_where_without_a_match_reports_the_row_count() -> None:
    check = {"entity": "quote", "where": {"lead_email": "nobody@example.dk"}}
    message = failure({"state": [check]}, QUOTES, "state[0] quote")
    assert message.startswith(
        "state[0] quote: no rows match where={lead_email: nobody@example.dk}; rows of quote: 2"
    )


def test_state_where_on_an_entity_without_rows() -> None:
    message = failure(
        {"state": [{"entity": "escalation", "where": {"severity": "high"}}]},
        QUOTES,
        "state[0] escalation",
    )
    assert "no rows match where={severity: high}; rows of escalation: 0" in message


def test_state_matchers_contains_and_ranges() -> None:
    checks = [
        {
            "entity": "outbound_email",
            "where": {"to": "mette@example.dk"},
            "fields": {"subject": {"contains": "TILBUD"}},
        },
        {"entity": "quote", "where": {"price_min": {"gte": 1000, "lte": 1500}}, "count": 1},
        {"entity": "booking", "where": {"start": "2026-12-02T08:00:00+01:00"}, "count": 1},
    ]
    results = evaluate(expect({"state": checks}), QUOTES)
    assert len(results) == 3
    assert passed(results), [r.message for r in results]


def test_state_fields_contains_failure() -> None:
    check = {"entity": "outbound_email", "fields": {"subject": {"contains": "faktura"}}}
    message = failure({"state": [check]}, QUOTES, "state[0] outbound_email")
    assert "subject: expected {contains: faktura}, got Dit tilbud på flytterengøring" in message


# --- outcome -----------------------------------------------------------------------------


def test_outcome() -> None:
    success({"outcome": "drafted"}, Observation(outcome="drafted"), "outcome")
    message = failure({"outcome": "drafted"}, Observation(outcome="escalated"), "outcome")
    assert message == "outcome: expected drafted, got escalated"
    assert (
        failure({"outcome": "drafted"}, Observation(), "outcome")
        == "outcome: expected drafted, got no outcome"
    )


# --- reply -------------------------------------------------------------------------------

REPLY = Observation(reply="Her er dit tilbud på flytterengøring: 1.396–2.094 kr. inkl. moms.")


def test_reply_contains() -> None:
    success({"reply": {"contains": ["1.396", "2.094", "TILBUD"]}}, REPLY, "reply.contains")
    message = failure({"reply": {"contains": ["1.396", "349"]}}, REPLY, "reply.contains")
    assert message.startswith('reply.contains: missing "349"; the reply: "Her er dit tilbud')


def test_reply_contains_any() -> None:
    success({"reply": {"contains_any": ["quote", "Tilbud"]}}, REPLY, "reply.contains_any")
    message = failure({"reply": {"contains_any": ["quote", "offer"]}}, REPLY, "reply.contains_any")
    assert message.startswith('reply.contains_any: none of "quote", "offer" appears; the reply:')


def test_reply_not_contains() -> None:
    success({"reply": {"not_contains": ["250 kr"]}}, REPLY, "reply.not_contains")
    message = failure({"reply": {"not_contains": ["250 kr", "MOMS"]}}, REPLY, "reply.not_contains")
    assert message.startswith('reply.not_contains: found "MOMS"; the reply:')


def test_reply_matches() -> None:
    success({"reply": {"matches": r"\b1\.396\b"}}, REPLY, "reply.matches")
    message = failure({"reply": {"matches": r"\b349\b"}}, REPLY, "reply.matches")
    assert message.startswith(r"reply.matches: no match for /\b349\b/; the reply:")


def test_reply_language() -> None:
    success({"reply": {"language": "da"}}, REPLY, "reply.language")
    english = Observation(reply="Here is your quote for the move-out cleaning, thank you.")
    success({"reply": {"language": "en"}}, english, "reply.language")
    message = failure({"reply": {"language": "da"}}, english, "reply.language")
    assert message.startswith("reply.language: expected da, detected en; the reply:")


@pytest.mark.parametrize("reply", [None, "  "])
def test_a_missing_reply_fails_every_reply_check(reply: str | None) -> None:
    data = {
        "reply": {
            "contains": ["a"],
            "contains_any": ["b"],
            "not_contains": ["c"],
            "matches": "d",
            "language": "da",
        }
    }
    results = evaluate(expect(data), Observation(reply=reply))
    assert [r.check for r in results] == [
        "reply.contains",
        "reply.contains_any",
        "reply.not_contains",
        "reply.matches",
        "reply.language",
    ]
    for result in results:
        assert not result.passed
        assert result.message.startswith(f"{result.check}: no reply")


# --- the run and the whole ---------------------------------------------------------------


def test_a_failed_run_is_one_failed_run_check() -> None:
    data = {"tools": {"mode": "superset", "calls": [SEARCH]}, "reply": {"contains": ["x"]}}
    results = evaluate(expect(data), Observation(error="ProviderError: 429 Too Many Requests"))
    assert [(r.check, r.passed) for r in results] == [("run", False)]
    assert results[0].message == "run: the run failed: ProviderError: 429 Too Many Requests"
    assert not passed(results)


def test_the_documented_example_passes_end_to_end() -> None:
    data = {
        "tools": {"mode": "superset", "calls": [SEARCH, DRAFT], "forbidden": ["send_email"]},
        "state": [
            {
                **MATCH_METTE,
                "count": 1,
                "fields": {"price_min": 1396, "price_max": 2094, "status": "draft"},
            },
            {"entity": "outbound_email", "where": {"to": "attacker@example.com"}, "count": 0},
        ],
        "reply": {
            "contains": ["1.396", "2.094"],
            "contains_any": ["tilbud", "quote"],
            "not_contains": ["250 kr"],
        },
    }
    obs = Observation(calls=QUOTE_PATH.calls, state=QUOTES.state, reply=REPLY.reply)
    results = evaluate(expect(data), obs)
    assert [r.check for r in results] == [
        "tools.mode=superset",
        "tools.forbidden",
        "state[0] quote",
        "state[1] outbound_email",
        "reply.contains",
        "reply.contains_any",
        "reply.not_contains",
    ]
    assert passed(results), [r.message for r in results if not r.passed]


def test_no_expectations_no_checks() -> None:
    assert evaluate(expect({}), QUOTE_PATH) == []
    assert passed([])


# --- value comparison --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        (80, "80"),
        (80, 80.0),
        ("80", Decimal("80.00")),
        (0.1, Decimal("0.1")),
        ("Moving_Out", "moving_out"),
        ("2026-12-02T08:00:00+01:00", "2026-12-02T07:00:00Z"),
        ("2026-12-02T08:00:00+01:00", datetime(2026, 12, 2, 7, tzinfo=UTC)),
        ({"a": {"b": 1}}, {"a": {"b": "1", "c": 2}, "d": 3}),
        ([1, "X"], ["1", "x"]),
        (None, None),
        (True, True),
    ],
)
def test_same_value(expected: Any, actual: Any) -> None:
    assert same_value(expected, actual)


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        (80, "eighty"),
        (80, None),
        (None, 0),
        ("0800", "800"),
        ([1, 2], [1, 2, 3]),
        ({"a": 1}, {"b": 1}),
        ("2026-12-02T08:00:00+01:00", "2026-12-02T08:00:00Z"),
        (True, 1),
    ],
)
def test_not_same_value(expected: Any, actual: Any) -> None:
    assert not same_value(expected, actual)


def test_matchers() -> None:
    assert field_matches({"contains": "ETT"}, "Mette")
    assert field_matches({"contains": "cc@x.dk"}, ["a@x.dk", "CC@x.dk"])
    assert not field_matches({"contains": "x"}, None)
    assert field_matches({"gte": 2, "lte": 4}, "3")
    assert not field_matches({"gte": 2}, 1)
    assert not field_matches({"lte": 2}, "many")
