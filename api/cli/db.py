"""`renos db …`: schema migrations and demo data."""

from __future__ import annotations

import typer

from api.cli.common import fail, run_with_container
from api.composition import Container
from api.startup import seed_demo
from memory import migrate

app = typer.Typer(help="Database schema and demo data.", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply migrations up to REVISION (default: the newest)."""

    async def work(c: Container) -> str | None:
        await migrate.upgrade(c.database, revision)
        return await migrate.current_revision(c.database)

    typer.echo(f"database at revision {run_with_container(work, migrate_schema=False)}")


@app.command()
def downgrade(
    revision: str = typer.Argument("-1", help="Target revision, e.g. -1 or base."),
) -> None:
    """Undo migrations down to REVISION (default: one step)."""

    async def work(c: Container) -> str | None:
        await migrate.downgrade(c.database, revision)
        return await migrate.current_revision(c.database)

    typer.echo(f"database at revision {run_with_container(work, migrate_schema=False)}")


@app.command()
def current() -> None:
    """Print the schema revision of the database."""

    async def work(c: Container) -> str | None:
        return await migrate.current_revision(c.database)

    typer.echo(run_with_container(work, migrate_schema=False) or "base (empty)")


@app.command()
def seed() -> None:
    """Insert the synthetic demo data set (idempotent: a second run inserts nothing)."""

    async def work(c: Container) -> str:
        return await seed_demo(c)

    typer.echo(run_with_container(work))


@app.command()
def reset(
    yes: bool = typer.Option(False, "--yes", help="Confirm: every record is deleted."),
    with_demo: bool = typer.Option(True, "--demo/--no-demo", help="Seed the demo data after."),
) -> None:
    """Drop every table, migrate from scratch and (by default) seed the demo data."""
    if not yes:
        fail("reset deletes all data; run again with --yes to confirm", code=2)

    async def work(c: Container) -> str:
        await migrate.downgrade(c.database, "base")
        await migrate.upgrade(c.database)
        return await seed_demo(c) if with_demo else "database reset (no demo data)"

    typer.echo(run_with_container(work))
