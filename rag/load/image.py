"""Image files (.png .jpg .jpeg .tif .tiff, multi-page TIFF): OCR page by page (rag.load.ocr)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .files import describe as _describe
from .files import fail as _fail
from .furniture import join_pages
from .ocr import DISABLED, MAX_PIXELS, OcrOptions, check_page_count, ocr_pages, page_warnings

if TYPE_CHECKING:
    from PIL import Image


def load_image(raw: bytes, opts: OcrOptions | None) -> tuple[str, list[str]]:
    """(text, warnings) of an image file; every frame of a TIFF is a page."""
    if opts is None or not opts.enabled:
        raise _fail(f"an image has no text layer; {DISABLED}")
    from PIL import Image, UnidentifiedImageError

    try:
        img = Image.open(io.BytesIO(raw))
        n = getattr(img, "n_frames", 1)
        w, h = img.size
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as e:
        raise _fail(f"not a readable image: {_describe(e)}") from None
    if w * h > MAX_PIXELS:
        raise _fail(f"image too large: {w}x{h} pixels > {MAX_PIXELS:,} (one page is OCR'd at a time)")
    check_page_count(n, opts)

    def frames() -> Iterator[tuple[int, Image.Image]]:
        for i in range(n):
            try:
                img.seek(i)
                if img.size[0] * img.size[1] > MAX_PIXELS:
                    raise _fail(f"page {i + 1}: image too large: {img.size[0]}x{img.size[1]} pixels")
                frame = img.convert("RGB")  # a copy: the next seek does not change it
            except (OSError, ValueError, EOFError) as e:
                raise _fail(f"corrupt image: page {i + 1}: {_describe(e)}") from None
            yield i + 1, frame

    done = list(ocr_pages(frames(), n, opts))
    img.close()
    text = join_pages([p.text for _, p in done])
    warnings = page_warnings(done, opts.min_confidence)
    if not text.strip():
        raise _fail("OCR found no text in the image")
    return text, warnings
