"""`renos eval validate`: check scenario files without running anything."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from evals.loading import DEFAULT_SCENARIOS, collect


def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Scenario files or folders (default: the shipped scenarios)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Load every scenario file and report each problem; exit code 1 if there is any."""
    scenarios, problems = collect(paths or [_shown(DEFAULT_SCENARIOS)])
    if as_json:
        out = {
            "ok": not problems,
            "scenarios": [
                {"id": s.id, "title": s.title, "channel": s.channel, "file": s.file}
                for s in scenarios
            ],
            "problems": [p.to_problem().model_dump() for p in problems],
        }
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        for p in problems:
            typer.echo(str(p))
        typer.echo(f"{len(scenarios)} scenarios OK")
    if problems:
        raise typer.Exit(code=1)


def _shown(path: Path) -> Path:
    """The path relative to the working folder when it lies below it (shorter messages)."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path
