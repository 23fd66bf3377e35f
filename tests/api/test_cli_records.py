from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli.main import build_cli
from memory import migrate

runner = CliRunner()


@pytest.fixture
def cli_env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", db_url)


def invoke(*args: str) -> str:
    result = runner.invoke(build_cli(), list(args))
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.mark.usefixtures("cli_env")
def test_seed_then_list_and_show_leads_as_json() -> None:
    first = invoke("db", "seed")
    assert first.startswith("demo data inserted:") and "leads" in first
    assert invoke("db", "seed").strip() == "demo data already present: nothing inserted"

    leads = json.loads(invoke("leads", "list", "--json", "--limit", "1000"))
    assert len(leads) >= 40
    assert len({lead["id"] for lead in leads}) == len(leads)
    received = [lead["received_at"] for lead in leads]
    assert received == sorted(received, reverse=True)  # newest first
    assert {lead["source"] for lead in leads} >= {
        "rengoering_nu",
        "rengoering_aarhus",
        "adhelp",
        "website",
        "direct",
    }
    # Scores come from the real rules (tools.lead_score), not zeros.
    assert all(
        lead["score"]
        == lead["score_response"]
        + lead["score_contact"]
        + lead["score_value"]
        + lead["score_engagement"]
        for lead in leads
    )
    assert max(lead["score"] for lead in leads) > 50

    quoted = json.loads(invoke("leads", "list", "--json", "--status", "quoted"))
    assert quoted and all(lead["status"] == "quoted" for lead in quoted)

    detail = json.loads(invoke("leads", "show", quoted[0]["id"][:8], "--json"))
    assert detail["id"] == quoted[0]["id"]
    assert detail["quotes"], "a quoted lead has a quote"
    q = detail["quotes"][0]
    assert float(q["price_min"]) == float(q["work_hours"]) * 349


@pytest.mark.usefixtures("cli_env")
def test_bookings_list_json_is_inside_the_window() -> None:
    invoke("db", "seed")
    bookings = json.loads(invoke("bookings", "list", "--json", "--days", "21"))
    assert len(bookings) >= 30
    assert all(b["status"] != "cancelled" for b in bookings)
    starts = [b["start"] for b in bookings]
    assert starts == sorted(starts)
    assert all(b["customer_email"] for b in bookings)


@pytest.mark.usefixtures("cli_env")
def test_db_downgrade_and_upgrade_through_the_cli() -> None:
    invoke("db", "downgrade", "base")
    assert invoke("db", "current").strip() == "base (empty)"
    assert invoke("db", "upgrade").strip() == f"database at revision {migrate.head_revision()}"


@pytest.mark.usefixtures("cli_env")
def test_reset_needs_confirmation() -> None:
    result = runner.invoke(build_cli(), ["db", "reset"])
    assert result.exit_code == 2 and "--yes" in result.stderr
    assert invoke("db", "reset", "--yes", "--no-demo").strip() == "database reset (no demo data)"
    assert json.loads(invoke("leads", "list", "--json")) == []
