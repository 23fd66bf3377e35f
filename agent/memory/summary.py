"""A deterministic, extractive running summary of the turns folded out of the context window.

No model writes it: from each folded user/assistant message it keeps the sentences that carry
facts (names, addresses, e-mails, phone numbers, m², prices, dates), one bullet line per
sentence, labelled with who said it. A sentence whose facts are all already in the summary is
skipped, so repetition does not grow it. The summary is bounded by ``max_tokens``: when it is
too long, the oldest lines after the first :data:`PINNED_LINES` are dropped (the opening facts
usually say who the customer is; the newest say where things stand). Tool results are not read:
the assistant restates what matters, and raw tool JSON makes poor sentences.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Protocol

from agent.memory.tokens import count_tokens

PINNED_LINES = 3
MAX_LINE_CHARS = 200

_ROLE_LABELS = {"user": "Bruger", "assistant": "Assistent"}
_MONTHS = (
    "januar|februar|marts|april|maj|juni|juli|august|september|oktober|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|okt|nov|dec"
)
_CAP = r"[A-ZÆØÅ][a-zæøåéü]+"
_FACT_PATTERNS = (
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),  # e-mail
    re.compile(r"(?<![\d,.])(?:\+45 ?)?(?:\d{2} ?){3}\d{2}(?!\d|[.,]\d)"),  # phone (DK)
    re.compile(r"\d+(?:[.,]\d+)? ?(?:m2|m²|kvm|kvadratmeter)\b", re.IGNORECASE),  # area
    re.compile(r"\d[\d.]*(?:,\d+)? ?(?:kr\b\.?|dkk\b|kroner\b|,-)", re.IGNORECASE),  # price
    re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),  # ISO date
    re.compile(r"\b\d{1,2}[./]\d{1,2}(?:[./]\d{2,4})?\b"),  # 12/3, 12.03.2026
    re.compile(rf"\b\d{{1,2}}\. ?(?:{_MONTHS})\b", re.IGNORECASE),  # 12. marts
    re.compile(
        rf"\b{_CAP}(?:vej|gade|allé|alle|stræde|plads|vænge|vænget|torv|parken)"
        r" \d+[A-Za-z]?\b"
    ),  # address
    re.compile(rf"\b{_CAP}(?: {_CAP})+\b"),  # a full name: two or more capitalised words
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


class SummarySource(Protocol):
    """What the summariser reads of a stored message."""

    @property
    def role(self) -> str: ...

    @property
    def content(self) -> str: ...


def extract_facts(text: str) -> set[str]:
    """The fact strings in ``text`` (lowercased, whitespace collapsed)."""
    found: set[str] = set()
    for pattern in _FACT_PATTERNS:
        for match in pattern.finditer(text):
            found.add(" ".join(match.group(0).lower().split()))
    return found


def _clip(sentence: str) -> str:
    sentence = " ".join(sentence.split())
    if len(sentence) <= MAX_LINE_CHARS:
        return sentence
    cut = sentence[: MAX_LINE_CHARS - 1].rsplit(" ", 1)[0]
    return cut + "…"


def _candidate_lines(messages: Iterable[SummarySource]) -> Iterable[str]:
    for message in messages:
        label = _ROLE_LABELS.get(str(message.role))
        if label is None:
            continue
        for sentence in _SENTENCE_END.split(message.content):
            if sentence.strip() and extract_facts(sentence):
                yield f"- {label}: {_clip(sentence)}"


def summarise(previous: str, messages: Sequence[SummarySource], *, max_tokens: int) -> str:
    """``previous`` extended with the fact-bearing sentences of ``messages``, at most
    ``max_tokens`` tokens (by :func:`agent.memory.tokens.count_tokens`)."""
    lines = [line for line in previous.splitlines() if line.strip()]
    known: set[str] = set()
    for line in lines:
        known |= extract_facts(line)
    for line in _candidate_lines(messages):
        facts = extract_facts(line)
        if facts <= known:
            continue
        known |= facts
        lines.append(line)
    while lines and count_tokens("\n".join(lines)) > max_tokens:
        del lines[PINNED_LINES if len(lines) > PINNED_LINES else len(lines) - 1]
    return "\n".join(lines)
