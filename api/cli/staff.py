"""`renos users …` and `renos tokens …`: staff accounts and their API tokens."""

from __future__ import annotations

from datetime import timedelta

import typer

from api.auth.tokens import generate_token
from api.cli.common import fail, print_json, print_table, run_with_container
from api.composition import Container
from api.schemas.records import ApiTokenOut, CreatedTokenOut, StaffUserOut
from memory.errors import ConflictError, NotFoundError
from memory.models.enums import StaffRole
from memory.repositories.staff import StaffRepository

users = typer.Typer(help="Staff users.", no_args_is_help=True)
tokens = typer.Typer(help="API tokens (shown once, stored hashed).", no_args_is_help=True)


@users.command("create")
def create_user(
    email: str,
    name: str = typer.Option(..., "--name", help="Display name."),
    role: StaffRole = typer.Option(StaffRole.STAFF, "--role"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Create a staff user."""
    if "@" not in email:
        fail(f"not an email address: {email}", code=2)

    async def work(c: Container) -> StaffUserOut:
        async with c.database.transaction() as s:
            try:
                user = await StaffRepository(s).create_user(email=email, name=name, role=role)
            except ConflictError as exc:
                fail(str(exc))
            return StaffUserOut.model_validate(user)

    out = run_with_container(work)
    if as_json:
        print_json(out)
    else:
        typer.echo(f"created {out.role} {out.email} ({out.id})")


@users.command("list")
def list_users(as_json: bool = typer.Option(False, "--json")) -> None:
    """List staff users."""

    async def work(c: Container) -> list[StaffUserOut]:
        async with c.database.transaction() as s:
            return [StaffUserOut.model_validate(u) for u in await StaffRepository(s).list_users()]

    out = run_with_container(work)
    if as_json:
        print_json(out)
    else:
        print_table(
            ["email", "name", "role", "active"], [(u.email, u.name, u.role, u.active) for u in out]
        )


@tokens.command("create")
def create_token(
    email: str = typer.Argument(..., help="The staff user's email."),
    name: str = typer.Option("cli", "--name", help="What the token is for."),
    expires_days: int | None = typer.Option(None, "--expires-days", min=1),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Create a token for a user. The token is printed once; only its hash is stored."""
    new = generate_token()

    async def work(c: Container) -> ApiTokenOut:
        async with c.database.transaction() as s:
            repo = StaffRepository(s)
            user = await repo.find_by_email(email)
            if user is None:
                fail(f"no staff user {email}")
            expires = c.clock() + timedelta(days=expires_days) if expires_days else None
            token = await repo.add_token(
                user_id=user.id,
                name=name,
                token_hash=new.hash,
                prefix=new.prefix,
                expires_at=expires,
            )
            return ApiTokenOut.model_validate(token)

    out = run_with_container(work)
    if as_json:
        print_json(CreatedTokenOut(**out.model_dump(), token=new.clear))
    else:
        typer.echo(new.clear)
        typer.echo(
            f"token {out.prefix}… id {out.id}: store it now, it is not shown again", err=True
        )


@tokens.command("revoke")
def revoke_token(token: str = typer.Argument(..., help="Token id or its printed prefix.")) -> None:
    """Revoke a token at once."""

    async def work(c: Container) -> ApiTokenOut:
        async with c.database.transaction() as s:
            try:
                revoked = await StaffRepository(s).revoke_token(token, now=c.clock())
            except (NotFoundError, ConflictError) as exc:
                fail(str(exc))
            return ApiTokenOut.model_validate(revoked)

    out = run_with_container(work)
    typer.echo(f"revoked {out.prefix}… ({out.id}) at {out.revoked_at:%Y-%m-%d %H:%M:%S %Z}")


@tokens.command("list")
def list_tokens(as_json: bool = typer.Option(False, "--json")) -> None:
    """List tokens (prefixes only)."""

    async def work(c: Container) -> list[ApiTokenOut]:
        async with c.database.transaction() as s:
            return [ApiTokenOut.model_validate(t) for t in await StaffRepository(s).list_tokens()]

    out = run_with_container(work)
    if as_json:
        print_json(out)
    else:
        print_table(
            ["id", "prefix", "name", "created", "revoked"],
            [(t.id, t.prefix, t.name, f"{t.created_at:%Y-%m-%d}", t.revoked_at or "") for t in out],
        )
