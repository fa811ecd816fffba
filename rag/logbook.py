"""The question log and feedback: every public answer (question, stand-alone question, answer text, cited
documents, refused/blocked flags, latency, time, channel) and the 👍/👎 given on it, kept in SQLite under the
data dir for ``RAG_LOG_DAYS`` days; and the knowledge-gap report built from them (refused questions grouped
by similarity, 👎 answers with comments, the most asked questions, documents never cited).

No client address is stored, nor anything else about who asked. ``RAG_LOG_DAYS=0`` keeps and writes
nothing: no file is created.

Several processes: one shared file (``<data dir>/logbook.sqlite3``) in WAL mode with a busy timeout, every
write one short ``BEGIN IMMEDIATE`` transaction, so app processes sharing a data dir on one host write to it
safely and any of them finds an answer another gave (feedback reaches whichever replica the proxy picks).
SQLite's WAL needs the processes on one host (no network file system): replicas on several hosts each keep
their own data dir and so their own log (README, "Feedback and knowledge gaps").

For other edges (an OpenAI-compatible endpoint, an embed page): ``pipe.logbook.record_answer(channel,
question, ans, latency_ms)`` returns the answer id to hand to the client (None when logging is off) and never
raises.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import sqlite3
import threading
import time
import unicodedata
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import LogbookError, QueryError
from .records import Answer

if TYPE_CHECKING:
    from .settings import Settings

log = logging.getLogger(__name__)

DAY = 86_400.0
MAX_COMMENT = 500
SIMILAR = 0.6  # character-bigram Jaccard at or above which two refused questions are one gap
SECTIONS = ("gaps", "downvotes", "top", "uncited")
RATINGS = {"up": 1, "down": -1}
_CHANNEL = re.compile(r"^[a-z][a-z0-9_-]{0,15}$")
_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_SCAN = 50_000  # the most recent rows a report reads per section

SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    id TEXT PRIMARY KEY, ts REAL NOT NULL, channel TEXT NOT NULL, question TEXT NOT NULL,
    standalone TEXT NOT NULL, answer TEXT NOT NULL, refused INTEGER NOT NULL, blocked INTEGER NOT NULL,
    latency_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS answers_ts ON answers(ts);
CREATE TABLE IF NOT EXISTS cited (
    answer_id TEXT NOT NULL, doc_id TEXT NOT NULL, title TEXT, doc_number TEXT,
    PRIMARY KEY (answer_id, doc_id)
);
CREATE INDEX IF NOT EXISTS cited_doc ON cited(doc_id);
CREATE TABLE IF NOT EXISTS feedback (
    answer_id TEXT PRIMARY KEY, ts REAL NOT NULL, rating INTEGER NOT NULL, comment TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS feedback_ts ON feedback(ts);
"""


# --- similarity -------------------------------------------------------------------------------------


def normalize(text: str) -> str:
    """A question as compared: NFKC (full-width → half-width), lower case, without punctuation, spaces or
    control characters (今天天气怎么样？ = 今天 天气怎么样)."""
    t = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(ch for ch in t if unicodedata.category(ch)[0] not in "PZC")


def bigrams(norm: str) -> frozenset[str]:
    if len(norm) < 2:
        return frozenset([norm]) if norm else frozenset()
    return frozenset(norm[i : i + 2] for i in range(len(norm) - 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def similar_groups(texts: list[str], threshold: float = SIMILAR) -> list[list[int]]:
    """Indices of ``texts`` grouped: identical normalised text first; then, most asked first (ties: the
    earlier in ``texts``), each question joins the group whose headline question it is most alike, when
    their character-bigram Jaccard is ≥ ``threshold``, else heads a group of its own. Compared with the
    headline only, so groups do not chain (A ~ B and B ~ C does not put C with A). Candidates come from an
    inverted index of the headlines' bigrams: only questions sharing one are compared."""
    members: dict[str, list[int]] = {}
    for i, t in enumerate(texts):
        members.setdefault(normalize(t), []).append(i)
    order = sorted(members, key=lambda k: (-len(members[k]), members[k][0]))
    heads: list[tuple[frozenset[str], list[int]]] = []
    index: dict[str, list[int]] = {}
    for key in order:
        g = bigrams(key)
        shared: Counter[int] = Counter()
        for b in g:
            shared.update(index.get(b, ()))
        best, best_j = -1, threshold
        for h, inter in shared.items():
            j = inter / (len(g) + len(heads[h][0]) - inter)
            if j >= best_j and (best < 0 or j > best_j):
                best, best_j = h, j
        if best >= 0:
            heads[best][1].extend(members[key])
            continue
        for b in g:
            index.setdefault(b, []).append(len(heads))
        heads.append((g, list(members[key])))
    return [sorted(idx) for _, idx in heads]


# --- the log ----------------------------------------------------------------------------------------


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts).astimezone().isoformat(timespec="seconds")


class Logbook:
    """The log of one data dir. ``days == 0``: disabled — every method does nothing and no file is made.
    ``clock`` returns Unix seconds (a fake one in tests)."""

    def __init__(self, path: Path, days: int, clock: Callable[[], float] = time.time,
                 busy_timeout_ms: int = 5000) -> None:
        self.path = Path(path)
        self.days = max(0, int(days))
        self.clock = clock
        self.busy_timeout_ms = busy_timeout_ms
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._last_purge = float("-inf")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def open(cls, settings: Settings, clock: Callable[[], float] = time.time) -> Logbook:
        """The app's log: old rows purged now, then once a day (a daemon thread) and on any write a day
        after the last purge."""
        book = cls(settings.log_path, settings.log_days, clock)
        if not book.enabled:
            if settings.log_path.exists():
                log.warning("RAG_LOG_DAYS=0: %s is neither read nor written (delete it to drop what it holds)",
                            settings.log_path)
            return book
        book.purge()
        book._thread = threading.Thread(target=book._purge_daily, name="logbook-purge", daemon=True)
        book._thread.start()
        return book

    @property
    def enabled(self) -> bool:
        return self.days > 0

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # connection ---------------------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=self.busy_timeout_ms / 1000, isolation_level=None,
                                   check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            if conn.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower() != "wal":
                log.warning("%s: WAL mode not available; several writers wait on each other", self.path)
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA secure_delete = ON")  # purged rows are overwritten, not left in free pages
            conn.executescript(SCHEMA)
            self._conn = conn
        return self._conn

    @contextmanager
    def _tx(self, write: bool) -> Iterator[sqlite3.Connection]:
        """One transaction; writes take the write lock at the start (BEGIN IMMEDIATE), so they wait for
        another process's write (busy timeout) instead of failing half-way."""
        with self._lock:
            try:
                conn = self._connect()
                conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                try:
                    yield conn
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            except sqlite3.Error as e:
                raise LogbookError(f"question log {self.path}: {e}") from e

    # writing ----------------------------------------------------------------------------------------

    def record_answer(self, channel: str, question: str, ans: Answer, latency_ms: float,
                      *, blocked: bool = False) -> str | None:
        """Log one answer given on ``channel`` (api, chat, embed, openai …); its id for feedback. None when
        logging is off or the log cannot be written (logged as a warning: a question never fails for it)."""
        if not self.enabled:
            return None
        if not _CHANNEL.match(channel):
            raise ValueError(f"channel must be a short lower-case name, got {channel!r}")
        answer_id = str(uuid.uuid4())
        now = self.clock()
        cited: dict[str, tuple[str | None, str | None]] = {}
        for c in ans.citations:
            cited.setdefault(c.doc_id, (c.title or c.source, c.doc_number))
        try:
            self.maybe_purge(now)
            with self._tx(write=True) as db:
                db.execute(
                    "INSERT INTO answers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (answer_id, now, channel, question, ans.question or question, ans.text, int(ans.refused),
                     int(blocked), round(latency_ms)),
                )
                db.executemany("INSERT INTO cited VALUES (?, ?, ?, ?)",
                               [(answer_id, d, t, n) for d, (t, n) in cited.items()])
        except LogbookError as e:
            log.warning("answer not logged: %s", e)
            return None
        return answer_id

    def record_feedback(self, answer_id: str, rating: str, comment: str | None = None) -> bool:
        """👍 (``"up"``) or 👎 (``"down"``) on a logged answer, with an optional comment (≤ 500 characters).
        One rating per answer: a later one replaces it (its comment too, when it brings one). False when no
        such answer is kept (unknown, purged, or logging off). QueryError names a bad field."""
        if not isinstance(answer_id, str) or not answer_id.strip():
            raise QueryError("answer_id must be the answer_id string an answer came with")
        if rating not in RATINGS:
            raise QueryError(f"rating must be \"up\" or \"down\", got {rating!r}")
        if comment is not None and not isinstance(comment, str):
            raise QueryError("comment must be a string")
        text = (comment or "").strip()
        if len(text) > MAX_COMMENT:
            raise QueryError(f"comment is too long: {len(text)} characters > {MAX_COMMENT}")
        if not self.enabled or not _ID.match(answer_id.strip().lower()):
            return False
        now = self.clock()
        self.maybe_purge(now)
        with self._tx(write=True) as db:
            if db.execute("SELECT 1 FROM answers WHERE id = ?", (answer_id.strip().lower(),)).fetchone() is None:
                return False
            db.execute(
                "INSERT INTO feedback VALUES (?, ?, ?, ?) ON CONFLICT(answer_id) DO UPDATE SET ts = excluded.ts,"
                " rating = excluded.rating,"
                " comment = CASE WHEN excluded.comment != '' THEN excluded.comment ELSE feedback.comment END",
                (answer_id.strip().lower(), now, RATINGS[rating], text),
            )
        return True

    # retention --------------------------------------------------------------------------------------

    def purge(self, now: float | None = None) -> int:
        """Delete answers (with their citations and feedback) older than ``days``; how many answers went."""
        if not self.enabled:
            return 0
        now = self.clock() if now is None else now
        cutoff = now - self.days * DAY
        old = "SELECT id FROM answers WHERE ts < ?"
        with self._tx(write=True) as db:
            db.execute(f"DELETE FROM cited WHERE answer_id IN ({old})", (cutoff,))
            db.execute(f"DELETE FROM feedback WHERE answer_id IN ({old}) OR ts < ?", (cutoff, cutoff))
            n = db.execute("DELETE FROM answers WHERE ts < ?", (cutoff,)).rowcount
        self._last_purge = now
        if n:
            log.info("question log: %d answers older than %d days purged", n, self.days)
            # The deleted rows' pages are zeroed (secure_delete) in the WAL: copy them over the main file now,
            # not at some later checkpoint (a reader in the way only delays it; the next purge tries again).
            with self._lock:
                try:
                    self._connect().execute("PRAGMA wal_checkpoint(TRUNCATE)")
                except sqlite3.Error as e:
                    log.info("question log checkpoint after the purge postponed: %s", e)
        return int(n)

    def maybe_purge(self, now: float | None = None) -> None:
        """Purge when the last purge is a day old."""
        now = self.clock() if now is None else now
        if self.enabled and now - self._last_purge >= DAY:
            self.purge(now)

    def _purge_daily(self) -> None:
        while not self._stop.wait(DAY / 24):
            try:
                self.maybe_purge()
            except LogbookError as e:
                log.warning("question log purge failed: %s", e)

    # reading ----------------------------------------------------------------------------------------

    def answer(self, answer_id: str) -> dict[str, Any] | None:
        """One logged answer with its feedback (None when not kept)."""
        if not self.enabled:
            return None
        with self._tx(write=False) as db:
            row = db.execute(
                "SELECT a.id, a.ts, a.channel, a.question, a.standalone, a.answer, a.refused, a.blocked,"
                " a.latency_ms, f.rating, f.comment FROM answers a LEFT JOIN feedback f ON f.answer_id = a.id"
                " WHERE a.id = ?", (answer_id,)).fetchone()
            cited = db.execute("SELECT doc_id, title, doc_number FROM cited WHERE answer_id = ?",
                               (answer_id,)).fetchall() if row else []
        if row is None:
            return None
        keys = ("answer_id", "ts", "channel", "question", "standalone_question", "answer", "refused", "blocked",
                "latency_ms", "rating", "comment")
        out = dict(zip(keys, row, strict=True))
        out["refused"], out["blocked"] = bool(out["refused"]), bool(out["blocked"])
        out["cited"] = [{"doc_id": d, "title": t, "doc_number": n} for d, t, n in cited]
        return out

    def report(self, documents: Iterable[Mapping[str, Any]] = (), top: int = 50) -> dict[str, Any]:
        """The knowledge-gap report. ``documents``: the store's documents (``doc_id``, ``title``,
        ``doc_number``, ``source``), for those never cited."""
        out: dict[str, Any] = {"enabled": self.enabled, "log_days": self.days,
                               "summary": {"answers": 0, "refused": 0, "blocked": 0, "up": 0, "down": 0},
                               "gaps": [], "downvotes": [], "top": [], "uncited": []}
        if not self.enabled:
            return out
        with self._tx(write=False) as db:
            n, refused, blocked = db.execute(
                "SELECT COUNT(*), COALESCE(SUM(refused AND NOT blocked), 0), COALESCE(SUM(blocked), 0)"
                " FROM answers").fetchone()
            up, down = db.execute("SELECT COALESCE(SUM(rating > 0), 0), COALESCE(SUM(rating < 0), 0)"
                                  " FROM feedback").fetchone()
            asked = db.execute("SELECT standalone, ts, refused FROM answers WHERE NOT blocked"
                               " ORDER BY ts DESC LIMIT ?", (_SCAN,)).fetchall()
            bad = db.execute(
                "SELECT a.id, f.ts, a.ts, a.channel, a.question, a.standalone, a.answer, a.refused, f.comment"
                " FROM feedback f JOIN answers a ON a.id = f.answer_id WHERE f.rating < 0"
                " ORDER BY f.ts DESC LIMIT ?", (_SCAN,)).fetchall()
            titles: dict[str, list[str]] = {}
            for aid, title, number in db.execute(
                    "SELECT c.answer_id, c.title, c.doc_number FROM cited c JOIN feedback f"
                    " ON f.answer_id = c.answer_id WHERE f.rating < 0"):
                titles.setdefault(aid, []).append(f"{title}（{number}）" if number else str(title))
            ever_cited = {d for (d,) in db.execute("SELECT DISTINCT doc_id FROM cited")}
        out["summary"] = {"answers": n, "refused": refused, "blocked": blocked, "up": up, "down": down}
        out["gaps"] = _grouped([(q, ts) for q, ts, r in asked if r], similar=True)
        out["top"] = _grouped([(q, ts) for q, ts, _ in asked], similar=False,
                              refused=[bool(r) for _, _, r in asked])[:top]
        out["downvotes"] = [
            {"answer_id": aid, "time": iso(fts), "asked": iso(ats), "channel": ch, "question": q,
             "standalone_question": sq, "answer": text, "refused": bool(r), "comment": comment,
             "cited": titles.get(aid, [])}
            for aid, fts, ats, ch, q, sq, text, r, comment in bad
        ]
        out["uncited"] = sorted(
            ({k: d.get(k) for k in ("doc_id", "title", "doc_number", "source")} for d in documents
             if d.get("doc_id") not in ever_cited),
            key=lambda d: str(d.get("source") or ""),
        )
        return out


def _grouped(rows: list[tuple[str, float]], similar: bool, refused: list[bool] | None = None
             ) -> list[dict[str, Any]]:
    """Questions (text, time; newest first) grouped — by similarity (gaps) or identical normalised text
    (top) — each group with its questions, an integer count and the last time asked; most asked first."""
    texts = [q for q, _ in rows]
    if similar:
        groups = similar_groups(texts)
    else:
        by_key: dict[str, list[int]] = {}
        for i, q in enumerate(texts):
            by_key.setdefault(normalize(q), []).append(i)
        groups = list(by_key.values())
    out = []
    for idx in groups:
        # one entry per normalised question, shown in its latest wording (rows come newest first)
        wordings: dict[str, tuple[str, list[float]]] = {}
        for i in idx:
            wordings.setdefault(normalize(texts[i]), (texts[i], []))[1].append(rows[i][1])
        ranked = sorted(wordings.values(), key=lambda kv: (-len(kv[1]), -max(kv[1])))
        g: dict[str, Any] = {
            "question": ranked[0][0], "count": len(idx), "last_asked": iso(max(rows[i][1] for i in idx)),
            "questions": [{"question": q, "count": len(ts), "last_asked": iso(max(ts))} for q, ts in ranked],
        }
        if refused is not None:
            g["refused"] = sum(refused[i] for i in idx)
        out.append((len(idx), max(rows[i][1] for i in idx), g))
    return [g for _, _, g in sorted(out, key=lambda t: (-t[0], -t[1]))]


CSV_COLUMNS = {
    "gaps": ("问题", "次数", "最后提问", "同组问法"),
    "downvotes": ("反馈时间", "问题", "检索问题", "意见", "回答", "引用文件", "未答出", "渠道", "answer_id"),
    "top": ("问题", "次数", "其中未答出", "最后提问"),
    "uncited": ("标题", "文号", "文件", "doc_id"),
}


def report_csv(report: Mapping[str, Any], section: str) -> str:
    """One section of a report as CSV (UTF-8 with a BOM, so Excel reads the Chinese)."""
    if section not in SECTIONS:
        raise QueryError(f"section must be one of {', '.join(SECTIONS)}, got {section!r}")
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_COLUMNS[section])
    for r in report[section]:
        if section == "gaps":
            w.writerow([r["question"], r["count"], r["last_asked"],
                        " | ".join(f"{q['question']}（{q['count']}）" for q in r["questions"])])
        elif section == "downvotes":
            w.writerow([r["time"], r["question"], r["standalone_question"], r["comment"], r["answer"],
                        "；".join(r["cited"]), "是" if r["refused"] else "否", r["channel"], r["answer_id"]])
        elif section == "top":
            w.writerow([r["question"], r["count"], r["refused"], r["last_asked"]])
        else:
            w.writerow([r["title"], r["doc_number"] or "", r["source"], r["doc_id"]])
    return "\ufeff" + buf.getvalue()
