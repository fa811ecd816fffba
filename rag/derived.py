"""A value derived from the store (the policy book, the link index, the register of replies), kept in step
with it: derived again when the store's fingerprint changes. Like the keyword index (rag.lexical), one answer
may read it several times, so the fingerprint is read at most every ``check_every`` seconds — and at once
after ``refresh()``, which the pipeline calls when this process has just changed the store (an ingest, the
admin delete)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Derived(Generic[T]):
    def __init__(self, fingerprint: Callable[[], str], derive: Callable[[], T], empty: T,
                 check_every: float = 5.0) -> None:
        self._fingerprint_of = fingerprint
        self._derive = derive
        self.check_every = check_every
        self._value = empty
        self._fingerprint: str | None = None
        self._checked_at = -float("inf")
        self._lock = threading.Lock()

    def get(self) -> T:
        with self._lock:
            if time.monotonic() - self._checked_at < self.check_every:
                return self._value
            fp = self._fingerprint_of()
            if fp != self._fingerprint:
                self._value = self._derive()
                self._fingerprint = fp
            self._checked_at = time.monotonic()
            return self._value

    def refresh(self) -> None:
        """Read the store's fingerprint again on the next ``get`` (this process just changed the store)."""
        with self._lock:
            self._checked_at = -float("inf")
