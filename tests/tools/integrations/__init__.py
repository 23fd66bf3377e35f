"""Wire-level test helpers: recorded Google HTTP responses, and what the adapters sent.

`googleapiclient.http.HttpMockSequence` (installed 2.x) replays (headers, body) pairs in order
and keeps every request it was given in `request_sequence` as (uri, method, body, headers);
`sent` reads that into typed records. A test with too few recorded responses fails with
IndexError, so an unexpected extra request cannot pass silently.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from googleapiclient.http import HttpMockSequence
from tenacity.wait import wait_exponential

from tools.integrations.google_api import RetryPolicy

Response = tuple[dict[str, str], str]


def ok(body: object) -> Response:
    return {"status": "200", "content-type": "application/json; charset=UTF-8"}, json.dumps(body)


def google_error(status: int, reason: str, message: str, grpc_status: str = "") -> Response:
    """An error body the way Google APIs send it."""
    error: dict[str, Any] = {
        "code": status,
        "message": message,
        "errors": [{"message": message, "domain": "global", "reason": reason}],
    }
    if grpc_status:
        error["status"] = grpc_status
    headers = {"status": str(status), "content-type": "application/json; charset=UTF-8"}
    return headers, json.dumps({"error": error})


SERVER_ERROR = google_error(500, "backendError", "Backend Error", "INTERNAL")
UNAVAILABLE = google_error(503, "backendError", "The service is currently unavailable.")
RATE_LIMITED = google_error(429, "rateLimitExceeded", "Rate Limit Exceeded", "RESOURCE_EXHAUSTED")
UNAUTHENTICATED = google_error(
    401,
    "authError",
    "Request had invalid authentication credentials. Expected OAuth 2 access token.",
    "UNAUTHENTICATED",
)
NOT_FOUND = google_error(404, "notFound", "Requested entity was not found.", "NOT_FOUND")


def gmail_raw(message_id: str, thread_id: str, rfc822: bytes) -> Response:
    """Gmail's answer to messages.get with format=raw (base64url, without padding)."""
    raw = base64.urlsafe_b64encode(rfc822).decode("ascii").rstrip("=")
    return ok(
        {
            "id": message_id,
            "threadId": thread_id,
            "labelIds": ["UNREAD", "INBOX"],
            "sizeEstimate": len(rfc822),
            "historyId": "4400",
            "internalDate": "1764583360000",
            "raw": raw,
        }
    )


def recorded(*responses: Response) -> Any:
    return HttpMockSequence(list(responses))


@dataclass(frozen=True)
class SentRequest:
    method: str
    uri: str
    body: str | None

    @property
    def path(self) -> str:
        return urlsplit(self.uri).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.uri).query)

    def json(self) -> Any:
        assert self.body is not None, f"{self.method} {self.path} had no body"
        return json.loads(self.body)


def sent(http: Any) -> list[SentRequest]:
    requests = []
    for uri, method, body, _headers in http.request_sequence:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
        requests.append(SentRequest(method=method, uri=uri, body=text))
    return requests


class SleepRecorder:
    """Stands in for asyncio.sleep in retries: records the waits, sleeps not at all."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def fast_retry(sleeper: SleepRecorder, attempts: int = 3) -> RetryPolicy:
    """Exponential backoff 1 s, 2 s, ... (recorded, not slept)."""
    return RetryPolicy(attempts=attempts, wait=wait_exponential(multiplier=1), sleep=sleeper)
