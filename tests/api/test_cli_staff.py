from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from api.auth.tokens import hash_token
from api.cli.main import build_cli
from memory.database import create_database
from memory.models import ApiToken
from memory.repositories.staff import Principal, StaffRepository

runner = CliRunner()


@pytest.fixture
def cli_env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no developer .env leaks in
    monkeypatch.setenv("DATABASE_URL", db_url)


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(build_cli(), list(args))
    return result.exit_code, result.stdout, result.stderr


async def _principal_and_dump(url: str, clear: str) -> tuple[Principal | None, list[str], str]:
    db = create_database(url, pool_size=1)
    try:
        async with db.transaction() as s:
            hashes = [r.token_hash for r in (await s.execute(select(ApiToken))).scalars()]
            dump = (
                await s.execute(text("SELECT json_agg(t)::text FROM api_tokens t"))
            ).scalar_one()
            principal = await StaffRepository(s).principal_for(
                hash_token(clear), now=datetime.now(UTC)
            )
    finally:
        await db.dispose()
    return principal, hashes, dump


@pytest.mark.usefixtures("cli_env")
def test_token_lifecycle_stores_only_the_hash(db_url: str) -> None:
    code, out, err = invoke(
        "users", "create", "mette@rendetalje.dk", "--name", "Mette", "--role", "owner"
    )
    assert code == 0, err
    code, out, err = invoke("tokens", "create", "mette@rendetalje.dk", "--name", "laptop", "--json")
    assert code == 0, err
    created = json.loads(out)
    clear = created["token"]
    assert clear.startswith("renos_") and len(clear) > 40

    principal, hashes, dump = asyncio.run(_principal_and_dump(db_url, clear))
    assert hashes == [hash_token(clear)]
    assert clear not in dump
    assert principal is not None and principal.role == "owner"
    assert principal.email == "mette@rendetalje.dk"

    code, out, err = invoke("tokens", "revoke", created["prefix"])
    assert code == 0, err
    assert asyncio.run(_principal_and_dump(db_url, clear))[0] is None


@pytest.mark.usefixtures("cli_env")
def test_duplicate_user_and_unknown_user_fail_clearly() -> None:
    assert invoke("users", "create", "a@rendetalje.dk", "--name", "A")[0] == 0
    code, _, err = invoke("users", "create", "A@Rendetalje.dk", "--name", "A again")
    assert code == 1 and "already exists" in err
    code, _, err = invoke("tokens", "create", "nobody@rendetalje.dk")
    assert code == 1 and "no staff user nobody@rendetalje.dk" in err
    code, _, err = invoke("users", "create", "a@rendetalje.dk", "--name", "A", "--role", "admin")
    assert code == 2


@pytest.mark.usefixtures("cli_env")
def test_users_list_json() -> None:
    invoke("users", "create", "b@rendetalje.dk", "--name", "B", "--role", "evaluator")
    invoke("users", "create", "a@rendetalje.dk", "--name", "A")
    code, out, _ = invoke("users", "list", "--json")
    assert code == 0
    assert [(u["email"], u["role"]) for u in json.loads(out)] == [
        ("a@rendetalje.dk", "staff"),
        ("b@rendetalje.dk", "evaluator"),
    ]


def test_invalid_settings_name_the_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "mysql://root@localhost/renos")
    code, _, err = invoke("leads", "list")
    assert code == 2 and "DATABASE_URL" in err and "PostgreSQL URL" in err

    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.setenv("RENOS_PORT", "eighty")
    code, _, err = invoke("serve")
    assert code == 2 and "RENOS_PORT" in err


def test_settings_come_from_a_dotenv_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    (tmp_path / ".env").write_text("DATABASE_URL=sqlite:///x.db\n")
    code, _, err = invoke("leads", "list")
    assert code == 2 and "DATABASE_URL" in err


def test_unreachable_database_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "postgresql://renos@127.0.0.1:1/renos?connect_timeout=2")
    code, _, err = invoke("leads", "list")
    assert code == 1 and "database_unavailable" in err
