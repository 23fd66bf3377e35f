"""Acceptance: `renos chat --message ... --json` with no configuration (offline model)."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli.main import build_cli
from memory.database import create_database
from memory.models import Lead
from memory.models.enums import LeadSource, LeadStatus

runner = CliRunner()


@pytest.fixture
def cli_env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", db_url)
    for name in ("MODEL_PROVIDER", "OPENAI_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def chat_json(message: str) -> dict[str, object]:
    result = runner.invoke(build_cli(), ["chat", "--message", message, "--json"])
    assert result.exit_code == 0, result.stderr
    data: dict[str, object] = json.loads(result.stdout)
    return data


@pytest.mark.usefixtures("cli_env")
@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "Hvad koster en flytterengøring på 80 m2?",
            ("1.396", "2.094", "2 medarbejdere", "4 arbejdstimer"),
        ),
        (
            "How much is a move-out cleaning of 80 m2?",
            ("1,396", "2,094", "2 workers", "4 work hours"),
        ),
    ],
)
def test_quote_question_with_no_configuration(message: str, expected: tuple[str, ...]) -> None:
    out = chat_json(message)
    calls = out["tool_calls"]
    assert isinstance(calls, list) and len(calls) == 1
    call = calls[0]
    assert call["name"] == "draft_quote" and call["status"] == "succeeded"
    assert call["args"]["service"] == "moving_out"
    assert Decimal(str(call["args"]["area_m2"])) == 80
    assert (
        Decimal(call["result"]["price_min"]) == 1396
        and Decimal(call["result"]["price_max"]) == 2094
    )
    reply = str(out["reply"])
    for fragment in expected:
        assert fragment in reply
    assert "offline" in str(out["model"])
    assert out["status"] == "completed" and out["pending_approval"] is None


@pytest.mark.usefixtures("cli_env")
def test_interactive_chat_streams_answers_and_shows_tool_calls() -> None:
    result = runner.invoke(
        build_cli(), ["chat"], input="Hvad koster en flytterengøring på 80 m2?\n\n"
    )
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "→ draft_quote" in out and "← draft_quote: succeeded" in out
    assert "1.396–2.094 kr" in out


@pytest.mark.usefixtures("cli_env")
def test_one_turn_then_approve_from_the_command_line(db_url: str) -> None:
    asyncio.run(_add_lead(db_url))
    first = chat_json("Skriv en mail til mette.hansen@example.dk om at vi kan komme på torsdag")
    session = str(first["session_id"])
    result = runner.invoke(
        build_cli(), ["chat", "--session", session, "--message", "Send udkastet", "--json"]
    )
    pending = json.loads(result.stdout)["pending_approval"]
    assert pending["tool"] == "send_email"
    result = runner.invoke(build_cli(), ["chat", "--session", session, "--approve", "--json"])
    done = json.loads(result.stdout)
    assert [(c["name"], c["status"]) for c in done["tool_calls"]] == [("send_email", "succeeded")]
    bad = runner.invoke(build_cli(), ["chat", "--session", str(uuid.uuid4()), "-m", "hej"])
    assert bad.exit_code == 1 and "no chat session" in bad.stderr


async def _add_lead(db_url: str) -> None:
    db = create_database(db_url, pool_size=1)
    try:
        async with db.transaction() as s:
            s.add(
                Lead(
                    source=LeadSource.WEBSITE,
                    name="Mette Hansen",
                    email="mette.hansen@example.dk",
                    dedup_key="cli:mette",
                    received_at=datetime.now(UTC),
                    status=LeadStatus.NEW,
                )
            )
    finally:
        await db.dispose()
