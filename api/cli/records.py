"""`renos leads …` and `renos bookings …`: reading the business records."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import typer

from api.cli.common import fail, print_json, print_table, run_with_container
from api.composition import Container
from api.schemas.records import BookingOut, LeadDetailOut, LeadOut, QuoteOut
from memory.models.enums import LeadSource, LeadStatus
from memory.repositories.leads import BookingRepository, LeadRepository

COPENHAGEN = ZoneInfo("Europe/Copenhagen")

leads = typer.Typer(help="Leads.", no_args_is_help=True)
bookings = typer.Typer(help="Bookings.", no_args_is_help=True)


@leads.command("list")
def list_leads(
    status: LeadStatus | None = typer.Option(None, "--status"),
    source: LeadSource | None = typer.Option(None, "--source"),
    limit: int = typer.Option(100, "--limit", min=1, max=10_000),
    offset: int = typer.Option(0, "--offset", min=0),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List leads, newest first."""

    async def work(c: Container) -> list[LeadOut]:
        async with c.database.transaction() as s:
            rows = await LeadRepository(s).list_recent(
                status=status, source=source, limit=limit, offset=offset
            )
            return [LeadOut.model_validate(r) for r in rows]

    out = run_with_container(work)
    if as_json:
        print_json(out)
        return
    print_table(
        ["id", "received", "name", "source", "status", "service", "m²", "score"],
        [
            (
                str(r.id)[:8],
                f"{r.received_at.astimezone(COPENHAGEN):%Y-%m-%d %H:%M}",
                r.name,
                r.source,
                r.status,
                r.service or "",
                r.area_m2 or "",
                r.score,
            )
            for r in out
        ],
    )


@leads.command("show")
def show_lead(
    lead_id: str = typer.Argument(..., help="Lead id (or its first 8 characters)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """One lead with its quotes and bookings."""

    async def work(c: Container) -> LeadDetailOut:
        async with c.database.transaction() as s:
            repo = LeadRepository(s)
            lead = await repo.get(_resolve_id(lead_id)) if len(lead_id) == 36 else None
            if lead is None:
                lead = await repo.find_by_id_prefix(lead_id)
            if lead is None:
                fail(f"no lead {lead_id}")
            return LeadDetailOut(
                **LeadOut.model_validate(lead).model_dump(),
                quotes=[QuoteOut.model_validate(q) for q in await repo.quotes_for(lead.id)],
                bookings=[BookingOut.model_validate(b) for b in await repo.bookings_for(lead.id)],
            )

    out = run_with_container(work)
    if as_json:
        print_json(out)
        return
    for key in (
        "name",
        "email",
        "phone",
        "address",
        "source",
        "status",
        "service",
        "area_m2",
        "rooms",
        "frequency",
        "wanted_dates",
        "score",
    ):
        typer.echo(f"{key:>13}: {getattr(out, key) or ''}")
    for q in out.quotes:
        typer.echo(f"        quote: {q.status} {q.service} {q.price_min}–{q.price_max} kr")
    for b in out.bookings:
        typer.echo(f"      booking: {b.status} {b.start.astimezone(COPENHAGEN):%Y-%m-%d %H:%M}")


@bookings.command("list")
def list_bookings(
    from_date: datetime | None = typer.Option(None, "--from", formats=["%Y-%m-%d"]),
    days: int = typer.Option(21, "--days", min=1, max=366),
    include_cancelled: bool = typer.Option(False, "--include-cancelled"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Bookings in a window (default: today and the next 21 days)."""

    async def work(c: Container) -> list[BookingOut]:
        first: date = from_date.date() if from_date else c.clock().astimezone(COPENHAGEN).date()
        start = datetime.combine(first, time(0), COPENHAGEN)
        async with c.database.transaction() as s:
            rows = await BookingRepository(s).list_between(
                start, start + timedelta(days=days), include_cancelled=include_cancelled
            )
            return [
                BookingOut.model_validate(b).model_copy(
                    update={
                        "customer_name": cu.name if cu else None,
                        "customer_email": cu.email if cu else None,
                    }
                )
                for b, cu in rows
            ]

    out = run_with_container(work)
    if as_json:
        print_json(out)
        return
    print_table(
        ["start", "end", "customer", "service", "status"],
        [
            (
                f"{b.start.astimezone(COPENHAGEN):%a %Y-%m-%d %H:%M}",
                f"{b.end.astimezone(COPENHAGEN):%H:%M}",
                b.customer_name or "",
                b.service or "",
                b.status,
            )
            for b in out
        ],
    )


def _resolve_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        fail(f"not a lead id: {value}", code=2)
