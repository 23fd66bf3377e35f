"""Google settings from the environment, and building the real adapters offline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account
from pydantic import ValidationError

from tools.integrations.gmail import GmailMailbox
from tools.integrations.google_calendar import GoogleCalendar
from tools.integrations.settings import (
    CALENDAR_SCOPES,
    GoogleSettings,
    build_google_adapters,
    load_credentials,
)

VARIABLES = (
    "GOOGLE_CREDENTIALS_FILE",
    "GOOGLE_CALENDAR_ID",
    "GMAIL_USER",
    "GMAIL_SENDER",
    "GOOGLE_DELEGATED_USER",
    "GOOGLE_HTTP_TIMEOUT",
    "GOOGLE_CALENDAR_ENABLED",
    "GMAIL_ENABLED",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


def settings() -> GoogleSettings:
    return GoogleSettings(_env_file=None)


@pytest.fixture
def authorized_user(tmp_path: Path) -> Path:
    path = tmp_path / "token.json"
    info = {
        "type": "authorized_user",
        "client_id": "123-abc.apps.googleusercontent.com",
        "client_secret": "GOCSPX-test",
        "refresh_token": "1//0g-test",
        "scopes": ["https://www.googleapis.com/auth/gmail.compose"],
    }
    path.write_text(json.dumps(info))
    return path


@pytest.fixture(scope="module")
def service_account_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    info = {
        "type": "service_account",
        "project_id": "renos-test",
        "private_key_id": "abc123",
        "private_key": pem,
        "client_email": "renos@renos-test.iam.gserviceaccount.com",
        "client_id": "1234567890",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    path = tmp_path_factory.mktemp("sa") / "service-account.json"
    path.write_text(json.dumps(info))
    return path


def test_without_a_credentials_file_google_is_off() -> None:
    config = settings()
    assert (config.calendar_enabled, config.gmail_enabled) == (False, False)
    assert (config.calendar_id, config.gmail_user) == ("primary", "me")
    adapters = build_google_adapters(config)
    assert (adapters.calendar, adapters.mailbox) == (None, None)


def test_empty_variables_count_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_CREDENTIALS_FILE", "")
    monkeypatch.setenv("GOOGLE_DELEGATED_USER", "")
    config = settings()
    assert config.credentials_file is None
    assert config.delegated_user is None


def test_a_missing_credentials_file_fails_at_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_CREDENTIALS_FILE", "/nonexistent/google.json")
    with pytest.raises(ValidationError, match="no such file"):
        settings()


def test_an_authorized_user_file_builds_both_adapters(
    monkeypatch: pytest.MonkeyPatch, authorized_user: Path
) -> None:
    monkeypatch.setenv("GOOGLE_CREDENTIALS_FILE", str(authorized_user))
    monkeypatch.setenv("GOOGLE_CALENDAR_ID", "c_team@group.calendar.google.com")
    monkeypatch.setenv("GOOGLE_HTTP_TIMEOUT", "12.5")
    config = settings()
    assert (config.calendar_enabled, config.gmail_enabled) == (True, True)
    assert config.http_timeout_s == 12.5
    credentials = load_credentials(config, CALENDAR_SCOPES)
    assert isinstance(credentials, user_credentials.Credentials)
    assert credentials.scopes == ["https://www.googleapis.com/auth/gmail.compose"]  # the file's
    adapters = build_google_adapters(config)
    assert isinstance(adapters.calendar, GoogleCalendar)
    assert isinstance(adapters.mailbox, GmailMailbox)


def test_a_service_account_acts_for_the_delegated_user(
    monkeypatch: pytest.MonkeyPatch, service_account_file: Path
) -> None:
    monkeypatch.setenv("GOOGLE_CREDENTIALS_FILE", str(service_account_file))
    monkeypatch.setenv("GOOGLE_DELEGATED_USER", "info@rendetalje.dk")
    credentials = load_credentials(settings(), CALENDAR_SCOPES)
    assert isinstance(credentials, service_account.Credentials)
    assert credentials._subject == "info@rendetalje.dk"
    assert tuple(credentials.scopes or ()) == CALENDAR_SCOPES
    adapters = build_google_adapters(settings())
    assert adapters.calendar is not None
    assert adapters.mailbox is not None


def test_gmail_with_a_service_account_needs_a_delegated_user(
    monkeypatch: pytest.MonkeyPatch, service_account_file: Path
) -> None:
    monkeypatch.setenv("GOOGLE_CREDENTIALS_FILE", str(service_account_file))
    with pytest.raises(ValueError, match="GOOGLE_DELEGATED_USER"):
        build_google_adapters(settings())
    monkeypatch.setenv("GMAIL_ENABLED", "false")
    adapters = build_google_adapters(settings())  # a calendar shared with the account works
    assert adapters.calendar is not None
    assert adapters.mailbox is None


def test_an_unknown_credentials_type_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "client_secret.json"
    path.write_text(json.dumps({"installed": {"client_id": "x"}}))
    monkeypatch.setenv("GOOGLE_CREDENTIALS_FILE", str(path))
    with pytest.raises(ValueError, match="unsupported credentials type"):
        build_google_adapters(settings())
