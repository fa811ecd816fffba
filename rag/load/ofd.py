"""OFD (GB/T 33190, the Chinese fixed-layout format of e-government documents): the text layer, page by
page in reading order, read by ``ofdkit`` (pure Python: OFD.xml → Document.xml → each page's Content.xml
and its templates, TextObject/TextCode placed by their boundaries, CTMs and X/Y/DeltaX; lines ordered top to
bottom, runs left to right).

An OFD is a zip archive: the same guards as .docx (corrupt zip, declared expansion over
``RAG_MAX_UNCOMPRESSED_MB``), plus the page limit of PDFs. A page that cannot be read fails the file
(ofdkit's ``text()`` would skip it with a warning: a document silently missing a page gives wrong answers).
"""

from __future__ import annotations

import io
import zipfile

from ..errors import LoadError
from .files import describe as _describe
from .files import fail as _fail
from .files import zip_members


def load_ofd(raw: bytes, max_pages: int, max_uncompressed_mb: float) -> str:
    buf = io.BytesIO(raw)
    if not zipfile.is_zipfile(buf):
        raise _fail("not a valid .ofd (not a zip archive)")
    infos = zip_members(raw, ".ofd", max_uncompressed_mb)
    if not any(i.filename.lstrip("/").lower() == "ofd.xml" for i in infos):
        raise _fail("not a valid .ofd (no OFD.xml in the archive)")

    try:
        import ofdkit
    except ImportError:
        raise _fail("reading .ofd needs the ofdkit package (pip install ofdkit)") from None

    try:
        with ofdkit.open(raw) as doc:
            n = len(doc.pages)
            if n > max_pages:
                raise _fail(f"OFD has {n} pages > limit {max_pages} (RAG_MAX_PAGES)")
            if n == 0:
                raise _fail("corrupt OFD: no pages")
            pages: list[str] = []
            for page in doc.pages:
                if page.location is None:
                    raise _fail(f"corrupt OFD: page {page.index + 1}: content not found")
                try:
                    pages.append(page.text())
                except ofdkit.OFDError as e:
                    raise _fail(f"corrupt OFD: page {page.index + 1}: {_describe(e)}") from None
    except LoadError:
        raise
    except RecursionError:
        raise
    except ofdkit.OFDLimitError as e:
        raise _fail(f"OFD over a safety limit: {_describe(e)}") from None
    except Exception as e:  # ofdkit's format errors, zipfile/zlib errors of a damaged member
        raise _fail(f"corrupt OFD: {_describe(e)}") from None
    text = "\n\n".join(pages)
    if not text.strip():
        raise _fail("OFD has no text layer (scanned?)")
    return text
