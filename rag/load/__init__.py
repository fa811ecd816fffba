"""Loader stage: one input file → ``SourceDoc`` (raw extracted text, not yet cleaned).

Every way a file can be bad (missing, unreadable, too big, wrong format, corrupt, binary, undecodable,
empty, zip bomb, too many pages, scanned PDF with OCR off, too many pages to OCR) ends as
``LoadError(file=<name>, reason=...)`` so an ingest can report the file and go on. Reasons name only the
file, never its full path: they are shown to users.

Text extraction only. Whitespace normalisation and the like belong to ``clean``; the one exception is page
furniture (running headers, page numbers: ``furniture``), which needs the page boundaries only a reader sees.
Scanned pages and images are OCR'd (``ocr``) when given ``OcrOptions``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import LoadError
from ..records import SourceDoc, sha256_hex
from .files import describe, exists, is_dir, read_bytes, scrub, walk
from .html import load_html
from .image import load_image
from .ocr import OcrOptions
from .ofd import load_ofd
from .office import load_docx_or_legacy, load_office
from .pdf import load_pdf
from .text import decode_text

IMAGES = {".png", ".jpg", ".jpeg", ".tif", ".tiff"}  # OCR'd (rag.load.ocr)
SUPPORTED = {".txt", ".md", ".docx", ".pdf", ".html", ".htm"}
SUPPORTED |= {".doc", ".wps", ".rtf", ".odt", ".ofd"}  # .doc/.wps/.rtf/.odt through LibreOffice (office.py)
SUPPORTED |= IMAGES

_FMT = {".txt": "txt", ".md": "md", ".docx": "docx", ".pdf": "pdf", ".html": "html", ".htm": "html"}
_FMT |= {".doc": "doc", ".wps": "wps", ".rtf": "rtf", ".odt": "odt", ".ofd": "ofd"}
_FMT |= dict.fromkeys(IMAGES, "image")


# --------------------------------------------------------------------------------------------------------
# public API


def load_file(
    path: Path,
    *,
    max_file_mb: float = 20,
    max_pages: int = 500,
    max_uncompressed_mb: float = 200,
    convert_timeout_s: float = 60,
    ocr: OcrOptions | None = None,
) -> SourceDoc:
    """Read one file and extract its text. Raises ``LoadError`` (and nothing else) for a bad file.
    ``ocr`` None: no OCR (a scanned PDF or an image is an error)."""
    path = Path(path)
    name = path.name
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        what = f"'{suffix}'" if suffix else "(no extension)"
        raise LoadError(name, f"unsupported file type {what} (supported: {', '.join(sorted(SUPPORTED))})")

    raw = read_bytes(path, max_file_mb)
    if not raw:
        raise LoadError(name, "empty file")

    fmt = _FMT[suffix]
    encoding: str | None = None
    warnings: list[str] = []
    try:
        if fmt in ("txt", "md"):
            text, encoding = decode_text(raw)
        elif fmt == "html":
            text, encoding = load_html(raw)
        elif fmt == "docx":
            text = load_docx_or_legacy(raw, max_uncompressed_mb, convert_timeout_s)
        elif fmt in ("doc", "wps", "rtf", "odt"):
            text = load_office(raw, suffix, max_uncompressed_mb, convert_timeout_s)
        elif fmt == "ofd":
            text = load_ofd(raw, max_pages, max_uncompressed_mb)
        elif fmt == "image":
            text, warnings = load_image(raw, ocr)
        else:
            text, warnings = load_pdf(raw, max_pages, ocr)
    except LoadError as e:
        # Helpers raise with an empty file name; fill it in and scrub any path that slipped into the reason.
        raise LoadError(name, scrub(e.reason, path)) from None
    except RecursionError:
        raise LoadError(name, "document structure nested too deeply") from None
    except Exception as e:
        # The helpers wrap what they expect; this is the contract's backstop for what they did not.
        reason = f"cannot extract text: {type(e).__name__}: {describe(e)}"
        raise LoadError(name, scrub(reason, path)) from None

    if not text:
        raise LoadError(name, "empty file")
    if not text.strip():
        raise LoadError(name, "no text (whitespace only)")

    return SourceDoc(
        source=name,
        key=path.resolve().as_posix(),
        text=text,
        file_hash=sha256_hex(raw),
        fmt=fmt,
        encoding=encoding,
        warnings=tuple(warnings),
    )


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Expand directories recursively, in sorted (deterministic) order, skipping hidden entries (names
    starting with "."). Files of every suffix are yielded so that ``load_file`` reports the unsupported
    ones instead of them vanishing silently. A path given explicitly is yielded even if hidden.

    Raises ``LoadError`` for an explicitly given path that does not exist, or a directory that cannot be
    listed."""
    for p in paths:
        p = Path(p)
        if is_dir(p):
            yield from walk(p, set())
        elif exists(p):
            yield p
        else:
            raise LoadError(p.name or str(p), "no such file or directory")
