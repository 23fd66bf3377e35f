"""Reading a triage intent back from text (the FACTS block, a stored row)."""

from __future__ import annotations

from typing import cast, get_args

from tools.mail_policy.triage import TriageIntent

_KNOWN = frozenset(get_args(TriageIntent))


def as_intent(value: str) -> TriageIntent:
    """The intent named by ``value``; anything unknown is a plain question."""
    return cast(TriageIntent, value) if value in _KNOWN else "question"
