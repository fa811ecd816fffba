"""Retrieval and answer evaluation:
`python -m rag.eval [--answers] --qa FILE [FILE...] [--corpus PATH...] [--k 5] [--json] [--baseline]`;
`python -m rag.eval --measures FILE [FILE...] [--json]` scores the support measures (``rag.eval_measures``);
`python -m rag.eval --replies FILE [FILE...] [--json]` scores the reply-letter fields (``rag.eval_replies``).

``--answers`` measures the answers a person reads (conversations too): see ``rag.eval_answers``. Without
it, the retrieval:

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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import RagError, exit_code

_WS = re.compile(r"\s+")


@dataclass
class QA:
    question: str
    source: str | None
    expect: list[str]


def load_qa(path: Path) -> list[QA]:
    """The self-contained questions of a QA file: single questions and each conversation's first turn (a
    later turn means something only after the earlier ones: ``--answers`` asks those in order)."""
    from .eval_answers import Conversation, load_items

    out: list[QA] = []
    for item in load_items(path):
        t = item.turns[0] if isinstance(item, Conversation) else item
        out.append(QA(t.question, t.source, list(t.expect)))
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


@contextlib.contextmanager
def eval_pipeline(corpus: list[Path] | None, log: Callable[[str], None]) -> Iterator[tuple[Any, Path]]:
    """The pipeline to evaluate and a temporary folder: with ``corpus``, a fresh store holding only it
    (embedded in the temp dir, or on a Chroma server a collection of its own that is dropped afterwards —
    never the configured collection, which holds the user's data); without, the configured store."""
    from .pipeline import build
    from .settings import load_settings

    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="rag-eval-")))
        settings = load_settings()
        if corpus:
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
        yield pipe, tmp


def run(
    qa_files: list[Path], corpus: list[Path] | None, k: int, baseline: bool, log: Callable[[str], None]
) -> dict[str, Any]:
    from .retrieve import HybridRetriever

    qas = [qa for f in qa_files for qa in load_qa(f)]
    with eval_pipeline(corpus, log) as (pipe, tmp):
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
            paths = corpus or [pipe.settings.corpus_dir]
            t0 = time.perf_counter()
            naive = naive_retriever(paths, pipe.embedder, tmp)
            log(f"naive baseline indexed in {time.perf_counter() - t0:.0f}s")
            result["baselines"]["naive"] = score(qas, naive, k)
    return result


def run_answers(
    qa_files: list[Path], corpus: list[Path] | None, baseline: bool, log: Callable[[str], None]
) -> dict[str, Any]:
    from .eval_answers import evaluate, load_items

    items = [item for f in qa_files for item in load_items(f)]
    with eval_pipeline(corpus, log) as (pipe, _):
        pipe.warm_up()
        return evaluate(items, pipe.chat, baseline)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m rag.eval", description=__doc__.splitlines()[0])
    ap.add_argument("--qa", nargs="+", type=Path, help="QA JSON Lines file(s)")
    ap.add_argument("--measures", nargs="+", type=Path,
                    help="support-measure label file(s): score the measures read at ingest (rag.eval_measures)")
    ap.add_argument("--replies", nargs="+", type=Path,
                    help="reply-letter label file(s): score the register's fields (rag.eval_replies)")
    ap.add_argument("--corpus", nargs="+", type=Path, help="ingest these into a fresh temporary store first")
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--baseline", action="store_true",
                    help="also measure dense_only, bm25_only and naive (with --answers: top_passage)")
    ap.add_argument("--answers", action="store_true",
                    help="evaluate the answers (conversations too), not only the retrieval")
    args = ap.parse_args(argv)
    if args.measures:
        return _measures(args.measures, args.json)
    if args.replies:
        return _replies(args.replies, args.json)
    if not args.qa:
        ap.error("--qa is required (or --measures, --replies)")
    if args.k <= 0:
        print(f"error: --k must be > 0, got {args.k}", file=sys.stderr)
        return 2
    def log(s: str) -> None:
        print(s, file=sys.stderr)

    try:
        if args.answers:
            res = run_answers(args.qa, args.corpus, args.baseline, log)
        else:
            res = run(args.qa, args.corpus, args.k, args.baseline, log)
    except RagError as e:
        print(f"error: {e}", file=sys.stderr)
        return exit_code(e)
    if args.answers:
        from .eval_answers import render

        print(json.dumps(res, ensure_ascii=False) if args.json else render(res))
        return 0
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


def _measures(files: list[Path], as_json: bool) -> int:
    from . import eval_measures

    return _label_eval(eval_measures.evaluate, eval_measures.render, files, as_json)


def _replies(files: list[Path], as_json: bool) -> int:
    from . import eval_replies

    return _label_eval(eval_replies.evaluate, eval_replies.render, files, as_json)


def _label_eval(evaluate: Any, render: Any, files: list[Path], as_json: bool) -> int:
    """A hand-label mode (--measures, --replies): score the label files, print the table or the JSON."""
    from .settings import ensure_tiktoken_offline, load_settings

    try:
        ensure_tiktoken_offline()
        res = evaluate(files, load_settings())
    except RagError as e:
        print(f"error: {e}", file=sys.stderr)
        return exit_code(e)
    print(json.dumps(res, ensure_ascii=False) if as_json else render(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
