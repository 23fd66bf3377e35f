"""The `renos` command: the operational counterpart of the HTTP API."""

from __future__ import annotations

import logging
from importlib.metadata import entry_points

import typer

from api.cli import db, gdpr, records, staff
from api.cli.chat import chat
from api.cli.inbox import inbox
from api.cli.inbox_work import work_command
from api.cli.review import review
from api.cli.serve import serve
from api.hardening.logs import configure_cli_logging


def build_cli() -> typer.Typer:
    cli = typer.Typer(
        name="renos",
        help="RenOS Assistant: service, database and records.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
    )
    cli.command()(serve)
    cli.command()(chat)
    cli.add_typer(db.app, name="db")
    cli.add_typer(staff.users, name="users")
    cli.add_typer(staff.tokens, name="tokens")
    cli.add_typer(records.leads, name="leads")
    cli.add_typer(records.bookings, name="bookings")
    if not any(c.name == "work" for c in inbox.registered_commands):
        inbox.command("work")(work_command)
    cli.add_typer(inbox, name="inbox")
    cli.add_typer(review, name="review")
    cli.add_typer(gdpr.app, name="gdpr")
    # Plugins: command groups api may not import (e.g. `renos eval`, from evals).
    for entry in entry_points(group="renos.cli"):
        cli.add_typer(entry.load()(), name=entry.name)
    return cli


def run() -> None:
    configure_cli_logging(logging.WARNING)
    build_cli()()
