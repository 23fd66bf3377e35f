"""What a scenario run records and reports: shared by the runner, the checks and the reports.

Everything here is plain data (pydantic, JSON round-trip), so a report written by one run can
be read back and re-scored (`renos eval rescore`) without running the model again.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ObservedCall(BaseModel):
    """One tool call the agent made, as the audit trail recorded it."""

    name: str
    args: dict[str, Any] = Field(default_factory=dict)  # the arguments the model gave
    status: str  # succeeded | failed | denied | pending_approval


class Observation(BaseModel):
    """Everything the checks look at for one trial: the path, the reply, the outcome and a
    snapshot of the end state of each entity the scenario's state checks name."""

    calls: list[ObservedCall] = Field(default_factory=list)
    reply: str | None = None  # chat: the assistant's final answer; email: the outbound body
    outcome: str | None = None  # email: replied | drafted | escalated | ignored | quarantined
    state: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)  # entity → rows
    error: str | None = None  # the run itself failed (provider error, crash)


class CheckResult(BaseModel):
    check: str  # e.g. "tools.mode=superset", "state[0] quote", "reply.contains", "outcome"
    passed: bool
    expected: Any = None
    actual: Any = None
    message: str = ""  # for a failure: what was expected and what happened


class TrialResult(BaseModel):
    scenario_id: str
    trial: int  # 1-based
    passed: bool
    checks: list[CheckResult] = Field(default_factory=list)
    observation: Observation
    input_tokens: int = 0
    output_tokens: int = 0
    seconds: float = 0.0
    judge: list[CheckResult] = Field(default_factory=list)  # reported; gating only if asked


class ScenarioSummary(BaseModel):
    scenario_id: str
    title: str
    channel: str
    tags: list[str]
    file: str
    trials: list[TrialResult]


class FileProblem(BaseModel):
    """A scenario file that could not be loaded; the run goes on without it."""

    file: str
    field: str | None
    message: str


class RunReport(BaseModel):
    model: str
    provider: str
    live: bool  # False: the offline model (or recorded responses)
    started_at: str
    seconds: float
    input_tokens: int
    output_tokens: int
    k: int  # the largest k reported (the trial count)
    scenarios: list[ScenarioSummary]
    problems: list[FileProblem] = Field(default_factory=list)
    pass_k: dict[str, dict[str, float]] = Field(default_factory=dict)  # tag|"overall" → k → rate
