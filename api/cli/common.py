"""Shared plumbing of the CLI: running async commands on a container, and printing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import NoReturn, TypeVar

import typer
from pydantic import BaseModel

from api.composition import Container, build_container
from api.config import ConfigurationError, load_settings
from memory.errors import StorageError

T = TypeVar("T")


def run_with_container(
    work: Callable[[Container], Awaitable[T]],
    *,
    migrate_schema: bool = True,
    with_agent: bool = False,
) -> T:
    """Build the container, run ``work`` and close everything, turning known failures into a
    one-line message and a non-zero exit code."""

    async def main() -> T:
        container = await build_container(
            load_settings(), migrate_schema=migrate_schema, with_agent=with_agent
        )
        try:
            return await work(container)
        finally:
            await container.aclose()

    try:
        return asyncio.run(main())
    except ConfigurationError as exc:
        fail(str(exc), code=2)
    except StorageError as exc:
        fail(f"{exc.code}: {exc}")


def fail(message: str, *, code: int = 1) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def print_json(data: BaseModel | Sequence[BaseModel]) -> None:
    if isinstance(data, BaseModel):
        typer.echo(data.model_dump_json(indent=2))
    else:
        typer.echo(json.dumps([item.model_dump(mode="json") for item in data], indent=2))


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(h) for h in headers], *[["" if v is None else str(v) for v in r] for r in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        typer.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            typer.echo("  ".join("-" * w for w in widths))
