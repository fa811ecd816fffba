"""The JSON API, on the same server as the chat: ``POST /api/ask``, ``GET /api/health``,
``POST /api/match`` (an enterprise profile → support measures with verdicts; ``?format=csv``),
``GET /api/documents`` and ``GET /api/documents/{doc_id}``. Errors are JSON ``{"detail": message}`` with a
4xx/5xx status; no stack trace or file-system path ever leaves the server. Documents are served by id only.
Every endpoint that reads documents takes the request's audience (rag.access: a staff token as
``Authorization: Bearer`` or ``X-Staff-Token``): internal documents are found, listed and shown to staff only;
to anyone else they do not exist (404 like an unknown id).
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections import deque
from typing import Any, Literal

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, ValidationError

from .access import Audience, audience_from_headers, log_channel
from .errors import BusyError, ConfigError, QueryError, RagError, StoreError
from .matching import Profile, match, match_json, to_csv
from .openai_api import mount_openai
from .pipeline import Pipeline
from .records import Answer
from .retrieve import Filters
from .widget import mount_widget

log = logging.getLogger(__name__)
STORE_UNAVAILABLE = "service temporarily unavailable: the document store cannot be reached; try again shortly"


class Turn(BaseModel):
    role: Literal["user", "assistant"]
    content: str = Field(max_length=4000)


class AskRequest(BaseModel):
    question: str
    history: list[Turn] = Field(default_factory=list, max_length=20)
    # Scalars only: a list or an operator object ({"$ne": …}) must not reach the store's ``where`` clause.
    filters: dict[str, bool | str | int | None] = Field(default_factory=dict)


# An absolute POSIX or Windows path (/srv/data/chroma, C:\\data\\x): cut from messages sent to clients.
_PATH = re.compile(r"(?:\b[A-Za-z]:\\|(?<![\w.])/)(?:[^\s'\"/\\]+[/\\])*[^\s'\",;:)）]+")


def public_message(e: BaseException) -> str:
    """An error's message as a client may see it: file-system paths replaced by ``<path>``."""
    return _PATH.sub("<path>", str(e))


class RateLimiter:
    """At most ``per_minute`` requests per client address in any 60 seconds (a sliding window: the 31st
    request within a minute is refused, as documented; a token bucket would let a fresh client send almost
    twice the limit in its first minute)."""

    WINDOW = 60.0

    def __init__(self, per_minute: int) -> None:
        self.limit = per_minute
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        if self.limit <= 0:
            return True
        now = time.monotonic()
        with self._lock:
            seen = self._seen.setdefault(client, deque())
            while seen and now - seen[0] >= self.WINDOW:
                seen.popleft()
            if len(seen) >= self.limit:
                return False  # a refused request does not count: a client that waits gets through
            seen.append(now)
            if len(self._seen) > 10_000:  # forget idle clients; the map must not grow without bound
                self._seen = {k: v for k, v in self._seen.items() if v and now - v[-1] < self.WINDOW}
            return True


def client_address(request: Any) -> str:
    """The address the rate limit keys on, for a Starlette or a Gradio request (both carry ``.client``)."""
    client = getattr(request, "client", None)
    return client.host if client else "unknown"


async def read_json(request: Request, limiter: RateLimiter, max_bytes: int,
                    too_large: str = "the request body is too large") -> tuple[Any, JSONResponse | None]:
    """The prologue of a JSON endpoint: the per-address rate limit, a size cap, the body parsed as JSON
    (whatever the Content-Type says). (body, None), or (None, the error response to send)."""
    if not limiter.allow(client_address(request)):
        return None, JSONResponse({"detail": "too many requests: try again in a minute"}, status_code=429)
    raw = await request.body()
    if len(raw) > max_bytes:
        return None, JSONResponse({"detail": too_large}, status_code=413)
    try:
        return json.loads(raw or b"null"), None
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None, JSONResponse({"detail": "the request body must be JSON"}, status_code=400)


def create_app(pipe: Pipeline, rate_per_minute: int | None = None) -> FastAPI:
    app = FastAPI(title="policy-qa", docs_url=None, redoc_url=None, openapi_url=None)
    limiter = RateLimiter(rate_per_minute if rate_per_minute is not None else pipe.settings.rate_limit_per_min)
    app.state.limiter = limiter
    mount_widget(app, pipe.settings)  # GET /embed and /widget.js (rag.widget)
    max_chars = pipe.settings.max_question_chars
    # Generative mode: a question waits (in a worker thread) for a model slot. Its own thread budget, one per
    # slot and per place in the line, so waiting questions never take the threads other requests need.
    # Extractive mode: answer_concurrency at once; the rest wait for a thread in order of arrival (anyio's
    # limiter is FIFO) instead of all running at once on two cores.
    gate = pipe.chat.gate if pipe.settings.llm != "none" else None
    ask_threads = anyio.CapacityLimiter(
        gate.slots + gate.max_waiting if gate is not None else pipe.settings.answer_concurrency
    )
    app.state.ask_threads = ask_threads  # extractive: at most RAG_QUEUE_MAX_SIZE wait for one (tests watch it)

    @app.exception_handler(BusyError)
    async def busy(_: Request, e: BusyError) -> JSONResponse:
        return JSONResponse({"detail": public_message(e)}, status_code=503, headers={"Retry-After": "30"})

    @app.exception_handler(RagError)
    async def rag_error(_: Request, e: RagError) -> JSONResponse:
        status = 503 if isinstance(e, (StoreError, ConfigError)) else 400
        if status >= 500:
            log.warning("%s: %s", type(e).__name__, e)  # the full message (with any path) stays in the log
        if isinstance(e, StoreError):  # the store's server is down or failing: the app recovers when it is back
            return JSONResponse({"detail": STORE_UNAVAILABLE}, status_code=503, headers={"Retry-After": "10"})
        return JSONResponse({"detail": public_message(e)}, status_code=status)

    @app.exception_handler(Exception)
    async def internal(_: Request, e: Exception) -> JSONResponse:
        log.exception("internal error")  # the trace stays in the server log
        return JSONResponse({"detail": "internal error"}, status_code=500)

    book, blocklist = pipe.logbook, pipe.blocklist  # rag.logbook, rag.blocklist: purged/read at start

    def audience(request: Request) -> Audience:
        return audience_from_headers(request.headers, pipe.settings.staff_tokens)

    @app.post("/api/ask")
    async def ask(request: Request) -> JSONResponse:
        t0 = time.monotonic()
        if not limiter.allow(client_address(request)):
            return JSONResponse({"detail": "too many requests: try again in a minute"}, status_code=429)
        # The body is JSON whatever the Content-Type says (`curl -d '{…}'` sends form-encoded).
        raw = await request.body()
        try:
            body = AskRequest.model_validate(json.loads(raw or b"null"))
        except json.JSONDecodeError:
            return JSONResponse({"detail": "the request body must be JSON"}, status_code=400)
        except ValidationError as e:
            fields = ", ".join(".".join(str(p) for p in err["loc"]) or "body" for err in e.errors())
            return JSONResponse({"detail": f"invalid request: {fields}"}, status_code=422)
        question = body.question.strip()
        if not question:
            return JSONResponse({"detail": "the question is empty"}, status_code=400)
        if len(question) > max_chars:
            return JSONResponse(
                {"detail": f"the question is too long: {len(question)} characters > {max_chars}"}, status_code=413
            )
        filters = Filters.from_dict(body.filters)
        history = [t.model_dump() for t in body.history]
        who = audience(request)
        blocked = blocklist.blocked_answer(question)  # a fixed reply: no retrieval, no waiting in line
        if blocked is None and gate is not None and gate.waiting >= gate.max_waiting:  # full line: say so now, spend no thread
            return await busy(request, BusyError(
                f"busy: {gate.waiting} questions are waiting for the model; try again in a minute"))
        if blocked is None and gate is None and (
                waiting := ask_threads.statistics().tasks_waiting) >= pipe.settings.queue_max_size:
            return await busy(request, BusyError(f"busy: {waiting} questions are waiting; try again in a minute"))

        def answer() -> tuple[Answer, list[str]]:  # with the questions its documents answer next (rag.suggest)
            a = pipe.chat.ask(question, history, filters, who)
            return a, pipe.suggester.follow_ups(a, question, who)

        ans, suggestions = (blocked, []) if blocked is not None else await anyio.to_thread.run_sync(
            answer, limiter=ask_threads)
        answer_id = await anyio.to_thread.run_sync(lambda: book.record_answer(
            log_channel("api", who), question, ans, (time.monotonic() - t0) * 1000, blocked=blocked is not None))
        return JSONResponse(
            {
                "answer_id": answer_id,
                "answer": ans.text,
                "refused": ans.refused,
                "question": ans.question,
                "standalone_question": ans.question,
                "citations": [c.to_api() for c in ans.citations],
                "related": [r.to_api() for r in ans.related],
                "warnings": ans.warnings,
                "blocked": blocked is not None,
                "suggestions": suggestions,
            }
        )

    @app.post("/api/match")
    async def match_profile(request: Request, format: str = "json") -> Response:
        """An enterprise profile → the support measures ranked with a verdict each (rag.matching)."""
        body, refused = await read_json(request, limiter, 20_000, "the profile is too large")
        if refused is not None:
            return refused
        if not isinstance(body, dict):
            return JSONResponse({"detail": "the profile must be a JSON object"}, status_code=400)
        limit = body.pop("limit", 100)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 500:
            return JSONResponse({"detail": f"limit must be 1–500, got {limit!r}"}, status_code=400)
        if format not in ("json", "csv"):
            return JSONResponse({"detail": f"format must be json or csv, got {format!r}"}, status_code=400)
        profile = Profile.from_dict(body)
        who = audience(request)
        if (waiting := ask_threads.statistics().tasks_waiting) >= pipe.settings.queue_max_size:
            # the same line as /api/ask's answers: bounded the same way
            return await busy(request, BusyError(f"busy: {waiting} requests are waiting; try again in a minute"))
        res = await anyio.to_thread.run_sync(lambda: match(pipe.book, profile, limit, who), limiter=ask_threads)
        if format == "csv":
            return Response(to_csv(res, pipe.book.as_of), media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": 'attachment; filename="policy-match.csv"'})
        return JSONResponse(match_json(res, profile, pipe.book.as_of))

    @app.get("/api/health")
    async def health(request: Request) -> dict[str, Any]:
        # Counts of what the asker may see: the number of internal documents is not the public's either.
        who = audience(request)
        recs = [r for r in pipe.store.manifest().values() if who.sees(r.meta)]
        chunks = pipe.store.count() if who.staff else sum(r.n_chunks for r in recs)
        return {"status": "ok", "documents": len(recs), "chunks": chunks}

    @app.get("/api/documents")
    async def documents(request: Request) -> list[dict[str, Any]]:
        who = audience(request)
        recs = sorted((r for r in pipe.store.manifest().values() if who.sees(r.meta)), key=lambda r: r.source)
        return [document_summary(rec) for rec in recs]

    @app.get("/api/documents/{doc_id}")
    async def document(doc_id: str, request: Request) -> JSONResponse:
        rec = pipe.store.manifest().get(doc_id)
        if rec is not None and not audience(request).sees(rec.meta):
            rec = None  # an internal document asked for without a staff token: as if unknown
        text = pipe.store.doc_text(doc_id) if rec else None
        if rec is None or text is None:
            return JSONResponse({"detail": "no such document"}, status_code=404)
        return JSONResponse({**document_summary(rec), "text": text})

    mount_openai(app, pipe, limiter=limiter, threads=ask_threads, address=client_address, public=public_message)
    from .api_logbook import add_routes  # POST /api/feedback, GET /api/admin/report

    add_routes(app, pipe, limiter)
    from .api_links import add_routes as add_link_routes  # GET /api/documents/{id}/links, POST /api/similar

    add_link_routes(app, pipe, limiter)

    from .api_replies import add_routes as add_reply_routes  # GET /api/replies (the register)

    add_reply_routes(app, pipe)
    return app


def document_summary(rec: Any) -> dict[str, Any]:
    m = rec.meta
    return {
        "doc_id": rec.doc_id, "title": m.title or m.lead or rec.source, "doc_number": m.doc_number,
        "issuer": m.issuer, "date": m.date, "doc_type": m.doc_type, "source": rec.source, "n_chunks": rec.n_chunks,
        "visibility": m.visibility,
    }



__all__ = ["QueryError", "client_address", "create_app", "document_summary", "public_message"]
