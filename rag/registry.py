"""The register of past replies: every reply letter of the store (rag.replies, read at ingest and kept with
its doc record) as a list a person can filter — by year, session, kind, proposer, replying body and words —
newest first, and export as CSV.

Read once from the manifest (no passage is touched) and again whenever the store's fingerprint moves, like
the policy book (rag.policies). Every listing takes an ``Audience``: an internal letter (``visibility`` on its
record, rag.access) is listed for staff only.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from .access import PUBLIC_AUDIENCE, Audience
from .derived import Derived
from .errors import QueryError
from .metadata import cn_number
from .replies import KINDS, Reply

_WS = re.compile(r"\s+")
_SESSION = re.compile(r"第?([一二三四五六七八九十〇零\d]{1,4})届.*?第?([一二三四五六七八九十\d]{1,3})次")
_WORDS_SPLIT = re.compile(r"[\s,，、；;]+")
MAX_FILTER_CHARS = 60


class RegistryStore(Protocol):
    """What the register reads (``ChromaStore``; a fake in unit tests)."""

    def doc_replies(self) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]: ...

    def fingerprint(self) -> str: ...


@dataclass(frozen=True)
class Entry:
    doc_id: str
    source: str
    title: str
    reply: Reply
    record: Mapping[str, Any] = field(default_factory=dict)  # the record's flat metadata (visibility …)

    @property
    def year(self) -> int | None:
        return int(self.reply.date[:4]) if self.reply.date else None

    @property
    def gist(self) -> str:
        """One line: what was proposed, and the first thing the reply promises (or says)."""
        head = self.reply.proposal_title
        if head and self.reply.gist:
            return f"{head}：{self.reply.gist}"
        return head or self.reply.gist or self.title

    def to_api(self) -> dict[str, Any]:
        r = self.reply
        return {
            "doc_id": self.doc_id,
            "source": self.source,
            "title": self.title,
            "gist": self.gist,
            "number": r.number,
            "kind": r.kind,
            "session": r.session,
            "body": r.body,
            "level": r.level,
            "proposal_title": r.proposal_title,
            "proposers": r.proposers,
            "replying_body": r.replying_body,
            "doc_number": r.doc_number,
            "date": r.date,
            "contact": r.contact,
            "contact_phone": r.contact_phone,
            "recipients_cc": r.recipients_cc,
            "commitments": r.commitments,
        }


def session_key(s: str) -> tuple[int | None, int | None] | None:
    """五届四次会议 / 第五届…第四次会议 / 5届4次 → (5, 4); None when it names no session."""
    m = _SESSION.search(_WS.sub("", s))
    return (cn_number(m.group(1)), cn_number(m.group(2))) if m else None


def _text(value: Any, name: str) -> str | None:
    if value is None:
        return None
    s = _WS.sub("", str(value))
    if len(s) > MAX_FILTER_CHARS:
        raise QueryError(f"{name}: at most {MAX_FILTER_CHARS} characters, got {len(s)}")
    return s or None


@dataclass(frozen=True)
class ReplyFilters:
    year: int | None = None
    session: str | None = None  # 五届四次会议 (or 五届四次): compared by its 届 and 次
    kind: str | None = None  # 建议 / 提案 / 议案
    proposer: str | None = None  # part of a name: 王超斌, 白夜
    replying_body: str | None = None  # part of the organ: 国务院办公厅, 鄂尔多斯
    words: tuple[str, ...] = ()  # every one in the title, the proposal's title, the gist or a commitment

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ReplyFilters:
        """From query parameters; a bad value raises QueryError naming it."""
        raw_year = d.get("year")
        year: int | None = None
        if raw_year not in (None, ""):
            try:
                year = int(str(raw_year).strip())
            except ValueError:
                raise QueryError(f"year: a year like 2025, got {raw_year!r}") from None
            if not 1949 <= year <= 2100:
                raise QueryError(f"year: a year like 2025, got {raw_year!r}")
        kind = _text(d.get("kind"), "kind")
        if kind is not None and kind not in KINDS:
            raise QueryError(f"kind: one of {'、'.join(KINDS)}, got {kind!r}")
        session = _text(d.get("session"), "session")
        if session is not None and session_key(session) is None:
            raise QueryError(f"session: a session like 五届四次会议, got {session!r}")
        words_raw = d.get("words") or d.get("q") or ""
        if len(str(words_raw)) > MAX_FILTER_CHARS:
            raise QueryError(f"words: at most {MAX_FILTER_CHARS} characters, got {len(str(words_raw))}")
        words = tuple(w for w in _WORDS_SPLIT.split(str(words_raw)) if w)
        return cls(
            year,
            session,
            kind,
            _text(d.get("proposer"), "proposer"),
            _text(d.get("replying_body"), "replying_body"),
            words,
        )

    def keeps(self, e: Entry) -> bool:
        r = e.reply
        if self.year is not None and e.year != self.year:
            return False
        if self.kind is not None and r.kind != self.kind:
            return False
        if self.session is not None and (
            r.session is None or session_key(r.session) != session_key(self.session)
        ):
            return False
        if self.proposer is not None and not any(self.proposer in p for p in r.proposers or []):
            return False
        if self.replying_body is not None and self.replying_body not in (r.replying_body or ""):
            return False
        if self.words:
            hay = "".join([e.title, r.proposal_title or "", e.gist, *r.commitments])
            if not all(w in hay for w in self.words):
                return False
        return True


class Registry:
    """The reply letters of the store, kept in step with it."""

    def __init__(self, store: RegistryStore, check_every: float = 5.0) -> None:
        self.store = store
        self._derived: Derived[list[Entry]] = Derived(store.fingerprint, self._load, [], check_every)

    def entries(self) -> list[Entry]:
        """Every reply letter, newest first, whoever may see it (callers filter: ``list``)."""
        return self._derived.get()

    def refresh(self) -> None:
        """Check the store again on the next read (the store was just changed by this process)."""
        self._derived.refresh()

    def _load(self) -> list[Entry]:
        out = []
        for did, (reply, m) in self.store.doc_replies().items():
            source = str(m.get("source", did))
            title = str(m.get("title") or m.get("lead") or source)
            out.append(Entry(did, source, title, Reply.from_dict(reply), dict(m)))
        # newest first; undated letters last; the same day by file name
        return sorted(sorted(out, key=lambda e: e.source), key=lambda e: e.reply.date or "", reverse=True)

    def select(
        self, filters: ReplyFilters | None = None, audience: Audience = PUBLIC_AUDIENCE
    ) -> list[Entry]:
        """The letters this audience may see that the filters keep, newest first."""
        f = filters or ReplyFilters()
        return [e for e in self.entries() if audience.sees(e.record) and f.keeps(e)]

    def get(self, doc_id: str, audience: Audience = PUBLIC_AUDIENCE) -> Entry | None:
        return next((e for e in self.entries() if e.doc_id == doc_id and audience.sees(e.record)), None)

    def choices(self, audience: Audience = PUBLIC_AUDIENCE) -> dict[str, list[str]]:
        """What the filters can be set to (the tab's dropdowns): years, sessions, kinds, replying bodies."""
        es = self.select(None, audience)
        return {
            "year": sorted({str(e.year) for e in es if e.year}, reverse=True),
            "session": sorted({e.reply.session for e in es if e.reply.session}),
            "kind": [k for k in KINDS if any(e.reply.kind == k for e in es)],
            "replying_body": sorted({e.reply.replying_body for e in es if e.reply.replying_body}),
        }


CSV_COLUMNS = (
    "日期",
    "文号",
    "标题",
    "类别",
    "编号",
    "会议",
    "人大/政协",
    "层级",
    "提案人",
    "答复单位",
    "要点",
    "承诺事项",
    "联系人",
    "联系电话",
    "抄送",
    "文件",
    "doc_id",
)


def csv_row(e: Entry) -> list[str]:
    r = e.reply
    return [
        r.date or "",
        r.doc_number or "",
        e.title,
        r.kind or "",
        r.number or "",
        r.session or "",
        r.body or "",
        r.level or "",
        "、".join(r.proposers or []),
        r.replying_body or "",
        e.gist,
        "\n".join(r.commitments),
        r.contact or "",
        r.contact_phone or "",
        r.recipients_cc or "",
        e.source,
        e.doc_id,
    ]


def to_csv(entries: list[Entry]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_COLUMNS)
    for e in entries:
        w.writerow(csv_row(e))
    return "\ufeff" + buf.getvalue()  # the BOM makes Excel read it as UTF-8
