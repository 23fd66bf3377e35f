"""The offline model's understanding core: Danish/English staff utterances → intents and
tool arguments, deterministic and without network (see understand.py for the entry point)."""

from agent.offline.cues import Intent
from agent.offline.dates import DateRange, combine, find_dates, local_today
from agent.offline.intents import Classification, IntentMatch, classify
from agent.offline.language import Lang, detect_language
from agent.offline.understand import NEEDS_LEAD_LOOKUP, Understanding, understand

__all__ = [
    "NEEDS_LEAD_LOOKUP",
    "Classification",
    "DateRange",
    "Intent",
    "IntentMatch",
    "Lang",
    "Understanding",
    "classify",
    "combine",
    "detect_language",
    "find_dates",
    "local_today",
    "understand",
]
