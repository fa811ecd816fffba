"""Hardening (issue 12, part 7), against the real app (`app.py` in a subprocess, real model) on a real
`chroma run` server:

- the admin tab's delete waits for a running ingest (a real `ingest.py`, paused mid-write while it holds the
  server lease) instead of interleaving with it;
- a Chroma failure while serving is a 503 with Retry-After (the chat says 服务暂时不可用，请稍后再试), and the app
  recovers by itself when the server is back on the same port and path;
- the line of extractive /api/ask requests waiting for an answer thread is bounded (RAG_QUEUE_MAX_SIZE):
  beyond it, 503 busy with Retry-After at once — in the real app under a burst, and exactly, in process,
  with an answerer the test holds.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import ROOT, SEED
from .test_api import ask, no_leak, start_app

pytestmark = pytest.mark.slow

CHROMA = Path(sys.executable).parent / "chroma"
TOKEN = "hardening-admin-token"
RENT = "关于减免小微企业房租的通知\n一、对承租国有房产的小微企业，免收3个月房租。\n二、减免房租的企业须在2020年6月底前申请。\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ChromaServer:
    """A real `chroma run` that the test can stop and start again on the same port and path."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def up(self) -> bool:
        try:
            return httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def start(self) -> None:
        log = open(self.path.parent / "chroma.log", "ab")
        self.proc = subprocess.Popen(
            [str(CHROMA), "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=log, stderr=log,
        )
        deadline = time.monotonic() + 60
        while not self.up():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((self.path.parent / "chroma.log").read_text(errors="replace")[-2000:])
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
            self.proc = None
        assert not self.up()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One chroma server and one app on it: one answer thread, one place in line, the admin tab on."""
    if not CHROMA.exists():
        pytest.skip("the chroma CLI is not installed in this environment")
    tmp = tmp_path_factory.mktemp("hardening")
    chroma = ChromaServer(tmp / "chroma-db")
    chroma.start()
    corpus = tmp / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    (corpus / "rent.txt").write_text(RENT, encoding="utf-8")
    (tmp / "app").mkdir()
    env = {"RAG_CHROMA_URL": chroma.url, "RAG_COLLECTION": "hardening", "RAG_ADMIN_TOKEN": TOKEN,
           "RAG_ANSWER_CONCURRENCY": "1", "RAG_QUEUE_MAX_SIZE": "1", "RAG_RATE_LIMIT_PER_MIN": "0"}
    proc, url = start_app(tmp / "app", corpus, **env)
    try:
        yield {"url": url, "chroma": chroma, "corpus": corpus, "tmp": tmp, "env": env}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        chroma.stop()


# --- the chat and the admin tab through Gradio's queue (what the page's buttons send) --------------------


def fn_index(url: str, *, elem_id: str = "", api_name: str = "") -> int:
    """The index of the event a button triggers, read from the page's own config."""
    cfg = httpx.get(f"{url}/config", timeout=30).json()
    ids = {c["id"]: c.get("props", {}).get("elem_id") for c in cfg["components"]}
    for dep in cfg["dependencies"]:
        if (api_name and dep.get("api_name") == api_name) or (
            elem_id and any(ids.get(t[0]) == elem_id and t[1] == "click" for t in dep["targets"])
        ):
            return int(dep["id"])
    raise AssertionError(f"no event for {elem_id or api_name}")


def gradio_call(url: str, fn: int, data: list[Any], session: str) -> dict[str, Any]:
    """Join the queue and read the event's stream to its end: the process_completed message."""
    body = {"data": data, "fn_index": fn, "session_hash": session, "event_data": None, "trigger_id": None}
    r = httpx.post(f"{url}/gradio_api/queue/join", json=body, timeout=30)
    assert r.status_code == 200, r.text
    with httpx.stream("GET", f"{url}/gradio_api/queue/data", params={"session_hash": session}, timeout=120) as s:
        for line in s.iter_lines():
            if line.startswith("data:"):
                msg = json.loads(line[5:])
                if msg.get("msg") == "process_completed":
                    return dict(msg)
    raise AssertionError("the stream ended without process_completed")


def chat(url: str, question: str, session: str) -> dict[str, Any]:
    return gradio_call(url, fn_index(url, elem_id="send"), [question, [], "", "", None, None, False, ""], session)


def documents(url: str) -> dict[str, str]:
    return {d["source"]: d["doc_id"] for d in httpx.get(f"{url}/api/documents", timeout=30).json()}


# --- (a) the admin tab's delete and a running ingest -------------------------------------------------


def test_admin_delete_waits_for_a_running_ingest(served: dict[str, Any]) -> None:
    url, corpus, tmp = served["url"], served["corpus"], served["tmp"]
    rent = documents(url)["rent.txt"]
    # A real ingest.py (another data dir, as on another host: only the server lease stands between them),
    # held just before its second Chroma write — the lease taken, new passages about to be written.
    (corpus / "new.txt").write_text("关于夜间经济发展补贴的通知\n一、对夜间经营的商户，每户给予2万元补贴。\n", encoding="utf-8")
    paused, resume = tmp / "paused", tmp / "resume"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAULT_")}
    env.update(served["env"], RAG_DATA_DIR=str(tmp / "ingest-data"), FAULT_PAUSE="write:2",
               FAULT_PAUSE_FILE=str(paused), FAULT_RESUME_FILE=str(resume))
    cmd = [sys.executable, str(ROOT / "tests" / "fault_ingest.py"), "--json", str(corpus)]
    with subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as p:
        try:
            deadline = time.monotonic() + 300
            while not paused.exists():
                assert p.poll() is None, p.stderr.read() if p.stderr else ""
                assert time.monotonic() < deadline, "the ingest never reached its second write"
                time.sleep(0.1)
            listed = gradio_call(url, fn_index(url, api_name="admin_list"), [TOKEN], "admin")
            assert listed["success"], listed
            refused = gradio_call(url, fn_index(url, api_name="admin_delete"), [TOKEN, rent], "admin")
            assert not refused["success"], refused
            assert "正在导入文件，请导入完成后再删除" in json.dumps(refused, ensure_ascii=False)
            assert "rent.txt" in documents(url) and (corpus / "rent.txt").is_file(), "nothing was deleted"
            resume.touch()
            out, err = p.communicate(timeout=600)
        finally:
            if p.poll() is None:
                p.kill()
    assert p.returncode == 0, err[-3000:]
    assert json.loads(out)["errors"] == []
    gradio_call(url, fn_index(url, api_name="admin_list"), [TOKEN], "admin2")
    done = gradio_call(url, fn_index(url, api_name="admin_delete"), [TOKEN, rent], "admin2")
    assert done["success"], done
    assert "已删除 rent.txt" in json.dumps(done, ensure_ascii=False)
    docs = documents(url)
    assert "rent.txt" not in docs and "new.txt" in docs and SEED.name in docs
    assert not (corpus / "rent.txt").exists(), "its file is gone too, or the next ingest would bring it back"


def test_delete_takes_the_data_dirs_ingest_lock(tmp_path: Path) -> None:
    """On one machine the file lock is what stops them (embedded store: no server lease)."""
    from rag.embed import HashEmbedder
    from rag.errors import IngestLockedError
    from rag.ingest import delete_document, ingest_lock
    from rag.pipeline import build
    from rag.settings import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "rent.txt").write_text(RENT, encoding="utf-8")
    pipe = build(Settings(data_dir=tmp_path / "data", corpus_dir=corpus), HashEmbedder())
    pipe.ingest([corpus])
    (doc_id,) = pipe.store.manifest()
    with ingest_lock(pipe.settings.data_dir), pytest.raises(IngestLockedError):
        delete_document(doc_id, settings=pipe.settings, store=pipe.store)
    assert doc_id in pipe.store.manifest() and (corpus / "rent.txt").is_file()
    done = delete_document(doc_id, settings=pipe.settings, store=pipe.store, on_change=pipe.lexical.rebuild)
    assert done is not None and done[0].source == "rent.txt" and done[1] >= 1
    assert not pipe.store.manifest() and not (corpus / "rent.txt").exists()
    assert delete_document(doc_id, settings=pipe.settings, store=pipe.store) is None


# --- (b) Chroma goes away and comes back -------------------------------------------------------------


def test_chroma_down_is_503_and_the_app_recovers_by_itself(served: dict[str, Any]) -> None:
    url, chroma = served["url"], served["chroma"]
    q = "研发投入有哪些支持？"
    r = ask(url, {"question": q})
    assert r.status_code == 200 and not r.json()["refused"] and "500万元" in r.json()["answer"]
    assert chat(url, q, "before")["success"]

    chroma.stop()
    try:
        r = ask(url, {"question": q})
        assert r.status_code == 503, r.text
        assert int(r.headers["Retry-After"]) > 0
        assert "temporarily unavailable" in r.json()["detail"]
        no_leak(r)
        assert "127.0.0.1" not in r.text and "Connect" not in r.text, "the store's address and error stay in the log"
        h = httpx.get(f"{url}/api/health", timeout=30)
        assert h.status_code == 503 and "Retry-After" in h.headers
        said = chat(url, q, "down")
        assert not said["success"]
        assert "服务暂时不可用，请稍后再试" in json.dumps(said, ensure_ascii=False), said
        assert ask(url, {"question": "国办函〔2006〕82号答复的是哪个提案？"}).status_code == 503
    finally:
        chroma.start()  # same port, same path

    r = ask(url, {"question": q})  # the very next question: no app restart, no retry loop
    assert r.status_code == 200, r.text
    d = r.json()
    assert not d["refused"] and "500万元" in d["answer"] and d["citations"][0]["source"] == SEED.name
    assert httpx.get(f"{url}/api/health", timeout=30).json()["status"] == "ok"
    assert chat(url, q, "after")["success"]


# --- (c) the extractive line is bounded --------------------------------------------------------------


def test_a_burst_beyond_the_line_gets_503_busy(served: dict[str, Any]) -> None:
    """One answer thread, one place in line: of 12 questions sent at once, those that find the line full
    are told so at once (503, Retry-After); every other one is answered."""
    url = served["url"]
    results: list[httpx.Response] = []
    lock = threading.Lock()
    start = threading.Barrier(12)

    def one() -> None:
        start.wait()
        r = httpx.post(f"{url}/api/ask", json={"question": "企业研发投入最高能拿多少科研经费支持？"}, timeout=120)
        with lock:
            results.append(r)

    threads = [threading.Thread(target=one) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    codes = sorted(r.status_code for r in results)
    assert len(codes) == 12 and set(codes) <= {200, 503}, codes
    busy = [r for r in results if r.status_code == 503]
    assert busy, f"12 at once with one thread and one place in line: some must hear busy ({codes})"
    for r in busy:
        assert r.headers["Retry-After"] == "30" and "busy" in r.json()["detail"]
    answered = [r.json() for r in results if r.status_code == 200]
    assert len(answered) >= 2 and all("500万元" in d["answer"] for d in answered)


class _HeldChat:
    """An answerer that takes each question and waits until the test lets it answer."""

    def __init__(self) -> None:
        self.go = threading.Event()
        self.asked: list[str] = []

    def ask(self, question: str, history: Any = None, filters: Any = None, audience: Any = None) -> Any:
        from rag.records import Answer

        self.asked.append(question)
        assert self.go.wait(60), "the test never let the answers go"
        return Answer(question, f"答：{question}", False)


def test_extractive_line_counts_exactly(tmp_path: Path) -> None:
    """In process, with the answers held: one running, two waiting (RAG_QUEUE_MAX_SIZE=2), the fourth and
    fifth hear busy at once; released, the three are answered in order."""
    from rag.embed import HashEmbedder
    from rag.pipeline import build
    from rag.settings import Settings
    from rag.ui import build_app

    from .test_queue import Server, wait_for

    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "corpus", answer_concurrency=1,
                        queue_max_size=2, rate_limit_per_min=0, port=free_port())
    pipe = build(settings, HashEmbedder())
    held = _HeldChat()
    pipe.chat = held  # type: ignore[assignment]
    app, _ = build_app(pipe)
    line = app.state.ask_threads
    got: dict[str, httpx.Response] = {}

    def send(q: str) -> None:
        got[q] = httpx.post(f"http://127.0.0.1:{settings.port}/api/ask", json={"question": q}, timeout=60)

    with Server(app, settings) as srv:
        threads = [threading.Thread(target=send, args=(q,)) for q in ("问题一", "问题二", "问题三")]
        threads[0].start()
        wait_for(lambda: held.asked == ["问题一"], "the first question to be answering")
        for i, t in enumerate(threads[1:], 1):
            t.start()
            wait_for(lambda i=i: line.statistics().tasks_waiting == i, f"question {i + 1} in line")  # type: ignore[misc]
        for extra in ("问题四", "问题五"):
            r = httpx.post(f"{srv.url}/api/ask", json={"question": extra}, timeout=10)
            assert r.status_code == 503 and r.headers["Retry-After"] == "30", r.text
            assert "busy" in r.json()["detail"] and "2 questions are waiting" in r.json()["detail"]
        # /api/match waits in the same line: refused the same way while it is full
        m = httpx.post(f"{srv.url}/api/match", json={"region": "北京市"}, timeout=10)
        assert m.status_code == 503 and m.headers["Retry-After"] == "30" and "waiting" in m.json()["detail"], m.text
        held.go.set()
        for t in threads:
            t.join(60)
    assert held.asked == ["问题一", "问题二", "问题三"], "in order of arrival; the refused were never asked"
    assert all(got[q].status_code == 200 and got[q].json()["answer"] == f"答：{q}" for q in held.asked)
