"""Incremental, crash-safe ingest: files → load → clean → metadata → chunk → embed → store.

- Per-file content hash: an unchanged file is skipped without embedding; a changed one has its chunks
  replaced; a file gone from an ingested folder has its chunks removed.
- Order of writes per document: manifest record out, old chunks out, new chunks in, manifest record in.
  Killed anywhere in between, the document is invisible to readers (no manifest record) and the next
  ingest repairs it: stray chunks are deleted and the file, not being in the manifest, is ingested again.
- One broken file never stops an ingest: it is reported by name with its reason.
- Only one ingest at a time per data dir (an advisory lock, released by the OS if the process dies).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .access import path_visibility
from .chunk import chunk_document
from .clean import clean_text
from .embed import BaseEmbedder
from .errors import IngestLockedError, LoadError
from .links import Reference, extract_references
from .load import iter_files, load_file
from .load.files import read_bytes
from .load.ocr import OcrOptions, PageProgress
from .measures import Measure, extract_measures
from .metadata import extract_metadata
from .records import Chunk, SourceDoc, doc_id_for, sha256_hex
from .regions import region_of
from .replies import Reply, read_reply
from .settings import Settings
from .store import ChromaStore, DocRecord
from .validity import read_validity

Progress = Callable[[int, int, str], None]  # (done, total, file name)

# Documents are embedded in groups of about this many chunks, one encode call per group: sentence-transformers
# sorts a call's texts by length before batching, so the bigger the group the less its batches pad. On the
# real corpus (3,836 chunks) the model sees 9.5% more tokens than the texts hold with groups of 256, 3.1%
# with 2048, 2.5% with one call over everything. A crash loses at most the work of the groups not yet
# written (their files are ingested again on the next run); memory stays bounded for any corpus size.
_EMBED_GROUP = 2048
# How documents are read: bumped when prepare() reads them differently (new metadata, measures, validity), so
# that documents ingested by an older version are read again on the next ingest although their files are
# unchanged. "2": support measures, validity and region (issue 10). "3": references to other documents (rag.links)
# and visibility (public/internal, issue 11) on every passage and doc record. "4": PDFs without their page
# furniture, with their tables as rows and their scanned pages OCR'd (issue 13); reply letters (rag.replies).
PREPARE_VERSION = "4"


@dataclass
class IngestReport:
    files: int = 0
    skipped_unchanged: int = 0
    docs_added: int = 0
    docs_replaced: int = 0
    docs_removed: int = 0
    chunks_added: int = 0
    chunks_removed: int = 0
    repaired: int = 0  # stray chunks of an interrupted ingest that were cleaned up
    errors: list[dict[str, str]] = field(default_factory=list)
    # Files that loaded with a caveat (OCR pages of low confidence, pages without text left out)
    warnings: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "skipped_unchanged": self.skipped_unchanged,
            "chunks_added": self.chunks_added,
            "chunks_removed": self.chunks_removed,
            "errors": self.errors,
            "warnings": self.warnings,
        }

    @property
    def changed(self) -> bool:
        return bool(self.docs_added or self.docs_replaced or self.docs_removed or self.repaired)


@dataclass
class Prepared:
    doc: SourceDoc
    text: str
    chunks: list[Chunk]
    measures: list[Measure] = field(default_factory=list)
    links: list[Reference] = field(default_factory=list)
    reply: Reply | None = None  # a reply letter's register fields (rag.replies)

    def chunk_extras(self) -> list[dict[str, Any] | None]:
        """Per passage: how many measures start in it and their kinds (flat, for filters)."""
        out: list[dict[str, Any] | None] = []
        for c in self.chunks:
            kinds = sorted({m.kind for m in self.measures if c.start <= m.start < c.end})
            out.append({"n_measures": sum(c.start <= m.start < c.end for m in self.measures),
                        "measure_kinds": ",".join(kinds)} if kinds else None)
        return out


@contextlib.contextmanager
def ingest_lock(data_dir: Path) -> Iterator[None]:
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(data_dir / ".ingest.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IngestLockedError(
                f"another ingest is running on {data_dir.name!r}; try again when it has finished"
            ) from None
        yield
    finally:
        os.close(fd)  # closing releases the lock; so does the death of the process


def delete_document(
    doc_id: str, *, settings: Settings, store: ChromaStore, on_change: Callable[[], None] | None = None,
) -> tuple[DocRecord, int] | None:
    """Remove one document from the store (the admin tab's delete) under the same lock and server lease as
    an ingest, so it never interleaves with one (an ingest working from a manifest read before the delete
    would write the document back, or count it twice). Its file is deleted too when it lies in the corpus
    folder, or the next ingest would bring it back. (record, passages removed); None when it is not in
    the store. IngestLockedError while an ingest runs, here or on any host sharing the server store."""
    with ingest_lock(settings.data_dir), store.ingest_lease():
        rec = store.manifest().get(doc_id)
        if rec is None:
            return None
        path = Path(rec.key)
        if settings.corpus_dir.resolve() in path.parents and path.is_file():
            path.unlink()
        n = store.delete_doc(doc_id)
        if on_change:
            on_change()
    return rec, n


def load(path: Path, settings: Settings, on_page: PageProgress | None = None) -> SourceDoc:
    """Load one file with the limits the settings give (size, pages, zip expansion, OCR); ``on_page``
    hears of each OCR'd page."""
    return load_file(
        path,
        max_file_mb=settings.max_file_mb,
        max_pages=settings.max_pages,
        max_uncompressed_mb=settings.max_uncompressed_mb,
        convert_timeout_s=settings.convert_timeout_s,
        ocr=OcrOptions(settings.ocr, settings.ocr_max_pages, settings.ocr_dpi, settings.ocr_min_confidence,
                       on_page) if settings.ocr else None,
    )


def prepare(doc: SourceDoc, settings: Settings, visibility: str = "public") -> Prepared:
    """Clean, read metadata and chunk one loaded document (pure: no model, no store). ``visibility`` (from
    where the file lies: ``visibility_for``) goes into its metadata, so every passage carries it."""
    text = clean_text(doc.text)
    if not text:
        raise LoadError(doc.source, "no text left after cleaning")
    meta = extract_metadata(text)
    meta.visibility = visibility
    meta.lead = lead(text)
    region = region_of(meta.issuer, meta.print_office, meta.title, meta.lead, addressee=meta.addressee or text[:80])
    meta.region = region.name if region is not None else None
    v = read_validity(text, meta.date or meta.print_date)
    meta.valid_from, meta.valid_to, meta.validity_evidence = v.valid_from, v.valid_to, v.evidence
    meta.open_end = v.open_end or None
    meta.repeals = "\n".join(v.repeals) or None
    chunks = chunk_document(
        doc, text, meta, max_tokens=settings.chunk_tokens, overlap=settings.chunk_overlap,
        min_tokens=settings.chunk_min_tokens,
    )
    if not chunks:
        raise LoadError(doc.source, "no passages could be cut from the text")
    measures = extract_measures(text, chunks, region, meta.date or meta.print_date)
    return Prepared(doc, text, chunks, measures, extract_references(text, meta), reply=read_reply(text, meta))


_LEAD_END = re.compile(r"[。！？；]")


def lead(text: str, limit: int = 40) -> str | None:
    """The document's opening words: its first line up to the first sentence end, at most ``limit`` chars."""
    first = text.strip().split("\n", 1)[0]
    m = _LEAD_END.search(first)
    out = (first[: m.start()] if m else first)[:limit].strip()
    return out or None


def repair(store: ChromaStore, manifest: dict[str, DocRecord]) -> int:
    """Delete chunks that belong to no complete document (left by an interrupted ingest)."""
    expected = sum(r.n_chunks for r in manifest.values())
    if store.count() == expected:
        return 0  # the common case costs one count
    stray = [
        cid
        for cid, _, m in store.chunk_rows()
        if (rec := manifest.get(str(m.get("doc_id")))) is None or rec.file_hash != m.get("file_hash")
    ]
    store.delete_chunk_ids(stray)
    return len(stray)


def visibility_for(path: Path, root: Path, settings: Settings) -> str:
    """Public or internal, from the file's place below ``root`` (the folder the ingest was given; for a file
    named by itself, the corpus folder when it lies in it, else the file's grandparent, so that its own
    folder still counts): rag.access.path_visibility."""
    path = path.resolve()
    if not root.is_dir():
        corpus = settings.corpus_dir.resolve()
        root = corpus if corpus in path.parents else path.parent.parent
    try:
        rel = path.relative_to(root.resolve())
    except ValueError:
        rel = Path(path.parent.name) / path.name
    return path_visibility(rel, settings.internal_globs)


def _page_progress(progress: Progress | None, done: int, total: int, name: str) -> PageProgress | None:
    """Per OCR'd page, the ingest's progress callback hears the file name with the page count."""
    if progress is None:
        return None
    return lambda page, pages: progress(done, total, f"{name} (OCR {page}/{pages})")


def _under(key: str, roots: list[Path]) -> bool:
    p = Path(key)
    return any(p == r or r in p.parents for r in roots)


def ingest(
    paths: Iterable[Path],
    *,
    settings: Settings,
    store: ChromaStore,
    embedder: BaseEmbedder,
    progress: Progress | None = None,
    on_change: Callable[[], None] | None = None,
) -> IngestReport:
    """Bring the store in line with the given files and folders. ``on_change`` runs after any change (it
    refreshes the keyword index)."""
    paths = [Path(p) for p in paths]
    report = IngestReport()
    with ingest_lock(settings.data_dir), store.ingest_lease() as renew_lease:
        manifest = store.manifest()
        report.repaired = repair(store, manifest)

        files: list[tuple[Path, Path]] = []  # (file, the path it was found under)
        for p in paths:
            try:
                files.extend((f, p) for f in iter_files([p]))
            except LoadError as e:
                report.errors.append({"file": e.file, "error": e.reason})
        report.files = len(files)

        seen: set[str] = set()
        group: list[Prepared] = []
        # Store writes run on one writer thread, in order, while the next group is prepared and encoded
        # (torch and Chroma's native code release the GIL). At most one group is in flight: its errors
        # surface before the next group is handed over, and memory stays bounded.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-write") as writer:
            pending: Future[None] | None = None

            def flush() -> None:
                nonlocal pending, group
                if not group:
                    return
                vectors = embedder.embed_texts([c.embed_text for g in group for c in g.chunks])
                if pending is not None:
                    pending.result()
                pending = writer.submit(_write, group, vectors, store, manifest, report)
                group = []

            for i, (path, root) in enumerate(files):
                doc_id = doc_id_for(path.resolve().as_posix())
                try:
                    if doc_id not in seen:  # the same file named twice (a folder and a file in it): once
                        seen.add(doc_id)
                        rec = manifest.get(doc_id)
                        vis = visibility_for(path, root, settings)
                        # Unchanged files are recognised by their bytes before they are read (an OCR'd scan
                        # takes seconds a page); unchanged bytes but a new visibility (RAG_INTERNAL_GLOBS
                        # changed) are read again.
                        if (rec is not None and rec.version == PREPARE_VERSION and rec.meta.visibility == vis
                                and rec.file_hash == sha256_hex(read_bytes(path, settings.max_file_mb))):
                            report.skipped_unchanged += 1
                        else:
                            on_page = _page_progress(progress, i, len(files), path.name)
                            doc = load(path, settings, on_page)
                            report.warnings += [{"file": doc.source, "warning": w} for w in doc.warnings]
                            group.append(prepare(doc, settings, vis))
                except LoadError as e:
                    # Reported, and its last good version (if any) stays in the store: nothing is lost.
                    report.errors.append({"file": e.file, "error": e.reason})
                if sum(len(g.chunks) for g in group) >= _EMBED_GROUP:
                    flush()
                renew_lease()
                if progress:
                    progress(i + 1, len(files), path.name)
            flush()
            if pending is not None:
                pending.result()

        roots = [p.resolve() for p in paths if p.is_dir()]
        for doc_id, rec in manifest.items():
            if doc_id not in seen and _under(rec.key, roots):
                report.chunks_removed += store.delete_doc(doc_id)
                report.docs_removed += 1

        if on_change and (report.changed or report.chunks_added):
            on_change()
    return report


def _write(
    group: list[Prepared],
    vectors: np.ndarray,
    store: ChromaStore,
    manifest: dict[str, DocRecord],
    report: IngestReport,
) -> None:
    """Store one embedded group (on the writer thread). No document of it is in another group."""
    # Old versions of changed documents out first (manifest record, then passages) …
    for g in group:
        if g.doc.doc_id in manifest:
            report.chunks_removed += store.delete_doc(g.doc.doc_id)
            report.docs_replaced += 1
        else:
            report.docs_added += 1
    # … then all new passages of the group in one write, then their manifest records in one write: a crash
    # in between leaves passages without a record, which readers ignore and the next ingest repairs.
    store.add_chunks(
        [c for g in group for c in g.chunks], vectors, [g.doc.file_hash for g in group for _ in g.chunks],
        [x for g in group for x in g.chunk_extras()],
    )
    records = [
        (DocRecord(g.doc.doc_id, g.doc.key, g.doc.source, g.doc.file_hash, len(g.chunks), g.chunks[0].meta,
                   [m.to_dict() for m in g.measures], PREPARE_VERSION, [r.to_dict() for r in g.links],
                   reply=g.reply.to_dict() if g.reply is not None else None), g.text)
        for g in group
    ]
    store.put_docs(records)
    for rec, _ in records:
        manifest[rec.doc_id] = rec
        report.chunks_added += rec.n_chunks
