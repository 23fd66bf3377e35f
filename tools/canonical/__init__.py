"""The seven canonical tools (scenarios.md): argument schemas, result records, the ports they
need, and their business logic. Nothing here knows LangGraph, SQL or HTTP."""
