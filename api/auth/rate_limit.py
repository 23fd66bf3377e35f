"""Per-token rate limits, checked right after the token is resolved and before the route
does any work, so a refused call changes nothing. The counters live in PostgreSQL
(memory/repositories/rate_limits.py): every API process counts against the same number.

Each limit is a dependency (``Depends(rate_limit)``); all the limits of a route are counted
together with the token lookup, in one statement (api/auth/dependencies.py), so a chat turn
pays for its two limits no more than any other call for its one.
"""

from __future__ import annotations

from api.auth.dependencies import TokenLimit

# Every authenticated call: RENOS_RATE_LIMIT_PER_MINUTE per token.
rate_limit = TokenLimit("api", lambda server: server.rate_limit_per_minute)

# Calls that start a chat turn: RENOS_CHAT_RATE_LIMIT_PER_MINUTE per token, on top of the
# general limit.
chat_rate_limit = TokenLimit("chat", lambda server: server.chat_rate_limit_per_minute)
