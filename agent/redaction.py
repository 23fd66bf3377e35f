"""What the audit trail keeps of arguments and results: ids, figures and statuses, not the
personal data (names, addresses, mail text). The live records stay in their own tables."""

from __future__ import annotations

import hashlib
from typing import Any

# Keys whose values identify or describe a person, or carry free text about them.
PERSONAL_KEYS = frozenset(
    {
        "name",
        "email",
        "phone",
        "address",
        "to",
        "cc",
        "body",
        "text",
        "subject",
        "query",
        "notes",
        "reply_to",
        "customer_name",
        "customer_email",
        "location",
        "description",
    }
)


def _marker(value: object) -> str:
    digest = hashlib.sha256(str(value).encode("utf-8")).hexdigest()[:12]
    return f"[redacted:{digest}]"


def redact(value: Any) -> Any:
    """A copy of ``value`` with personal fields replaced by a short stable hash, so two audit
    rows about the same value can still be matched without storing it."""
    if isinstance(value, dict):
        return {
            k: (_marker(v) if k in PERSONAL_KEYS and v not in (None, "", []) else redact(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value
