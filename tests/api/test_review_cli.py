"""`renos review …` against a real database (the local outbox: no Gmail configured)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest
from typer.testing import CliRunner, Result

from api.cli.main import build_cli
from memory.database import Database, create_database
from memory.models import OutboundEmail
from memory.models.enums import OutboundStatus, StaffRole
from memory.repositories.staff import StaffRepository
from tests.agent.responder.review_world import BODY, Seeded, escalate, outbound, seed_draft

runner = CliRunner()
T = TypeVar("T")


@pytest.fixture
def cli_env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", db_url)
    for name in ("GOOGLE_CREDENTIALS_FILE", "GOOGLE_DELEGATED_USER", "GMAIL_ENABLED"):
        monkeypatch.delenv(name, raising=False)
    return db_url


def on_db(db_url: str, work: Callable[[Database], Awaitable[T]]) -> T:
    async def main() -> T:
        db = create_database(db_url, pool_size=1)
        try:
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(main())


def seed(db_url: str, *, escalated: bool = False) -> Seeded:
    async def work(db: Database) -> Seeded:
        seeded = await seed_draft(db, reasons=("unknown_source",))
        if escalated:
            await escalate(db)
        return seeded

    return on_db(db_url, work)


def row(db_url: str, seeded: Seeded) -> OutboundEmail:
    return on_db(db_url, lambda db: outbound(db, seeded.outbound_id))


def add_user(db_url: str, email: str, role: StaffRole) -> None:
    async def work(db: Database) -> None:
        async with db.transaction() as s:
            await StaffRepository(s).create_user(email=email, name=email, role=role)

    on_db(db_url, work)


def invoke(*args: str) -> Result:
    return runner.invoke(build_cli(), list(args))


def test_list_and_show_as_json(cli_env: str) -> None:
    seeded = seed(cli_env)

    listed = invoke("review", "list", "--json")
    assert listed.exit_code == 0, listed.stderr
    [item] = json.loads(listed.stdout)
    assert item["id"] == str(seeded.outbound_id)
    assert item["reasons"] == ["unknown_source"]

    shown = invoke("review", "show", str(seeded.outbound_id)[:8], "--json")
    assert shown.exit_code == 0, shown.stderr
    assert json.loads(shown.stdout)["body"] == BODY

    table = invoke("review", "list")
    assert table.exit_code == 0 and str(seeded.outbound_id)[:8] in table.stdout
    assert "unknown_source" in table.stdout

    missing = invoke("review", "show", "0123456789")
    assert missing.exit_code == 1 and "not_found" in missing.stderr


def test_approve_with_a_body_file_sends_the_edited_text(cli_env: str, tmp_path: Path) -> None:
    seeded = seed(cli_env)
    edited = tmp_path / "svar.txt"
    edited.write_text("Hej Mette\n\nVi ringer i morgen.\n\nVenlig hilsen\nRendetalje", "utf-8")

    result = invoke("review", "approve", str(seeded.outbound_id)[:8], "--body-file", str(edited))

    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"sent {seeded.outbound_id}")
    sent = row(cli_env, seeded)
    assert sent.status is OutboundStatus.SENT
    assert sent.body == edited.read_text("utf-8")
    assert sent.review_notes[-1]["action"] == "edited"


def test_staff_may_not_approve_for_an_escalated_customer(cli_env: str) -> None:
    seeded = seed(cli_env, escalated=True)
    add_user(cli_env, "kasper@rendetalje.dk", StaffRole.STAFF)
    add_user(cli_env, "eval@rendetalje.dk", StaffRole.EVALUATOR)
    ref = str(seeded.outbound_id)

    refused = invoke("review", "approve", ref, "--as", "kasper@rendetalje.dk")
    assert refused.exit_code == 1
    assert "only the owner" in refused.stderr and "escalated_since_draft" in refused.stderr
    evaluator = invoke("review", "approve", ref, "--as", "eval@rendetalje.dk")
    assert evaluator.exit_code == 1 and "may not decide" in evaluator.stderr
    assert row(cli_env, seeded).status is OutboundStatus.DRAFT

    owner = invoke("review", "approve", ref, "--json")  # the CLI operator is an owner
    assert owner.exit_code == 0, owner.stderr
    assert json.loads(owner.stdout)["status"] == "sent"


def test_reject_needs_a_reason(cli_env: str) -> None:
    seeded = seed(cli_env)
    ref = str(seeded.outbound_id)

    assert invoke("review", "reject", ref).exit_code != 0  # --reason is required
    blank = invoke("review", "reject", ref, "--reason", "  ")
    assert blank.exit_code == 1 and "reason" in blank.stderr
    assert row(cli_env, seeded).status is OutboundStatus.DRAFT

    done = invoke("review", "reject", ref, "--reason", "Dobbelt henvendelse")
    assert done.exit_code == 0, done.stderr
    assert done.stdout.strip() == f"rejected {seeded.outbound_id}"
    rejected = row(cli_env, seeded)
    assert (rejected.status, rejected.rejection_reason) == (
        OutboundStatus.REJECTED,
        "Dobbelt henvendelse",
    )
