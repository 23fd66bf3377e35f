"""Deterministic, approximate token counting for budgets.

No vendor tokenizer is used (none is offline, and each vendor counts differently). The estimate
is ``max(ceil(characters / 4), words)``: about four characters per token, as for English and
Danish prose with BPE tokenizers, but never fewer than one token per word, so short Danish
words and numbers are not undercounted. Each message also costs a fixed overhead for its role
and framing, and its tool calls are counted as their JSON. The estimate is deliberately on the
generous side; budgets should leave headroom against the real tokenizer anyway.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

CHARS_PER_TOKEN = 4
MESSAGE_OVERHEAD = 4

_WORD = re.compile(r"\S+")


def count_tokens(text: str) -> int:
    """Approximate tokens of ``text``: ceil(chars / 4), at least one per word; 0 for ''."""
    if not text:
        return 0
    return max(math.ceil(len(text) / CHARS_PER_TOKEN), len(_WORD.findall(text)))


def message_tokens(content: str, tool_calls: Sequence[Mapping[str, Any]] | None = None) -> int:
    """Tokens one chat message costs in a prompt: overhead + content + tool calls as JSON."""
    calls = 0
    if tool_calls:
        calls = count_tokens(json.dumps(list(tool_calls), ensure_ascii=False, sort_keys=True))
    return MESSAGE_OVERHEAD + count_tokens(content) + calls
