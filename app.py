"""Start the chat: ingest the bundled corpus if the store is empty or stale, then serve the Gradio chat and
the JSON API on RAG_HOST:RAG_PORT (default 127.0.0.1:7860). Exit code 2 on a configuration error."""

from __future__ import annotations

import sys


def main() -> int:
    from rag.errors import RagError
    from rag.pipeline import build
    from rag.settings import load_settings

    try:
        pipe = build(load_settings())
        rep = pipe.ensure_ingested()
        if rep is not None:
            print(
                f"corpus: {rep.files} files, {rep.docs_added} added, {rep.docs_replaced} replaced, "
                f"{rep.docs_removed} removed, {rep.skipped_unchanged} unchanged, {len(rep.errors)} errors",
                flush=True,
            )
            for err in rep.errors:
                print(f"  ✗ {err['file']}: {err['error']}", flush=True)
        from rag.ui import serve

        serve(pipe)
    except RagError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
