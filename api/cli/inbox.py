"""`renos inbox …`: importing raw mail into the inbound ledger, and reading it."""

from __future__ import annotations

from pathlib import Path

import typer
from pydantic import BaseModel

from agent.inbox.ingest import ingest, iter_messages
from api.cli.common import fail, print_json, print_table, run_with_container
from api.composition import Container
from api.inbox_settings import InboxSettings
from memory.models.enums import InboundStatus
from memory.repositories.inbox import InboxRepository

inbox = typer.Typer(help="The inbound mail ledger.", no_args_is_help=True)


class ImportCounts(BaseModel):
    file: str
    new: int = 0
    duplicate: int = 0
    quarantined: int = 0


class InboundOut(BaseModel):
    message_id: str
    status: InboundStatus
    status_reason: str | None
    source: str | None
    from_address: str | None
    subject: str | None
    received_at: str
    raw_size: int
    delivery_count: int


@inbox.command("import")
def import_mail(
    files: list[Path] = typer.Argument(..., help=".eml files, mbox files or folders of .eml."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Record each message once; a message already in the ledger is counted as a duplicate."""
    for path in files:
        if not path.exists():
            fail(f"no such file: {path}")
    settings = InboxSettings()

    async def work(c: Container) -> list[ImportCounts]:
        out: list[ImportCounts] = []
        for path in files:
            counts = ImportCounts(file=str(path))
            for raw in iter_messages(path):
                result = await ingest(
                    c.database, raw, now=c.clock(), max_raw_bytes=settings.max_mail_bytes
                )
                if not result.created:
                    counts.duplicate += 1
                elif result.status == InboundStatus.QUARANTINED:
                    counts.quarantined += 1
                else:
                    counts.new += 1
            out.append(counts)
        return out

    out = run_with_container(work)
    if as_json:
        print_json(out)
        return
    for c in out:
        typer.echo(f"{c.file}: {c.new} new, {c.duplicate} duplicate, {c.quarantined} quarantined")


@inbox.command("list")
def list_mail(
    status: InboundStatus | None = typer.Option(None, "--status"),
    limit: int = typer.Option(100, "--limit", min=1, max=10_000),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The ledger, newest first."""

    async def work(c: Container) -> list[InboundOut]:
        async with c.database.transaction() as s:
            rows = await InboxRepository(s).list(status, limit)
            return [
                InboundOut(
                    message_id=r.message_id,
                    status=r.status,
                    status_reason=r.status_reason,
                    source=r.source,
                    from_address=r.from_address,
                    subject=r.subject,
                    received_at=r.received_at.isoformat(),
                    raw_size=r.raw_size,
                    delivery_count=r.delivery_count,
                )
                for r in rows
            ]

    out = run_with_container(work)
    if as_json:
        print_json(out)
        return
    print_table(
        ["received", "status", "source", "deliveries", "from", "subject"],
        [
            (
                r.received_at[:16],
                r.status,
                r.source or "",
                r.delivery_count,
                r.from_address or "",
                (r.subject or "")[:60],
            )
            for r in out
        ],
    )
