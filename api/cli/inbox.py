"""`renos inbox …`: importing raw mail into the inbound ledger, and reading it."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from pathlib import Path

import typer
from pydantic import BaseModel

from agent.inbox.gmail_sync import SyncMode, sync_mailbox
from agent.inbox.ingest import ingest, iter_messages
from api.cli.common import fail, print_json, print_table, run_with_container
from api.composition import Container
from api.config import ConfigurationError, load_settings
from api.inbox_settings import InboxSettings
from memory.models.enums import InboundStatus
from memory.repositories.inbox import InboxRepository
from tools.integrations.gmail import GmailMailbox
from tools.integrations.ports import ErrorCode, IntegrationError
from tools.integrations.settings import GoogleSettings, build_google_adapters

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


class PollOut(BaseModel):
    mailbox: str
    mode: SyncMode
    fetched: int
    new: int
    duplicate: int
    quarantined: int
    missing: int
    history_id: str
    at: str


GMAIL_NOT_CONFIGURED = (
    "Gmail is not configured: set GOOGLE_CREDENTIALS_FILE (a service-account key with "
    "GOOGLE_DELEGATED_USER, or an authorized-user file), and leave GMAIL_ENABLED unset or true"
)
# Worth waiting out in the loop; anything else (credentials, a bad request) stops it.
_TRANSIENT = (ErrorCode.UNAVAILABLE, ErrorCode.RATE_LIMITED)


def _gmail_settings() -> GoogleSettings:
    """Checked before the database is started, so a missing setting is reported at once."""
    try:
        google = load_settings().google
    except ConfigurationError as exc:
        fail(str(exc), code=2)
    if not google.gmail_enabled:
        fail(GMAIL_NOT_CONFIGURED, code=2)
    return google


def _gmail_mailbox(google: GoogleSettings) -> GmailMailbox:
    try:
        mailbox = build_google_adapters(google).mailbox
    except (ValueError, OSError) as exc:  # unreadable or unsuitable credentials
        fail(f"Gmail: {exc}", code=2)
    if mailbox is None:  # pragma: no cover - gmail_enabled was checked
        fail(GMAIL_NOT_CONFIGURED, code=2)
    return mailbox


def _show(out: PollOut, *, as_json: bool, pretty: bool) -> None:
    if as_json:
        typer.echo(out.model_dump_json(indent=2 if pretty else None))
        return
    typer.echo(
        f"{out.at[:19]} {out.mailbox} ({out.mode}): {out.new} new, {out.duplicate} duplicate, "
        f"{out.quarantined} quarantined, {out.missing} missing; history id {out.history_id}"
    )


@inbox.command("poll")
def poll(
    once: bool = typer.Option(False, "--once", help="Sync once and exit."),
    interval: float = typer.Option(
        60.0, "--interval", min=1.0, help="Seconds between syncs when looping."
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Follow the Gmail inbox into the ledger (by history id; a full resync when needed).

    Loops until Ctrl-C unless --once. Several pollers of one mailbox take turns."""
    google = _gmail_settings()
    settings = InboxSettings()
    mailbox = _gmail_mailbox(google)

    async def sync_once(c: Container, key: str) -> PollOut:
        now = c.clock()
        report = await sync_mailbox(
            c.database, mailbox, mailbox_key=key, now=now, max_raw_bytes=settings.max_mail_bytes
        )
        return PollOut(mailbox=key, at=now.isoformat(), **asdict(report))

    async def work(c: Container) -> None:
        try:
            key = f"gmail:{await mailbox.email_address()}"
        except IntegrationError as exc:
            fail(f"Gmail: {exc}")
        while True:
            try:
                _show(await sync_once(c, key), as_json=as_json, pretty=once)
            except IntegrationError as exc:
                if once or exc.code not in _TRANSIENT:
                    fail(f"Gmail: {exc}")
                typer.echo(f"warning: Gmail: {exc}; retrying in {interval:g} s", err=True)
            if once:
                return
            await asyncio.sleep(interval)

    try:
        run_with_container(work)
    except KeyboardInterrupt:
        typer.echo("stopped", err=True)
