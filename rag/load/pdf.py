"""PDF, page by page: the text layer (pypdf); tables as whole-row lines (pdfplumber, rag.load.tables); pages
without a text layer OCR'd (pypdfium2 renders them, rag.load.ocr reads them); page furniture removed and
pages joined (rag.load.furniture)."""

from __future__ import annotations

import io
import logging
import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..errors import LoadError
from .files import describe as _describe
from .files import fail as _fail
from .furniture import join_pages
from .ocr import DISABLED, MAX_PIXELS, OcrOptions, check_page_count, ocr_pages, page_warnings
from .tables import format_row

if TYPE_CHECKING:
    from PIL import Image

log = logging.getLogger(__name__)

# A page with fewer non-space characters than this in its text layer is a scan (at most a stamp or a page
# number was typed onto it): it is OCR'd.
_MIN_TEXT_CHARS = 10


def load_pdf(raw: bytes, max_pages: int, ocr: OcrOptions | None = None) -> tuple[str, list[str]]:
    """(text, warnings) of a PDF."""
    # The header may follow a little junk (some generators prepend a BOM or HTTP residue); readers allow
    # it within the first 1 KB.
    if b"%PDF-" not in raw[:1024]:
        raise _fail("not a valid PDF (no %PDF header)")
    # pypdf in non-strict mode rebuilds a cut-off file from what is left and returns part of the document
    # without complaint. A truncated download must be reported, not half-ingested.
    if b"%%EOF" not in raw.rstrip(b"\x00 \t\r\n\f")[-2048:]:
        raise _fail("corrupt PDF: truncated (no %%EOF marker at the end)")
    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(raw), strict=False)
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")  # many PDFs are "encrypted" only to restrict printing/copying
            except Exception as e:
                raise _fail(f"encrypted PDF, cannot decrypt: {_describe(e)}") from None
            if not ok:
                raise _fail("encrypted PDF (password required)")
        n = len(reader.pages)
    except LoadError:
        raise
    except RecursionError:
        raise
    except Exception as e:
        raise _fail(f"corrupt PDF: {_describe(e)}") from None

    if n > max_pages:
        raise _fail(f"PDF has {n} pages > limit {max_pages} (RAG_MAX_PAGES)")
    if n == 0:
        raise _fail("corrupt PDF: no pages")

    pages: list[str] = []
    for i in range(n):
        try:
            pages.append(reader.pages[i].extract_text() or "")
        except RecursionError:
            raise
        except Exception as e:
            # Fail the whole file: a document silently missing a page would give wrong answers.
            raise _fail(f"corrupt PDF: page {i + 1}: {_describe(e)}") from None

    scanned = [i for i, t in enumerate(pages) if len("".join(t.split())) < _MIN_TEXT_CHARS]
    warnings: list[str] = []
    with_text = [i for i in range(n) if i not in set(scanned)]
    for i, text in _pages_with_tables(raw, with_text):
        pages[i] = text
    if scanned:
        if ocr is None or not ocr.enabled:
            if len(scanned) == n or not "".join(pages).strip():
                raise _fail(f"PDF has no text layer (scanned?); {DISABLED}")
            warnings.append(f"{_numbers(scanned)} no text layer, left out; {DISABLED}")
        else:
            check_page_count(len(scanned), ocr)
            done = list(ocr_pages(_render(raw, scanned, ocr.dpi), len(scanned), ocr))
            for number, page in done:
                pages[number - 1] = page.text
            warnings += page_warnings(done, ocr.min_confidence)
    text = join_pages(pages)
    if not text.strip():
        raise _fail("PDF has no text (OCR found none)" if scanned else "PDF has no text")
    return text, warnings


def _numbers(indices: list[int]) -> str:
    """page 2 has / pages 2, 5 have (at most ten named)."""
    shown = ", ".join(str(i + 1) for i in indices[:10])
    if len(indices) > 10:
        shown += f" … ({len(indices)} pages)"
    return f"page {shown} has" if len(indices) == 1 else f"pages {shown} have"


# --------------------------------------------------------------------------------------------------------
# rendering for OCR (pypdfium2: a PyPI wheel with PDFium inside, no external program)


def _render(raw: bytes, indices: list[int], dpi: int) -> Iterator[tuple[int, Image.Image]]:
    """The pages at ``indices`` as images, one at a time (the caller OCRs and closes each)."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(raw)
    except Exception as e:
        raise _fail(f"corrupt PDF: cannot render for OCR: {_describe(e)}") from None
    try:
        for i in indices:
            try:
                page = pdf[i]
                w, h = page.get_size()  # points
                scale = dpi / 72
                if w * h * scale * scale > MAX_PIXELS:  # a poster-sized page: lower the resolution to fit
                    scale = math.sqrt(MAX_PIXELS / (w * h))
                image = page.render(scale=scale).to_pil()
                page.close()
            except Exception as e:
                raise _fail(f"corrupt PDF: page {i + 1}: cannot render for OCR: {_describe(e)}") from None
            yield i + 1, image
    finally:
        pdf.close()


# --------------------------------------------------------------------------------------------------------
# tables (pdfplumber)


def _pages_with_tables(raw: bytes, indices: list[int]) -> Iterator[tuple[int, str]]:
    """(page index, text) for the pages among ``indices`` that hold a ruled table: the page's text with
    each table's rows written as whole-row lines (tables.format_row) in place of their flattened cells.
    Table detection is an improvement, never a reason to fail a file: on any error the text layer stays."""
    if not indices:
        return
    try:
        import pdfplumber

        with pdfplumber.open(io.BytesIO(raw), password="") as pdf:
            for i in indices:
                page = pdf.pages[i]
                text = _with_tables(page)
                page.close()
                if text is not None:
                    yield i, text
    except LoadError:
        raise
    except Exception as e:  # pdfminer on an odd file: keep the text layer pypdf read
        log.warning("PDF table detection failed, text layer kept: %s", _describe(e))


def _inside(obj: dict[str, Any], bbox: tuple[float, float, float, float]) -> bool:
    x = (obj["x0"] + obj["x1"]) / 2
    y = (obj["top"] + obj["bottom"]) / 2
    return bbox[0] <= x <= bbox[2] and bbox[1] <= y <= bbox[3]


def _table_lines(rows: list[list[str | None]]) -> list[str]:
    rows = [r for r in rows if any(c and c.strip() for c in r)]
    if len(rows) < 2:
        return [format_row([], r) for r in rows]
    header = rows[0]
    return [line for r in rows[1:] if (line := format_row(header, r))]


def _with_tables(page: Any) -> str | None:
    """The page's lines outside its tables and each table's rows, in reading order (by their top)."""
    tables = page.find_tables()
    if not tables:
        return None
    boxes = [t.bbox for t in tables]
    rest = page.filter(lambda o: "x0" not in o or not any(_inside(o, b) for b in boxes))
    blocks: list[tuple[float, list[str]]] = [
        (line["top"], [line["text"]]) for line in rest.extract_text_lines() if line["text"].strip()
    ]
    blocks += [(t.bbox[1], _table_lines(t.extract())) for t in tables]
    blocks.sort(key=lambda b: b[0])
    return "\n".join(x for _, lines in blocks for x in lines)
