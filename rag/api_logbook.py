"""HTTP edges of the question log (rag.logbook): ``POST /api/feedback`` (👍/👎 on an answer id, rate-limited
with ``/api/ask``) and ``GET /api/admin/report`` (the knowledge-gap report, ``Authorization: Bearer
<RAG_ADMIN_TOKEN>``; ``?section=gaps|downvotes|top|uncited``, ``&format=csv``)."""

from __future__ import annotations

import hmac
from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from .api import RateLimiter, document_summary, read_json
from .errors import QueryError
from .logbook import MAX_COMMENT, SECTIONS, report_csv
from .pipeline import Pipeline


def admin_denied(request: Request, token: str) -> JSONResponse | None:
    """None when the request carries ``Authorization: Bearer <token>``; else 401 (no or malformed
    credentials) or 403 (a wrong token, or admin disabled because no token is set). Constant-time compare."""
    if not token:
        return JSONResponse({"detail": "admin is disabled: RAG_ADMIN_TOKEN is not set"}, status_code=403)
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return JSONResponse({"detail": "admin token required: Authorization: Bearer <RAG_ADMIN_TOKEN>"},
                            status_code=401, headers={"WWW-Authenticate": "Bearer"})
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        return JSONResponse({"detail": "wrong admin token"}, status_code=403)
    return None


def feedback_fields(body: Any) -> tuple[str, str, str | None] | str:
    """(answer_id, rating, comment) from a feedback body, or the message naming the bad field."""
    if not isinstance(body, dict):
        return "the request body must be a JSON object"
    answer_id, rating, comment = body.get("answer_id"), body.get("rating"), body.get("comment")
    if not isinstance(answer_id, str) or not answer_id.strip():
        return "answer_id: required, the answer_id string /api/ask returned"
    if rating not in ("up", "down"):
        return f'rating: must be "up" or "down", got {rating!r}'
    if comment is not None and not isinstance(comment, str):
        return "comment: must be a string"
    if comment is not None and len(comment.strip()) > MAX_COMMENT:
        return f"comment: at most {MAX_COMMENT} characters, got {len(comment.strip())}"
    unknown = sorted(set(body) - {"answer_id", "rating", "comment"})
    if unknown:
        return f"{unknown[0]}: unknown field"
    return answer_id.strip(), rating, comment


def add_routes(app: FastAPI, pipe: Pipeline, limiter: RateLimiter) -> None:
    book = pipe.logbook

    @app.post("/api/feedback")
    async def feedback(request: Request) -> JSONResponse:
        body, refused = await read_json(request, limiter, 10_000)
        if refused is not None:
            return refused
        fields = feedback_fields(body)
        if isinstance(fields, str):
            return JSONResponse({"detail": fields}, status_code=400)
        answer_id, rating, comment = fields
        if not book.enabled:
            return JSONResponse({"detail": "answer_id: no such answer (feedback is off: RAG_LOG_DAYS=0)"},
                                status_code=404)
        try:
            found = await anyio.to_thread.run_sync(lambda: book.record_feedback(answer_id, rating, comment))
        except QueryError as e:
            return JSONResponse({"detail": str(e)}, status_code=400)
        if not found:
            return JSONResponse({"detail": "answer_id: no such answer (unknown, or older than the log keeps)"},
                                status_code=404)
        return JSONResponse({"ok": True, "answer_id": answer_id, "rating": rating})

    @app.get("/api/admin/report")
    async def report(request: Request, section: str | None = None, format: str = "json") -> Response:
        denied = admin_denied(request, pipe.settings.admin_token)
        if denied is not None:
            return denied
        if section is not None and section not in SECTIONS:
            return JSONResponse({"detail": f"section: one of {', '.join(SECTIONS)}, got {section!r}"},
                                status_code=400)
        if format not in ("json", "csv"):
            return JSONResponse({"detail": f"format: json or csv, got {format!r}"}, status_code=400)
        if format == "csv" and section is None:
            return JSONResponse({"detail": f"section: required with format=csv ({', '.join(SECTIONS)})"},
                                status_code=400)
        docs = [document_summary(r) for r in pipe.store.manifest().values()]
        rep = await anyio.to_thread.run_sync(lambda: book.report(docs))
        if format == "csv":
            assert section is not None
            return Response(report_csv(rep, section), media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": f'attachment; filename="policy-qa-{section}.csv"'})
        if section is not None:
            rep = {k: v for k, v in rep.items() if k not in SECTIONS or k == section}
        return JSONResponse(rep)
