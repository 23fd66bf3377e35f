"""Intent classification: a weighted keyword scorer over the cue table in cues.py.

Every cue that matches (and is not negated) adds its weight to its intent; an intent counts
from `THRESHOLD` on. The result names the cues that matched, so a wrong answer can be traced
to one table row. Several intents can be present ("find Mette og lav et tilbud"); they come
back in `EXECUTION_ORDER`. Safety rules on top of the scores:

- confirm and decline together is a decline (never act on a muddled "ok, nej");
- a greeting or a help request next to a task is dropped (the task is the point);
- when the only task cues were negated ("send det ikke"), the utterance is a decline.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

from agent.offline.cues import (
    CLAUSE_BREAK,
    CUES,
    EXECUTION_ORDER,
    NEGATION_AFTER,
    NEGATION_BEFORE,
    POLITE_REQUEST,
    TASK_INTENTS,
    Cue,
    Intent,
)
from agent.offline.normalize import prepare

THRESHOLD = 1.5
_WORDS_BEFORE = 4
_WORDS_AFTER = 2
_SPECIFIC = frozenset(TASK_INTENTS - {Intent.LEAD_DETAILS})


class IntentMatch(BaseModel):
    """One recognised intent, how sure the scorer is (0–1), and the cues that said so."""

    model_config = ConfigDict(frozen=True)

    intent: Intent
    confidence: float
    cues: tuple[str, ...]


class Classification(BaseModel):
    model_config = ConfigDict(frozen=True)

    intents: tuple[IntentMatch, ...]
    negated: tuple[str, ...]

    @property
    def names(self) -> tuple[Intent, ...]:
        return tuple(match.intent for match in self.intents)


def is_negated(text: str, match: re.Match[str]) -> bool:
    """Whether a negation word stands near the cue inside the same clause."""
    before = text[: match.start()]
    breaks = list(CLAUSE_BREAK.finditer(before))
    clause = before[breaks[-1].end() :] if breaks else before
    clause = POLITE_REQUEST.sub(lambda polite: polite.group(0).rsplit(" ", 1)[0], clause)
    window_before = " ".join(clause.split()[-_WORDS_BEFORE:])
    after = text[match.end() :]
    end = CLAUSE_BREAK.search(after)
    window_after = " ".join(after[: end.start() if end else len(after)].split()[:_WORDS_AFTER])
    return bool(NEGATION_BEFORE.search(window_before) or NEGATION_AFTER.search(window_after))


def confidence(score: float) -> float:
    """Monotone map of a score to 0–1: one strong cue (2) gives 0.67, two give 0.8."""
    return round(score / (score + 1), 2)


def _score(text: str) -> tuple[dict[Intent, float], dict[Intent, list[str]], list[str]]:
    scores: dict[Intent, float] = {}
    labels: dict[Intent, list[str]] = {}
    negated: list[str] = []
    generic: list[Cue] = []
    for cue in CUES:
        match = cue.pattern.search(text)
        if match is None:
            continue
        if cue.negatable and is_negated(text, match):
            negated.append(cue.label)
        elif cue.generic:
            generic.append(cue)
        else:
            scores[cue.intent] = scores.get(cue.intent, 0.0) + cue.weight
            labels.setdefault(cue.intent, []).append(cue.label)
    if not any(scores.get(intent, 0.0) >= THRESHOLD for intent in _SPECIFIC):
        for cue in generic:
            scores[cue.intent] = scores.get(cue.intent, 0.0) + cue.weight
            labels.setdefault(cue.intent, []).append(cue.label)
    return scores, labels, negated


def classify(text: str) -> Classification:
    """The intents of one staff utterance, in execution order, with their cues."""
    corrected = prepare(text).corrected.strip()
    scores, labels, negated = _score(corrected)
    chosen = {intent for intent, score in scores.items() if score >= THRESHOLD}
    if Intent.CONFIRM in chosen and Intent.DECLINE in chosen:
        chosen.discard(Intent.CONFIRM)
    if chosen & TASK_INTENTS:
        chosen -= {Intent.GREETING, Intent.HELP}
    if not chosen and negated:
        scores[Intent.DECLINE] = THRESHOLD
        labels[Intent.DECLINE] = [f"ikke {label}" for label in negated]
        chosen.add(Intent.DECLINE)
    if not chosen:
        unknown = IntentMatch(intent=Intent.UNKNOWN, confidence=0.0, cues=())
        return Classification(intents=(unknown,), negated=tuple(negated))
    matches = tuple(
        IntentMatch(
            intent=intent, confidence=confidence(scores[intent]), cues=tuple(labels[intent])
        )
        for intent in EXECUTION_ORDER
        if intent in chosen
    )
    return Classification(intents=matches, negated=tuple(negated))
