"""Reading a request in the light of the conversation before it.

Two things only the conversation can tell:

- the language, when the request itself is neutral ("ok", "80 m2", "Mette Hansen"): the
  language staff last wrote in;
- what a bare answer completes: when the previous turn ended with a question (e.g. "how
  many m²?") and the request is only the missing details (no task words of its own), it is
  read together with the previous request. The question is found by planning the previous
  turn again from its own results — the transcript is the only state there is.
"""

from __future__ import annotations

from datetime import datetime

from agent.offline.language import Lang, language_scores
from agent.offline.plan_types import FOLLOW_UP_QUESTIONS, Decision, Finish
from agent.offline.planner import decide
from agent.offline.transcript import Transcript
from agent.offline.understand import Understanding, understand

_IMPLICIT = "implicit:"
_MAX_DEPTH = 2


def conversation_language(transcript: Transcript) -> Lang:
    """The language of the newest request that shows one; Danish if none does."""
    for turn in reversed(transcript.turns):
        danish, english = language_scores(turn.text)
        if danish != english:
            return "da" if danish > english else "en"
    return "da"


def _only_details(u: Understanding) -> bool:
    """No task words of its own: every intent was inferred from entities alone."""
    return bool(u.intents) and all(
        match.cues and all(cue.startswith(_IMPLICIT) for cue in match.cues) for match in u.intents
    )


def _read(text: str, transcript: Transcript, now: datetime) -> Understanding:
    u = understand(text, now=now)
    return u.model_copy(update={"language": conversation_language(transcript)})


def _asked_follow_up(decision: Decision) -> bool:
    return (
        isinstance(decision, Finish)
        and decision.question is not None
        and decision.question.kind in FOLLOW_UP_QUESTIONS
    )


def _combined_text(transcript: Transcript, now: datetime, tools: frozenset[str], depth: int) -> str:
    """The request plus, for a bare answer to a question, the request it completes."""
    text = transcript.current.text
    if depth <= 0 or not transcript.earlier or not _only_details(understand(text, now=now)):
        return text
    previous = transcript.before_current()
    previous_text = _combined_text(previous, now, tools, depth - 1)
    if not _asked_follow_up(decide(_read(previous_text, previous, now), previous, tools)):
        return text
    # The answer comes first: where both name a value (an area, a name), the answer wins.
    return f"{text}\n{previous_text}"


def effective_understanding(
    transcript: Transcript, now: datetime, tools: frozenset[str], *, depth: int = _MAX_DEPTH
) -> Understanding:
    """What the current request asks, with the conversation's language and context."""
    return _read(_combined_text(transcript, now, tools, depth), transcript, now)
