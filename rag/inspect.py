"""Show how one file is read, without touching the store:
`python -m rag.inspect FILE [--json]` → its metadata, validity, support measures, reply-letter fields
(``reply``: rag.replies, null for other documents), references to other documents and chunks (id, section, text,
tokens).
`python -m rag.inspect --links PATH… [--json]` → the references of every file under the paths, resolved among
those files (rag.links): how many there are and how many are in the set."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .access import PUBLIC
from .errors import RagError, exit_code
from .ingest import load, prepare, visibility_for
from .links import LinkedDoc, link_documents
from .load import iter_files
from .settings import ensure_tiktoken_offline, load_settings
from .validity import validity_of


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m rag.inspect", description=__doc__.splitlines()[0])
    ap.add_argument("file", type=Path, nargs="+")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--links", action="store_true", help="references of every file under the paths, resolved")
    args = ap.parse_args(argv)
    if args.links:
        return links_report(args.file, args.json)
    if len(args.file) > 1:
        ap.error("one FILE (or --links with several paths)")
    args.file = args.file[0]
    try:
        settings = load_settings()
        ensure_tiktoken_offline()
        doc = load(args.file, settings)
        prep = prepare(doc, settings, visibility_for(args.file, args.file, settings))  # as an ingest would
    except RagError as e:
        print(f"error: {e}", file=sys.stderr)
        return exit_code(e)
    meta = prep.chunks[0].meta.to_dict()
    measures = [m.to_dict() for m in prep.measures]
    validity = validity_of(prep.chunks[0].meta).to_dict(settings.today)
    refs = [r.to_dict() for r in prep.links]
    reply = prep.reply.to_dict() if prep.reply is not None else None
    chunks: list[dict[str, Any]] = [
        {"id": c.id, "section": c.section, "text": c.text, "tokens": c.tokens} for c in prep.chunks
    ]
    if args.json:
        print(json.dumps({"metadata": meta, "validity": validity, "measures": measures, "reply": reply,
                          "references": refs, "chunks": chunks, "warnings": list(doc.warnings)},
                         ensure_ascii=False, indent=1))
    else:
        for w in doc.warnings:
            print(f"! {w}")
        for k, v in meta.items():
            print(f"{k:>16}: {v}")
        print(f"{'validity':>16}: {validity}")
        if reply is not None:
            for k, v in reply.items():
                print(f"{'reply.' + k:>22}: {v}")
        for m in measures:
            amounts = "、".join(a["text"] for a in m["amounts"]) or "—"
            print(f"\n◆ {m['kind']} · {amounts} · {'、'.join(m['beneficiaries']) or '—'}  [{m['section']}]\n  {m['text']}")
        for r in refs:
            print(f"\n→ {r['doc_number'] or ''} {('《' + r['title'] + '》') if r['title'] else ''}\n  {r['sentence']}")
        for c in chunks:
            print(f"\n── [{c['section'] or '(front matter)'}] {c['tokens']} tokens · {c['id'][:12]}")
            print(c["text"])
    return 0


def links_report(paths: list[Path], as_json: bool) -> int:
    """Every file's references, resolved among the files read (no store): one line per reference
    (✓ resolved → its title, ✗ not among the files), then the counts."""
    settings = load_settings()
    ensure_tiktoken_offline()
    docs: dict[str, LinkedDoc] = {}
    errors = 0
    for path in iter_files(paths):
        try:
            prep = prepare(load(path, settings), settings)
        except RagError as e:
            print(f"error: {e}", file=sys.stderr)
            errors += 1
            continue
        d = prep.doc
        docs[d.doc_id] = LinkedDoc(d.doc_id, d.source, prep.chunks[0].meta, PUBLIC, prep.links)
    link_documents(docs)
    rows = [
        {"source": d.source, "ref": r.ref, "title": r.title, "resolved_to": docs[t].title if t else None,
         "sentence": r.sentence}
        for d in docs.values() for r, t in zip(d.refs, d.targets, strict=True)
    ]
    total = {"files": len(docs), "errors": errors, "files_citing": sum(1 for d in docs.values() if d.refs),
             "references": len(rows), "with_doc_number": sum(1 for d in docs.values() for r in d.refs if r.doc_number),
             "resolved": sum(1 for r in rows if r["resolved_to"]),
             "same_proposal_pairs": sum(len(d.same_proposal) for d in docs.values()) // 2}
    if as_json:
        print(json.dumps({"summary": total, "references": rows}, ensure_ascii=False, indent=1))
        return 0
    for r in rows:
        mark = f"✓ {r['resolved_to']}" if r["resolved_to"] else "✗"
        print(f"{r['source']}\t{r['ref']}\t{mark}\n\t{r['sentence']}")
    print(json.dumps(total, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
