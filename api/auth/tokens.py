"""API tokens: random, shown once, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

TOKEN_PREFIX = "renos_"  # noqa: S105 - a label, not a secret


@dataclass(frozen=True)
class NewToken:
    clear: str  # shown to the operator once, never stored
    hash: str
    prefix: str  # enough to recognise and revoke the token, useless to authenticate


def generate_token() -> NewToken:
    clear = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return NewToken(clear=clear, hash=hash_token(clear), prefix=clear[: len(TOKEN_PREFIX) + 8])


def hash_token(clear: str) -> str:
    # A 256-bit random secret needs no slow KDF: SHA-256 cannot be brute-forced back.
    return hashlib.sha256(clear.encode("utf-8")).hexdigest()
