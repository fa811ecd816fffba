"""Retrieval evaluation: `python -m rag.eval --qa FILE [FILE...] [--corpus PATH...] [--k 5] [--json] [--baseline]`.

QA files are JSON Lines ``{"question": str, "source": str | null, "expect": [str, ...]}``. A hit is a passage
from the file named ``source`` whose text, all whitespace removed, contains an ``expect`` string (whitespace
removed). ``source: null`` is an off-topic question: the right answer is no passage at all.

``--corpus`` ingests the given paths into a fresh temporary store first (the user's data is never touched).
``--baseline`` also measures, in the same run: ``dense_only`` and ``bm25_only`` (our chunks, one channel)
and ``naive`` — the tutorial pipeline: RecursiveCharacterTextSplitter(500, 50) on the raw file text,
dense-only Chroma, the same embedding model.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ConfigError, RagError, exit_code

_WS = re.compile(r"\s+")


@dataclass
class QA:
    question: str
    source: str | None
    expect: list[str]


def load_qa(path: Path) -> list[QA]:
    out: list[QA] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise ConfigError(f"cannot read QA file {path.name}: {e.strerror}") from e
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            q = d["question"]
            src = d.get("source")
            exp = d.get("expect") or []
        except (ValueError, KeyError, TypeError) as e:
            raise ConfigError(f"{path.name} line {n}: not a QA record ({e})") from e
        if not isinstance(q, str) or not q.strip():
            raise ConfigError(f"{path.name} line {n}: field 'question' must be a non-empty string")
        if src is not None and not exp:
            raise ConfigError(
                f"{path.name} line {n}: field 'expect' must list the answer text when source is set"
            )
        out.append(QA(q, src, list(exp)))
    return out


# A retrieval function returns, for a question, the ranked (source file name, passage text) pairs; an
# empty list means "nothing relevant" (a refusal).
Retrieve = Callable[[str], Sequence[tuple[str, str]]]


def is_hit(qa: QA, source: str, text: str) -> bool:
    if qa.source is None or Path(source).name != Path(qa.source).name:
        return False
    t = _WS.sub("", text)
    return any(_WS.sub("", e) in t for e in qa.expect)


def score(qas: list[QA], retrieve: Retrieve, k: int) -> dict[str, Any]:
    ranks: list[int | None] = []
    refusals: list[bool] = []
    lat: list[float] = []
    for qa in qas:
        t0 = time.perf_counter()
        got = list(retrieve(qa.question))
        lat.append((time.perf_counter() - t0) * 1000)
        if qa.source is None:
            refusals.append(not got)
            continue
        rank = next((i + 1 for i, (s, t) in enumerate(got[:10]) if is_hit(qa, s, t)), None)
        ranks.append(rank)
    n = len(ranks)

    def rate(xs: list[bool]) -> float:
        return round(sum(xs) / len(xs), 4) if xs else 0.0

    return {
        "n": n,
        "recall@1": rate([r is not None and r <= 1 for r in ranks]),
        f"recall@{k}": rate([r is not None and r <= k for r in ranks]),
        "mrr@10": round(sum(1 / r for r in ranks if r) / n, 4) if n else 0.0,
        "refusal_accuracy": rate(refusals),
        "n_offtopic": len(refusals),
        "latency_ms_p50": round(float(np.percentile(lat, 50)), 1) if lat else 0.0,
        "latency_ms_p95": round(float(np.percentile(lat, 95)), 1) if lat else 0.0,
    }


def naive_retriever(paths: list[Path], embedder: Any, tmp: Path) -> Retrieve:
    """The pipeline a user would build from a tutorial: fixed 500-char chunks of the raw text, dense only."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from .load import iter_files, load_file

    splitter = RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50)
    texts: list[str] = []
    sources: list[str] = []
    for f in iter_files(paths):
        try:
            doc = load_file(f)
        except RagError:
            continue
        for piece in splitter.split_text(doc.text):
            texts.append(piece)
            sources.append(doc.source)
    client = chromadb.PersistentClient(
        path=str(tmp / "naive"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    coll = client.get_or_create_collection(
        "naive", embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
    )
    vecs = embedder.embed_texts(texts)
    for i in range(0, len(texts), 2000):
        coll.add(
            ids=[str(j) for j in range(i, min(i + 2000, len(texts)))],
            embeddings=vecs[i : i + 2000],
            documents=texts[i : i + 2000],
            metadatas=[{"source": s} for s in sources[i : i + 2000]],
        )

    def retrieve(q: str) -> list[tuple[str, str]]:
        res: Any = coll.query(
            query_embeddings=[embedder.embed_query_vec(q)], n_results=10, include=["documents", "metadatas"]
        )
        return [(m["source"], d) for d, m in zip(res["documents"][0], res["metadatas"][0], strict=False)]

    return retrieve


def run(
    qa_files: list[Path], corpus: list[Path] | None, k: int, baseline: bool, log: Callable[[str], None]
) -> dict[str, Any]:
    from .pipeline import build
    from .retrieve import HybridRetriever
    from .settings import load_settings

    qas = [qa for f in qa_files for qa in load_qa(f)]
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="rag-eval-")))
        settings = load_settings()
        if corpus:
            # A fresh store: embedded in the temp dir, or on a Chroma server a collection of its own that is
            # dropped afterwards — never the configured collection, which holds the user's data.
            temp_collection = f"eval_{uuid.uuid4().hex[:12]}" if settings.chroma_url else settings.collection
            settings = load_settings(data_dir=tmp / "data", collection=temp_collection)
        pipe = build(settings)
        if corpus and settings.chroma_url:
            stack.callback(pipe.store.drop)
        if corpus:
            t0 = time.perf_counter()
            report = pipe.ingest(corpus)
            log(
                f"ingested {report.docs_added} documents, {report.chunks_added} chunks "
                f"({len(report.errors)} errors) in {time.perf_counter() - t0:.0f}s"
            )
        hybrid: HybridRetriever = pipe.retriever
        mrr_k = max(k, 10)

        def full(q: str) -> list[tuple[str, str]]:
            res = hybrid.retrieve(q, k=mrr_k)
            return [(h.chunk.source, h.chunk.text) for h in res.hits]

        result = score(qas, full, k)
        if baseline:

            def dense_only(q: str) -> list[tuple[str, str]]:
                return [(c.source, c.text) for c, _ in hybrid.dense(q, mrr_k)]

            def bm25_only(q: str) -> list[tuple[str, str]]:
                ids = [cid for cid, _ in hybrid.keyword(q, mrr_k)]
                return [(c.source, c.text) for c in pipe.store.get_chunks(ids)]

            result["baselines"] = {
                "dense_only": score(qas, dense_only, k),
                "bm25_only": score(qas, bm25_only, k),
            }
            paths = corpus or [settings.corpus_dir]
            t0 = time.perf_counter()
            naive = naive_retriever(paths, pipe.embedder, tmp)
            log(f"naive baseline indexed in {time.perf_counter() - t0:.0f}s")
            result["baselines"]["naive"] = score(qas, naive, k)
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m rag.eval", description=__doc__.splitlines()[0])
    ap.add_argument("--qa", nargs="+", type=Path, required=True, help="QA JSON Lines file(s)")
    ap.add_argument("--corpus", nargs="+", type=Path, help="ingest these into a fresh temporary store first")
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--baseline", action="store_true", help="also measure dense_only, bm25_only and naive")
    args = ap.parse_args(argv)
    if args.k <= 0:
        print(f"error: --k must be > 0, got {args.k}", file=sys.stderr)
        return 2
    try:
        res = run(args.qa, args.corpus, args.k, args.baseline, log=lambda s: print(s, file=sys.stderr))
    except RagError as e:
        print(f"error: {e}", file=sys.stderr)
        return exit_code(e)
    if args.json:
        print(json.dumps(res, ensure_ascii=False))
        return 0
    rows = [("hybrid", res), *list(res.get("baselines", {}).items())]
    keys = ["recall@1", f"recall@{args.k}", "mrr@10", "refusal_accuracy", "latency_ms_p50", "latency_ms_p95"]
    print(f"{'pipeline':<12}" + "".join(f"{key:>18}" for key in keys))
    for name, r in rows:
        print(f"{name:<12}" + "".join(f"{r[key]:>18}" for key in keys))
    print(f"\n{res['n']} answerable questions, {res['n_offtopic']} off-topic")
    return 0


if __name__ == "__main__":
    sys.exit(main())
