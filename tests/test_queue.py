"""Under load the server queues rather than fails: the generation gate (FIFO, bounded), POST /api/ask and
the chat's Gradio queue in generative mode with a deterministic slow fake model, and the per-client rate
limit (which X-Forwarded-For cannot dodge unless a proxy is trusted). A real uvicorn on 127.0.0.1 in this
process, so the test can watch the line form."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import PrivateAttr

from rag.answer import ExtractiveAnswerer
from rag.chat import ChatEngine
from rag.embed import HashEmbedder
from rag.errors import BusyError
from rag.llm import GenerationGate, GenerativeAnswerer
from rag.pipeline import build
from rag.settings import Settings
from rag.ui import build_app, uvicorn_options

from .test_chat import FINANCE, RESEARCH, StubRetriever

ANSWER = "金融机构发放贷款7.42亿元[1]。"


class SlowFake(BaseChatModel):
    """Records each question it is asked, then blocks until the test opens the gate (``go``), then answers
    after a short fixed delay: slow, and deterministic in what it says."""

    delay: float = 0.05
    _calls: list[str] = PrivateAttr(default_factory=list)
    _go: threading.Event = PrivateAttr(default_factory=threading.Event)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "slow-fake"

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:
        question = str(messages[-1].content).rsplit("问题：", 1)[-1].split("\n", 1)[0]
        with self._lock:
            self._calls.append(question)
        assert self._go.wait(60), "the test never released the model"
        time.sleep(self.delay)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=ANSWER))])


def wait_for(cond: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """uvicorn in a thread, with the options serve() uses."""

    def __init__(self, app: Any, settings: Settings) -> None:
        self.server = uvicorn.Server(uvicorn.Config(app, **uvicorn_options(settings)))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{settings.port}"

    def __enter__(self) -> Server:
        self.thread.start()
        wait_for(lambda: self.server.started, "uvicorn to start")
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(30)


# --- the gate ---------------------------------------------------------------------------------------


def test_gate_serves_in_order_of_arrival_and_refuses_past_the_line() -> None:
    gate = GenerationGate(slots=1, max_waiting=2)
    order: list[int] = []
    gate.acquire()  # the slot is taken

    def worker(i: int) -> None:
        with gate.hold():
            order.append(i)

    threads = []
    for i in range(2):
        threads.append(threading.Thread(target=worker, args=(i,)))
        threads[-1].start()
        wait_for(lambda i=i: gate.waiting == i + 1, f"waiter {i} in line")  # type: ignore[misc]
    with pytest.raises(BusyError, match="busy"):
        gate.acquire()
    gate.release()
    for t in threads:
        t.join(10)
    assert order == [0, 1] and gate.running == 0 and gate.waiting == 0


def test_settings_defaults() -> None:
    s = Settings()
    assert (s.llm_concurrency, s.queue_max_size, s.answer_concurrency, s.trusted_proxies) == (0, 32, 4, "")
    assert Settings(llm="local").llm_slots == 1 and Settings(llm="openai").llm_slots == 4
    assert Settings(llm="local", llm_concurrency=3).llm_slots == 1, "llama.cpp runs one generation at a time"
    assert Settings(llm="openai", llm_concurrency=8).llm_slots == 8


# --- generative mode through HTTP ------------------------------------------------------------------


@pytest.fixture(scope="module")
def generative(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, SlowFake, Any, Any]]:
    """The real API + chat over an empty store; the chat engine's model is the slow fake, one slot, three
    places in line."""
    tmp: Path = tmp_path_factory.mktemp("queue")
    settings = Settings(data_dir=tmp / "data", corpus_dir=tmp / "corpus", llm="openai",
                        llm_base_url="http://127.0.0.1:9/v1", llm_model="unused", llm_concurrency=1,
                        queue_max_size=3, rate_limit_per_min=0, port=free_port())
    pipe = build(settings, HashEmbedder())
    model = SlowFake()
    gate = GenerationGate(settings.llm_slots, settings.queue_max_size)
    pipe.chat = ChatEngine(StubRetriever({"融资": FINANCE, "研发投入": RESEARCH}), ExtractiveAnswerer(HashEmbedder()),
                           GenerativeAnswerer(model), gate=gate)
    app, demo = build_app(pipe)
    with Server(app, settings) as srv:
        yield srv.url, model, gate, demo


def test_api_queues_in_order_then_says_busy(generative: tuple[str, SlowFake, Any, Any]) -> None:
    url, model, gate, _ = generative
    model._calls.clear()
    model._go.clear()
    questions = [f"融资渠道问题{i}" for i in range(1, 5)]
    results: dict[str, httpx.Response] = {}

    def ask(q: str) -> None:
        results[q] = httpx.post(f"{url}/api/ask", json={"question": q}, timeout=60)

    threads = [threading.Thread(target=ask, args=(q,)) for q in questions]
    threads[0].start()
    wait_for(lambda: model._calls == questions[:1], "the first question to reach the model")
    for i, t in enumerate(threads[1:], 1):  # one at a time, so the order of arrival is known
        t.start()
        wait_for(lambda i=i: gate.waiting == i, f"question {i + 1} to wait in line")  # type: ignore[misc]
    # One slot busy, three waiting: the line is full, and the next questions hear so at once.
    for extra in ("融资渠道问题5", "融资渠道问题6"):
        r = httpx.post(f"{url}/api/ask", json={"question": extra}, timeout=10)
        assert r.status_code == 503, r.text
        assert "busy" in r.json()["detail"] and "try again" in r.json()["detail"]
        assert r.headers["Retry-After"] == "30"
    model._go.set()
    for t in threads:
        t.join(60)
    assert model._calls == questions, "served in order of arrival"
    for q in questions:
        r = results[q]
        assert r.status_code == 200, r.text
        d = r.json()
        assert d["answer"] == ANSWER and not d["refused"] and [c["n"] for c in d["citations"]] == [1]
    assert gate.running == 0 and gate.waiting == 0


def _sse_until_done(url: str, session: str) -> dict[str, Any]:
    """The queue's server-sent events for one session, up to its process_completed message."""
    with httpx.stream("GET", f"{url}/gradio_api/queue/data", params={"session_hash": session}, timeout=60) as r:
        for line in r.iter_lines():
            if line.startswith("data:"):
                msg = json.loads(line[5:])
                if msg.get("msg") == "process_completed":
                    return dict(msg)
    raise AssertionError(f"{session}: the stream ended without process_completed")


def test_chat_queue_serves_in_order_then_says_full(generative: tuple[str, SlowFake, Any, Any]) -> None:
    url, model, _, demo = generative
    model._calls.clear()
    model._go.clear()
    fn_index = next(i for i, f in demo.fns.items() if getattr(f.fn, "__name__", "") == "respond")
    questions = [f"融资方式问题{i}" for i in range(1, 5)]

    def join(i: int, q: str) -> httpx.Response:
        body = {"data": [q, [], "", "", None, None, False, ""], "fn_index": fn_index, "session_hash": f"s{i}",
                "event_data": None, "trigger_id": None}
        return httpx.post(f"{url}/gradio_api/queue/join", json=body, timeout=10)

    assert join(0, questions[0]).status_code == 200
    wait_for(lambda: model._calls == questions[:1], "the first chat question to reach the model")
    for i, q in enumerate(questions[1:], 1):  # these wait in Gradio's queue (one answer at a time)
        assert join(i, q).status_code == 200
    full = join(9, "融资方式问题5")
    assert full.status_code == 503 and "Queue is full" in full.json()["detail"]
    model._go.set()
    for i in range(len(questions)):
        done = _sse_until_done(url, f"s{i}")
        assert done["success"], done
        chat = done["output"]["data"][0]
        assert "7.42亿元" in json.dumps(chat, ensure_ascii=False)
    assert model._calls == questions, "served in order of arrival"


# --- the rate limit ---------------------------------------------------------------------------------


def _limited_app(tmp: Path, **overrides: Any) -> tuple[Any, Settings]:
    settings = Settings(data_dir=tmp / "data", corpus_dir=tmp / "corpus", port=free_port(), **overrides)
    from rag.api import create_app

    return create_app(build(settings, HashEmbedder())), settings


def test_the_31st_question_in_a_minute_gets_429(tmp_path: Path) -> None:
    app, settings = _limited_app(tmp_path)  # the default: 30 a minute
    with Server(app, settings) as srv:
        # Bad requests are cheap and count all the same; a new X-Forwarded-For on each does not help, since
        # no proxy is trusted by default.
        codes = [httpx.post(f"{srv.url}/api/ask", content=b"{}", headers={"X-Forwarded-For": f"10.0.0.{i}"},
                            timeout=10).status_code for i in range(31)]
        assert codes[:30] == [422] * 30
        assert codes[30] == 429
        r = httpx.post(f"{srv.url}/api/ask", json={"question": "研发投入"}, timeout=10)
        assert r.status_code == 429 and r.json()["detail"] == "too many requests: try again in a minute"


def test_trusted_proxy_forwarded_addresses_get_their_own_budget(tmp_path: Path) -> None:
    app, settings = _limited_app(tmp_path, rate_limit_per_min=2, trusted_proxies="127.0.0.1")
    with Server(app, settings) as srv:
        def post(client: str) -> int:
            return httpx.post(f"{srv.url}/api/ask", content=b"{}", headers={"X-Forwarded-For": client},
                              timeout=10).status_code

        assert [post("203.0.113.1") for _ in range(3)] == [422, 422, 429]
        assert post("203.0.113.2") == 422, "another client behind the trusted proxy has its own budget"


def test_rate_limiter_window(monkeypatch: pytest.MonkeyPatch) -> None:
    from rag import api

    now = [1000.0]
    monkeypatch.setattr(api.time, "monotonic", lambda: now[0])
    lim = api.RateLimiter(30)
    assert all(lim.allow("a") for _ in range(30))
    now[0] += 59.0
    assert not lim.allow("a"), "the 31st within a minute"
    assert lim.allow("b"), "another client has its own budget"
    now[0] += 1.0  # a minute after the 30: a fresh window
    assert all(lim.allow("a") for _ in range(30))
    assert not lim.allow("a")
    assert api.RateLimiter(0).allow("a")
