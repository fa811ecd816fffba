"""Typed errors. Messages name the file, field or value at fault; they become user messages only at the
edges (CLI exit codes, ``gr.Error`` in the UI, HTTP 4xx in the API)."""

from __future__ import annotations


class RagError(Exception):
    """Base class of every error this package raises on purpose."""


class ConfigError(RagError):
    """A setting is missing or invalid (CLI exit code 2)."""


class LoadError(RagError):
    """One input file cannot be read. Carries the file name so an ingest can report it and go on."""

    def __init__(self, file: str, reason: str) -> None:
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason


class StoreError(RagError):
    """The vector store cannot be reached or is inconsistent."""


class LogbookError(StoreError):
    """The question log (SQLite under the data dir) cannot be read or written (HTTP 503 like a store error)."""


class IngestLockedError(RagError):
    """Another ingest holds the lock on the data directory."""


class QueryError(RagError):
    """A question or filter is invalid (too long, empty, bad filter value)."""


class BusyError(RagError):
    """Every generation slot is taken and the waiting line is full: the caller should try again shortly
    (HTTP 503 with Retry-After in the API, a "busy" message in the chat)."""


def exit_code(e: RagError) -> int:
    """The CLIs' exit code for an error: 2 for usage/configuration, 1 for everything else."""
    return 2 if isinstance(e, ConfigError) else 1
