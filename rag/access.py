"""Who may see what: public and internal documents.

Every document is ``public`` or ``internal``. Internal documents (内部 / 不予公开: drafts, internal replies) are
seen only by staff: requests carrying one of ``RAG_STAFF_TOKENS`` as ``Authorization: Bearer <token>`` (or
``X-Staff-Token``), or a UI session signed in with one. Every listing, search and lookup takes an
``Audience`` and applies it *inside* the query (a Chroma ``where``, the keyword index's mask), never by
dropping results afterwards.

The document's visibility is stored as the metadata key ``visibility`` on its chunks and its doc record; a
record without the key is public. It is decided at ingest from where the file lies (``path_visibility``): a
folder named ``internal`` or ``内部`` anywhere below the ingested root, or a match of ``RAG_INTERNAL_GLOBS``.
"""

from __future__ import annotations

import fnmatch
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, Literal

VISIBILITY_KEY = "visibility"
PUBLIC: Literal["public"] = "public"
INTERNAL: Literal["internal"] = "internal"
Visibility = Literal["public", "internal"]
# Folder names that make everything below them internal (compared case-insensitively).
INTERNAL_FOLDERS = frozenset({"internal", "内部"})


@dataclass(frozen=True)
class Audience:
    """Who is asking. ``staff`` sees internal documents too; the default sees public ones only."""

    staff: bool = False

    def sees(self, meta: Mapping[str, Any] | Any | None) -> bool:
        """``meta``: a metadata mapping (a Chroma row) or a record with a ``visibility`` attribute (DocMeta)."""
        return self.staff or visibility_of(meta) == PUBLIC

    def where(self) -> dict[str, Any] | None:
        """The Chroma ``where`` clause that keeps what this audience may see (None: everything)."""
        return None if self.staff else {VISIBILITY_KEY: {"$ne": INTERNAL}}


PUBLIC_AUDIENCE = Audience(staff=False)
STAFF_AUDIENCE = Audience(staff=True)


def visibility_of(meta: Mapping[str, Any] | Any | None) -> Visibility:
    if meta is None:
        return PUBLIC
    v = meta.get(VISIBILITY_KEY) if isinstance(meta, Mapping) else getattr(meta, VISIBILITY_KEY, None)
    return INTERNAL if v == INTERNAL else PUBLIC


def path_visibility(rel: PurePath, globs: str = "") -> Visibility:
    """The visibility of a file at ``rel``, its path relative to the ingested root: internal when one of its
    folders is named ``internal``/``内部`` or the path matches one of the comma-separated ``globs``
    (fnmatch, ``*`` also crosses ``/``: ``drafts/*``, ``*不予公开*``)."""
    if any(part.lower() in INTERNAL_FOLDERS for part in rel.parts[:-1]):
        return INTERNAL
    posix = rel.as_posix()
    return INTERNAL if any(fnmatch.fnmatchcase(posix, g) for g in token_list(globs)) else PUBLIC


def token_list(raw: str) -> list[str]:
    return [t.strip() for t in raw.split(",") if t.strip()]


def is_staff_token(given: str | None, tokens: str) -> bool:
    """``given`` is one of the comma-separated ``tokens`` (constant-time per token; none configured = no)."""
    if not given:
        return False
    g = given.strip().encode()
    return any([hmac.compare_digest(g, t.encode()) for t in token_list(tokens)])  # a list: all compared


def audience_of_token(given: str | None, tokens: str) -> Audience:
    """The audience of a UI session from the staff token it signed in with (checked on every request: a token
    removed from RAG_STAFF_TOKENS signs its sessions out)."""
    return STAFF_AUDIENCE if is_staff_token(given, tokens) else PUBLIC_AUDIENCE


def audience_from_headers(headers: Mapping[str, str], tokens: str) -> Audience:
    """``Authorization: Bearer <staff token>`` or ``X-Staff-Token: <token>`` → staff; anything else public.
    Either header may hold it: on ``/v1`` the Authorization header carries the API key, the staff token then
    goes in X-Staff-Token."""
    auth = headers.get("authorization") or ""
    bearer = auth[7:] if auth[:7].lower() == "bearer " else None
    staff = is_staff_token(bearer, tokens) or is_staff_token(headers.get("x-staff-token"), tokens)
    return STAFF_AUDIENCE if staff else PUBLIC_AUDIENCE


def log_channel(channel: str, audience: Audience) -> str:
    """The question log's channel for an answer (rag.logbook): ``api-staff`` for a staff request, whose
    answer may quote internal documents (the log is read only through the admin report)."""
    return f"{channel}-staff" if audience.staff else channel
