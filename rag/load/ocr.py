"""OCR of page images (scanned PDF pages, .png/.jpg/.tif files) with RapidOCR's PP-OCR ONNX models.

The models ship inside the ``rapidocr`` wheel: nothing is downloaded, ever (the engine is pointed at the
wheel's own files and fails rather than fetch). One page image at a time, so memory is one page whatever
the document's length; the page count is bounded by ``OcrOptions.max_pages`` (RAG_OCR_MAX_PAGES).

:func:`layout` turns the engine's text boxes into the text of a page as the later stages expect it: boxes
read top to bottom, boxes of one row left to right and merged, wrapped lines of a paragraph joined, a new
paragraph where a line is indented, follows a larger gap, or follows a line that stopped short of the right
margin (the end of a paragraph, a heading, a 文号). Each page keeps its confidence (the mean score of its
characters); pages under ``min_confidence`` are reported as warnings.
"""

from __future__ import annotations

import itertools
import logging
import statistics
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .files import fail as _fail

if TYPE_CHECKING:
    from PIL import Image

log = logging.getLogger(__name__)

PageProgress = Callable[[int, int], None]  # (page done, pages to OCR)

# One rendered page may not exceed this many pixels (a 5 m poster at 200 dpi would be gigabytes): the
# renderer lowers its resolution to fit, an image file larger than this is rejected.
MAX_PIXELS = 40_000_000


@dataclass(frozen=True)
class OcrOptions:
    """How the loaders OCR (from Settings: RAG_OCR, RAG_OCR_MAX_PAGES, RAG_OCR_DPI, RAG_OCR_MIN_CONFIDENCE)."""

    enabled: bool
    max_pages: int
    dpi: int
    min_confidence: float
    on_page: PageProgress | None = None


@dataclass(frozen=True)
class Box:
    """One text line found by the engine: its axis-aligned box (pixels), text and score."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    score: float

    @property
    def height(self) -> float:
        return self.y1 - self.y0


@dataclass(frozen=True)
class OcrPage:
    text: str
    confidence: float  # mean score over the page's characters; 0.0 when nothing was found
    chars: int


DISABLED = "OCR is disabled (RAG_OCR)"
# A printed page's text spans at least this share of its width (A4 公文: 156 of 210 mm).
_TEXT_WIDTH = 0.7


# --------------------------------------------------------------------------------------------------------
# layout (pure)


def _rows(boxes: Sequence[Box]) -> list[list[Box]]:
    """Boxes grouped into rows (vertical overlap of at least half the smaller height), top to bottom,
    each row left to right."""
    rows: list[list[Box]] = []
    for b in sorted(boxes, key=lambda b: (b.y0 + b.y1) / 2):
        if rows:
            row = rows[-1]
            top, bottom = min(x.y0 for x in row), max(x.y1 for x in row)
            overlap = min(bottom, b.y1) - max(top, b.y0)
            if overlap >= 0.5 * min(b.height, bottom - top):
                row.append(b)
                continue
        rows.append([b])
    return [sorted(r, key=lambda b: b.x0) for r in rows]


def _glue(a: str, b: str, sep: str = "") -> str:
    if a[-1:].isascii() and a[-1:].isalnum() and b[:1].isascii() and b[:1].isalnum():
        return f"{a} {b}"
    return f"{a}{sep}{b}"


def _row_text(row: list[Box]) -> str:
    out = row[0].text.strip()
    for prev, b in itertools.pairwise(row):
        gap = b.x0 - prev.x1
        # Two boxes a character apart or more were two phrases (a title letter-spaced, 签发人 beside 文号).
        out = _glue(out, b.text.strip(), " " if gap > prev.height else "")
    return out


def layout(boxes: Sequence[Box], width: float | None = None) -> str:
    """The page's text, one paragraph (or heading, or 版头 line) per line. ``width``: the image's, so that a
    page of a few short lines (a crop, a cover) is not taken for a narrow column of full lines."""
    boxes = [b for b in boxes if b.text.strip()]
    if not boxes:
        return ""
    rows = _rows(boxes)
    height = statistics.median(b.height for b in boxes)
    left = min(r[0].x0 for r in rows)
    right = max(r[-1].x1 for r in rows)
    if width:
        right = max(right, _TEXT_WIDTH * width)
    # The ordinary gap between two lines of a paragraph: the smaller quarter of the gaps on the page.
    gaps = sorted(max(0.0, rows[i][0].y0 - max(b.y1 for b in rows[i - 1])) for i in range(1, len(rows)))
    line_gap = gaps[len(gaps) // 4] if gaps else 0.0
    paras: list[str] = []
    prev_row: list[Box] | None = None
    for row in rows:
        text = _row_text(row)
        if prev_row is not None and paras:
            gap = row[0].y0 - max(b.y1 for b in prev_row)
            indented = row[0].x0 - left > 0.8 * height
            short = right - prev_row[-1].x1 > 2.5 * height
            wide_gap = gap > min(line_gap + 0.5 * height, 1.2 * height)
            if not (indented or short or wide_gap):
                paras[-1] = _glue(paras[-1], text)
                prev_row = row
                continue
        paras.append(text)
        prev_row = row
    return "\n".join(paras)


def confidence(boxes: Sequence[Box]) -> tuple[float, int]:
    """(mean score per character, characters)."""
    n = sum(len(b.text.strip()) for b in boxes)
    if not n:
        return 0.0, 0
    return sum(b.score * len(b.text.strip()) for b in boxes) / n, n


# --------------------------------------------------------------------------------------------------------
# the engine


@lru_cache(maxsize=1)
def engine() -> Any:
    """The RapidOCR engine (loaded once per process, ~2 s), on the models inside its wheel."""
    try:
        from rapidocr import RapidOCR
    except ImportError as e:  # pragma: no cover - a broken install
        raise _fail(f"OCR needs the rapidocr package: {e}") from None
    logging.getLogger("RapidOCR").setLevel(logging.WARNING)
    # One text line recognised at a time: the default batch of 6 lines took the peak memory of a 200 dpi A4
    # page from 0.7 to 1.2 GB for no measurable speed-up on 2 cores. No line-orientation classifier: it
    # turned upright lines upside down (long lines of repeated wording read as "··", README "OCR").
    return RapidOCR(params={"Global.log_level": "warning", "Rec.rec_batch_num": 1, "Global.use_cls": False})


def boxes_of(result: Any) -> list[Box]:
    if result is None or result.boxes is None or result.txts is None:
        return []
    out = []
    for quad, text, score in zip(result.boxes, result.txts, result.scores, strict=False):
        xs = [float(p[0]) for p in quad]
        ys = [float(p[1]) for p in quad]
        out.append(Box(min(xs), min(ys), max(xs), max(ys), str(text), float(score)))
    return out


def ocr_image(image: Image.Image) -> OcrPage:
    """OCR one page image."""
    import numpy as np

    rgb = np.asarray(image.convert("RGB"))[:, :, ::-1]  # the engine takes OpenCV's BGR order
    boxes = boxes_of(engine()(rgb))
    conf, n = confidence(boxes)
    return OcrPage(layout(boxes, image.width), conf, n)


def ocr_pages(
    images: Iterable[tuple[int, Image.Image]], total: int, opts: OcrOptions
) -> Iterator[tuple[int, OcrPage]]:
    """OCR (page number, image) pairs one by one, logging and reporting progress after each page."""
    for done, (number, image) in enumerate(images, start=1):
        t0 = time.perf_counter()
        page = ocr_image(image)
        image.close()
        log.info(
            "OCR page %d (%d/%d): %d chars, confidence %.3f, %.1f s",
            number,
            done,
            total,
            page.chars,
            page.confidence,
            time.perf_counter() - t0,
        )
        if opts.on_page:
            opts.on_page(done, total)
        yield number, page


def page_warnings(pages: Iterable[tuple[int, OcrPage]], min_confidence: float) -> list[str]:
    """What the ingest report says about OCR'd pages: the empty ones and those under the threshold."""
    out = []
    for number, p in pages:
        if not p.chars:
            out.append(f"page {number}: OCR found no text")
        elif p.confidence < min_confidence:
            out.append(
                f"page {number}: low OCR confidence {p.confidence:.3f} < {min_confidence:g} (RAG_OCR_MIN_CONFIDENCE)"
            )
    return out


def check_page_count(n: int, opts: OcrOptions) -> None:
    if n > opts.max_pages:
        raise _fail(f"{n} pages need OCR > limit {opts.max_pages} (RAG_OCR_MAX_PAGES)")
