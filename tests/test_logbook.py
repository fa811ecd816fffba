"""The question log (rag.logbook) and the blocklist (rag.blocklist) on real SQLite files, with a fake clock:
what is kept, for how long, the knowledge-gap report and its CSV, several processes writing at once."""

from __future__ import annotations

import csv
import io
import multiprocessing
import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from rag.blocklist import BLOCKED_REPLY, Blocklist
from rag.errors import ConfigError, QueryError
from rag.logbook import DAY, Logbook, bigrams, jaccard, normalize, report_csv, similar_groups
from rag.records import REFUSAL, Answer, Citation
from rag.settings import Settings

T0 = 1_750_000_000.0  # 2025-06-15


class Clock:
    def __init__(self, t: float = T0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def refused(q: str) -> Answer:
    return Answer(question=q, text=REFUSAL, refused=True)


def cited(q: str, doc_id: str = "d1", title: str = "关于研发投入的通知") -> Answer:
    c = Citation(1, "c1", doc_id, title, "鄂建提复字〔2025〕334号", "二、", "2025-09-03", "seed.txt", "……")
    return Answer(question=q, text="最高500万元 [1]", refused=False, citations=[c, c])


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def book(tmp_path: Path, clock: Clock) -> Iterator[Logbook]:
    b = Logbook(tmp_path / "data" / "logbook.sqlite3", 30, clock)
    yield b
    b.close()


DOCS = [{"doc_id": "d1", "title": "关于研发投入的通知", "doc_number": "X〔2025〕1号", "source": "a.txt"},
        {"doc_id": "d2", "title": "关于夜间经济的通知", "doc_number": None, "source": "b.txt"}]


def test_weather_twice_and_one_thumb_down_make_a_gap_with_its_comment(book: Logbook, clock: Clock) -> None:
    a1 = book.record_answer("api", "今天天气怎么样", refused("今天天气怎么样"), 12.4)
    clock.t += 60
    a2 = book.record_answer("chat", "今天天气怎么样？", refused("今天天气怎么样？"), 8)
    clock.t += 60
    a3 = book.record_answer("api", "研发投入有哪些支持？", cited("研发投入有哪些支持？"), 30)
    assert a1 and a2 and a3 and len({a1, a2, a3}) == 3
    uuid.UUID(a1)
    assert book.record_feedback(a2, "down", "  问的是天气，应该说明不提供天气服务  ")
    assert book.record_feedback(a3, "up")
    rep = book.report(DOCS)
    assert rep["summary"] == {"answers": 3, "refused": 2, "blocked": 0, "up": 1, "down": 1}
    (gap,) = rep["gaps"]
    assert gap["count"] == 2 and isinstance(gap["count"], int)
    assert gap["question"] == "今天天气怎么样？", "the latest wording of the question"
    assert gap["questions"] == [{"question": "今天天气怎么样？", "count": 2, "last_asked": gap["last_asked"]}]
    assert gap["last_asked"].startswith("2025-06-15")
    (bad,) = rep["downvotes"]
    assert bad["answer_id"] == a2 and bad["comment"] == "问的是天气，应该说明不提供天气服务" and bad["refused"]
    assert bad["question"] == "今天天气怎么样？" and bad["channel"] == "chat"
    assert rep["top"][0]["question"] == "今天天气怎么样？" and rep["top"][0]["count"] == 2
    assert rep["top"][0]["refused"] == 2 and rep["top"][1]["count"] == 1
    assert [d["doc_id"] for d in rep["uncited"]] == ["d2"], "d1 was cited, d2 never"
    row = book.answer(a3)
    assert row is not None and row["latency_ms"] == 30 and row["rating"] == 1
    assert row["cited"] == [{"doc_id": "d1", "title": "关于研发投入的通知", "doc_number": "鄂建提复字〔2025〕334号"}]


def test_an_empty_log_reports_every_document_uncited(book: Logbook) -> None:
    rep = book.report(DOCS)
    assert rep["enabled"] and rep["gaps"] == [] and [d["doc_id"] for d in rep["uncited"]] == ["d1", "d2"]


def test_nothing_about_the_client_is_stored(book: Logbook) -> None:
    book.record_answer("api", "今天天气怎么样", refused("今天天气怎么样"), 1)
    with closing(sqlite3.connect(book.path)) as db:
        cols = {c[1] for t in ("answers", "cited", "feedback") for c in db.execute(f"PRAGMA table_info({t})")}
    assert cols == {"id", "ts", "channel", "question", "standalone", "answer", "refused", "blocked", "latency_ms",
                    "answer_id", "doc_id", "title", "doc_number", "rating", "comment"}


def test_normalised_and_near_duplicate_questions_group(book: Logbook) -> None:
    assert normalize("今天 天气，怎么样？") == normalize("今天天气怎么样") == "今天天气怎么样"
    assert normalize("ＡＢＣ补贴") == "abc补贴"
    # 今天天气怎么样 / 今天的天气怎么样: 5 shared bigrams of 8 → 0.625; the rent question shares none
    assert jaccard(bigrams("今天天气怎么样"), bigrams("今天的天气怎么样")) == pytest.approx(5 / 8)
    assert jaccard(bigrams("明天天气如何"), bigrams("今天天气怎么样")) < 0.6
    qs = ["今天天气怎么样", "今天的天气怎么样", "小微企业房租减免", "今天天气怎么样！", "明天天气如何", "小微企业的房租减免"]
    groups = sorted(sorted(g) for g in similar_groups(qs))
    assert groups == [[0, 1, 3], [2, 5], [4]]
    # no chaining: B is like A (0.73) and C like B (0.67), but C is not like A (0.46), A's group's headline
    a, b, c = "小微企业房租减免政策", "小微企业房租减免的政策", "中小企业房租减免的政策"
    assert jaccard(bigrams(a), bigrams(b)) >= 0.6 and jaccard(bigrams(b), bigrams(c)) >= 0.6
    assert jaccard(bigrams(a), bigrams(c)) < 0.6
    assert sorted(similar_groups([a, a, b, c])) == [[0, 1, 2], [3]]
    for q in qs:
        book.record_answer("api", q, refused(q), 1)
    gaps = book.report()["gaps"]
    assert [g["count"] for g in gaps] == [3, 2, 1]
    assert gaps[0]["question"] == "今天天气怎么样！"  # the question asked most, in its latest wording
    assert [(q["question"], q["count"]) for q in gaps[0]["questions"]] == [("今天天气怎么样！", 2), ("今天的天气怎么样", 1)]
    assert [(q["question"], q["count"]) for q in gaps[1]["questions"]] == [("小微企业的房租减免", 1), ("小微企业房租减免", 1)]


def test_feedback_fields_are_checked_and_a_later_rating_replaces(book: Logbook) -> None:
    aid = book.record_answer("api", "研发投入有哪些支持？", cited("研发投入有哪些支持？"), 5)
    assert aid
    with pytest.raises(QueryError, match="rating"):
        book.record_feedback(aid, "meh")
    with pytest.raises(QueryError, match="comment"):
        book.record_feedback(aid, "down", "长" * 501)
    with pytest.raises(QueryError, match="answer_id"):
        book.record_feedback("", "down")
    assert not book.record_feedback(str(uuid.uuid4()), "down"), "an unknown id"
    assert not book.record_feedback("'; DROP TABLE answers; --", "down")
    assert book.record_feedback(aid, "down", "长" * 500)
    assert book.record_feedback(aid.upper(), "up")  # the comment stays when a new rating brings none
    row = book.answer(aid)
    assert row is not None and row["rating"] == 1 and row["comment"] == "长" * 500
    assert book.report()["summary"]["up"] == 1 and book.report()["downvotes"] == []


def test_old_rows_are_purged_on_start_and_daily(tmp_path: Path, clock: Clock) -> None:
    s = Settings(data_dir=tmp_path / "data", log_days=30)
    book = Logbook(s.log_path, 30, clock)
    old = book.record_answer("api", "老问题", refused("老问题"), 1)
    assert old and book.record_feedback(old, "down", "旧意见")
    clock.t += 20 * DAY
    mid = book.record_answer("api", "二十天前的问题", cited("二十天前的问题"), 1)
    clock.t += 10 * DAY + 1  # the first answer is now 30 days and a second old
    book.close()

    reopened = Logbook.open(s, clock)  # purged on start
    try:
        assert reopened.answer(old) is None and mid and reopened.answer(mid) is not None
        rep = reopened.report(DOCS)
        assert rep["summary"]["answers"] == 1 and rep["downvotes"] == [] and rep["gaps"] == []
        with closing(sqlite3.connect(s.log_path)) as db:
            assert db.execute("SELECT COUNT(*) FROM feedback").fetchone()[0] == 0
            assert db.execute("SELECT COUNT(*) FROM cited").fetchone()[0] == 1
        wal = s.log_path.with_name(s.log_path.name + "-wal")
        raw = s.log_path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
        assert "旧意见".encode() not in raw and "老问题".encode() not in raw, \
            "purged text is overwritten on disk (secure_delete + checkpoint), not left in free pages or the WAL"
        # purged at most once a day: on a write (or by the daily thread when nobody asks) a day after the last
        clock.t = T0 + 50 * DAY - 100
        reopened.maybe_purge()  # 20 days after the start's purge: runs; mid is 100 s short of 30 days
        assert reopened.answer(mid) is not None
        clock.t = T0 + 50 * DAY + 10
        new = reopened.record_answer("chat", "新问题", refused("新问题"), 1)
        assert reopened.answer(mid) is not None, "30 days old, but the last purge was 110 s ago"
        clock.t += DAY
        reopened.maybe_purge()
        assert reopened.answer(mid) is None and new and reopened.answer(new) is not None
    finally:
        reopened.close()


def test_zero_days_writes_nothing_not_even_the_file(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path / "data", log_days=0)
    book = Logbook.open(s)
    assert not book.enabled
    assert book.record_answer("api", "今天天气怎么样", refused("今天天气怎么样"), 1) is None
    assert not book.record_feedback(str(uuid.uuid4()), "down", "x")
    assert book.purge() == 0
    rep = book.report(DOCS)
    assert rep["enabled"] is False and rep["gaps"] == [] and rep["uncited"] == []
    assert not (tmp_path / "data").exists()


def test_a_log_that_cannot_be_written_never_fails_the_answer(tmp_path: Path) -> None:
    (tmp_path / "logbook.sqlite3").mkdir()  # a directory where the file should be
    book = Logbook(tmp_path / "logbook.sqlite3", 30)
    assert book.record_answer("api", "研发投入", cited("研发投入"), 1) is None


def test_csv_sections(book: Logbook) -> None:
    a = book.record_answer("api", "今天天气怎么样", refused("今天天气怎么样"), 1)
    book.record_answer("api", "今天天气怎么样", refused("今天天气怎么样"), 1)
    assert a and book.record_feedback(a, "down", "不该回答，\n应提示范围")
    rep = book.report(DOCS)
    rows = list(csv.reader(io.StringIO(report_csv(rep, "gaps").removeprefix("\ufeff"))))
    assert rows[0] == ["问题", "次数", "最后提问", "同组问法"]
    assert rows[1][:2] == ["今天天气怎么样", "2"] and rows[1][3] == "今天天气怎么样（2）"
    out = report_csv(rep, "downvotes")
    assert out.startswith("\ufeff反馈时间,")
    rows = list(csv.reader(io.StringIO(out.removeprefix("\ufeff"))))
    assert rows[1][3] == "不该回答，\n应提示范围" and rows[1][-1] == a
    uncited = list(csv.reader(io.StringIO(report_csv(rep, "uncited").removeprefix("\ufeff"))))
    assert [r[3] for r in uncited[1:]] == ["d1", "d2"]
    top = list(csv.reader(io.StringIO(report_csv(rep, "top").removeprefix("\ufeff"))))
    assert top[1] == ["今天天气怎么样", "2", "2", rep["top"][0]["last_asked"]]
    with pytest.raises(QueryError, match="section"):
        report_csv(rep, "everything")


def _writer(path: str, n: int) -> None:
    book = Logbook(Path(path), 30)
    for i in range(n):
        aid = book.record_answer("api", f"问题{i}", refused(f"问题{i}"), 1)
        assert aid is not None
        assert book.record_feedback(aid, "down", f"意见{i}")
    book.close()


def test_several_processes_write_one_file(tmp_path: Path) -> None:
    path = tmp_path / "logbook.sqlite3"
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(path), 60)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 180
        assert db.execute("SELECT COUNT(*) FROM feedback").fetchone()[0] == 180


# --- blocklist --------------------------------------------------------------------------------------


def test_blocklist_file_words_and_phrases(tmp_path: Path) -> None:
    f = tmp_path / "block.txt"
    f.write_text("\ufeff# 不答的话题\n赌博\n\n  网络 博彩  # 含空格的短语\nVPN翻墙\n", encoding="utf-8")
    bl = Blocklist.load(f)
    assert bl.terms == ("赌博", "网络博彩", "vpn翻墙")
    assert bl.match("在哪里可以赌 博？") == "赌博"
    assert bl.match("网络博彩违法吗") == "网络博彩"
    assert bl.match("ｖｐｎ 翻墙怎么弄") == "vpn翻墙"
    assert bl.match("研发投入有哪些支持？") is None
    assert bl.match("不答的话题") is None, "comments are not words"
    ans = bl.blocked_answer("赌博有补贴吗？")
    assert ans is not None and ans.text == BLOCKED_REPLY and ans.refused and not ans.citations
    assert bl.blocked_answer("研发投入有哪些支持？") is None
    assert Blocklist.load(None).match("赌博") is None


def test_blocklist_errors_name_the_file_and_edits_are_picked_up(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"RAG_BLOCKLIST.*nope\.txt"):
        Blocklist.load(tmp_path / "nope.txt")
    bad = tmp_path / "gbk.txt"
    bad.write_bytes("赌博".encode("gbk"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        Blocklist.load(bad)
    f = tmp_path / "block.txt"
    f.write_text("赌博\n", encoding="utf-8")
    bl = Blocklist.load(f)
    f.write_text("赌博\n彩票\n", encoding="utf-8")
    os.utime(f, (T0, T0))
    bl._checked = 0.0  # the recheck interval has passed
    assert bl.match("彩票中奖") == "彩票"
    f.unlink()
    bl._checked = 0.0
    assert bl.match("彩票中奖") == "彩票", "a list gone keeps the last good one"


def test_settings_rows(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RAG_LOG_DAYS", "7")
    monkeypatch.setenv("RAG_BLOCKLIST", "")
    s = Settings(data_dir=tmp_path)
    assert s.log_days == 7 and s.blocklist is None and s.log_path == tmp_path / "logbook.sqlite3"
    monkeypatch.delenv("RAG_LOG_DAYS")
    assert Settings(_env_file=None).log_days == 30  # type: ignore[call-arg]
    monkeypatch.setenv("RAG_LOG_DAYS", "-1")
    from rag.settings import load_settings

    with pytest.raises(ConfigError, match="log_days"):
        load_settings()
