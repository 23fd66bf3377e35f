"""GET /v1/gdpr/export: the owner's export of one person; other roles are refused."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from api.app import create_app
from api.auth.tokens import generate_token
from api.cli.main import build_cli
from api.composition import Container
from memory.database import Database
from memory.models import Lead
from memory.models.enums import LeadSource, StaffRole
from memory.repositories.staff import StaffRepository
from tests.settings import make_settings


@pytest.fixture
async def client(db_url: str) -> AsyncIterator[tuple[httpx.AsyncClient, Database]]:
    app = create_app(make_settings(db_url))
    async with app.router.lifespan_context(app):
        container: Container = app.state.container
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c, container.database


async def _token(db: Database, role: StaffRole) -> dict[str, str]:
    token = generate_token()
    async with db.transaction() as s:
        repo = StaffRepository(s)
        user = await repo.create_user(email=f"{role.value}@rendetalje.dk", name="x", role=role)
        await repo.add_token(
            user_id=user.id, name="t", token_hash=token.hash, prefix=token.prefix, expires_at=None
        )
    return {"Authorization": f"Bearer {token.clear}"}


async def test_owner_exports_and_staff_may_not(
    client: tuple[httpx.AsyncClient, Database],
) -> None:
    http, db = client
    async with db.transaction() as s:
        s.add(
            Lead(
                source=LeadSource.WEBSITE,
                name="Karen Eksport",
                email="karen@example.dk",
                phone="40 50 60 70",
                dedup_key="karen",
                received_at=datetime(2025, 6, 1, tzinfo=UTC),
            )
        )
    owner, staff = await _token(db, StaffRole.OWNER), await _token(db, StaffRole.STAFF)

    resp = await http.get("/v1/gdpr/export", params={"email": "KAREN@example.dk"}, headers=owner)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["subject"] == "karen@example.dk"
    assert [lead["name"] for lead in body["leads"]] == ["Karen Eksport"]

    refused = await http.get("/v1/gdpr/export", params={"email": "karen@example.dk"}, headers=staff)
    assert refused.status_code == 403
    invalid = await http.get("/v1/gdpr/export", params={"email": "no-at-sign"}, headers=owner)
    assert invalid.status_code == 422


# -- the CLI --------------------------------------------------------------------------------

runner = CliRunner()


@pytest.fixture
def cli_env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", db_url)


def invoke(*args: str, code: int = 0) -> str:
    result = runner.invoke(build_cli(), list(args))
    assert result.exit_code == code, result.stderr
    return result.stdout


@pytest.mark.usefixtures("cli_env")
def test_cli_export_erase_and_purge(tmp_path: Path) -> None:
    invoke("db", "seed")
    lead = next(r for r in json.loads(invoke("leads", "list", "--json")) if r.get("email"))
    email = lead["email"]

    out = tmp_path / "export.json"
    invoke("gdpr", "export", email, "--out", str(out))
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert lead["id"] in [r["id"] for r in exported["leads"]]

    invoke("gdpr", "erase", email, code=2)  # no --yes: nothing happens
    assert json.loads(invoke("gdpr", "export", email))["leads"]
    report = invoke("gdpr", "erase", email, "--yes")
    assert "leads: " in report and "audit_rows: " in report
    assert json.loads(invoke("gdpr", "export", email))["leads"] == []
    invoke("gdpr", "erase", email, "--yes", code=1)  # nothing left to erase

    counts = invoke("gdpr", "purge")
    assert {line.split(":")[0] for line in counts.splitlines()} == {
        "raw_mails",
        "chat_sessions",
        "checkpoint_rows",
        "audit_rows",
        "rate_limit_windows",
    }
