"""`renos eval`: run scenario files against the configured model, validate them, and re-score
a recorded run against changed expectations without running the model.

`renos` finds this app through the ``renos.cli`` entry point (``build``), because ``api`` may
not import ``evals``. Settings are read here, once, as the service's composition root does:
the model (``MODEL_*``, overridable with --provider/--model), embeddings, the chat agent's
budget, the database (``DATABASE_URL``, else the embedded server) and the judge
(``EVAL_JUDGE_*``). The responder's settings are the defaults with the scenario's mode, so a
run does not depend on the local RESPONDER_* tuning.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import ValidationError
from pydantic_settings import BaseSettings

from agent.graph.settings import ChatSettings
from agent.memory.settings import EmbeddingSettings
from agent.providers import ModelConfigurationError
from agent.providers.settings import ModelSettings
from evals.cli_validate import validate
from evals.judge import JudgeSettings, build_judge
from evals.loading import DEFAULT_SCENARIOS, ScenarioFileError, collect
from evals.passk import OVERALL
from evals.report import ReportError, meets, read_json, render_markdown, rescore, write_json
from evals.results import RunReport, TrialResult
from evals.runner import EvalSettings, Progress, run_all, select_scenarios
from evals.scenario import Scenario
from evals.state import admin_url
from memory.errors import DatabaseUnavailableError
from memory.settings import DatabaseSettings

DEFAULT_REPORT = Path("eval-report.json")
_S = TypeVar("_S", bound=BaseSettings)

Paths = Annotated[
    list[Path] | None,
    typer.Argument(help="Scenario files or folders (default: the shipped scenarios)."),
]
MinPassRate = Annotated[
    float | None,
    typer.Option(
        "--min-pass-rate", min=0.0, max=1.0, help="Exit 1 if overall pass^1 is below (0–1)."
    ),
]
JudgeGates = Annotated[
    bool, typer.Option("--judge-gates", help="A judge's 'no' fails the trial (else reported).")
]


def build() -> typer.Typer:
    app = typer.Typer(
        name="eval",
        help="Scenario evals: run, validate and re-score scenario files (docs/scenarios.md).",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
    )
    app.command("run")(run)
    app.command("validate")(validate)
    app.command("rescore")(rescore_report)
    return app


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.secho(f"error: {message}", fg="red", err=True)
    return typer.Exit(code)


def _settings(cls: type[_S], **values: Any) -> _S:
    try:
        return cls(**values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or cls.__name__}: {e['msg']}"
            for e in exc.errors()
        )
        raise _fail(f"invalid configuration: {problems}") from None


def _loaded(paths: list[Path] | None) -> tuple[list[Scenario], list[ScenarioFileError]]:
    scenarios, problems = collect(paths or [DEFAULT_SCENARIOS])
    for problem in problems:
        typer.secho(f"skipped: {problem}", fg="yellow", err=True)
    return scenarios, problems


def _progress(total: int) -> Progress:
    done = [0]

    def report(scenario: Scenario, result: TrialResult) -> None:
        done[0] += 1
        mark = "✓" if result.passed else "✗"
        line = f"[{done[0]}/{total}] {mark} {scenario.id} #{result.trial} ({result.seconds:.1f} s)"
        failed = [c for c in result.checks if not c.passed]
        if failed:
            line += f": {failed[0].message or failed[0].check}"
        typer.echo(line[:300], err=True)

    return report


def _write(report: RunReport, json_path: Path, markdown: Path | None) -> Path:
    write_json(report, json_path)
    md = markdown or json_path.with_suffix(".md")
    md.parent.mkdir(parents=True, exist_ok=True)
    md.write_text(render_markdown(report), encoding="utf-8")
    return md


def _summary(report: RunReport) -> str:
    rates = report.pass_k.get(OVERALL, {})
    shown = ", ".join(f"pass^{k} {v * 100:.1f}%" for k, v in rates.items()) or "nothing ran"
    trials = [t for s in report.scenarios for t in s.trials]
    passed = sum(1 for t in trials if t.passed)
    return f"{passed}/{len(trials)} trials passed; {shown}"


def run(
    paths: Paths = None,
    trials: Annotated[
        int | None, typer.Option("--trials", min=1, max=20, help="Trials per scenario.")
    ] = None,
    tags: Annotated[
        list[str] | None, typer.Option("--tag", help="Only scenarios with this tag (repeatable).")
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", min=1, max=16, help="Trials at once.")] = 1,
    report: Annotated[Path, typer.Option("--report", help="The JSON report.")] = DEFAULT_REPORT,
    markdown: Annotated[
        Path | None, typer.Option("--markdown", help="The Markdown report (default: next to it).")
    ] = None,
    min_pass_rate: MinPassRate = None,
    provider: Annotated[
        str | None, typer.Option("--provider", help="Overrides MODEL_PROVIDER.")
    ] = None,
    model: Annotated[str | None, typer.Option("--model", help="Overrides MODEL_NAME.")] = None,
    judge_gates: JudgeGates = False,
) -> None:
    """Run scenarios and write the JSON and Markdown reports."""
    overrides = {"MODEL_PROVIDER": provider} if provider else {}
    overrides |= {"MODEL_NAME": model} if model else {}
    model_settings = _settings(ModelSettings, **overrides)
    settings = EvalSettings(
        model=model_settings,
        embedding=_settings(EmbeddingSettings),
        chat=_settings(ChatSettings),
        judge_gates=judge_gates,
    )
    judge_settings = _settings(JudgeSettings)
    scenarios, problems = _loaded(paths)
    total = sum(trials or s.run.trials for s in select_scenarios(scenarios, tags or []))
    try:
        server = admin_url(_settings(DatabaseSettings))
        judge = build_judge(judge_settings)
    except (DatabaseUnavailableError, ModelConfigurationError) as exc:
        raise _fail(str(exc)) from None

    async def work() -> RunReport:
        try:
            return await run_all(
                scenarios,
                settings=settings,
                admin_url=server,
                trials=trials,
                tags=tags or [],
                jobs=jobs,
                progress=_progress(total),
                problems=[p.to_problem() for p in problems],
                judge=judge,
            )
        finally:
            if judge is not None:
                await judge.aclose()

    try:
        result = asyncio.run(work())
    except ModelConfigurationError as exc:
        raise _fail(str(exc)) from None
    md = _write(result, report, markdown)
    typer.echo(f"{result.model} ({result.provider}): {_summary(result)}")
    typer.echo(f"reports: {report} {md}")
    if total == 0:
        raise _fail("no scenario to run", 1)
    if min_pass_rate is not None and not meets(result, min_pass_rate):
        raise _fail(f"overall pass^1 below the required {min_pass_rate:.0%}", 1)


def rescore_report(
    source: Annotated[Path, typer.Argument(help="A JSON report written by `eval run`.")],
    scenarios: Annotated[
        list[Path] | None,
        typer.Option(
            "--scenarios", help="Scenario files or folders (default: the report's files)."
        ),
    ] = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write the re-scored JSON report here.")
    ] = None,
    markdown: Annotated[
        Path | None, typer.Option("--markdown", help="The Markdown report (default: next to it).")
    ] = None,
    min_pass_rate: MinPassRate = None,
    judge_gates: JudgeGates = False,
) -> None:
    """Re-check a recorded run's observations against the scenarios' current expectations
    (no model, no database)."""
    try:
        recorded = read_json(source)
    except ReportError as exc:
        raise _fail(str(exc)) from None
    files = scenarios or sorted({Path(s.file) for s in recorded.scenarios if s.file})
    found, _ = _loaded(files)
    expects = {s.id: s.expect for s in found}
    missing = [s.scenario_id for s in recorded.scenarios if s.scenario_id not in expects]
    if missing:
        typer.secho(f"kept as recorded (no scenario file): {', '.join(missing)}", err=True)
    result = rescore(recorded, expects, judge_gates=judge_gates)
    if report is not None:
        md = _write(result, report, markdown)
        typer.echo(f"reports: {report} {md}")
    typer.echo(f"{result.model} ({result.provider}), re-scored: {_summary(result)}")
    if min_pass_rate is not None and not meets(result, min_pass_rate):
        raise _fail(f"overall pass^1 below the required {min_pass_rate:.0%}", 1)
