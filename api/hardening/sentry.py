"""Error reporting to Sentry, only when SENTRY_DSN is set, and never with personal data:
every event passes :func:`scrub_event` before it leaves the process. Request bodies, cookies,
query strings and frame locals are dropped, secret and personal keys redacted, and every string
left passes the same scrubber as the logs (:mod:`tools.privacy.scrub`)."""

from __future__ import annotations

from typing import Any, cast

import sentry_sdk
from sentry_sdk.types import Event, Hint

from api.settings import ServerSettings
from tools.privacy.scrub import scrub_text

REDACTED = "[redacted]"
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
    "customer_email",
    "customer_phone",
    "customer_address",
    "to_address",
    "reply_to",
    "recipient",
    "sender",
    "subject",
    "body",
    "query_string",
    "http.query",  # breadcrumbs of outgoing requests
    "sys.argv",  # `renos gdpr export EMAIL`
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
        request.pop("query_string", None)  # /v1/gdpr/export?email=…
        request.pop("env", None)  # REMOTE_ADDR
        url = request.get("url")
        if isinstance(url, str):
            request["url"] = url.split("?", 1)[0]
    user = data.get("user")
    if isinstance(user, dict):
        data["user"] = {"id": user["id"]} if "id" in user else {}
    return cast(Event, _scrub(data))


def _scrub(value: object) -> object:
    if isinstance(value, dict):
        return {key: _scrub_item(str(key).lower(), item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        # Headers can come as [name, value] pairs.
        if len(value) == 2 and isinstance(value[0], str) and value[0].lower() in _SECRET_KEYS:
            return [value[0], REDACTED]
        return [_scrub(item) for item in value]
    if isinstance(value, str):
        return scrub_text(value)
    return value


def _scrub_item(key: str, item: object) -> object:
    return REDACTED if key in _SECRET_KEYS else _scrub(item)


__all__ = ["REDACTED", "init_sentry", "scrub_event", "scrub_text"]
