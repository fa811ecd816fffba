"""Ingest documents into the store: `python ingest.py [PATHS...] [--json]` (default: the corpus dir).

Exit codes: 0 all files good, 1 some files failed (the good ones are in), 2 usage or configuration error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*", type=Path, help="files or folders (default: RAG_CORPUS_DIR)")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = ap.parse_args(argv)

    from rag.errors import RagError
    from rag.pipeline import build
    from rag.settings import load_settings

    try:
        settings = load_settings()
        pipe = build(settings)
        paths = args.paths or [settings.corpus_dir]
        bar = None
        if not args.json:
            from tqdm import tqdm

            bar = tqdm(total=0, unit="file", desc="ingest", file=sys.stderr)

        def progress(done: int, total: int, name: str) -> None:
            if bar is not None:
                bar.total = total
                bar.set_postfix_str(name[:30], refresh=False)
                bar.update(done - bar.n)

        report = pipe.ingest(paths, progress=progress)
        if bar is not None:
            bar.close()
    except RagError as e:  # the ingest as a whole could not run: a bad setting, a held lock, no store
        print(f"error: {e}", file=sys.stderr)
        return 2

    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False))
    else:
        rows = [
            ("files seen", report.files),
            ("unchanged (skipped)", report.skipped_unchanged),
            ("documents added", report.docs_added),
            ("documents replaced", report.docs_replaced),
            ("documents removed", report.docs_removed),
            ("chunks added", report.chunks_added),
            ("chunks removed", report.chunks_removed),
            ("stray chunks repaired", report.repaired),
            ("files with errors", len(report.errors)),
        ]
        for label, n in rows:
            print(f"{label:<24}{n:>8}")
        for err in report.errors:
            print(f"  ✗ {err['file']}: {err['error']}")
        for w in report.warnings:
            print(f"  ! {w['file']}: {w['warning']}")
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())
