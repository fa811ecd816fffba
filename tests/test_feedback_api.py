"""Feedback, the question log, the knowledge-gap report and the blocklist through HTTP against the real app
(`app.py` in a subprocess: real m3e-small, real Chroma, the seed and one document nobody asks about)."""

from __future__ import annotations

import csv
import io
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from .conftest import SEED
from .test_api import free_port, start_app

pytestmark = pytest.mark.slow

TOKEN = "gap-report-token"
NIGHT = "关于夜间经济发展补贴的通知\n一、对夜间经营的商户，每户给予2万元夜间经营补贴。\n"
BLOCKLIST = "# 本服务不答的话题\n赌博\n网络 博彩\n"


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    tmp = tmp_path_factory.mktemp("feedback")
    corpus = tmp / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    (corpus / "night.txt").write_text(NIGHT, encoding="utf-8")
    (tmp / "block.txt").write_text(BLOCKLIST, encoding="utf-8")
    proc, url = start_app(tmp, corpus, RAG_ADMIN_TOKEN=TOKEN, RAG_BLOCKLIST=str(tmp / "block.txt"),
                          RAG_LOG_DAYS="30", RAG_RATE_LIMIT_PER_MIN="200")
    try:
        yield url, tmp / "data"
    finally:
        _stop(proc)


def ask(url: str, question: str) -> dict:
    r = httpx.post(f"{url}/api/ask", json={"question": question}, timeout=120)
    assert r.status_code == 200, r.text
    return r.json()


def feedback(url: str, body: object) -> httpx.Response:
    return httpx.post(f"{url}/api/feedback", json=body, timeout=30)


def report(url: str, token: str | None = TOKEN, **params: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return httpx.get(f"{url}/api/admin/report", params=params, headers=headers, timeout=60)


def test_weather_twice_and_a_thumb_down_show_in_the_report(app: tuple[str, Path]) -> None:
    url, data = app
    first, second = ask(url, "今天天气怎么样"), ask(url, "今天天气怎么样")
    assert first["refused"] and second["refused"] and not first["blocked"]
    assert first["answer_id"] != second["answer_id"]
    uuid.UUID(first["answer_id"])
    good = ask(url, "研发投入有哪些支持？")
    assert not good["refused"] and "500万元" in good["answer"]

    r = feedback(url, {"answer_id": second["answer_id"], "rating": "down", "comment": "想知道天气，回答没说明范围"})
    assert r.status_code == 200 and r.json()["ok"] is True, r.text
    assert feedback(url, {"answer_id": good["answer_id"], "rating": "up"}).status_code == 200

    rep = report(url)
    assert rep.status_code == 200, rep.text
    d = rep.json()
    gap = next(g for g in d["gaps"] if g["question"] == "今天天气怎么样")
    assert gap["count"] == 2 and type(gap["count"]) is int and gap["last_asked"]
    assert gap["questions"] == [{"question": "今天天气怎么样", "count": 2, "last_asked": gap["last_asked"]}]
    down = [v for v in d["downvotes"] if v["answer_id"] == second["answer_id"]]
    assert len(down) == 1 and down[0]["comment"] == "想知道天气，回答没说明范围" and down[0]["refused"]
    assert down[0]["question"] == "今天天气怎么样"
    assert not any(v["answer_id"] == good["answer_id"] for v in d["downvotes"]), "👍 is not a 👎"
    top = next(t for t in d["top"] if t["question"] == "今天天气怎么样")
    assert top["count"] == 2 and top["refused"] == 2
    assert any(t["question"] == "研发投入有哪些支持？" and t["refused"] == 0 for t in d["top"])
    assert [u["source"] for u in d["uncited"]] == ["night.txt"], "the seed was cited, night.txt never"
    assert d["summary"]["up"] >= 1 and d["summary"]["down"] >= 1

    # What the file holds: the questions, the answer, the cited document, the latency; no client address.
    db_path = data / "logbook.sqlite3"
    with closing(sqlite3.connect(db_path)) as db:
        row = db.execute("SELECT channel, standalone, answer, refused, latency_ms FROM answers WHERE id = ?",
                         (good["answer_id"],)).fetchone()
        docs = [t for (t,) in db.execute("SELECT title FROM cited WHERE answer_id = ?", (good["answer_id"],))]
    assert row[0] == "api" and row[1] == "研发投入有哪些支持？" and "500万元" in row[2] and row[3] == 0
    assert row[4] > 0 and docs == [good["citations"][0]["title"]]
    raw = b"".join(p.read_bytes() for p in data.glob("logbook.sqlite3*"))
    assert "研发投入有哪些支持".encode() in raw and b"127.0.0.1" not in raw


def test_feedback_errors_name_the_field(app: tuple[str, Path]) -> None:
    url, _ = app
    aid = ask(url, "你好")["answer_id"]
    cases = [
        ({"rating": "down"}, "answer_id"),
        ({"answer_id": 5, "rating": "down"}, "answer_id"),
        ({"answer_id": aid, "rating": "meh"}, "rating"),
        ({"answer_id": aid}, "rating"),
        ({"answer_id": aid, "rating": "down", "comment": "长" * 501}, "comment"),
        ({"answer_id": aid, "rating": "down", "comment": ["x"]}, "comment"),
        ({"answer_id": aid, "rating": "down", "ratingz": 1}, "ratingz"),
        (["not", "an", "object"], "object"),
    ]
    for body, field in cases:
        r = feedback(url, body)
        assert r.status_code == 400 and field in r.json()["detail"], (body, r.status_code, r.text)
    r = httpx.post(f"{url}/api/feedback", content=b"{nope", timeout=30)
    assert r.status_code == 400 and "JSON" in r.json()["detail"]
    for unknown in (str(uuid.uuid4()), "no-such-answer"):
        r = feedback(url, {"answer_id": unknown, "rating": "down"})
        assert r.status_code == 404 and "answer_id" in r.json()["detail"], r.text
    assert feedback(url, {"answer_id": aid, "rating": "down", "comment": "长" * 500}).status_code == 200


def test_report_needs_the_admin_token(app: tuple[str, Path]) -> None:
    url, _ = app
    r = report(url, token=None)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    r = httpx.get(f"{url}/api/admin/report", headers={"Authorization": f"Basic {TOKEN}"}, timeout=30)
    assert r.status_code == 401
    assert report(url, token="wrong-token").status_code == 403
    assert report(url, token=TOKEN + "x").status_code == 403
    assert report(url, section="everything").status_code == 400
    assert report(url, format="xml").status_code == 400
    assert report(url, format="csv").status_code == 400, "CSV is per section"
    r = report(url, section="gaps")
    assert r.status_code == 200 and set(r.json()) >= {"gaps", "summary"} and "downvotes" not in r.json()


def test_each_section_exports_as_csv(app: tuple[str, Path]) -> None:
    url, _ = app
    if not any(g["question"] == "今天天气怎么样" for g in report(url).json()["gaps"]):
        ask(url, "今天天气怎么样")
    r = report(url, section="gaps", format="csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert 'filename="policy-qa-gaps.csv"' in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == ["问题", "次数", "最后提问", "同组问法"]
    weather = next(x for x in rows[1:] if x[0] == "今天天气怎么样")
    assert int(weather[1]) >= 1
    heads = {"downvotes": "反馈时间", "top": "问题", "uncited": "标题"}
    for section, head in heads.items():
        r = report(url, section=section, format="csv")
        assert r.status_code == 200 and r.content.startswith("\ufeff".encode()), section
        assert r.content.decode("utf-8-sig").split(",", 1)[0] == head
    uncited = list(csv.reader(io.StringIO(report(url, section="uncited", format="csv").content.decode("utf-8-sig"))))
    assert [x[2] for x in uncited[1:]] == ["night.txt"]


def test_a_blocklisted_question_gets_the_fixed_reply_and_is_logged_as_such(app: tuple[str, Path]) -> None:
    from rag.blocklist import BLOCKED_REPLY

    url, data = app
    before = report(url).json()["summary"]["blocked"]
    d = ask(url, "网络博彩有没有扶持政策？")
    assert d["blocked"] and d["refused"] and d["answer"] == BLOCKED_REPLY
    assert d["citations"] == [] and d["related"] == []
    d2 = ask(url, "在哪里可以赌 博")
    assert d2["blocked"] and d2["answer"] == BLOCKED_REPLY
    ok = ask(url, "研发投入有哪些支持？")
    assert not ok["blocked"] and "500万元" in ok["answer"]
    rep = report(url).json()
    assert rep["summary"]["blocked"] == before + 2
    assert not any("博彩" in g["question"] or "赌" in g["question"] for g in rep["gaps"]), "no knowledge gap"
    with closing(sqlite3.connect(data / "logbook.sqlite3")) as db:
        flags = db.execute("SELECT blocked, refused, answer FROM answers WHERE id = ?", (d["answer_id"],)).fetchone()
    assert flags == (1, 1, BLOCKED_REPLY)
    # feedback on a blocked reply is kept like any other
    assert feedback(url, {"answer_id": d["answer_id"], "rating": "down"}).status_code == 200


@pytest.fixture(scope="module")
def app_no_log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    tmp = tmp_path_factory.mktemp("nolog")
    corpus = tmp / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    # no RAG_ADMIN_TOKEN: admin disabled; a small rate limit to see feedback spend from it
    proc, url = start_app(tmp, corpus, RAG_LOG_DAYS="0", RAG_ADMIN_TOKEN="", RAG_RATE_LIMIT_PER_MIN="8")
    try:
        yield url, tmp / "data"
    finally:
        _stop(proc)


def test_zero_log_days_writes_nothing(app_no_log: tuple[str, Path]) -> None:
    url, data = app_no_log
    a, b = ask(url, "今天天气怎么样"), ask(url, "今天天气怎么样")
    assert a["answer_id"] is None and b["answer_id"] is None and a["refused"]
    r = feedback(url, {"answer_id": str(uuid.uuid4()), "rating": "down", "comment": "x"})
    assert r.status_code == 404 and "RAG_LOG_DAYS=0" in r.json()["detail"]
    files = [p.relative_to(data) for p in data.rglob("*") if p.is_file()]
    assert any(p.parts[0] == "chroma" for p in files), "the app did write its store"
    assert [p for p in files if "sqlite" in p.name and p.parts[0] != "chroma"] == [], files
    assert not (data / "logbook.sqlite3").exists()


def test_admin_disabled_is_403_and_feedback_is_rate_limited(app_no_log: tuple[str, Path]) -> None:
    url, _ = app_no_log
    assert report(url, token=None).status_code == 403, "no token set: admin is off, whatever is sent"
    assert report(url, token="anything").status_code == 403
    codes = [feedback(url, {"answer_id": str(uuid.uuid4()), "rating": "up"}).status_code for _ in range(12)]
    assert 429 in codes and set(codes) <= {404, 429}, codes
    r = feedback(url, {"answer_id": str(uuid.uuid4()), "rating": "up"})
    assert r.status_code == 429 and "too many requests" in r.json()["detail"]
    r = httpx.post(f"{url}/api/ask", json={"question": "研发投入有哪些支持？"}, timeout=60)
    assert r.status_code == 429, "feedback and questions spend one budget"


def test_a_missing_blocklist_stops_the_app_with_exit_2(tmp_path: Path) -> None:
    import os
    import sys

    from .conftest import ROOT

    (tmp_path / "corpus").mkdir()
    env = {**os.environ, "RAG_DATA_DIR": str(tmp_path / "data"), "RAG_CORPUS_DIR": str(tmp_path / "corpus"),
           "RAG_BLOCKLIST": str(tmp_path / "no-such-list.txt"), "RAG_PORT": str(free_port())}
    r = subprocess.run([sys.executable, str(ROOT / "app.py")], cwd=ROOT, env=env, capture_output=True, timeout=240)
    assert r.returncode == 2, r.stderr[-2000:]
    assert b"RAG_BLOCKLIST" in r.stderr and b"no-such-list.txt" in r.stderr


def test_openai_endpoint_is_logged_and_obeys_the_blocklist(app: tuple[str, Path]) -> None:
    """/v1/chat/completions (the real openai package) writes the same log, channel "openai", and gets the
    blocklist's fixed reply."""
    import openai

    url, data = app
    client = openai.OpenAI(base_url=f"{url}/v1", api_key="x", max_retries=0)
    got = client.chat.completions.create(model="policy-qa", messages=[{"role": "user", "content": "鄂尔多斯研发投入有哪些支持？"}])
    answer_id = (got.model_extra or {}).get("answer_id")
    assert answer_id and "500万元" in (got.choices[0].message.content or "")
    chunks = client.chat.completions.create(model="policy-qa", stream=True,
                                            messages=[{"role": "user", "content": "鄂尔多斯融资有什么渠道？"}])
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    with closing(sqlite3.connect(data / "logbook.sqlite3")) as db:
        rows = db.execute("SELECT question FROM answers WHERE channel = 'openai'").fetchall()
    assert {q for (q,) in rows} >= {"鄂尔多斯研发投入有哪些支持？", "鄂尔多斯融资有什么渠道？"}
    word = next(w.strip() for w in BLOCKLIST.splitlines() if w.strip() and not w.startswith("#"))
    blocked = client.chat.completions.create(model="policy-qa", messages=[{"role": "user", "content": f"{word}怎么弄"}])
    assert (blocked.model_extra or {}).get("citations") == [] and "500万元" not in (blocked.choices[0].message.content or "")
