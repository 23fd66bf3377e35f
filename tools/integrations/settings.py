"""Google settings, and the builders that make the real adapters from them.

Environment is read only when `GoogleSettings()` is instantiated (by the composition root).
Without `GOOGLE_CREDENTIALS_FILE` neither Google adapter is built and the caller uses the
local ones. The file is either a service-account key (optionally acting for a Workspace user
through domain-wide delegation: `GOOGLE_DELEGATED_USER`) or an authorized-user file from an
OAuth consent (its own granted scopes are used; they must cover the scopes below).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import google_auth_httplib2
import httplib2  # type: ignore[import-untyped]
from google.auth.credentials import Credentials
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tools.integrations.gmail import GmailMailbox
from tools.integrations.google_api import RetryPolicy
from tools.integrations.google_calendar import GoogleCalendar

_AUTH = "https://www.googleapis.com/auth/"
# Least privilege: free/busy plus the events the assistant creates; send, draft and read mail.
CALENDAR_SCOPES = (_AUTH + "calendar.freebusy", _AUTH + "calendar.events")
GMAIL_SCOPES = (_AUTH + "gmail.compose", _AUTH + "gmail.readonly")


class GoogleSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    credentials_file: Path | None = Field(
        default=None,
        validation_alias="GOOGLE_CREDENTIALS_FILE",
        description="Service-account key or authorized-user JSON. Empty: no Google.",
    )
    calendar_id: str = Field(default="primary", min_length=1, validation_alias="GOOGLE_CALENDAR_ID")
    gmail_user: str = Field(default="me", min_length=1, validation_alias="GMAIL_USER")
    gmail_sender: str | None = Field(
        default=None,
        validation_alias="GMAIL_SENDER",
        description='From header, e.g. "Rendetalje <info@rendetalje.dk>". Empty: the mailbox.',
    )
    delegated_user: str | None = Field(default=None, validation_alias="GOOGLE_DELEGATED_USER")
    http_timeout_s: float = Field(
        default=30.0, gt=0, le=300, validation_alias="GOOGLE_HTTP_TIMEOUT"
    )
    calendar_switch: bool = Field(default=True, validation_alias="GOOGLE_CALENDAR_ENABLED")
    gmail_switch: bool = Field(default=True, validation_alias="GMAIL_ENABLED")

    @field_validator("credentials_file", "gmail_sender", "delegated_user", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("credentials_file")
    @classmethod
    def _must_exist(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"no such file: {value}")
        return value

    @property
    def calendar_enabled(self) -> bool:
        return self.credentials_file is not None and self.calendar_switch

    @property
    def gmail_enabled(self) -> bool:
        return self.credentials_file is not None and self.gmail_switch


def load_credentials(settings: GoogleSettings, scopes: tuple[str, ...]) -> Credentials:
    """Credentials from the configured file; no network until the first call."""
    if settings.credentials_file is None:
        raise ValueError("GOOGLE_CREDENTIALS_FILE is not set")
    info: dict[str, Any] = json.loads(settings.credentials_file.read_text(encoding="utf-8"))
    kind = info.get("type")
    # google.oauth2's factory methods are unannotated; the result types are declared here.
    if kind == "service_account":
        accounts: Any = service_account.Credentials
        account: Any = accounts.from_service_account_info(info, scopes=scopes)
        if settings.delegated_user:
            account = account.with_subject(settings.delegated_user)
        signed: Credentials = account
        return signed
    if kind == "authorized_user":
        # Asking for other scopes than were granted makes the refresh fail: keep the file's.
        users: Any = user_credentials.Credentials
        user: Credentials = users.from_authorized_user_info(info)
        return user
    raise ValueError(f"{settings.credentials_file}: unsupported credentials type {kind!r}")


def authorized_http(settings: GoogleSettings, scopes: tuple[str, ...]) -> Any:
    """An httplib2 connection that signs requests and refreshes the token, with a timeout."""
    http = httplib2.Http(timeout=settings.http_timeout_s)
    return google_auth_httplib2.AuthorizedHttp(load_credentials(settings, scopes), http=http)


def _is_service_account(settings: GoogleSettings) -> bool:
    path = settings.credentials_file
    return path is not None and json.loads(path.read_text("utf-8")).get("type") == "service_account"


@dataclass(frozen=True, slots=True)
class GoogleAdapters:
    """The real adapters that are configured; None where the caller uses a local one."""

    calendar: GoogleCalendar | None
    mailbox: GmailMailbox | None


def build_google_adapters(
    settings: GoogleSettings, retry: RetryPolicy | None = None
) -> GoogleAdapters:
    calendar = mailbox = None
    if settings.calendar_enabled:
        http = authorized_http(settings, CALENDAR_SCOPES)
        calendar = GoogleCalendar(http, calendar_id=settings.calendar_id, retry=retry)
    if settings.gmail_enabled:
        if _is_service_account(settings) and not settings.delegated_user:
            raise ValueError("Gmail with a service account needs GOOGLE_DELEGATED_USER")
        mailbox = GmailMailbox(
            authorized_http(settings, GMAIL_SCOPES),
            user_id=settings.gmail_user,
            sender=settings.gmail_sender,
            retry=retry,
        )
    return GoogleAdapters(calendar=calendar, mailbox=mailbox)
