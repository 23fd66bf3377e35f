"""Inbound mail: receiving raw messages into the ledger."""
