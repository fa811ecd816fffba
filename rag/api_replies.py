"""HTTP edge of the register of past replies (rag.registry): ``GET /api/replies`` — the reply letters this
caller may see (staff tokens see internal ones: rag.access), newest first, filtered by the query parameters
``year``, ``session``, ``kind``, ``proposer``, ``replying_body``, ``words``; ``format=csv`` for a CSV file."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from .access import audience_from_headers
from .errors import QueryError
from .pipeline import Pipeline
from .registry import ReplyFilters, to_csv

FILTER_PARAMS = ("year", "session", "kind", "proposer", "replying_body", "words")


def add_routes(app: FastAPI, pipe: Pipeline) -> None:
    @app.get("/api/replies")
    async def replies(request: Request, format: str = "json") -> Response:
        if format not in ("json", "csv"):
            return JSONResponse({"detail": f"format: json or csv, got {format!r}"}, status_code=400)
        unknown = sorted(set(request.query_params) - {*FILTER_PARAMS, "format"})
        if unknown:
            return JSONResponse(
                {"detail": f"{unknown[0]}: unknown parameter (one of {', '.join(FILTER_PARAMS)})"},
                status_code=400,
            )
        try:
            filters = ReplyFilters.from_dict(dict(request.query_params))
        except QueryError as e:
            return JSONResponse({"detail": str(e)}, status_code=400)
        audience = audience_from_headers(request.headers, pipe.settings.staff_tokens)
        entries = pipe.registry.select(filters, audience)
        if format == "csv":
            return Response(
                to_csv(entries),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": 'attachment; filename="policy-qa-replies.csv"'},
            )
        return JSONResponse([e.to_api() for e in entries])
