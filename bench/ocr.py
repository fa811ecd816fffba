"""OCR accuracy and speed on the seed document: `python bench/ocr.py [--dpi 200] [--poor] [--json]`.

What it does, with real tools only: LibreOffice prints the seed (corpus/000_4f56bf1c4842e0b1.txt) to a PDF
with a text layer; pdftoppm renders its pages at ``--dpi`` to PNG; Pillow wraps the PNGs into an image-only
PDF (no text layer: a scan; ``--poor``: tilted, blurred, speckled, JPEG-compressed first). Both PDFs go through the real loader and cleaner (rag.load.load_file,
rag.clean.clean_text); the OCR'd text is compared with the text-layer text.

Character accuracy = 1 − (Levenshtein distance ÷ length of the reference), both texts NFKC-normalised (the
seed types ASCII commas where OCR reads the full-width ，; NFKC makes them one character) and with all
whitespace removed (line breaks are layout, not characters). Speed: OCR pages per second and seconds per
page (wall clock, engine load excluded) — on a shared machine, so the load average is printed beside it —
and the peak resident memory of this process.

Needs soffice and pdftoppm on PATH (Debian: libreoffice-writer, poppler-utils). Exit code 0 = measured,
2 = a tool is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus" / "000_4f56bf1c4842e0b1.txt"


def normalise(text: str) -> str:
    """What is compared: NFKC, no whitespace."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def levenshtein(a: str, b: str) -> int:
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        cur = [i]
        for j, cb in enumerate(b, start=1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def char_accuracy(reference: str, hypothesis: str) -> float:
    ref, hyp = normalise(reference), normalise(hypothesis)
    return 1 - levenshtein(ref, hyp) / max(1, len(ref))


def degrade(image: Any, seed: int) -> Any:
    """A poorer scan: grey, tilted 0.8°, blurred, speckled, saved as JPEG at quality 50 (seeded)."""
    import io
    import random

    from PIL import Image, ImageFilter

    img = image.convert("L").rotate(0.8, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    img = img.filter(ImageFilter.GaussianBlur(1.0))
    rnd = random.Random(seed)
    px = img.load()
    for _ in range(img.width * img.height // 400):  # 0.25 % of the pixels flipped to black or white
        px[rnd.randrange(img.width), rnd.randrange(img.height)] = rnd.choice((0, 255))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=50)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def soffice_pdf(src: Path, out: Path) -> Path:
    """``src`` printed to PDF by LibreOffice (a profile of its own under ``out``), as ``out/<stem>.pdf``."""
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{out}/lo-profile",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return out / f"{src.stem}.pdf"


def make_pdfs(src: Path, out: Path, dpi: int, poor: bool = False) -> tuple[Path, Path, list[Path]]:
    """(text-layer PDF, image-only PDF, page PNGs) of ``src``, made by soffice, pdftoppm and Pillow;
    ``poor``: the pages :func:`degrade`d before they are wrapped."""
    from PIL import Image

    text_pdf = soffice_pdf(src, out)
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", str(text_pdf), str(out / "page")], check=True, timeout=180
    )
    pngs = sorted(out.glob("page-*.png"))
    images = [Image.open(p).convert("RGB") for p in pngs]
    if poor:
        images = [degrade(im, i) for i, im in enumerate(images)]
    scan = out / f"{src.stem}-scan.pdf"
    images[0].save(scan, save_all=True, append_images=images[1:], resolution=dpi)
    return text_pdf, scan, pngs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dpi", type=int, default=200, help="pdftoppm resolution of the 'scan' (default 200)")
    ap.add_argument("--poor", action="store_true", help="degrade the scan: tilt, blur, speckles, JPEG 50")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    missing = [t for t in ("soffice", "pdftoppm") if shutil.which(t) is None]
    if missing:
        print(f"error: {', '.join(missing)} not on PATH", file=sys.stderr)
        return 2

    sys.path.insert(0, str(ROOT))
    from rag.clean import clean_text
    from rag.load import load_file
    from rag.load.ocr import OcrOptions, engine
    from rag.settings import Settings

    s = Settings()
    with tempfile.TemporaryDirectory(prefix="bench-ocr-") as tmp:
        text_pdf, scan, pngs = make_pdfs(SEED, Path(tmp), args.dpi, args.poor)
        reference = clean_text(load_file(text_pdf).text)
        engine()  # loaded once per process: not part of the per-page time
        opts = OcrOptions(True, s.ocr_max_pages, s.ocr_dpi, s.ocr_min_confidence)
        t0 = time.perf_counter()
        doc = load_file(scan, ocr=opts)
        seconds = time.perf_counter() - t0
        hypothesis = clean_text(doc.text)
    pages = len(pngs)
    result = {
        "document": SEED.name,
        "pages": pages,
        "render_dpi": args.dpi,
        "poor_scan": args.poor,
        "ocr_dpi": s.ocr_dpi,
        "reference_chars": len(normalise(reference)),
        "ocr_chars": len(normalise(hypothesis)),
        "char_accuracy": round(char_accuracy(reference, hypothesis), 4),
        "ocr_seconds": round(seconds, 2),
        "pages_per_second": round(pages / seconds, 3),
        "seconds_per_page": round(seconds / pages, 2),
        "cpus": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        # this process (engine, one page image, the texts); soffice and pdftoppm run as children
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "warnings": list(doc.warnings),
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        for k, v in result.items():
            print(f"{k:<18} {v}")
        print("(speed measured on a machine shared with other jobs: see load_average_1m)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
