"""`renos review …`: the responder's drafts waiting for a person: list, show, approve, reject.

The CLI acts as the staff user given with `--as` (who must hold approvals.decide), or else as
the CLI operator, an owner (like `renos chat`): whoever runs the CLI has the database anyway.
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import typer

from agent.responder import review as queue
from api.auth.roles import Permission, allowed
from api.cli.chat import CLI_OPERATOR
from api.cli.common import fail, print_json, print_table, run_with_container
from api.composition import Container
from api.schemas.review import ReviewItemOut, ReviewOutcomeOut
from memory.models.enums import StaffRole
from memory.repositories.staff import StaffRepository

review = typer.Typer(help="Drafts waiting for review.", no_args_is_help=True)

AS_OPTION = typer.Option(None, "--as", help="Act as this staff user (default: the CLI owner).")


async def _actor(c: Container, email: str | None) -> tuple[uuid.UUID, StaffRole]:
    async with c.database.transaction() as s:
        staff = StaffRepository(s)
        user = (
            await staff.find_by_email(email)
            if email
            else await staff.ensure_user(email=CLI_OPERATOR, name="RenOS CLI", role=StaffRole.OWNER)
        )
    if user is None or not user.active:
        fail(f"no active staff user {email}")
    if not allowed(user.role, Permission.APPROVALS_DECIDE):
        fail(f"{user.email} ({user.role}) may not decide reviews")
    return user.id, user.role


@review.command("list")
def list_review(
    limit: int = typer.Option(100, "--limit", min=1, max=10_000),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Drafts waiting for review, oldest first."""

    async def work(c: Container) -> list[ReviewItemOut]:
        async with c.database.transaction() as s:
            items = await queue.list_pending(s, limit=limit)
        return [ReviewItemOut.model_validate(i) for i in items]

    out = run_with_container(work)
    if as_json:
        print_json(out)
        return
    print_table(
        ["id", "created", "to", "subject", "reasons", "escalated"],
        [
            (
                str(r.id)[:8],
                f"{r.created_at:%Y-%m-%d %H:%M}",
                r.to,
                r.subject[:50],
                ",".join(r.reasons),
                "yes" if r.escalated else "",
            )
            for r in out
        ],
    )


@review.command("show")
def show_review(
    ref: str = typer.Argument(..., help="Review item id (or its first 8 characters)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """One draft with the mail it answers and what would block its approval now."""

    async def work(c: Container) -> ReviewItemOut:
        async with c.database.transaction() as s:
            item = await queue.get(s, ref, now=c.clock())
        return ReviewItemOut.model_validate(item)

    out = run_with_container(work)
    if as_json:
        print_json(out)
        return
    if out.inbound is not None:
        typer.echo(f"     answers: {out.inbound.from_address or ''}: {out.inbound.subject or ''}")
    for key in ("id", "status", "to", "subject", "escalated"):
        typer.echo(f"{key:>12}: {getattr(out, key)}")
    typer.echo(f"{'reasons':>12}: {', '.join(out.reasons)}")
    typer.echo(f"{'blockers':>12}: {', '.join(out.blockers)}")
    typer.echo("")
    typer.echo(out.body)


def _read_body(path: Path | None) -> str | None:
    if path is None:
        return None
    if str(path) == "-":
        return sys.stdin.read()
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {path}: {exc}")


@review.command("approve")
def approve_review(
    ref: str = typer.Argument(..., help="Review item id (or its first 8 characters)."),
    body_file: Path | None = typer.Option(
        None, "--body-file", help="Send this text (UTF-8; '-' for stdin) instead of the draft's."
    ),
    subject: str | None = typer.Option(None, "--subject", help="A new subject."),
    as_user: str | None = AS_OPTION,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Approve a draft (optionally edited) and send it. Approving an approved mail whose send
    failed continues the send."""
    body = _read_body(body_file)

    async def work(c: Container) -> ReviewOutcomeOut:
        by, role = await _actor(c, as_user)
        try:
            outcome = await queue.approve(
                c.database,
                c.mailbox,
                ref,
                by=by,
                role=role,
                body=body,
                subject=subject,
                now=c.clock(),
            )
        except queue.ReviewForbiddenError as exc:
            fail(f"only the owner may approve: {', '.join(exc.reasons)}")
        except (queue.ReviewBlockedError, queue.ReviewInputError) as exc:
            fail(str(exc))
        return ReviewOutcomeOut.model_validate(outcome)

    out = run_with_container(work)
    if as_json:
        print_json(out)
    elif out.delivery_error is None:
        typer.echo(f"sent {out.id}" + (" (already sent before)" if out.replayed else ""))
    if out.delivery_error is not None:
        fail(
            f"approved {out.id}, but the send failed ({out.delivery_error}: "
            f"{out.delivery_message}); run approve again to retry"
        )


@review.command("reject")
def reject_review(
    ref: str = typer.Argument(..., help="Review item id (or its first 8 characters)."),
    reason: str = typer.Option(..., "--reason", help="Why it is not sent (required)."),
    as_user: str | None = AS_OPTION,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Reject a draft with a reason; nothing is sent."""

    async def work(c: Container) -> ReviewOutcomeOut:
        by, _ = await _actor(c, as_user)
        try:
            outcome = await queue.reject(c.database, ref, by=by, reason=reason, now=c.clock())
        except queue.ReviewInputError as exc:
            fail(str(exc))
        return ReviewOutcomeOut.model_validate(outcome)

    out = run_with_container(work)
    if as_json:
        print_json(out)
    else:
        typer.echo(f"rejected {out.id}")
