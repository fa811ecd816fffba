"""Retrieval benchmark (not a test): `python bench/retrieval.py [--scales 10000 100000] [--queries 60]
[--answers-at real|all|none] [--keep DIR] [--only ingest|serving]`.

Everything is measured in one run on this machine and reported as ratios, so the numbers travel:
(a) ingest of the real corpus (seed + ../shared/corpus): wall time ÷ pure ``model.encode`` time of the same
    passage texts (what the ingest adds on top of the unavoidable embedding work);
(b) stores of ~10k and ~100k chunks, built by replicating the real corpus's vectors and texts with distinct
    ids and small perturbations (embedding 100k chunks would take an hour on 2 cores): hybrid retrieval
    p50/p95 ÷ one bare query encode;
(c) peak RSS of a serving process (model + store + keyword index, answering queries) at the largest scale;
(d) the answer a user waits for, ``pipe.chat.ask(question)`` (rewrite, retrieval, scope check, extractive
    answer), p50/p95 ÷ ``pipe.retriever.retrieve(question)`` p50 on the same questions in the same process,
    interleaved (each question: retrieval, answer, answer with sentence vectors, in rotating order; the
    keyword tokeniser's memo cleared before each call so none rides on another's work): once as served
    (sentence vectors off) and once with the answerer's ``dense_weight=0.45`` (RAG_SENTENCE_DENSE=true, the
    "before"). Questions: tests/data/qa_dev.jsonl, ../shared/qa/ncp_dev.jsonl and the single questions of
    tests/data/answers_dev.jsonl. By default on the real-corpus store (``--answers-at all``: every size).

`--keep DIR` builds the stores in DIR and reuses them on the next run; `--only serving` then measures (b)
and (c) without the real-corpus ingest.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.embed import make_embedder  # noqa: E402
from rag.eval import load_qa  # noqa: E402
from rag.pipeline import build  # noqa: E402
from rag.records import Chunk  # noqa: E402
from rag.settings import Settings  # noqa: E402
from rag.store import chunk_from_row  # noqa: E402

SHARED = ROOT.parent / "shared"


def corpus_paths() -> list[Path]:
    paths = [ROOT / "corpus"]
    for sub in ("state-council", "ncp"):
        if (SHARED / "corpus" / sub).is_dir():
            paths.append(SHARED / "corpus" / sub)
    return paths


def questions(n: int) -> list[str]:
    qs: list[str] = []
    for f in (SHARED / "qa" / "ncp_dev.jsonl", ROOT / "tests" / "data" / "qa_dev.jsonl"):
        if f.is_file():
            qs += [q.question for q in load_qa(f)]
    return qs[:n] or ["研发投入有哪些支持？"] * n


def answer_questions(n: int | None = None) -> list[str]:
    """(d)'s questions: the retrieval dev sets plus the single (not conversation) answer-eval questions."""
    from rag.eval_answers import Turn, load_items

    qs: list[str] = []
    for f in (ROOT / "tests" / "data" / "qa_dev.jsonl", SHARED / "qa" / "ncp_dev.jsonl"):
        if f.is_file():
            qs += [q.question for q in load_qa(f)]
    f = ROOT / "tests" / "data" / "answers_dev.jsonl"
    if f.is_file():
        qs += [t.question for t in load_items(f) if isinstance(t, Turn)]
    qs = list(dict.fromkeys(qs))
    return qs[:n] if n else qs


def bench_ingest(data: Path) -> dict[str, float]:
    settings = Settings(data_dir=data)
    emb = make_embedder(settings)
    emb.embed_texts(["预热"])  # the model load is not part of either measurement
    pipe = build(settings, emb)
    # Also timed: the encode calls inside the ingest. wall ÷ that is what the ingest adds around its own
    # encoding, measured over the same minutes, so it holds up when other work on a shared machine loads
    # the two phases differently (which can swing the main ratio either way).
    inner, inside = emb.embed_texts, [0.0]

    def timed(texts: list[str]) -> np.ndarray:
        t = time.perf_counter()
        try:
            return inner(texts)
        finally:
            inside[0] += time.perf_counter() - t

    emb.embed_texts = timed  # type: ignore[method-assign]
    t0 = time.perf_counter()
    report = pipe.ingest(corpus_paths())
    wall = time.perf_counter() - t0
    emb.embed_texts = inner  # type: ignore[method-assign]
    texts = [chunk_from_row(cid, text, m).embed_text for cid, text, m in pipe.store.chunk_rows()]
    t0 = time.perf_counter()
    emb.embed_texts(texts)
    encode = time.perf_counter() - t0
    return {
        "documents": report.docs_added,
        "chunks": report.chunks_added,
        "ingest_s": round(wall, 1),
        "encode_s": round(encode, 1),
        "ratio": round(wall / encode, 3),
        "encode_in_ingest_s": round(inside[0], 1),
        "ingest_over_own_encode": round(wall / inside[0], 3) if inside[0] else 0.0,
    }


def replicate(src: Path, dst: Path, target: int) -> int:
    """A store of about ``target`` chunks: copies of the real documents with new ids, their vectors nudged
    (Gaussian noise σ=0.01, renormalised) and their texts marked, so no two chunks are identical. Written
    in large batches straight into the collections (the ingest's per-document writes are measured in (a))."""
    from rag.store import _flat

    s_src = build(Settings(data_dir=src)).store
    rows = list(s_src.chunk_rows())
    ids = [r[0] for r in rows]
    got = s_src.chunks.get(ids=ids, include=["embeddings"])
    vec_by_id = dict(zip(got["ids"], np.asarray(got["embeddings"], dtype=np.float32), strict=True))
    vecs = np.stack([vec_by_id[i] for i in ids])
    docs = list(s_src.doc_rows())
    pipe = build(Settings(data_dir=dst))
    store = pipe.store
    rng = np.random.default_rng(0)
    copies = max(1, round(target / len(rows)))
    for k in range(copies):
        suffix = f"-{k}" if k else ""
        chunks = []
        for cid, text, m in rows:
            c = chunk_from_row(cid, text if k == 0 else f"{text}（副本{k}）", m)
            did = c.doc_id + suffix
            chunks.append((Chunk(Chunk.make_id(did, c.start, c.text), did, c.source, c.text, c.section, c.start,
                                 c.end, c.tokens, c.ordinal, c.meta), str(m["file_hash"])))
        noisy = vecs + (rng.normal(0, 0.01, vecs.shape).astype(np.float32) if k else 0)
        noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
        for i in range(0, len(chunks), 2000):
            part = chunks[i : i + 2000]
            store.chunks.upsert(
                ids=[c.id for c, _ in part], embeddings=noisy[i : i + 2000], documents=[c.text for c, _ in part],
                metadatas=[_flat(c, h) for c, h in part],
            )
        store.docs.upsert(
            ids=[d + suffix for d, _, _ in docs], embeddings=[[1.0]] * len(docs), documents=[t for _, t, _ in docs],
            metadatas=[{**m, "key": f"{m['key']}{suffix}"} for _, _, m in docs],
        )
        print(f"  replica {k + 1}/{copies}: {store.count()} chunks", file=sys.stderr, flush=True)
    store._bump()
    t0 = time.perf_counter()
    pipe.lexical.rebuild()
    print(f"  keyword index over {store.count()} chunks built in {time.perf_counter() - t0:.0f}s",
          file=sys.stderr, flush=True)
    return store.count()


SERVE = r"""
import json, resource, statistics, sys, time
sys.path.insert(0, sys.argv[1])


def peak_rss_mib():
    # This process's own high-water mark (VmHWM). Not ru_maxrss: Linux carries the parent's peak over into
    # the child across fork+exec, so it reported the bench process's (GBs after building the stores).
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


from rag.pipeline import build
from rag.settings import Settings
qs = json.loads(sys.argv[3])
pipe = build(Settings(data_dir=sys.argv[2]))
pipe.embedder.embed_query_vec(qs[0])
rss_model = peak_rss_mib()
r = pipe.retriever
r.retrieve(qs[0]); r.retrieve(qs[1])  # warm: model, store, keyword index loaded
enc, lat = [], []
for q in qs:  # interleaved: on a shared machine both series then see the same load
    t0 = time.perf_counter(); pipe.embedder.embed_query_vec(q); enc.append(time.perf_counter() - t0)
    t0 = time.perf_counter(); r.retrieve(q, k=5); lat.append(time.perf_counter() - t0)
lat.sort()
import torch
out = {"torch_threads": torch.get_num_threads(), "encode_ms": statistics.median(enc) * 1000, "p50_ms": lat[len(lat) // 2] * 1000,
       "p95_ms": lat[int(len(lat) * 0.95) - 1] * 1000,
       "rss_mib": peak_rss_mib(), "rss_model_mib": rss_model}
aqs = json.loads(sys.argv[4])
if aqs:
    # (d): what a user waits for (the whole ask) against retrieval alone, same questions, interleaved.
    import copy
    from rag.lexical import query_tokens
    pipe.warm_up()  # what the app does before it listens
    served = pipe.chat
    assert served.extractive.dense_weight == 0.0, "RAG_SENTENCE_DENSE is on in this environment"
    before = copy.copy(served)  # the same engine, its answerer with sentence vectors (RAG_SENTENCE_DENSE=true)
    before.extractive = copy.copy(served.extractive)
    before.extractive.dense_weight = 0.45
    calls = {"retrieve": lambda q: r.retrieve(q), "answer": served.ask, "answer_dense": before.ask}
    for f in calls.values():  # warm: jieba POS, the answerer's first sentence embeddings
        f(aqs[0])
    times = {k: [] for k in calls}
    refused = 0
    names = list(calls)
    for i, q in enumerate(aqs):
        for k in names[i % 3:] + names[:i % 3]:  # rotating order: no series is always first or last
            query_tokens.cache_clear()
            t0 = time.perf_counter(); res = calls[k](q); times[k].append(time.perf_counter() - t0)
            if k == "answer":
                refused += bool(res.refused)
    def pct(xs, p):
        s = sorted(xs)
        return s[max(0, min(len(s) - 1, round(p / 100 * len(s) + 0.5) - 1))] * 1000
    out["answers"] = {"n": len(aqs), "refused": refused, "chars": statistics.mean(len(q) for q in aqs)}
    for k, xs in times.items():
        out["answers"][k] = {"p50_ms": pct(xs, 50), "p95_ms": pct(xs, 95), "max_ms": max(xs) * 1000}
    # Per question: the answer's own cost above its retrieval (the rest of ask), median.
    for k in ("answer", "answer_dense"):
        extra = [a - b for a, b in zip(times[k], times["retrieve"])]
        out["answers"][k]["extra_p50_ms"] = statistics.median(extra) * 1000
        # ...and ask ÷ retrieve of the same question, median: both calls within a second of each other, so
        # a load that comes and goes during the run (it slows the model's encode ~30× when other jobs take
        # the cores) cancels out of this one.
        out["answers"][k]["paired_ratio_p50"] = statistics.median(
            a / b for a, b in zip(times[k], times["retrieve"]))
    out["rss_after_answers_mib"] = peak_rss_mib()
print(json.dumps(out))
"""


def bench_serving(data: Path, qs: list[str], answer_qs: list[str] | None = None,
                  torch_threads: int | None = None) -> dict[str, Any]:
    # Extractive answers as served: no LLM, sentence vectors off (the "before" is set up in the process).
    env = {**os.environ, "RAG_DATA_DIR": str(data), "RAG_LLM": "none", "RAG_SENTENCE_DENSE": "false"}
    if torch_threads:
        env["OMP_NUM_THREADS"] = str(torch_threads)  # torch's intra-op threads in the serving process
    load_before = os.getloadavg()[0]
    out = subprocess.run(
        [sys.executable, "-c", SERVE, str(ROOT), str(data), json.dumps(qs, ensure_ascii=False),
         json.dumps(answer_qs or [], ensure_ascii=False)],
        capture_output=True, text=True, env=env,
    )
    if out.returncode != 0:
        sys.stderr.write(out.stderr[-3000:])
        out.check_returncode()
    d = json.loads(out.stdout.strip().splitlines()[-1])
    d["loadavg_before"], d["loadavg_after"] = load_before, os.getloadavg()[0]  # the machine caveat, measured
    d["ratio_p50"] = d["p50_ms"] / d["encode_ms"]
    d["ratio_p95"] = d["p95_ms"] / d["encode_ms"]
    ans = d.pop("answers", None)
    res: dict[str, Any] = {k: round(v, 2) for k, v in d.items()}
    if ans is not None:
        base = ans["retrieve"]["p50_ms"]
        for k in ("answer", "answer_dense"):
            ans[k]["ratio_p50"] = ans[k]["p50_ms"] / base
            ans[k]["ratio_p95"] = ans[k]["p95_ms"] / base
        res["answers"] = {k: {kk: round(vv, 2) for kk, vv in v.items()} if isinstance(v, dict) else round(v, 1)
                          for k, v in ans.items()}
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", nargs="*", type=int, default=[10_000, 100_000],
                    help="replicated store sizes for (b) and (c); none: `--scales` alone")
    ap.add_argument("--queries", type=int, default=60)
    ap.add_argument("--answers-at", choices=["real", "all", "none"], default="real",
                    help="(d) answer ÷ retrieval latency: on the real-corpus store (default), every size, or not")
    ap.add_argument("--answer-queries", type=int, default=0, metavar="N",
                    help="(d): the first N answer questions (default 0 = all)")
    ap.add_argument("--torch-threads", type=int, metavar="N",
                    help="torch intra-op threads in the serving processes (OMP_NUM_THREADS; default: torch's, "
                    "one per core). On a shared machine 1 keeps the query encode from stalling: with 2 threads "
                    "on 2 busy cores it was 10-30× slower, and then retrieval hides what the answer adds")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--keep", type=Path, metavar="DIR",
                    help="build the stores in DIR (real/, s<N>/) and keep them; stores already there are reused")
    ap.add_argument("--only", choices=["ingest", "serving"],
                    help="run one part; serving needs the stores of an earlier --keep run (or builds them)")
    args = ap.parse_args()
    qs = questions(args.queries)
    res: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="rag-bench-") as tmpd:
        tmp = args.keep or Path(tmpd)
        tmp.mkdir(parents=True, exist_ok=True)
        # A kept store is complete only once its build finished (this marker is written last).
        done = lambda d: (d / ".bench-complete").is_file()  # noqa: E731
        if args.only != "serving" or not done(tmp / "real"):
            print("(a) ingesting the real corpus …", file=sys.stderr, flush=True)
            shutil.rmtree(tmp / "real", ignore_errors=True)
            res["ingest"] = bench_ingest(tmp / "real")
            (tmp / "real" / ".bench-complete").write_text(json.dumps(res["ingest"]))
            print(f"  {res['ingest']}", file=sys.stderr, flush=True)
        else:
            res["ingest"] = json.loads((tmp / "real" / ".bench-complete").read_text())
        res["serving"] = {}
        aqs = answer_questions(args.answer_queries) if args.answers_at != "none" else []
        if args.only != "ingest" and aqs:
            print(f"(d) answers on the real-corpus store ({len(aqs)} questions) …", file=sys.stderr, flush=True)
            res["real"] = bench_serving(tmp / "real", qs, aqs, args.torch_threads)
            print(f"  {res['real']}", file=sys.stderr, flush=True)
        for n in args.scales if args.only != "ingest" else []:
            data = tmp / f"s{n}"
            if not done(data):
                print(f"(b) building a store of ~{n} chunks …", file=sys.stderr, flush=True)
                shutil.rmtree(data, ignore_errors=True)
                (data / ".bench-complete").parent.mkdir(parents=True, exist_ok=True)
                got = replicate(tmp / "real", data, n)
                (data / ".bench-complete").write_text(str(got))
            got = int((data / ".bench-complete").read_text())
            res["serving"][str(got)] = bench_serving(  # type: ignore[index]
                data, qs, aqs if args.answers_at == "all" else None, args.torch_threads)
            print(f"  {res['serving'][str(got)]}", file=sys.stderr, flush=True)  # type: ignore[index]
    res["bench_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    if args.json:
        print(json.dumps(res, ensure_ascii=False))
        return 0
    ing = res["ingest"]
    assert isinstance(ing, dict)
    print("| measure | value |\n|---|---|")
    print(f"| (a) ingest of {ing['documents']} documents / {ing['chunks']} chunks: wall ÷ pure encode | "
          f"{ing['ingest_s']} s ÷ {ing['encode_s']} s = **{ing['ratio']}** "
          f"(÷ its own encode calls, {ing['encode_in_ingest_s']} s: {ing['ingest_over_own_encode']}) |")
    serving = res["serving"]
    assert isinstance(serving, dict)
    sized: list[tuple[str, dict[str, Any]]] = []
    if isinstance(res.get("real"), dict):
        sized.append((f"{ing['chunks']:,} chunks (the real corpus)", res["real"]))  # type: ignore[arg-type]
    sized += [(f"{int(n):,} chunks", d) for n, d in serving.items()]
    for label, d in sized:
        print(f"| (b) {label}: retrieval p50 / p95 ÷ bare query encode ({d['encode_ms']} ms) | "
              f"{d['p50_ms']} / {d['p95_ms']} ms = **{d['ratio_p50']}× / {d['ratio_p95']}×** |")
    if serving:
        last = list(serving.values())[-1]
        print(f"| (c) peak RSS of the serving process at {int(list(serving)[-1]):,} chunks | "
              f"**{last['rss_mib']} MiB** |")
    for label, d in sized:
        a = d.get("answers")
        if not a:
            continue
        rt = a["retrieve"]
        for k, what in (("answer", "sentence vectors off (as served)"),
                        ("answer_dense", "RAG_SENTENCE_DENSE=true (before)")):
            x = a[k]
            print(f"| (d) {label}, {what}: answer p50 / p95 ÷ retrieval p50 ({rt['p50_ms']} ms) | "
                  f"{x['p50_ms']} / {x['p95_ms']} ms = **{x['ratio_p50']}× / {x['ratio_p95']}×** "
                  f"(per question, median ask ÷ retrieve: {x['paired_ratio_p50']}×; the answer's own time above "
                  f"its retrieval, median: {x['extra_p50_ms']} ms) |")
    print(f"\n{len(qs)} queries; {statistics.mean([len(q) for q in qs]):.0f} characters on average.")
    for label, d in sized:
        a = d.get("answers")
        if a:
            print(f"(d) at {label}: {a['n']:.0f} questions ({a['chars']:.0f} characters on average, {a['refused']:.0f} "
                  f"refused as served), each timed as retrieval, answer and answer with sentence vectors, "
                  f"interleaved; retrieval p95 {a['retrieve']['p95_ms']} ms; peak RSS after the answers "
                  f"{d['rss_after_answers_mib']} MiB.")
    loads = [f"{label}: {d['loadavg_before']} → {d['loadavg_after']}" for label, d in sized]
    if loads:
        print(f"1-minute load average ({os.cpu_count()} cores) before → after each serving run: {'; '.join(loads)}; "
              f"torch threads in the serving processes: {', '.join(str(int(d['torch_threads'])) for _, d in sized)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
