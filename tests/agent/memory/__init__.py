"""Tests of the chat agent's memory: embeddings, token budgets, context window, recall."""
