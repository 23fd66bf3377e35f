"""`renos gdpr …`: a person's data export and erasure, and the retention purge."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import typer

from api.cli.common import fail, run_with_container
from api.composition import Container
from memory.gdpr import ErasureReport, PurgeReport, erase, export, find_subject
from memory.gdpr.purge import purge_exclusively
from memory.retention import RetentionSettings

app = typer.Typer(
    help="GDPR: export or erase a person's data; apply retention.", no_args_is_help=True
)


@app.command("export")
def export_command(
    email: str = typer.Argument(..., help="The person's email address."),
    out: Path | None = typer.Option(None, "--out", help="Write the JSON here instead of stdout."),
) -> None:
    """Everything held about one person, as JSON."""

    async def work(c: Container) -> dict[str, Any]:
        async with c.database.transaction() as s:
            return await export(s, email, now=c.clock())

    data = json.dumps(run_with_container(work), indent=2, ensure_ascii=False)
    if out is None:
        typer.echo(data)
    else:
        out.write_text(data + "\n", encoding="utf-8")
        typer.echo(f"wrote {out}")


@app.command("erase")
def erase_command(
    email: str = typer.Argument(..., help="The person's email address."),
    yes: bool = typer.Option(False, "--yes", help="Confirm: this cannot be undone."),
) -> None:
    """Erase one person's data (accepted quotes keep their amounts, without the person)."""
    if not yes:
        fail("erasure cannot be undone: add --yes to confirm", code=2)

    async def work(c: Container) -> ErasureReport | None:
        async with c.database.transaction() as s:
            if not (await find_subject(s, email)).found:
                return None
            return await erase(s, email, now=c.clock())

    report = run_with_container(work)
    if report is None:
        fail(f"nothing found for {email}")
    _print_counts(report)


@app.command("purge")
def purge_command() -> None:
    """Apply the retention limits (RENOS_RETAIN_*) and print what was removed."""
    retention = RetentionSettings()

    async def work(c: Container) -> PurgeReport:
        async with c.database.transaction() as s:
            # Waits for a purge the service may be running, then does what is left.
            report = await purge_exclusively(
                s,
                now=c.clock(),
                raw_mail_days=retention.raw_mail_days,
                transcript_days=retention.transcript_days,
                audit_detail_days=retention.audit_detail_days,
                wait=True,
            )
            if report is None:  # cannot happen with wait=True: the lock is always taken
                raise RuntimeError("retention purge: advisory lock not taken")
            return report

    _print_counts(run_with_container(work))


def _print_counts(report: ErasureReport | PurgeReport) -> None:
    for key, value in dataclasses.asdict(report).items():
        typer.echo(f"{key}: {value}")
