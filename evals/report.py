"""A run's report: the JSON file (read back for `renos eval rescore`), the Markdown rendering,
re-scoring recorded observations against changed expectations, and the pass-rate gate."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from pydantic import ValidationError

from evals.checks import evaluate, passed
from evals.passk import OVERALL, pass_k_table, scenario_pass_k
from evals.results import CheckResult, RunReport, ScenarioSummary, TrialResult
from evals.scenario import Expect

_UNTAGGED = "(untagged)"
_EPSILON = 1e-9


class ReportError(ValueError):
    """A file that is not a readable run report."""


def write_json(report: RunReport, path: Path | str) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")


def read_json(path: Path | str) -> RunReport:
    source = Path(path)
    try:
        return RunReport.model_validate_json(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReportError(f"{source}: cannot read the report: {exc.strerror or exc}") from exc
    except ValidationError as exc:
        raise ReportError(f"{source}: not a run report: {exc}") from exc


def rescore(
    report: RunReport, scenarios: Mapping[str, Expect], *, judge_gates: bool = False
) -> RunReport:
    """The report with every trial's checks re-run on its recorded observation against
    `scenarios[scenario_id]`, and pass^k recomputed. A scenario missing from `scenarios`
    keeps its recorded result; judge results are kept as recorded (they gate a trial only
    with `judge_gates`, as in the run)."""
    summaries = [
        _rescore_summary(summary, scenarios.get(summary.scenario_id), judge_gates)
        for summary in report.scenarios
    ]
    return report.model_copy(
        update={"scenarios": summaries, "pass_k": pass_k_table(summaries, report.k)}
    )


def _rescore_summary(
    summary: ScenarioSummary, expect: Expect | None, judge_gates: bool
) -> ScenarioSummary:
    if expect is None:
        return summary
    trials: list[TrialResult] = []
    for trial in summary.trials:
        checks = evaluate(expect, trial.observation)
        ok = passed(checks) and (not judge_gates or passed(trial.judge))
        trials.append(trial.model_copy(update={"checks": checks, "passed": ok}))
    return summary.model_copy(update={"trials": trials})


def meets(report: RunReport, min_pass_rate: float) -> bool:
    """Whether the overall pass^1 reaches `min_pass_rate` (0..1). A run without a single
    trial does not. File problems are reported, not counted here."""
    rate = _table(report).get(OVERALL, {}).get("1")
    return rate is not None and rate + _EPSILON >= min_pass_rate


def _table(report: RunReport) -> dict[str, dict[str, float]]:
    """The recorded pass^k table, or one computed from the trials when none was recorded."""
    return report.pass_k or pass_k_table(report.scenarios, report.k)


# --- Markdown ----------------------------------------------------------------------------


def render_markdown(report: RunReport) -> str:
    lines = _header(report)
    lines += ["", "## Overall", "", *_overall_table(report)]
    for tag in _tags(report.scenarios):
        members = [s for s in report.scenarios if _in_group(s, tag)]
        lines += ["", f"## Tag: {_cell(tag)}", "", *_tag_table(members, report.k)]
    lines += ["", "## Failures", "", *_failures(report.scenarios)]
    lines += ["", "## File problems", "", *_problems(report)]
    return "\n".join(lines) + "\n"


def _header(report: RunReport) -> list[str]:
    trials = [t for s in report.scenarios for t in s.trials]
    return [
        f"# Scenario eval: {_cell(report.model)}",
        "",
        f"- Model: {_cell(report.model)} ({_cell(report.provider)})",
        f"- Responses: {'live' if report.live else 'offline'}",
        f"- Started: {report.started_at}; wall time {report.seconds:.1f} s",
        f"- Tokens: {report.input_tokens} in, {report.output_tokens} out",
        f"- Scenarios: {len(report.scenarios)}; trials: {len(trials)}, "
        f"passed: {sum(1 for t in trials if t.passed)}; k up to {report.k}",
    ]


def _ks(k: int) -> list[str]:
    return [str(i) for i in range(1, max(k, 1) + 1)]


def _rate(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _overall_table(report: RunReport) -> list[str]:
    ks = _ks(report.k)
    lines = [_row(["Group", *(f"pass^{k}" for k in ks)]), _row(["---"] * (len(ks) + 1))]
    table = _table(report)
    for group in [*(g for g in table if g != OVERALL), OVERALL]:
        rates = table.get(group, {})
        name = f"**{group}**" if group == OVERALL else _cell(group)
        lines.append(_row([name, *(_rate(rates.get(k)) for k in ks)]))
    return lines


def _tags(scenarios: Sequence[ScenarioSummary]) -> list[str]:
    tags = sorted({tag for s in scenarios for tag in s.tags})
    return tags + ([_UNTAGGED] if any(not s.tags for s in scenarios) else [])


def _in_group(summary: ScenarioSummary, tag: str) -> bool:
    return tag in summary.tags if tag != _UNTAGGED else not summary.tags


def _tag_table(members: Sequence[ScenarioSummary], k: int) -> list[str]:
    ks = _ks(k)
    header = ["Scenario", "Title", "Trials", *(f"pass^{i}" for i in ks)]
    lines = [_row(header), _row(["---"] * len(header))]
    for summary in members:
        marks = "".join("✓" if t.passed else "✗" for t in summary.trials) or "–"
        rates = [_rate(scenario_pass_k(summary, int(i))) for i in ks]
        lines.append(_row([f"`{summary.scenario_id}`", _cell(summary.title), marks, *rates]))
    return lines


def _failures(scenarios: Sequence[ScenarioSummary]) -> list[str]:
    lines: list[str] = []
    for summary in scenarios:
        for trial in summary.trials:
            judged = [j for j in trial.judge if not j.passed]
            if trial.passed and not judged:
                continue
            verdict = "failed" if not trial.passed else "passed; judge objections"
            lines += [f"### `{summary.scenario_id}` trial {trial.trial} ({verdict})", ""]
            lines += [_failure(c) for c in trial.checks if not c.passed]
            lines += [_failure(j, "judge: ") for j in judged]
            lines.append("")
    return lines[:-1] if lines else ["None."]


def _failure(result: CheckResult, prefix: str = "") -> str:
    message = " ".join((result.message or "failed").split())
    message = message.removeprefix(f"{result.check}: ")  # most messages start with the name
    return f"- {prefix}`{result.check}`: {message}"


def _problems(report: RunReport) -> list[str]:
    if not report.problems:
        return ["None."]
    return [
        f"- `{p.file}`{f' field `{p.field}`' if p.field else ''}: {' '.join(p.message.split())}"
        for p in report.problems
    ]


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")
