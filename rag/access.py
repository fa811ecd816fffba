"""Who may see what: public and internal documents.

Every document is ``public`` or ``internal``. Internal documents (内部 / 不予公开: drafts, internal replies) are
seen only by staff: requests carrying one of ``RAG_STAFF_TOKENS`` as ``Authorization: Bearer <token>`` (or
``X-Staff-Token``), or a UI session signed in with one. Every listing, search and lookup takes an
``Audience`` and applies it *inside* the query (a Chroma ``where``, the keyword index's mask), never by
dropping results afterwards.

The document's visibility is stored as the metadata key ``visibility`` on its chunks and its doc record; a
record without the key is public.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

VISIBILITY_KEY = "visibility"
PUBLIC: Literal["public"] = "public"
INTERNAL: Literal["internal"] = "internal"
Visibility = Literal["public", "internal"]


@dataclass(frozen=True)
class Audience:
    """Who is asking. ``staff`` sees internal documents too; the default sees public ones only."""

    staff: bool = False

    def sees(self, meta: Mapping[str, Any] | None) -> bool:
        return self.staff or visibility_of(meta) == PUBLIC

    def where(self) -> dict[str, Any] | None:
        """The Chroma ``where`` clause that keeps what this audience may see (None: everything)."""
        return None if self.staff else {VISIBILITY_KEY: {"$ne": INTERNAL}}


PUBLIC_AUDIENCE = Audience(staff=False)
STAFF_AUDIENCE = Audience(staff=True)


def visibility_of(meta: Mapping[str, Any] | None) -> Visibility:
    return INTERNAL if meta and meta.get(VISIBILITY_KEY) == INTERNAL else PUBLIC


def token_list(raw: str) -> list[str]:
    return [t.strip() for t in raw.split(",") if t.strip()]


def is_staff_token(given: str | None, tokens: str) -> bool:
    """``given`` is one of the comma-separated ``tokens`` (constant-time per token; none configured = no)."""
    if not given:
        return False
    g = given.strip().encode()
    return any([hmac.compare_digest(g, t.encode()) for t in token_list(tokens)])  # a list: all compared


def audience_from_headers(headers: Mapping[str, str], tokens: str) -> Audience:
    """``Authorization: Bearer <staff token>`` or ``X-Staff-Token: <token>`` → staff; anything else public."""
    auth = headers.get("authorization") or ""
    given = auth[7:] if auth[:7].lower() == "bearer " else headers.get("x-staff-token")
    return STAFF_AUDIENCE if is_staff_token(given, tokens) else PUBLIC_AUDIENCE
