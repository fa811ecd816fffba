"""The vector store: ChromaDB, embedded (PersistentClient under the data dir) or a `chroma run` server
(HttpClient) when ``RAG_CHROMA_URL`` is set. Chroma never embeds anything itself here: every vector comes
from our embedder, so its default embedding function (which downloads a model) is never used.

Two collections:
- ``<name>`` holds the chunks: vector, passage, flattened metadata.
- ``<name>_docs`` is the manifest, one record per document, written LAST when a document is ingested: its
  file hash, chunk count, metadata and the whole cleaned text (for the document viewer). A chunk whose
  document has no manifest record (or another file hash) belongs to an interrupted ingest: readers ignore
  it and the next ingest deletes it. So a document is either wholly present or absent.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar
from urllib.parse import urlparse

import numpy as np

from .access import Visibility, visibility_of
from .errors import IngestLockedError, RagError, StoreError
from .records import Chunk, DocMeta

_META_FIELDS = tuple(DocMeta().to_dict().keys())
# A record in the manifest collection whose value changes on every write: readers (the keyword index of
# this or another process) compare it to tell whether the store changed, at the cost of one get by id.
STAMP_ID = "__stamp__"
LEASE_ID = "__ingest__"
LEASE_TTL = 300.0  # seconds; renewed while the ingest runs
_PAGE = 2000  # rows per get() page: Chroma caps a request's size


@dataclass
class DocRecord:
    doc_id: str
    key: str
    source: str
    file_hash: str
    n_chunks: int
    meta: DocMeta
    measures: list[dict[str, Any]] | None = None  # written with the record (JSON); manifest() leaves it out
    version: str = ""  # rag.ingest.PREPARE_VERSION of the ingest that wrote it ("" before versions existed)
    links: list[dict[str, Any]] | None = None  # the documents it cites (rag.links), JSON like measures
    reply: dict[str, Any] | None = None  # a reply letter's fields (rag.replies, JSON); manifest() leaves it out


def _flat(chunk: Chunk, file_hash: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Chroma metadata must be flat scalars; None values are left out (read back as None)."""
    m: dict[str, Any] = {
        "doc_id": chunk.doc_id,
        "source": chunk.source,
        "file_hash": file_hash,
        "section": chunk.section,
        "start": chunk.start,
        "end": chunk.end,
        "tokens": chunk.tokens,
        "ordinal": chunk.ordinal,
    }
    m.update(_flat_meta(chunk.meta))
    if extra:
        m.update({k: v for k, v in extra.items() if v is not None})
    return m


def _flat_meta(meta: DocMeta) -> dict[str, Any]:
    m = {k: v for k, v in meta.to_dict().items() if v is not None}
    if meta.date:
        m["year"] = int(meta.date[:4])  # for year-range filters ($gte/$lte need a number)
    return m


_P = ParamSpec("_P")
_T = TypeVar("_T")


def _guarded(fn: Callable[_P, _T]) -> Callable[_P, _T]:
    """A store method whose Chroma failures (server gone, connection reset, a server-side error) surface as
    ``StoreError``: the API answers 503 with Retry-After and the chat says the service is unavailable,
    instead of an internal error. The store reconnects on its next use, so it recovers by itself once the
    server is back."""

    @functools.wraps(fn)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        try:
            return fn(*args, **kwargs)
        except RagError:
            raise
        except Exception as e:
            store = args[0]
            assert isinstance(store, ChromaStore)
            raise store.failed(e) from e

    return wrapper


def chunk_from_row(cid: str, text: str, m: dict[str, Any]) -> Chunk:
    return Chunk(
        id=cid,
        doc_id=str(m["doc_id"]),
        source=str(m["source"]),
        text=text,
        section=str(m.get("section", "")),
        start=int(m.get("start", 0)),
        end=int(m.get("end", 0)),
        tokens=int(m.get("tokens", 0)),
        ordinal=int(m.get("ordinal", 0)),
        meta=DocMeta.from_dict({k: m.get(k) for k in _META_FIELDS if k in m}),
    )


class ChromaStore:
    def __init__(self, *, path: str | None = None, url: str = "", collection: str = "policy_qa") -> None:
        self.path = path
        self.url = url
        self.collection_name = collection
        self._client: Any = None
        self._chunks: Any = None
        self._docs: Any = None

    # connection ---------------------------------------------------------------------------------------
    def _connect(self) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        cs = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        try:
            if self.url:
                u = urlparse(self.url)
                self._client = chromadb.HttpClient(
                    host=u.hostname or "localhost", port=u.port or 8000, ssl=u.scheme == "https", settings=cs
                )
                self._client.heartbeat()
            else:
                self._client = chromadb.PersistentClient(path=self.path or "./data/chroma", settings=cs)
            space = {"hnsw": {"space": "cosine"}}
            self._chunks = self._client.get_or_create_collection(
                self.collection_name, embedding_function=None, configuration=space
            )
            self._docs = self._client.get_or_create_collection(
                self.collection_name + "_docs", embedding_function=None
            )
        except Exception as e:  # connection refused, bad path, incompatible server
            where = self.url or self.path
            raise StoreError(f"cannot open Chroma store at {where}: {e}") from e

    @property
    def chunks(self) -> Any:
        if self._chunks is None:
            self._connect()
        return self._chunks

    @property
    def docs(self) -> Any:
        if self._docs is None:
            self._connect()
        return self._docs

    def failed(self, e: Exception) -> StoreError:
        """The error a failed Chroma call becomes. A server store drops its client, so the next call connects
        afresh (a server restarted on a new path has new collection ids)."""
        if self.url:
            self._client = self._chunks = self._docs = None
        return StoreError(f"Chroma store at {self.url or self.path} failed: {type(e).__name__}: {e}")

    # writes -------------------------------------------------------------------------------------------
    @_guarded
    def add_chunks(
        self, chunks: Sequence[Chunk], vectors: np.ndarray, file_hash: str | Sequence[str],
        extra: Sequence[dict[str, Any] | None] | None = None,
    ) -> None:
        """Upsert passages with their vectors; ``file_hash`` is one for all or one per passage; ``extra`` is more
        flat metadata per passage (its measures' kinds: filterable)."""
        if len(chunks) != len(vectors):
            raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors")
        hashes = [file_hash] * len(chunks) if isinstance(file_hash, str) else list(file_hash)
        extras = list(extra) if extra is not None else [None] * len(chunks)
        for i in range(0, len(chunks), _PAGE):
            part = chunks[i : i + _PAGE]
            self.chunks.upsert(
                ids=[c.id for c in part],
                embeddings=vectors[i : i + _PAGE],
                documents=[c.text for c in part],
                metadatas=[
                    _flat(c, h, x)
                    for c, h, x in zip(part, hashes[i : i + _PAGE], extras[i : i + _PAGE], strict=True)
                ],
            )

    @_guarded
    def delete_doc(self, doc_id: str) -> int:
        """Remove a document: its manifest record first (so readers stop seeing it), then its chunks."""
        self.docs.delete(ids=[doc_id])
        ids = self.chunks.get(where={"doc_id": doc_id}, include=[])["ids"]
        if ids:
            self.chunks.delete(ids=ids)
        self._bump()
        return len(ids)

    @_guarded
    def _bump(self) -> None:
        stamp = uuid.uuid4().hex
        self.docs.upsert(ids=[STAMP_ID], embeddings=[[1.0]], documents=[""], metadatas=[{"stamp": stamp}])

    @_guarded
    def put_docs(self, docs: Sequence[tuple[DocRecord, str]]) -> None:
        """Write manifest records (one call for many documents), then move the stamp."""
        if not docs:
            return
        metas: list[dict[str, Any]] = []
        for rec, _ in docs:
            meta: dict[str, Any] = {
                "key": rec.key, "source": rec.source, "file_hash": rec.file_hash, "n_chunks": rec.n_chunks,
                "prep_version": rec.version,
            }
            meta.update(_flat_meta(rec.meta))
            if rec.measures:
                meta["measures"] = json.dumps(rec.measures, ensure_ascii=False)
            if rec.links:
                meta["links"] = json.dumps(rec.links, ensure_ascii=False)
            if rec.reply:
                meta["reply"] = json.dumps(rec.reply, ensure_ascii=False)
            metas.append(meta)
        # The manifest needs no similarity search; a constant 1-d vector keeps Chroma from embedding.
        self.docs.upsert(
            ids=[rec.doc_id for rec, _ in docs], embeddings=[[1.0]] * len(docs),
            documents=[text for _, text in docs], metadatas=metas,
        )
        self._bump()

    @_guarded
    def delete_chunk_ids(self, ids: Sequence[str]) -> None:
        for i in range(0, len(ids), _PAGE):
            self.chunks.delete(ids=list(ids[i : i + _PAGE]))
        if ids:
            self._bump()

    # reads --------------------------------------------------------------------------------------------
    @_guarded
    def manifest(self) -> dict[str, DocRecord]:
        out: dict[str, DocRecord] = {}
        for did, _, m in self.doc_rows(include=["metadatas"]):
            out[did] = DocRecord(
                doc_id=did,
                key=str(m["key"]),
                source=str(m["source"]),
                file_hash=str(m["file_hash"]),
                n_chunks=int(m["n_chunks"]),
                meta=DocMeta.from_dict({k: m.get(k) for k in _META_FIELDS if k in m}),
                version=str(m.get("prep_version", "")),
            )
        return out

    @_guarded
    def doc_measures(self) -> dict[str, list[dict[str, Any]]]:
        """The support measures of every document that has any (rag.measures), by doc id."""
        out: dict[str, list[dict[str, Any]]] = {}
        for did, _, m in self.doc_rows(include=["metadatas"]):
            raw = m.get("measures")
            if raw:
                try:
                    out[did] = list(json.loads(str(raw)))
                except ValueError:
                    continue  # a record written by a broken process: its measures are re-read on re-ingest
        return out

    @_guarded
    def doc_links(self) -> dict[str, tuple[list[dict[str, Any]], Visibility]]:
        """Every document's references (rag.links; [] when it has none) and its visibility, by doc id."""
        out: dict[str, tuple[list[dict[str, Any]], Visibility]] = {}
        for did, _, m in self.doc_rows(include=["metadatas"]):
            refs: Any = []
            with contextlib.suppress(ValueError):  # a broken record: its links are re-read on re-ingest
                refs = json.loads(str(m.get("links") or "[]"))
            out[did] = ([r for r in refs if isinstance(r, dict)] if isinstance(refs, list) else [], visibility_of(m))
        return out

    @_guarded
    def doc_replies(self) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
        """The reply-letter fields (rag.replies) of every reply letter, by doc id, with the record's flat
        metadata (its ``visibility`` says who may see it: rag.access)."""
        out: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
        for did, _, m in self.doc_rows(include=["metadatas"]):
            raw = m.get("reply")
            if raw:
                try:
                    out[did] = (dict(json.loads(str(raw))), m)
                except ValueError:
                    continue  # a record written by a broken process: re-read on re-ingest
        return out

    @_guarded
    def doc_text(self, doc_id: str) -> str | None:
        if doc_id == STAMP_ID:
            return None
        got = self.docs.get(ids=[doc_id], include=["documents"])
        return got["documents"][0] if got["ids"] else None

    @_guarded
    def doc_texts(self, doc_ids: Sequence[str]) -> dict[str, str]:
        """Whole cleaned texts of several documents in one get (missing ones left out)."""
        ids = [d for d in dict.fromkeys(doc_ids) if d != STAMP_ID]
        if not ids:
            return {}
        got = self.docs.get(ids=ids, include=["documents"])
        return {i: t for i, t in zip(got["ids"], got["documents"], strict=True) if t is not None}

    def chunk_rows(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """Every chunk (id, passage, metadata), in pages; the keyword index is built from this."""
        yield from self._iter(lambda: self.chunks, include=["documents", "metadatas"])

    def doc_rows(self, include: list[str] | None = None) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """Every manifest record (doc id, whole cleaned text, metadata), in pages."""
        for row in self._iter(lambda: self.docs, include=include or ["documents", "metadatas"]):
            if row[0] != STAMP_ID:
                yield row

    @_guarded
    def get_chunks(self, ids: Sequence[str]) -> list[Chunk]:
        if not ids:
            return []
        got = self.chunks.get(ids=list(ids), include=["documents", "metadatas"])
        by_id = {
            i: chunk_from_row(i, d, m)
            for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=False)
        }
        return [by_id[i] for i in ids if i in by_id]

    @_guarded
    def query_ids(self, vector: np.ndarray, k: int, where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        """The ``k`` nearest passages as (chunk id, cosine similarity), ids only: half the cost of a query that
        also returns texts and metadata; the caller fetches the rows it needs in one ``get_chunks``. No
        count() first to cap ``k``: Chroma returns the fewer rows there are (none from an empty collection),
        and counting costs as much as the query itself at 100k passages."""
        res = self.chunks.query(query_embeddings=[vector], n_results=k, where=where or None, include=["distances"])
        return [(cid, 1.0 - float(d)) for cid, d in zip(res["ids"][0], res["distances"][0], strict=False)]

    @_guarded
    def count(self) -> int:
        return int(self.chunks.count())

    @_guarded
    def fingerprint(self) -> str:
        """Changes whenever a document is added, replaced or removed: tells whether a keyword index built
        earlier, or by another process, still matches the store. The stamp (STAMP_ID) moves after every
        write; the manifest's size is part of it too, because a process killed between a manifest write and
        the stamp's move leaves the stamp where an existing index has already seen it (found by
        tests/test_faults.py: new documents then stayed out of the keyword index for good, a removed one's
        passages stayed in it). One get by id and one count, the stamp read first."""
        got = self.docs.get(ids=[STAMP_ID], include=["metadatas"])
        stamp = str(got["metadatas"][0]["stamp"]) if got["ids"] else "empty"
        return f"{stamp}:{self.docs.count()}"

    def _iter(self, coll: Callable[[], Any], include: list[str]) -> Iterator[tuple[str, str, dict[str, Any]]]:
        offset = 0
        while True:
            try:  # only the store's own calls: an error in the caller's loop body is not the store's
                got = coll().get(limit=_PAGE, offset=offset, include=include)
            except RagError:
                raise
            except Exception as e:
                raise self.failed(e) from e
            ids = got["ids"]
            if not ids:
                return
            docs = got.get("documents") or [""] * len(ids)
            metas = got.get("metadatas") or [{}] * len(ids)
            yield from zip(ids, docs, metas, strict=True)
            offset += len(ids)

    # one ingest per store ------------------------------------------------------------------------------
    @contextlib.contextmanager
    def ingest_lease(self, ttl: float = LEASE_TTL) -> Iterator[Callable[[], None]]:
        """Only one ingest at a time per server store, whichever host runs it (the data dir's file lock
        only covers one machine). The lease is a record in a collection of its own: Chroma ignores an add
        whose id exists, so of two ingests racing to add it the first wins and the other reads back a
        stranger's name and is refused. The holder renews it as it goes (the yielded callable); a holder
        that died leaves a lease that expires after ``ttl`` seconds, or at once when it was a process on
        this host that no longer exists. Embedded stores need none of this: the file lock is exact there,
        and a lease left by a ``kill -9`` must not hold up the rerun."""
        if not self.url:
            yield lambda: None
            return
        me = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        coll = self._take_lease(me, ttl)
        renewed = time.monotonic()

        def renew() -> None:
            nonlocal renewed
            if time.monotonic() - renewed < ttl / 10:
                return
            renewed = time.monotonic()
            self._renew_lease(coll, me, ttl)

        try:
            yield renew
        finally:
            with contextlib.suppress(Exception):  # the server went away: the lease expires by itself
                coll.delete(ids=[LEASE_ID], where={"owner": me})

    @staticmethod
    def _lease_holder(coll: Any) -> dict[str, Any] | None:
        got = coll.get(ids=[LEASE_ID], include=["metadatas"])
        return dict(got["metadatas"][0]) if got["ids"] else None

    @_guarded
    def _take_lease(self, me: str, ttl: float) -> Any:
        """The lease collection, with the lease taken by ``me`` (IngestLockedError when someone alive holds it)."""
        if self._client is None:
            self._connect()
        coll = self._client.get_or_create_collection(self.collection_name + "_lock", embedding_function=None)
        current = self._lease_holder(coll)
        if current is not None and _lease_dead(current):
            # Conditional delete: only the dead holder's record, never a lease someone just took over.
            coll.delete(ids=[LEASE_ID], where={"owner": current["owner"]})
        coll.add(ids=[LEASE_ID], embeddings=[[1.0]], metadatas=[{"owner": me, "expires": time.time() + ttl}])
        current = self._lease_holder(coll)
        if current is None or current.get("owner") != me:
            who = current.get("owner", "?") if current else "?"
            raise IngestLockedError(f"another ingest is running on this store ({who}); try again when it has finished")
        return coll

    @_guarded
    def _renew_lease(self, coll: Any, me: str, ttl: float) -> None:
        if (h := self._lease_holder(coll)) is not None and h.get("owner") == me:
            coll.update(ids=[LEASE_ID], metadatas=[{"owner": me, "expires": time.time() + ttl}])

    def drop(self) -> None:
        """Delete the store's collections (passages, manifest, ingest lease): for a temporary store (an
        evaluation) on a shared server."""
        if self._client is None:
            self._connect()
        for name in (self.collection_name, self.collection_name + "_docs", self.collection_name + "_lock"):
            with contextlib.suppress(Exception):  # already gone
                self._client.delete_collection(name)
        self._client = self._chunks = self._docs = None


def _lease_dead(m: dict[str, Any]) -> bool:
    """An ingest lease whose holder is gone: expired, or held by a process of this host that has exited."""
    if float(m.get("expires", 0)) < time.time():
        return True
    host, _, rest = str(m.get("owner", "")).partition(":")
    pid = rest.split(":", 1)[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, another user's
    return False


def make_store(settings: Any) -> ChromaStore:
    return ChromaStore(path=str(settings.chroma_dir), url=settings.chroma_url, collection=settings.collection)
