"""Error reporting to Sentry, only when SENTRY_DSN is set, and never with personal data:
every event passes :func:`scrub_event` before it leaves the process."""

from __future__ import annotations

import re
from typing import Any, cast

import sentry_sdk
from sentry_sdk.types import Event, Hint

from api.settings import ServerSettings

REDACTED = "[redacted]"
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
# Danish numbers: 8 digits, optionally +45/0045 first, in pairs, fours or one run.
_DK_PHONE = re.compile(r"(?<![\w+])(?:(?:\+|00)\s?45[\s\-]?)?(?:\d{2}[\s\-]?){3}\d{2}(?!\w)")
_SECRET_KEYS = {
    "authorization",
    "proxy-authorization",
    "cookie",
    "cookies",
    "set-cookie",
    "x-api-key",
    "password",
    "token",
    "access_token",
    "refresh_token",
    "api_key",
    "secret",
    "email",
    "phone",
    "address",
    "username",
    "user_name",
    "full_name",
    "customer_name",
    "contact_name",
    "vars",  # frame locals
}


def init_sentry(settings: ServerSettings) -> bool:
    """Start the SDK when a DSN is configured; report whether it was started."""
    if settings.sentry_dsn is None:
        return False
    sentry_sdk.init(
        dsn=settings.sentry_dsn.get_secret_value(),
        environment=settings.environment,
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        before_send=scrub_event,
    )
    return True


def scrub_event(event: Event, hint: Hint) -> Event | None:
    data = cast(dict[str, Any], event)
    request = data.get("request")
    if isinstance(request, dict):
        request.pop("data", None)  # bodies: chat text, customer details
        request.pop("cookies", None)
        request.pop("query_string", None)
    user = data.get("user")
    if isinstance(user, dict):
        data["user"] = {"id": user["id"]} if "id" in user else {}
    return cast(Event, _scrub(data))


def _scrub(value: object) -> object:
    if isinstance(value, dict):
        return {
            key: REDACTED if str(key).lower() in _SECRET_KEYS else _scrub(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        # Headers can come as [name, value] pairs.
        if len(value) == 2 and isinstance(value[0], str) and value[0].lower() in _SECRET_KEYS:
            return [value[0], REDACTED]
        return [_scrub(item) for item in value]
    if isinstance(value, str):
        return scrub_text(value)
    return value


def scrub_text(text: str) -> str:
    return _DK_PHONE.sub("[phone]", _EMAIL.sub("[email]", text))
