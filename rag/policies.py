"""The policies of the store as data: every document's validity on the as-of day and its support measures.

Read once from the manifest (no passage is touched) and again whenever the store's fingerprint moves. A
document the corpus repeals (another one says 同时废止《its title》 or names its 文号 there) is ``repealed``
whatever its own text says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from .access import PUBLIC_AUDIENCE, Audience
from .derived import Derived
from .measures import Measure
from .records import DocMeta
from .store import DocRecord
from .validity import Validity, validity_of

_PUNCT = re.compile(r"[\s《》“”\"'（）()〔〕\[\]【】]")


class PolicyStore(Protocol):
    """What the book reads (``ChromaStore``; a fake in unit tests)."""

    def manifest(self) -> dict[str, DocRecord]: ...

    def doc_measures(self) -> dict[str, list[dict[str, Any]]]: ...

    def fingerprint(self) -> str: ...


@dataclass
class PolicyDoc:
    doc_id: str
    source: str
    meta: DocMeta
    validity: Validity
    measures: list[Measure] = field(default_factory=list)
    repealed_by: str | None = None  # title (or file) of the document that repeals it

    @property
    def title(self) -> str:
        return self.meta.title or self.meta.lead or self.source

    def status(self, as_of: date) -> str:
        return self.validity.status(as_of, self.repealed_by is not None)

    def validity_dict(self, as_of: date) -> dict[str, Any]:
        return self.validity.to_dict(as_of, self.repealed_by)


def _norm(title: str) -> str:
    return _PUNCT.sub("", title)


def link_repeals(docs: dict[str, PolicyDoc]) -> None:
    """Mark the documents that another document of the corpus repeals (by title, or by a 文号 in it). An
    internal document repeals only internal ones: a public document's status (and the 被《…》废止 note that
    names the repealer) must not depend on, or show, a document the public cannot see."""
    by_title = {_norm(d.meta.title): d for d in docs.values() if d.meta.title}
    by_number = {_norm(d.meta.doc_number): d for d in docs.values() if d.meta.doc_number}
    for d in docs.values():
        for t in d.validity.repeals:
            target = by_title.get(_norm(t)) or by_number.get(_norm(t))
            if target is None or target is d or (PUBLIC_AUDIENCE.sees(target.meta) and not PUBLIC_AUDIENCE.sees(d.meta)):
                continue
            target.repealed_by = d.title


class PolicyBook:
    """Validity and measures of every document, kept in step with the store."""

    def __init__(self, store: PolicyStore, as_of: date, check_every: float = 5.0) -> None:
        self.store = store
        self.as_of = as_of
        # one answer asks the book several times (ranking, marks, the table): rag.derived reads the store's
        # fingerprint at most every ``check_every`` seconds, and at once after ``refresh``
        self._derived: Derived[dict[str, PolicyDoc]] = Derived(store.fingerprint, self._load, {}, check_every)

    def docs(self) -> dict[str, PolicyDoc]:
        return self._derived.get()

    def refresh(self) -> None:
        """Check the store again on the next read (the store was just changed by this process)."""
        self._derived.refresh()

    def _load(self) -> dict[str, PolicyDoc]:
        measures = self.store.doc_measures()
        docs = {
            did: PolicyDoc(did, rec.source, rec.meta, validity_of(rec.meta),
                           [Measure.from_dict(m) for m in measures.get(did, [])])
            for did, rec in self.store.manifest().items()
        }
        link_repeals(docs)
        return docs

    def visible(self, audience: Audience) -> dict[str, PolicyDoc]:
        """The documents ``audience`` may see (rag.access): what matching and listings read."""
        docs = self.docs()
        return docs if audience.staff else {i: d for i, d in docs.items() if audience.sees(d.meta)}

    def get(self, doc_id: str) -> PolicyDoc | None:
        return self.docs().get(doc_id)

    def status(self, doc_id: str) -> str:
        d = self.get(doc_id)
        return d.status(self.as_of) if d is not None else "unknown"

    def not_current(self) -> set[str]:
        """Documents that are expired or repealed on the as-of day (what "只看现行有效" leaves out, with the
        unknown ones: see ``current``)."""
        return {i for i, d in self.docs().items() if d.status(self.as_of) in ("expired", "repealed")}

    def current(self) -> set[str]:
        return {i for i, d in self.docs().items() if d.status(self.as_of) == "current"}
