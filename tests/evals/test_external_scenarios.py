"""Acceptance 2: scenarios written only from the format document (evals/scenarios/external,
tagged `external`, written before their author read any code) run unchanged and pass."""

from __future__ import annotations

from pathlib import Path

from evals.loading import collect
from evals.runner import run_all

from .test_runner import offline_settings

EXTERNAL = Path(__file__).resolve().parents[2] / "evals" / "scenarios" / "external"


async def test_the_externally_written_scenarios_load_run_and_pass(pg_admin_url: str) -> None:
    scenarios, problems = collect([EXTERNAL])
    assert problems == []
    assert len(scenarios) >= 4
    assert all("external" in s.tags for s in scenarios)
    assert {s.channel for s in scenarios} == {"chat", "email"}
    report = await run_all(scenarios, settings=offline_settings(), admin_url=pg_admin_url, jobs=2)
    failures = {
        t.scenario_id: [c.message for c in t.checks if not c.passed]
        for s in report.scenarios
        for t in s.trials
        if not t.passed
    }
    assert failures == {}
    assert report.pass_k["external"]["1"] == 1.0
