"""Show how one file is read, without touching the store:
`python -m rag.inspect FILE [--json]` → its metadata, validity, support measures, reply-letter fields
(``reply``: rag.replies, null for other documents) and chunks (id, section, text, tokens)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .errors import RagError, exit_code
from .ingest import load, prepare
from .settings import ensure_tiktoken_offline, load_settings
from .validity import validity_of


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m rag.inspect", description=__doc__.splitlines()[0])
    ap.add_argument("file", type=Path)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    try:
        settings = load_settings()
        ensure_tiktoken_offline()
        doc = load(args.file, settings)
        prep = prepare(doc, settings)
    except RagError as e:
        print(f"error: {e}", file=sys.stderr)
        return exit_code(e)
    meta = prep.chunks[0].meta.to_dict()
    measures = [m.to_dict() for m in prep.measures]
    validity = validity_of(prep.chunks[0].meta).to_dict(settings.today)
    reply = prep.reply.to_dict() if prep.reply is not None else None
    chunks: list[dict[str, Any]] = [
        {"id": c.id, "section": c.section, "text": c.text, "tokens": c.tokens} for c in prep.chunks
    ]
    if args.json:
        print(json.dumps({"metadata": meta, "validity": validity, "measures": measures, "reply": reply,
                          "chunks": chunks}, ensure_ascii=False, indent=1))
    else:
        for k, v in meta.items():
            print(f"{k:>16}: {v}")
        print(f"{'validity':>16}: {validity}")
        if reply is not None:
            for k, v in reply.items():
                print(f"{'reply.' + k:>22}: {v}")
        for m in measures:
            amounts = "、".join(a["text"] for a in m["amounts"]) or "—"
            print(f"\n◆ {m['kind']} · {amounts} · {'、'.join(m['beneficiaries']) or '—'}  [{m['section']}]\n  {m['text']}")
        for c in chunks:
            print(f"\n── [{c['section'] or '(front matter)'}] {c['tokens']} tokens · {c['id'][:12]}")
            print(c["text"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
