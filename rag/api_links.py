"""HTTP edges of the links between documents (rag.links) and of similar past replies (rag.similar):
``GET /api/documents/{doc_id}/links`` → ``{"cites", "cited_by", "same_proposal"}`` (404 for an unknown
document or one the caller may not see) and ``POST /api/similar`` ``{"text": "<proposal>", "limit": 5, "outline": false}`` →
the most similar reply letters and policies, each with why (and with ``outline: true``, in generative mode
only, a draft outline of a reply letter citing passages). Both apply the caller's audience
(rag.access: staff tokens see internal documents)."""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from .access import audience_from_headers
from .api import RateLimiter, read_json
from .pipeline import Pipeline
from .similar import draft_outline, find_similar

MAX_TEXT = 20_000  # characters of pasted proposal text


def similar_fields(body: Any) -> tuple[str, int, bool] | str:
    """(text, limit, outline) from a /api/similar body, or the message naming the bad field."""
    if not isinstance(body, dict):
        return "the request body must be a JSON object"
    text, limit = body.get("text"), body.get("limit", 5)
    if not isinstance(text, str) or not text.strip():
        return "text: required, the proposal's text"
    if len(text) > MAX_TEXT:
        return f"text: at most {MAX_TEXT} characters, got {len(text)}"
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 20:
        return f"limit: 1–20, got {limit!r}"
    outline = body.get("outline", False)
    if not isinstance(outline, bool):
        return f"outline: true or false, got {outline!r}"
    unknown = sorted(set(body) - {"text", "limit", "outline"})
    if unknown:
        return f"{unknown[0]}: unknown field"
    return text.strip(), limit, outline


def add_routes(app: FastAPI, pipe: Pipeline, limiter: RateLimiter) -> None:
    tokens = pipe.settings.staff_tokens

    @app.get("/api/documents/{doc_id}/links")
    async def document_links(doc_id: str, request: Request) -> JSONResponse:
        audience = audience_from_headers(request.headers, tokens)
        got = await anyio.to_thread.run_sync(lambda: pipe.links.links(doc_id, audience))
        if got is None:
            return JSONResponse({"detail": "no such document"}, status_code=404)
        return JSONResponse({"doc_id": doc_id, **got})

    @app.post("/api/similar")
    async def similar(request: Request) -> JSONResponse:
        body, refused = await read_json(
            request, limiter, 4 * MAX_TEXT + 1000, "the proposal text is too large"
        )
        if refused is not None:
            return refused
        fields = similar_fields(body)
        if isinstance(fields, str):
            return JSONResponse({"detail": fields}, status_code=400)
        text, limit, outline = fields
        chat = pipe.chat
        if outline and (chat.generative is None or chat.gate is None):
            return JSONResponse(
                {"detail": "outline: needs a model (RAG_LLM=local or openai)"}, status_code=400
            )
        audience = audience_from_headers(request.headers, tokens)

        def run() -> dict[str, Any]:
            res = find_similar(text, pipe.lexical, pipe.links, pipe.store, limit=limit, audience=audience)
            if outline:
                assert chat.generative is not None and chat.gate is not None
                with chat.gate.hold():  # the model's queue, shared with /api/ask (BusyError → 503)
                    res["outline"] = draft_outline(
                        text, res["keywords"], pipe.retriever, chat.generative, audience=audience
                    )
            return res

        return JSONResponse(await anyio.to_thread.run_sync(run, limiter=app.state.ask_threads))
