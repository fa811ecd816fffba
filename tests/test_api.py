"""The JSON API through HTTP against the real app (`app.py` in a subprocess: real m3e-small, real Chroma,
the seed + three State Council reply letters)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .conftest import ROOT, SEED, SHARED

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_app(tmp: Path, corpus: Path, **env: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    e = {**os.environ, "RAG_DATA_DIR": str(tmp / "data"), "RAG_CORPUS_DIR": str(corpus), "RAG_PORT": str(port),
         "RAG_HOST": "127.0.0.1", **env}
    log = open(tmp / "app.log", "wb")
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=ROOT, env=e, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError((tmp / "app.log").read_text(errors="replace")[-3000:])
        try:
            if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("the app did not come up in 240 s")


def seed_app(tmp_path_factory: pytest.TempPathFactory, name: str, *, state_council: bool = False,
             **env: str) -> Iterator[str]:
    """The real app (app.py) over the seed — and three State Council reply letters when asked and present —
    for a module fixture to ``yield from``; stopped when the module is done."""
    tmp = tmp_path_factory.mktemp(name)
    corpus = tmp / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    sc = SHARED / "corpus" / "state-council"
    if state_council and sc.is_dir():
        for doc in ("sc_26.txt", "sc_28.txt", "sc_30.txt"):
            shutil.copy(sc / doc, corpus / doc)
    proc, url = start_app(tmp, corpus, **env)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from seed_app(tmp_path_factory, "api", state_council=True, RAG_RATE_LIMIT_PER_MIN="60")


def ask(url: str, body: dict | str, **kw: object) -> httpx.Response:
    if isinstance(body, dict):
        return httpx.post(f"{url}/api/ask", json=body, timeout=120)
    return httpx.post(f"{url}/api/ask", content=body, timeout=120, **kw)  # type: ignore[arg-type]


def no_leak(r: httpx.Response) -> None:
    assert "Traceback" not in r.text and "/tmp/" not in r.text and "/work/" not in r.text


def test_list_question_cites_section_two(app_url: str) -> None:
    r = ask(app_url, {"question": "研发投入有哪些支持？"})
    assert r.status_code == 200
    d = r.json()
    no_leak(r)
    assert not d["refused"]
    for item in ("一是", "二是", "三是", "500万元", "5229.3万元"):
        assert item in d["answer"], item
    assert d["citations"]
    for c in d["citations"]:
        assert c["doc_number"] == "鄂建提复字〔2025〕334号" and c["section"].startswith("二、")
        assert {"n", "title", "doc_number", "section", "date", "source", "text"} <= set(c)
    assert "[1]" in d["answer"]


def test_doc_number_lookup_like_curl(app_url: str) -> None:
    # curl -d sends application/x-www-form-urlencoded; the body is JSON all the same.
    body = '{"question":"鄂建提复字〔2025〕334号答复的是哪个提案？"}'.encode()
    r = ask(app_url, body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200, r.text
    d = r.json()
    assert not d["refused"] and d["citations"][0]["source"] == SEED.name
    assert "0261" in d["answer"] or any("0261" in c["text"] for c in d["citations"])


@pytest.mark.skipif(not (SHARED / "corpus" / "state-council").is_dir(), reason="../shared/corpus absent")
def test_state_council_reply_letter(app_url: str) -> None:
    d = ask(app_url, {"question": "国办函〔2006〕82号答复的是哪个提案？"}).json()
    assert d["citations"][0]["source"] == "sc_26.txt"
    assert "总理热线电话" in d["answer"]


def test_follow_up_and_filters(app_url: str) -> None:
    d = ask(app_url, {"question": "是哪天发的？", "history": [
        {"role": "user", "content": "鄂建提复字〔2025〕334号答复的是哪个提案？"},
        {"role": "assistant", "content": "…"}]}).json()
    assert "鄂建提复字〔2025〕334号" in d["question"] and not d["refused"]
    d = ask(app_url, {"question": "那融资方面呢？", "history": [
        {"role": "user", "content": "鄂尔多斯对科技企业研发投入有哪些支持？"},
        {"role": "assistant", "content": "…"}]}).json()
    assert "融资" in d["question"] and "鄂尔多斯" in d["question"]
    assert not d["refused"] and d["citations"][0]["source"] == SEED.name
    d = ask(app_url, {"question": "今天天气怎么样", "history": [
        {"role": "user", "content": "鄂尔多斯对科技企业研发投入有哪些支持？"}]}).json()
    assert d["refused"], "an off-topic question mid-conversation is not glued to the old topic"
    d = ask(app_url, {"question": "研发投入有哪些支持？", "filters": {"doc_type": "notice"}}).json()
    assert d["refused"] and d["citations"] == []


@pytest.mark.parametrize("q", ["今天天气怎么样", "你好", "最近有什么好看的电影？"])
def test_off_topic_is_refused(app_url: str, q: str) -> None:
    d = ask(app_url, {"question": q}).json()
    assert d["refused"] and d["citations"] == [] and "未在已收录文件中找到相关依据" in d["answer"]


def test_bad_requests_are_4xx_with_a_message(app_url: str) -> None:
    for body in (b"{not json", b"", b'{"history": []}', b'{"question": 5}', b'{"question": "  "}'):
        r = ask(app_url, body)
        assert 400 <= r.status_code < 500, (body, r.status_code)
        assert r.json()["detail"]
        no_leak(r)
    r = ask(app_url, {"question": "研发" * 400})
    assert r.status_code == 413 and "too long" in r.json()["detail"]
    r = ask(app_url, {"question": "研发投入", "filters": {"year_from": "去年"}})
    assert r.status_code == 400 and "year_from" in r.json()["detail"]
    # Filter values are scalars: a list or an operator object never reaches the store's where clause.
    for bad in ({"doc_type": ["notice"]}, {"issuer": {"$ne": "x"}}):
        r = ask(app_url, {"question": "研发投入有哪些支持？", "filters": bad})
        assert r.status_code == 422 and "filters" in r.json()["detail"], (bad, r.status_code, r.text)
        no_leak(r)


def test_error_messages_carry_no_paths() -> None:
    from rag.api import public_message
    from rag.errors import QueryError, StoreError

    msg = public_message(StoreError("cannot open Chroma store at /srv/policy-qa/data/chroma: refused"))
    assert "/srv" not in msg and "<path>" in msg
    assert public_message(QueryError("year_from must be a year like 2025, got 'x'")).endswith("got 'x'")


def test_health_and_documents(app_url: str) -> None:
    h = httpx.get(f"{app_url}/api/health").json()
    assert h["status"] == "ok" and h["documents"] >= 1 and h["chunks"] > h["documents"]
    docs = httpx.get(f"{app_url}/api/documents").json()
    seed = next(d for d in docs if d["source"] == SEED.name)
    assert seed["doc_number"] == "鄂建提复字〔2025〕334号" and seed["date"] == "2025-09-03"
    full = httpx.get(f"{app_url}/api/documents/{seed['doc_id']}")
    assert full.status_code == 200 and "最高500万元科研经费支持" in full.json()["text"]
    no_leak(full)
    for bad in ("nope", "..%2F..%2Fetc%2Fpasswd", "__stamp__"):
        assert httpx.get(f"{app_url}/api/documents/{bad}").status_code == 404


def test_rate_limit(app_url: str) -> None:
    r = None
    for _ in range(80):  # 60 a minute per client: cheap bad requests use the budget up
        r = ask(app_url, b"{}")
        if r.status_code == 429:
            break
    assert r is not None and r.status_code == 429 and "too many requests" in r.json()["detail"]
