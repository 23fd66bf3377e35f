"""Errors the persistence layer raises, with stable codes."""

from __future__ import annotations


class StorageError(Exception):
    """Base of every error raised by ``memory``."""

    code = "storage_error"


class DatabaseUnavailableError(StorageError):
    """The database cannot be reached or started."""

    code = "database_unavailable"


class DatabaseMisconfiguredError(StorageError):
    """The database is reachable but unusable (e.g. pgvector missing)."""

    code = "database_misconfigured"


class NotFoundError(StorageError):
    """A record that must exist does not."""

    code = "not_found"


class ConflictError(StorageError):
    """A write collides with existing data."""

    code = "conflict"
