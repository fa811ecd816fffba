"""A word list for the public chat (``RAG_BLOCKLIST``): a question that contains one of its words or phrases
gets a polite fixed reply — no retrieval, no model — and is logged with the blocked flag.

The file: UTF-8, one word or phrase per line, ``#`` starts a comment, blank lines are skipped. Words and
questions are compared normalised (rag.logbook.normalize: full-width = half-width, case, spaces and
punctuation ignored), so 赌 博 or ＡＢＣ match 赌博 and abc. The file is read again when it changes
(checked at most every few seconds): editing the list needs no restart.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError
from .logbook import normalize
from .records import Answer

log = logging.getLogger(__name__)

BLOCKED_REPLY = "抱歉，这个问题不在本服务的答复范围内。本服务解答已收录政策文件中的问题，欢迎换一个与政策相关的问题。"
_RECHECK_S = 5.0


def read_terms(path: Path) -> tuple[str, ...]:
    """The normalised words of a list file; ConfigError naming the file when it cannot be read."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise ConfigError(f"RAG_BLOCKLIST: cannot read {path}: {e.strerror or e}") from e
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ConfigError(f"RAG_BLOCKLIST: {path} is not UTF-8 (byte {e.start})") from e
    terms = []
    for line in text.splitlines():
        word = normalize(line.split("#", 1)[0])
        if word:
            terms.append(word)
    return tuple(dict.fromkeys(terms))


@dataclass
class Blocklist:
    """The words of ``path`` (none when ``path`` is None: nothing is blocked)."""

    path: Path | None = None
    terms: tuple[str, ...] = ()
    _mtime: float = field(default=0.0, repr=False)
    _checked: float = field(default=0.0, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def load(cls, path: Path | None) -> Blocklist:
        if path is None:
            return cls()
        terms = read_terms(path)
        return cls(path, terms, path.stat().st_mtime, time.monotonic())

    def _refresh(self) -> None:
        if self.path is None or time.monotonic() - self._checked < _RECHECK_S:
            return
        with self._lock:
            self._checked = time.monotonic()
            try:
                mtime = self.path.stat().st_mtime
                if mtime != self._mtime:
                    self.terms, self._mtime = read_terms(self.path), mtime
                    log.info("blocklist %s reloaded: %d entries", self.path, len(self.terms))
            except (OSError, ConfigError) as e:  # a list being rewritten or gone: keep the last good one
                log.warning("blocklist not reloaded, the previous one stays: %s", e)

    def match(self, question: str) -> str | None:
        """The (normalised) entry the question contains, or None."""
        self._refresh()
        if not self.terms:
            return None
        q = normalize(question)
        return next((t for t in self.terms if t in q), None)

    def blocked_answer(self, question: str) -> Answer | None:
        """The fixed reply for a question on the list, or None when it may be answered."""
        if self.match(question) is None:
            return None
        return Answer(question=question.strip(), text=BLOCKED_REPLY, refused=True)
