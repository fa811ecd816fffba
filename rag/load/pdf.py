"""PDF with a text layer (pypdf), page by page."""

from __future__ import annotations

import io

from ..errors import LoadError
from .files import describe as _describe
from .files import fail as _fail


def load_pdf(raw: bytes, max_pages: int) -> str:
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
    text = "\n\n".join(pages)
    if not text.strip():
        raise _fail("PDF has no text layer (scanned?); OCR is not enabled")
    return text
