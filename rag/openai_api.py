"""OpenAI-compatible chat on the API's server: ``POST /v1/chat/completions`` and ``GET /v1/models``.

Any OpenAI client (the ``openai`` package, LangChain's ``ChatOpenAI``, chat front-ends) reaches the pipeline
``POST /api/ask`` uses: the last user message is the question, the earlier user/assistant messages are the
history, system messages are ignored. The answer's content ends with its sources as plain text (a blank
line, ``参考文件：``, one line ``[n] 《title》（文号）section date`` per citation); the structured citations
are in an extra top-level field ``citations`` (with ``refused``, ``standalone_question``, ``related`` and
``warnings``). ``stream: true`` sends server-sent events in the OpenAI chunk format, the extra fields on the
last chunk. Bearer keys (``RAG_API_KEYS``; none = open), the per-address rate limit and the answer thread
budget are those of ``/api/ask``; errors are OpenAI-shaped ``{"error": {"message", "type", "param", "code"}}``.
Internal documents (rag.access) are searched for staff only: the staff token in ``X-Staff-Token`` (beside the
API key), or as the Bearer key itself (staff tokens are API keys too).
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any, Protocol

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .access import audience_from_headers, log_channel, token_list
from .errors import BusyError, ConfigError, QueryError, RagError, StoreError
from .llm import _MARK, message_text
from .pipeline import Pipeline
from .records import Answer, Citation
from .retrieve import Filters
from .settings import ensure_tiktoken_offline

log = logging.getLogger(__name__)

MODEL_ID = "policy-qa"
SOURCES_HEADING = "参考文件："
# Sent before the checked answer when it does not continue the streamed draft (generative mode only: a
# citation to no passage removed, or the model's answer replaced by quotes).
REVISED_NOTE = "（以上为生成中的草稿；核对引用后的回答如下）"
# As /api/ask: at most 20 earlier turns of 4,000 characters each reach the pipeline. OpenAI clients resend
# the whole conversation, so longer ones are cut to their end rather than refused.
MAX_TURNS = 20
MAX_TURN_CHARS = 4000
MAX_BODY_BYTES = 512_000
RETRY_AFTER = "30"


class Limiter(Protocol):
    """The per-address budget (``rag.api.RateLimiter``)."""

    def allow(self, client: str) -> bool: ...


class Message(BaseModel):
    model_config = ConfigDict(extra="allow")  # name, tool_calls, …: accepted and ignored
    role: str
    content: str | list[Any] | None = None


class CompletionRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # temperature, max_tokens, n, stop, …: accepted and ignored
    model: str = MODEL_ID
    messages: list[Message] = Field(min_length=1, max_length=500)
    stream: bool = False
    stream_options: dict[str, Any] | None = None
    # As /api/ask (scalars only), sent by OpenAI clients as an extra body field.
    filters: dict[str, bool | str | int | None] = Field(default_factory=dict)


# --- the conversation and the answer as text ----------------------------------------------------------

_SOURCES = re.compile(rf"\n\n{SOURCES_HEADING}\n.*\Z", re.S)
_WS = re.compile(r"\s+")


def strip_sources(text: str) -> str:
    """An earlier answer of ours without its 参考文件 block (the history needs the answer, not the list)."""
    return _SOURCES.sub("", text)


def conversation(messages: Sequence[Message]) -> tuple[str, list[dict[str, str]]]:
    """(question, history): the last message is the user's question; the user and assistant messages before
    it are the history (empty ones dropped, the last ``MAX_TURNS`` kept, each cut to ``MAX_TURN_CHARS``).
    System, developer and tool messages are ignored."""
    turns = [(m.role, message_text(m.content)) for m in messages if m.role in ("user", "assistant")]
    if not turns:
        raise QueryError("messages: no user message")
    if turns[-1][0] != "user":
        raise QueryError("messages: the last user or assistant message must be the user's question")
    history = []
    for role, content in turns[:-1]:
        text = (strip_sources(content) if role == "assistant" else content).strip()[:MAX_TURN_CHARS]
        if text:
            history.append({"role": role, "content": text})
    return turns[-1][1].strip(), history[-MAX_TURNS:]


def citation_line(c: Citation) -> str:
    """``[n] 《title》（文号）section date``, the parts a citation lacks left out; ``[n] 内部 《…`` for an internal
    document (only staff are shown one)."""
    head = f"《{c.title}》" if c.title else c.source
    if c.visibility == "internal":
        head = f"内部 {head}"
    if c.doc_number:
        head += f"（{c.doc_number}）"
    section = _WS.sub(" ", c.section or "").strip()
    if section:  # 》 and ） end the head visibly: no blank after them
        head += section if head.endswith(("》", "）")) else f" {section}"
    return f"[{c.n}] {head}" + (f" {c.date}" if c.date else "")


def sources_text(citations: Sequence[Citation]) -> str:
    """What follows an answer's text: a blank line, 参考文件： and a line per citation ("" without any)."""
    if not citations:
        return ""
    return f"\n\n{SOURCES_HEADING}\n" + "\n".join(citation_line(c) for c in citations)


def content_of(ans: Answer) -> str:
    return ans.text + sources_text(ans.citations)


def extras(ans: Answer) -> dict[str, Any]:
    """The fields beside OpenAI's: the structured citations as ``/api/ask`` gives them."""
    return {
        "citations": [c.to_api() for c in ans.citations],
        "refused": ans.refused,
        "standalone_question": ans.question,
        "related": [r.to_api() for r in ans.related],
        "warnings": ans.warnings,
    }


_PIECE_END = re.compile(r"(?<=[。！？；!?;\n])(?![\[［【\n])|(?<=[\]］】])(?![\[［【\n])")


def pieces(text: str, most: int = 12) -> list[str]:
    """``text`` cut after sentences (a sentence's markers stay with it) into at most ``most`` pieces that
    join back to it: an answer computed at once still arrives as a stream."""
    parts = [p for p in _PIECE_END.split(text) if p]
    if len(parts) <= most:
        return parts
    size = -(-len(parts) // most)
    return ["".join(parts[i : i + size]) for i in range(0, len(parts), size)]


# A draft's end that may still change: blanks, and markers (complete or not) the next token may extend or
# repeat ([1] then [1] is written [1] once).
_UNSETTLED_TAIL = re.compile(r"(?:\s|[\[［【]\s*(?:\d{1,3}\s*(?:[,，、]\s*)?)*(?:[\]］】])?)+\Z")
_TAIL_WINDOW = 64


def settled(draft: str) -> str:
    """The part of a model's draft that the checked answer will start with, if the model's citations are
    all valid: leading blanks dropped, markers renumbered in order of first use (as the check renumbers
    them), the end that may still change held back."""
    text = draft.lstrip()
    head, tail = text[:-_TAIL_WINDOW], text[-_TAIL_WINDOW:]
    m = _UNSETTLED_TAIL.search(tail)
    text = head + (tail[: m.start()] if m else tail)
    order: dict[int, int] = {}

    def renumber(m: re.Match[str]) -> str:
        nums = [int(x) for x in re.split(r"\s*[,，、]\s*", m.group(1))]
        for n in nums:
            order.setdefault(n, len(order) + 1)
        return "".join(f"[{order[n]}]" for n in dict.fromkeys(nums))

    return re.sub(r"(\[\d+\])(?:\1)+", r"\1", _MARK.sub(renumber, text))


class Deltas:
    """The new part of an answer that grows: the settled part of each draft while the model writes, then the
    rest of the checked answer. When the checked answer does not continue what was sent (a citation was
    dropped, or the model's answer was replaced by quotes), it follows whole after ``REVISED_NOTE``."""

    def __init__(self) -> None:
        self.sent = ""

    def draft(self, text: str) -> str:
        shown = settled(text)
        if len(shown) <= len(self.sent) or not shown.startswith(self.sent):
            return ""
        delta, self.sent = shown[len(self.sent) :], shown
        return delta

    def final(self, text: str) -> str:
        delta = text[len(self.sent) :] if text.startswith(self.sent) else f"\n\n{REVISED_NOTE}\n\n{text}"
        self.sent += delta
        return delta


@lru_cache(maxsize=1)
def _encoding() -> Any:
    try:
        import tiktoken

        ensure_tiktoken_offline()
        return tiktoken.get_encoding("cl100k_base")
    except Exception as e:  # usage is informative: 0s rather than a failed answer
        log.warning("no cl100k encoding, usage will be 0: %s", e)
        return None


def count_tokens(text: str) -> int:
    enc = _encoding()
    return len(enc.encode(text, disallowed_special=())) if enc is not None and text else 0


def usage(messages: Sequence[Message], content: str) -> dict[str, int]:
    prompt = sum(count_tokens(message_text(m.content)) for m in messages)
    completion = count_tokens(content)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def completion_body(cid: str, created: int, ans: Answer, messages: Sequence[Message]) -> dict[str, Any]:
    content = content_of(ans)
    return {
        "id": cid, "object": "chat.completion", "created": created, "model": MODEL_ID,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "logprobs": None,
                     "finish_reason": "stop"}],
        "usage": usage(messages, content),
        **extras(ans),
    }


def chunk_body(cid: str, created: int, delta: dict[str, Any], finish: str | None = None,
               **extra: Any) -> dict[str, Any]:
    return {
        "id": cid, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        **extra,
    }


def sse(obj: dict[str, Any]) -> str:
    return f"data: {json.dumps(obj, ensure_ascii=False)}\n\n"


class ChunkWriter:
    """The server-sent events of one answer, fed the pipeline's ``(text so far, None)… (final, Answer)``
    items: the role first, the content in pieces, then a chunk with ``finish_reason`` "stop" and the extra
    fields, usage if asked for. Joined, the content pieces are the non-streaming content (unless the checked
    answer revised the draft, see ``Deltas``)."""

    def __init__(self, cid: str, created: int, messages: Sequence[Message], include_usage: bool = False) -> None:
        self.cid, self.created, self.messages, self.include_usage = cid, created, messages, include_usage
        self.deltas = Deltas()
        self.finished = False

    def _chunk(self, delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        return sse(chunk_body(self.cid, self.created, delta, finish, **extra))

    def start(self) -> list[str]:
        return [self._chunk({"role": "assistant", "content": ""})]

    def feed(self, text: str, ans: Answer | None) -> list[str]:
        if ans is None:
            delta = self.deltas.draft(text)
            return [self._chunk({"content": delta})] if delta else []
        out = [self._chunk({"content": p}) for p in pieces(self.deltas.final(text))]
        trailer = sources_text(ans.citations)
        if trailer:
            out.append(self._chunk({"content": trailer}))
        out.append(self._chunk({}, "stop", **extras(ans)))
        if self.include_usage:
            out.append(sse({"id": self.cid, "object": "chat.completion.chunk", "created": self.created,
                            "model": MODEL_ID, "choices": [],
                            "usage": usage(self.messages, self.deltas.sent + trailer)}))
        self.finished = True
        return out


DONE = "data: [DONE]\n\n"


def stream_events(writer: ChunkWriter, items: Iterable[tuple[str, Answer | None]]) -> Iterator[str]:
    """Every event of an answer whose items are at hand (the HTTP edge pulls them one by one instead)."""
    yield from writer.start()
    for text, ans in items:
        yield from writer.feed(text, ans)
        if writer.finished:
            break
    yield DONE


# --- HTTP ---------------------------------------------------------------------------------------------


def error_response(status: int, message: str, type_: str, code: str | None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": type_, "param": None, "code": code}},
                        status_code=status, headers=headers)


def error_from(e: BaseException, public: Callable[[BaseException], str]) -> JSONResponse:
    """A typed error as OpenAI clients expect it; paths never leave the server (``public``)."""
    if isinstance(e, BusyError):
        return error_response(503, public(e), "server_error", "busy", {"Retry-After": RETRY_AFTER})
    if isinstance(e, (StoreError, ConfigError)):
        log.warning("%s: %s", type(e).__name__, e)  # the full message (with any path) stays in the log
        return error_response(503, public(e), "server_error", "service_unavailable", {"Retry-After": RETRY_AFTER})
    if isinstance(e, RagError):
        return error_response(400, public(e), "invalid_request_error", "invalid_request")
    log.error("internal error", exc_info=e)
    return error_response(500, "internal error", "server_error", "internal_error")


def api_keys(setting: str) -> tuple[str, ...]:
    return tuple(k.strip() for k in setting.split(",") if k.strip())


def authorized(header: str | None, keys: Sequence[str]) -> bool:
    """``Authorization: Bearer <key>`` with one of ``keys`` (compared in constant time); anything when none."""
    if not keys:
        return True
    scheme, _, token = (header or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return False
    given = token.strip().encode()
    return any([hmac.compare_digest(given, k.encode()) for k in keys])  # a list: every key compared


def _unauthorized() -> JSONResponse:
    return error_response(401, "invalid or missing API key: send Authorization: Bearer <key>",
                          "invalid_request_error", "invalid_api_key")


def _rate_limited() -> JSONResponse:
    return error_response(429, "too many requests: try again in a minute", "rate_limit_error",
                          "rate_limit_exceeded")


def model_card(created: int) -> dict[str, Any]:
    return {"id": MODEL_ID, "object": "model", "created": created, "owned_by": MODEL_ID}


def mount_openai(app: FastAPI, pipe: Pipeline, *, limiter: Limiter, threads: anyio.CapacityLimiter,
                 address: Callable[[Any], str], public: Callable[[BaseException], str]) -> None:
    """Add ``/v1/chat/completions`` and ``/v1/models`` to ``app`` (built by ``rag.api.create_app``), spending
    from its rate ``limiter`` and answer ``threads``; ``address`` and ``public`` are the API's client address
    and error-message functions."""
    # A staff token (rag.access) is an API key too: OpenAI clients send only Authorization, so a staff client
    # puts its staff token there (or an API key there and the staff token in X-Staff-Token).
    keys = api_keys(pipe.settings.api_keys)
    if keys:
        keys = (*keys, *token_list(pipe.settings.staff_tokens))
    max_chars = pipe.settings.max_question_chars
    started = int(time.time())

    def guard(request: Request, spend: bool) -> JSONResponse | None:
        """A refusal, or None. ``spend``: the request counts against the address's budget whatever the key
        (a question); otherwise only a failed key does (so keys cannot be guessed at the free endpoint)."""
        ok = authorized(request.headers.get("authorization"), keys)
        if (spend or not ok) and not limiter.allow(address(request)):
            return _rate_limited()
        return None if ok else _unauthorized()

    @app.get("/v1/models")
    async def models(request: Request) -> JSONResponse:
        return guard(request, spend=False) or JSONResponse({"object": "list", "data": [model_card(started)]})

    @app.get("/v1/models/{model}")
    async def model(request: Request, model: str) -> JSONResponse:
        if (refused := guard(request, spend=False)) is not None:
            return refused
        if model != MODEL_ID:
            return _no_model(model)
        return JSONResponse(model_card(started))

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request) -> Any:
        t0 = time.monotonic()
        if (refused := guard(request, spend=True)) is not None:
            return refused
        raw = await request.body()
        if len(raw) > MAX_BODY_BYTES:
            return error_response(413, f"the request body is too large: more than {MAX_BODY_BYTES} bytes",
                                  "invalid_request_error", "request_too_large")
        try:
            body = CompletionRequest.model_validate(json.loads(raw or b"null"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            return error_response(400, "the request body must be JSON", "invalid_request_error", "invalid_json")
        except ValidationError as e:
            fields = ", ".join(".".join(str(p) for p in err["loc"]) or "body" for err in e.errors())
            return error_response(400, f"invalid request: {fields}", "invalid_request_error", "invalid_request")
        if body.model != MODEL_ID:
            return _no_model(body.model)
        try:
            question, history = conversation(body.messages)
            filters = Filters.from_dict(body.filters)
        except QueryError as e:
            return error_from(e, public)
        if not question:
            return error_response(400, "the question is empty", "invalid_request_error", "empty_question")
        if len(question) > max_chars:
            return error_response(413, f"the question is too long: {len(question)} characters > {max_chars}",
                                  "invalid_request_error", "question_too_long")
        gate = pipe.chat.gate
        if gate is not None and gate.waiting >= gate.max_waiting:  # full line: say so now, spend no thread
            return error_from(BusyError(
                f"busy: {gate.waiting} questions are waiting for the model; try again in a minute"), public)
        if gate is None and (waiting := threads.statistics().tasks_waiting) >= pipe.settings.queue_max_size:
            # the extractive line is bounded as /api/ask's is (the same threads, the same limit)
            return error_from(BusyError(f"busy: {waiting} questions are waiting; try again in a minute"), public)
        cid, created = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())
        blocked = pipe.blocklist.blocked_answer(question)  # the public word list: a fixed reply, no retrieval
        who = audience_from_headers(request.headers, pipe.settings.staff_tokens)

        def record(ans: Answer) -> str | None:  # the question log (rag.logbook); never raises
            return pipe.logbook.record_answer(log_channel("openai", who), question, ans,
                                              (time.monotonic() - t0) * 1000, blocked=blocked is not None)

        if not body.stream:
            try:
                ans = blocked if blocked is not None else await anyio.to_thread.run_sync(
                    lambda: pipe.chat.ask(question, history, filters, who), limiter=threads)
            except Exception as e:
                return error_from(e, public)
            out = completion_body(cid, created, ans, body.messages)
            out["answer_id"] = await anyio.to_thread.run_sync(lambda: record(ans))
            return JSONResponse(out)
        include_usage = bool((body.stream_options or {}).get("include_usage"))
        writer = ChunkWriter(cid, created, body.messages, include_usage)
        items = (iter([(blocked.text, blocked)]) if blocked is not None
                 else pipe.chat.stream(question, history, filters, who))
        return await _stream(_logged(items, record), writer, threads, public)


def _no_model(name: str) -> JSONResponse:
    return error_response(404, f"the model {name!r} does not exist: the only model is {MODEL_ID!r}",
                          "invalid_request_error", "model_not_found")


async def _stream(items: Iterator[tuple[str, Answer | None]], writer: ChunkWriter,
                  threads: anyio.CapacityLimiter, public: Callable[[BaseException], str]) -> Any:
    """The pipeline's items pulled one at a time in a worker thread (each pull holds one of the answer
    ``threads``), sent as server-sent events. The first item is pulled before the response starts, so a
    busy line or a store failure is still an HTTP error; a later failure is an ``error`` event. A client
    that goes away closes the pipeline's generator (which frees its model slot)."""
    done = object()

    def pull() -> Any:
        return next(items, done)

    try:
        first = await anyio.to_thread.run_sync(pull, limiter=threads)
    except Exception as e:
        _close(items)
        return error_from(e, public)

    async def body() -> AsyncIterator[str]:
        try:
            for event in writer.start():
                yield event
            item = first
            while item is not done:
                for event in writer.feed(*item):
                    yield event
                if writer.finished:
                    break
                item = await anyio.to_thread.run_sync(pull, limiter=threads)
            yield DONE
        except Exception as e:
            log.warning("stream failed after it started: %s: %s", type(e).__name__, e)
            yield sse(json.loads(bytes(error_from(e, public).body)))
            yield DONE
        finally:
            # Each pull is awaited to its end (a cancelled await waits for its thread), so the generator is
            # suspended here, and closing it runs its finally blocks (the generation gate's release).
            _close(items)

    return StreamingResponse(body(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


def _logged(items: Iterator[tuple[str, Answer | None]], record: Callable[[Answer], Any]
            ) -> Iterator[tuple[str, Answer | None]]:
    """The pipeline's items, the final answer recorded in the question log as it goes out (the writer stops
    pulling once it has it)."""
    try:
        for text, ans in items:
            if ans is not None:
                record(ans)
            yield text, ans
    finally:
        _close(items)


def _close(items: Iterator[Any]) -> None:
    close = getattr(items, "close", None)
    if close is not None:
        close()
