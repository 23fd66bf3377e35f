"""`renos inbox poll`: refused clearly without Gmail; one sync on recorded Gmail responses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from api.cli import inbox as inbox_cli
from api.cli.main import build_cli
from tests.tools.integrations import SleepRecorder, fast_retry, gmail_raw, ok, recorded, sent
from tools.integrations.gmail import GmailMailbox
from tools.integrations.settings import GoogleAdapters, GoogleSettings

FIXTURES = Path(__file__).resolve().parents[1] / "tools" / "mail" / "fixtures"
GOOGLE_VARIABLES = (
    "GOOGLE_CREDENTIALS_FILE",
    "GOOGLE_DELEGATED_USER",
    "GMAIL_ENABLED",
    "GOOGLE_CALENDAR_ENABLED",
)
runner = CliRunner()


@pytest.fixture
def no_google(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    for name in GOOGLE_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("no_google")
def test_poll_without_gmail_names_the_settings_to_set() -> None:
    result = runner.invoke(build_cli(), ["inbox", "poll", "--once"])
    assert result.exit_code == 2
    assert "Gmail is not configured" in result.stderr
    assert "GOOGLE_CREDENTIALS_FILE" in result.stderr
    assert "GOOGLE_DELEGATED_USER" in result.stderr


@pytest.mark.usefixtures("no_google")
def test_poll_with_gmail_switched_off_is_refused_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    credentials = tmp_path / "key.json"
    credentials.write_text(json.dumps({"type": "service_account"}))
    monkeypatch.setenv("GOOGLE_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("GMAIL_ENABLED", "false")
    result = runner.invoke(build_cli(), ["inbox", "poll"])
    assert result.exit_code == 2
    assert "GMAIL_ENABLED" in result.stderr


@pytest.mark.usefixtures("no_google")
def test_poll_with_unusable_credentials_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    credentials = tmp_path / "key.json"
    credentials.write_text(json.dumps({"type": "service_account"}))
    monkeypatch.setenv("GOOGLE_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("GOOGLE_CALENDAR_ENABLED", "false")
    result = runner.invoke(build_cli(), ["inbox", "poll", "--once"])
    assert result.exit_code == 2
    assert "GOOGLE_DELEGATED_USER" in result.stderr


@pytest.mark.usefixtures("no_google")
def test_poll_once_syncs_the_mailbox_into_the_ledger(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    credentials = tmp_path / "user.json"  # well-formed, so building credentials works offline
    credentials.write_text(
        json.dumps(
            {
                "type": "authorized_user",
                "client_id": "client.apps.googleusercontent.com",
                "client_secret": "not-a-secret",
                "refresh_token": "not-a-token",
            }
        )
    )
    monkeypatch.setenv("GOOGLE_CREDENTIALS_FILE", str(credentials))
    profile = ok({"emailAddress": "info@rendetalje.dk", "historyId": "4412"})
    http = recorded(
        profile,  # the mailbox's address: the name of its sync state
        profile,  # the history id noted before the full resync
        ok({"messages": [{"id": "m1", "threadId": "t1"}], "resultSizeEstimate": 1}),
        gmail_raw("m1", "t1", (FIXTURES / "adhelp.eml").read_bytes()),
    )
    gmail = GmailMailbox(http, retry=fast_retry(SleepRecorder()))

    def adapters(settings: GoogleSettings, retry: Any = None) -> GoogleAdapters:
        return GoogleAdapters(calendar=None, mailbox=gmail)

    monkeypatch.setattr(inbox_cli, "build_google_adapters", adapters)
    result = runner.invoke(build_cli(), ["inbox", "poll", "--once", "--json"])
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["mailbox"] == "gmail:info@rendetalje.dk"
    assert (out["mode"], out["new"], out["history_id"]) == ("full", 1, "4412")
    assert len(sent(http)) == 4

    listed = runner.invoke(build_cli(), ["inbox", "list", "--json"])
    assert [row["message_id"] for row in json.loads(listed.stdout)] == ["<ah-77120@adhelp.dk>"]
