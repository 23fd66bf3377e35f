"""The report: JSON round trip, re-scoring recorded observations, Markdown and the gate."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from evals.checks import evaluate, passed
from evals.passk import pass_k_table
from evals.report import ReportError, meets, read_json, render_markdown, rescore, write_json
from evals.results import (
    CheckResult,
    FileProblem,
    Observation,
    ObservedCall,
    RunReport,
    ScenarioSummary,
    TrialResult,
)
from evals.scenario import Expect

QUOTE_EXPECT = Expect.model_validate(
    {
        "tools": {"mode": "superset", "calls": [{"name": "draft_quote", "args": {"area_m2": 80}}]},
        "state": [
            {
                "entity": "quote",
                "where": {"lead_email": "mette@example.dk"},
                "fields": {"price_min": 1396},
            }
        ],
        "reply": {"contains": ["1.396"]},
    }
)
GOOD = Observation(
    calls=[ObservedCall(name="draft_quote", args={"area_m2": Decimal("80")}, status="succeeded")],
    reply="Tilbud: 1.396–2.094 kr.",
    state={
        "quote": [
            {
                "lead_email": "mette@example.dk",
                "price_min": Decimal("1396.00"),
                "created_at": datetime(2026, 12, 1, 8, tzinfo=UTC),
            }
        ]
    },
)
BAD = Observation(calls=[ObservedCall(name="search_leads", status="succeeded")], reply="Hej")
CRASHED = Observation(error="ProviderError: timeout")


def trial(scenario_id: str, number: int, obs: Observation, expect: Expect) -> TrialResult:
    checks = evaluate(expect, obs)
    return TrialResult(
        scenario_id=scenario_id,
        trial=number,
        passed=passed(checks),
        checks=checks,
        observation=obs,
        input_tokens=10,
        output_tokens=5,
    )


def make_report() -> RunReport:
    scenarios = [
        ScenarioSummary(
            scenario_id="chat-quote-80",
            title="Quote | moving out",
            channel="chat",
            tags=["quote", "happy-path"],
            file="scenarios/quote.yaml",
            trials=[
                trial("chat-quote-80", i, o, QUOTE_EXPECT)
                for i, o in enumerate([GOOD, BAD, GOOD], 1)
            ],
        ),
        ScenarioSummary(
            scenario_id="mail-crash",
            title="A mail",
            channel="email",
            tags=[],
            file="scenarios/mail.yaml",
            trials=[trial("mail-crash", i, CRASHED, QUOTE_EXPECT) for i in (1, 2, 3)],
        ),
    ]
    return RunReport(
        model="offline",
        provider="offline",
        live=False,
        started_at="2026-12-01T09:00:00+01:00",
        seconds=3.25,
        input_tokens=60,
        output_tokens=30,
        k=3,
        scenarios=scenarios,
        problems=[
            FileProblem(
                file="scenarios/broken.yaml",
                field="expect.tools.mode",
                message="not one of strict, unordered, subset, superset",
            )
        ],
        pass_k=pass_k_table(scenarios, 3),
    )


def test_json_round_trip_keeps_everything_and_rescores_the_same(tmp_path: Path) -> None:
    report = make_report()
    path = tmp_path / "out" / "report.json"
    write_json(report, path)
    back = read_json(path)
    assert back.model_dump(mode="json") == report.model_dump(mode="json")
    # Decimals and datetimes come back as strings; the checks still compare them as values.
    again = rescore(back, {"chat-quote-80": QUOTE_EXPECT, "mail-crash": QUOTE_EXPECT})
    assert [[t.passed for t in s.trials] for s in again.scenarios] == [
        [True, False, True],
        [False] * 3,
    ]
    assert again.pass_k == report.pass_k


def test_read_json_reports_a_bad_file(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text('{"model": "x"}', encoding="utf-8")
    with pytest.raises(ReportError, match="not a run report"):
        read_json(path)
    with pytest.raises(ReportError, match="cannot read"):
        read_json(tmp_path / "missing.json")


def test_rescore_applies_changed_expectations_and_recomputes_pass_k() -> None:
    report = make_report()
    assert report.pass_k["overall"]["1"] == pytest.approx((2 / 3 + 0) / 2)
    looser = Expect.model_validate({"reply": {"language": "da"}})
    rescored = rescore(report, {"chat-quote-80": looser})
    quote = rescored.scenarios[0]
    assert [t.passed for t in quote.trials] == [True, True, True]
    assert [c.check for c in quote.trials[1].checks] == ["reply.language"]
    assert rescored.scenarios[1] == report.scenarios[1]  # not given: kept as recorded
    assert rescored.pass_k["overall"] == pytest.approx({"1": 0.5, "2": 0.5, "3": 0.5})
    assert rescored.pass_k["quote"] == pytest.approx({"1": 1.0, "2": 1.0, "3": 1.0})
    assert report.scenarios[0].trials[1].passed is False  # the input is not changed


def test_rescore_can_gate_on_the_recorded_judge() -> None:
    report = make_report()
    first = report.scenarios[0].trials[0]
    judged: dict[str, Any] = {"check": "judge[0]", "passed": False, "message": "impolite"}
    first.judge = [CheckResult.model_validate(judged)]
    assert rescore(report, {"chat-quote-80": QUOTE_EXPECT}).scenarios[0].trials[0].passed
    gated = rescore(report, {"chat-quote-80": QUOTE_EXPECT}, judge_gates=True)
    assert not gated.scenarios[0].trials[0].passed


def test_meets_compares_the_overall_pass_1() -> None:
    report = make_report()  # overall pass^1 = 1/3
    assert meets(report, 0.33)
    assert meets(report, 1 / 3)
    assert not meets(report, 0.34)
    empty = report.model_copy(update={"scenarios": [], "pass_k": {}})
    assert not meets(empty, 0.0)


def test_markdown_has_header_tables_failures_and_problems() -> None:
    text = render_markdown(make_report())
    assert "# Scenario eval: offline" in text
    assert "- Responses: offline" in text
    assert "- Tokens: 60 in, 30 out" in text
    assert "wall time 3.2 s" in text
    assert "## Overall" in text
    assert "| Group | pass^1 | pass^2 | pass^3 |" in text
    assert "| **overall** | 33.3% | 16.7% | 0.0% |" in text
    assert "| quote | 66.7% | 33.3% | 0.0% |" in text
    assert "## Tag: quote" in text
    assert "## Tag: happy-path" in text
    assert "## Tag: (untagged)" in text
    assert "| `chat-quote-80` | Quote \\| moving out | ✓✗✓ | 66.7% | 33.3% | 0.0% |" in text
    assert "| `mail-crash` | A mail | ✗✗✗ | 0.0% | 0.0% | 0.0% |" in text
    failures = text.split("## Failures", 1)[1].split("## File problems", 1)[0]
    assert "### `chat-quote-80` trial 2 (failed)" in failures
    assert "trial 1" not in failures.split("mail-crash")[0]
    assert (
        "- `tools.mode=superset`: tools (superset): missing call draft_quote {area_m2: 80}"
        in failures
    )
    assert '- `reply.contains`: missing "1.396"; the reply: "Hej"' in failures
    assert "- `run`: the run failed: ProviderError: timeout" in failures
    assert "- `scenarios/broken.yaml` field `expect.tools.mode`: not one of strict" in text


def test_markdown_of_a_clean_run() -> None:
    report = make_report()
    clean = rescore(
        report,
        {"chat-quote-80": Expect.model_validate({}), "mail-crash": Expect.model_validate({})},
    )
    clean = clean.model_copy(update={"problems": []})
    clean.scenarios[1].trials = [
        t.model_copy(update={"passed": True, "checks": []}) for t in clean.scenarios[1].trials
    ]
    text = render_markdown(clean.model_copy(update={"pass_k": {}}))  # recomputed when absent
    assert "## Failures\n\nNone.\n" in text
    assert "## File problems\n\nNone.\n" in text
    assert "| **overall** | 100.0% | 100.0% | 100.0% |" in text
