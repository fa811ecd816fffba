"""Load test (not a benchmark of quality): `python bench/load.py [--clients 20] [--questions 25] [--json]`.

Bounded and loopback only. It ingests a corpus (default: the seed corpus/ and ../shared/corpus/state-council)
into a temporary data dir, starts the real app (app.py: the Gradio chat + JSON API, extractive answers,
RAG_LLM=none) on a free 127.0.0.1 port, waits for /api/health, then runs ``clients`` concurrent clients that
each ask ``questions`` questions through POST /api/ask (the dev questions of tests/data/qa_dev.jsonl and
../shared/qa/ncp_dev.jsonl, cycled). It reports requests, errors, p50/p95/max latency, throughput
(requests/s over the wall time of the load, every client started together), the server's RSS, and the CPU
the server spent per request over the load (its utime+stime from /proc: with N cores, N ÷ that is the
throughput ceiling of one process) next to the machine's load average, so a busy machine shows.
``--markdown`` also prints the result as a README table row; ``--py-spy FILE`` records the server's
stacks during the load (py-spy on PATH, raw collapsed format) to see where the time per request goes.

An error is a non-200 response, a body that is not the documented shape, or an answer whose ``[n]`` markers
point to no returned passage; an answer that is neither cited nor an explicit refusal (the refusal sentence,
also as 未在已收录文件中找到关于“…”的相关依据, and no citations) is an error too.

All clients come from 127.0.0.1, so the per-client rate limit (RAG_RATE_LIMIT_PER_MIN, 30/min by default)
would turn most of the run into 429s: the server is started with the limit given by ``--rate-limit``
(default 0 = off), and the output says so. The limit itself is tested in tests/test_api.py and
tests/test_queue.py (the 31st question within a minute gets 429).

Stops by itself: every request has a timeout and the whole run a hard one (``--timeout``); the server is
killed on the way out whatever happened. Exit code 0 = no errors, 1 = errors, 2 = the run could not be done
(ingest failed, the server did not come up, the overall timeout hit).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))

from rag.eval import load_qa  # noqa: E402
from rag.records import REFUSAL  # noqa: E402

# The citation markers the answerers write: [n] with at most 3 digits (a bracketed year in a 文号 is no marker).
MARKER = re.compile(r"\[(\d{1,3})\]")
CITATION_FIELDS = {"n", "title", "doc_number", "section", "date", "source", "text"}
# The refusal sentence, also in the form that names what was not found (rag.answer.refusal with ``about``:
# 未在已收录文件中找到关于“银川市”、“…”的相关依据).
_HEAD, _FOUND, _TAIL = REFUSAL.rstrip("。").partition("找到")
REFUSAL_SENTENCE = re.compile(
    re.escape(_HEAD) + "找到" + "(?:关于“[^”]{1,80}”(?:、“[^”]{1,80}”)*的)?" + re.escape(_TAIL) if _FOUND
    else re.escape(REFUSAL.rstrip("。"))
)


class RunError(Exception):
    """The load run could not be carried out (exit code 2)."""


def default_corpus() -> list[Path]:
    paths = [ROOT / "corpus"]
    if (SHARED / "corpus" / "state-council").is_dir():
        paths.append(SHARED / "corpus" / "state-council")
    return paths


def default_qa() -> list[Path]:
    return [p for p in (ROOT / "tests" / "data" / "qa_dev.jsonl", SHARED / "qa" / "ncp_dev.jsonl") if p.is_file()]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident set size of a process in MB, from /proc (Linux)."""
    fields: dict[str, float] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(rest.split()[0]) / 1024
    except OSError:
        pass
    return fields.get("VmRSS", float("nan")), fields.get("VmHWM", float("nan"))


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads) in seconds, from /proc (Linux); nan when unreadable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def self_cpu_seconds() -> float:
    import resource

    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def start_py_spy(pid: int, out: Path) -> subprocess.Popen[bytes] | None:
    exe = shutil.which("py-spy") or (str(Path(sys.executable).parent / "py-spy")
                                     if (Path(sys.executable).parent / "py-spy").is_file() else None)
    if exe is None:
        print("--py-spy: py-spy not found (pip install py-spy); not profiling", file=sys.stderr, flush=True)
        return None
    return subprocess.Popen([exe, "record", "--pid", str(pid), "--format", "raw", "--output", str(out),
                             "--rate", "100", "--nonblocking", "--threads"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def check_answer(status: int, body: bytes) -> tuple[str | None, str]:
    """(error or None, outcome): outcome is 'cited' or 'refused' for a good answer."""
    if status != 200:
        return f"HTTP {status}: {body[:200].decode(errors='replace')}", "error"
    try:
        d = json.loads(body)
    except ValueError:
        return "body is not JSON", "error"
    if not isinstance(d, dict) or not isinstance(d.get("answer"), str) or not isinstance(d.get("refused"), bool) \
            or not isinstance(d.get("citations"), list) or not isinstance(d.get("warnings"), list):
        return f"malformed body: {str(d)[:200]}", "error"
    cites = d["citations"]
    if not all(isinstance(c, dict) and CITATION_FIELDS <= set(c) for c in cites):
        return "malformed citation", "error"
    numbers = [c["n"] for c in cites]
    if numbers != list(range(1, len(cites) + 1)):
        return f"citations are not numbered 1..{len(cites)}: {numbers}", "error"
    used = {int(m) for m in MARKER.findall(d["answer"])}
    dangling = sorted(used - set(numbers))
    if dangling:
        return f"markers {dangling} point to no returned passage ({len(cites)} returned)", "error"
    if d["refused"]:
        if cites or not REFUSAL_SENTENCE.search(d["answer"]):
            return "a refusal with citations or without the refusal sentence", "error"
        return None, "refused"
    if not cites or not used:
        return "an answer that neither cites a passage nor refuses", "error"
    return None, "cited"


def ingest(data_dir: Path, corpus: list[Path], env: dict[str, str], timeout: float) -> dict[str, Any]:
    t0 = time.monotonic()
    try:
        p = subprocess.run([sys.executable, str(ROOT / "ingest.py"), *map(str, corpus), "--json"], cwd=ROOT, env=env,
                           capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise RunError(f"the ingest did not finish in {timeout:.0f} s") from e
    if p.returncode != 0:
        raise RunError(f"ingest failed (exit {p.returncode}): {p.stderr.decode(errors='replace')[-1500:]}")
    rep = json.loads(p.stdout.decode().strip().splitlines()[-1])
    rep["seconds"] = round(time.monotonic() - t0, 1)
    return rep


def start_server(env: dict[str, str], log: Path, timeout: float) -> tuple[subprocess.Popen[bytes], str]:
    port = int(env["RAG_PORT"])
    with open(log, "wb") as fh:
        proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=ROOT, env=env, stdout=fh, stderr=fh)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RunError(f"the server exited with {proc.returncode}: {log.read_text(errors='replace')[-1500:]}")
        try:
            if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    stop_server(proc)
    raise RunError(f"the server did not answer /api/health within {timeout:.0f} s")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)


def run_clients(url: str, questions: list[str], clients: int, per_client: int, deadline: float,
                request_timeout: float) -> tuple[list[dict[str, Any]], float]:
    """Every client is a thread with its own connection; all start together (a barrier)."""
    results: list[dict[str, Any]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients)

    def client(c: int) -> None:
        out: list[dict[str, Any]] = []
        with httpx.Client(timeout=request_timeout) as http:
            barrier.wait()
            for i in range(per_client):
                if time.monotonic() > deadline:
                    out.append({"client": c, "error": "not sent: overall timeout", "outcome": "error", "seconds": 0.0})
                    continue
                q = questions[(c * per_client + i) % len(questions)]
                t0 = time.perf_counter()
                try:
                    r = http.post(f"{url}/api/ask", json={"question": q})
                    err, outcome = check_answer(r.status_code, r.content)
                except httpx.HTTPError as e:
                    err, outcome = f"{type(e).__name__}: {e}", "error"
                out.append({"client": c, "question": q, "error": err, "outcome": outcome,
                            "seconds": time.perf_counter() - t0})
        with lock:
            results.extend(out)

    threads = [threading.Thread(target=client, args=(c,), daemon=True) for c in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()) + request_timeout)
    wall = time.perf_counter() - t0
    if any(t.is_alive() for t in threads):
        raise RunError("the clients did not finish before the overall timeout")
    return results, wall


def percentile(xs: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    s = sorted(xs)
    return s[max(0, min(len(s) - 1, round(p / 100 * len(s) + 0.5) - 1))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    ap.add_argument("--questions", type=int, default=25, help="questions per client (default 25)")
    ap.add_argument("--corpus", type=Path, action="append", help="file or folder to ingest (repeatable; default: "
                    "corpus/ and ../shared/corpus/state-council)")
    ap.add_argument("--qa", type=Path, action="append", help="questions file, JSONL (repeatable; default: "
                    "tests/data/qa_dev.jsonl and ../shared/qa/ncp_dev.jsonl)")
    ap.add_argument("--data-dir", type=Path, help="store to ingest into and serve (default: a temporary dir, "
                    "removed afterwards); an existing store is ingested incrementally")
    ap.add_argument("--rate-limit", type=int, default=0, help="the server's RAG_RATE_LIMIT_PER_MIN for this run "
                    "(default 0 = off: every client is 127.0.0.1)")
    ap.add_argument("--timeout", type=float, default=1800, help="hard limit for the whole run in seconds")
    ap.add_argument("--request-timeout", type=float, default=120, help="per request, seconds")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    ap.add_argument("--markdown", action="store_true", help="also print the result as a README table row")
    ap.add_argument("--py-spy", type=Path, metavar="FILE", help="record the server's stacks during the load "
                    "into FILE (py-spy, raw collapsed stacks; needs py-spy installed)")
    args = ap.parse_args(argv)
    if args.clients < 1 or args.questions < 1:
        ap.error("--clients and --questions must be at least 1")

    start = time.monotonic()
    deadline = start + args.timeout
    # The last resort of "stops by itself": whatever hangs, the process ends (the finally below is skipped,
    # so the server is killed here too).
    server: list[subprocess.Popen[bytes]] = []

    def hard_stop() -> None:
        for p in server:
            p.kill()
        print(f"load test: overall timeout of {args.timeout:.0f} s exceeded", file=sys.stderr, flush=True)
        os._exit(2)

    watchdog = threading.Timer(args.timeout + 60, hard_stop)
    watchdog.daemon = True
    watchdog.start()

    corpus = args.corpus or default_corpus()
    qa_files = args.qa or default_qa()
    questions = [q.question for f in qa_files for q in load_qa(f)]
    if not questions:
        print("error: no questions (give --qa FILE)", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="policy-qa-load-"))
    data_dir = args.data_dir or tmp / "data"
    port = free_port()
    env = {
        **os.environ, "RAG_DATA_DIR": str(data_dir), "RAG_LLM": "none", "RAG_HOST": "127.0.0.1",
        "RAG_PORT": str(port), "RAG_RATE_LIMIT_PER_MIN": str(args.rate_limit),
        # app.py ingests RAG_CORPUS_DIR at start; the store is already ingested here, so point it nowhere.
        "RAG_CORPUS_DIR": str(tmp / "no-corpus"), "RAG_ADMIN_TOKEN": "",
        "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False",
    }
    report: dict[str, Any] = {"clients": args.clients, "questions_per_client": args.questions,
                              "rate_limit_per_min": args.rate_limit, "llm": "none",
                              "corpus": [str(p) for p in corpus], "qa": [str(p) for p in qa_files],
                              "distinct_questions": len(set(questions)),
                              # what decides the server's throughput, as this run had it
                              "answer_concurrency": int(env.get("RAG_ANSWER_CONCURRENCY") or 4),
                              "sentence_dense": env.get("RAG_SENTENCE_DENSE", "false"),
                              "omp_num_threads": env.get("OMP_NUM_THREADS", ""),  # torch's threads; "" = one per core
                              "cpu_count": os.cpu_count()}
    proc = None
    try:
        rep = ingest(data_dir, corpus, env, max(1.0, deadline - time.monotonic()))
        report["ingest"] = {k: rep.get(k) for k in ("files", "skipped_unchanged", "chunks_added", "seconds")} | {"errors": len(rep.get("errors", []))}
        t0 = time.monotonic()
        proc, url = start_server(env, tmp / "app.log", min(300.0, max(1.0, deadline - time.monotonic())))
        server.append(proc)
        report["server"] = {"url": url, "startup_seconds": round(time.monotonic() - t0, 1),
                            **httpx.get(f"{url}/api/health", timeout=10).json()}
        # One question before the clocks start: the models load on first use, which is start-up, not load.
        t0 = time.perf_counter()
        r = httpx.post(f"{url}/api/ask", json={"question": questions[0]}, timeout=args.request_timeout)
        report["warmup_seconds"] = round(time.perf_counter() - t0, 2)
        if r.status_code != 200:
            raise RunError(f"the warm-up question got HTTP {r.status_code}: {r.text[:300]}")
        rss_before, _ = rss_mb(proc.pid)
        peak_sampled = [rss_before]
        sampling = threading.Event()

        def sample() -> None:  # VmHWM covers the peak; the samples show the working level during the run
            while not sampling.wait(0.5):
                peak_sampled.append(rss_mb(proc.pid)[0])

        sampler = threading.Thread(target=sample, daemon=True)
        spy = start_py_spy(proc.pid, args.py_spy) if args.py_spy else None
        if spy is not None:
            time.sleep(1.0)  # attached before the clients start
        load_before = os.getloadavg()
        cpu0, self0 = cpu_seconds(proc.pid), self_cpu_seconds()
        sampler.start()
        results, wall = run_clients(url, questions, args.clients, args.questions, deadline, args.request_timeout)
        cpu1, self1 = cpu_seconds(proc.pid), self_cpu_seconds()
        load_after = os.getloadavg()
        sampling.set()
        sampler.join()
        rss_after, rss_peak = rss_mb(proc.pid)
        if spy is not None:
            spy.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
            try:
                _, err = spy.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                spy.kill()
                _, err = spy.communicate()
            report["py_spy"] = {"output": str(args.py_spy), "exit": spy.returncode,
                                "stderr": err.decode(errors="replace")[-500:]}
    except RunError as e:
        report["error"] = str(e)
        _print(report, args.json)
        return 2
    finally:
        if proc is not None:
            stop_server(proc)
        watchdog.cancel()
        shutil.rmtree(tmp, ignore_errors=True)

    lat = [r["seconds"] for r in results if r["outcome"] != "error" or r["seconds"] > 0]
    errors = [r for r in results if r["error"]]
    outcomes = Counter(r["outcome"] for r in results)
    report |= {
        "requests": len(results),
        "errors": len(errors),
        "error_kinds": dict(Counter(e["error"].split(":")[0] for e in errors)),
        "error_examples": [{"question": e.get("question"), "error": e["error"]} for e in errors[:5]],
        "cited": outcomes["cited"],
        "refused": outcomes["refused"],
        "latency_s": {"p50": round(percentile(lat, 50), 3), "p95": round(percentile(lat, 95), 3),
                      "max": round(max(lat), 3), "mean": round(statistics.fmean(lat), 3)} if lat else {},
        "wall_s": round(wall, 1),
        "throughput_rps": round(len(results) / wall, 2) if wall > 0 else 0.0,
        "server_cpu_s": round(cpu1 - cpu0, 1),
        "server_cpu_ms_per_request": round((cpu1 - cpu0) / len(results) * 1000, 1) if results else 0.0,
        "server_cores_busy": round((cpu1 - cpu0) / wall, 2) if wall > 0 else 0.0,
        "client_cpu_s": round(self1 - self0, 1),
        "loadavg_1min": {"before": round(load_before[0], 2), "after": round(load_after[0], 2)},
        "server_rss_mb": {"before": round(rss_before), "max_sampled": round(max(peak_sampled)),
                          "after": round(rss_after), "peak": round(rss_peak)},
        "total_s": round(time.monotonic() - start, 1),
    }
    _print(report, args.json)
    if args.markdown:
        print(markdown_row(report), flush=True)
    return 1 if errors else 0


def markdown_row(rep: dict[str, Any]) -> str:
    """The README's load-test table: a header for this store and one row for this run."""
    s, lat, rss = rep["server"], rep["latency_s"], rep["server_rss_mb"]
    omp = f" `OMP_NUM_THREADS={rep['omp_num_threads']}`" if rep.get("omp_num_threads") else ""
    label = (f"`RAG_ANSWER_CONCURRENCY={rep['answer_concurrency']}`{omp}, {rep['clients']} × {rep['questions_per_client']}"
             f", load avg {rep['loadavg_1min']['before']}→{rep['loadavg_1min']['after']}")
    return "\n".join([
        f"| {s['documents']} documents, {s['chunks']} passages | requests | errors | cited / refused "
        "| p50 / p95 / max | throughput | server CPU / request | server RSS idle / peak |",
        "|---|---|---|---|---|---|---|---|",
        f"| {label} | {rep['requests']} | **{rep['errors']}** | {rep['cited']} / {rep['refused']} "
        f"| {lat['p50']} / {lat['p95']} / {lat['max']} s | **{rep['throughput_rps']} req/s** "
        f"| {rep['server_cpu_ms_per_request']} ms ({rep['server_cores_busy']} cores busy) "
        f"| {rep['server_rss_mb']['before'] / 1024:.1f} / {rss['peak'] / 1024:.1f} GB |",
    ])


def _print(rep: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(rep, ensure_ascii=False), flush=True)
        return
    lines = ["policy-qa load test — loopback only, extractive answers (RAG_LLM=none)"]
    if "ingest" in rep:
        i = rep["ingest"]
        lines.append(f"store:      {i['files']} files ingested ({i['skipped_unchanged']} unchanged, "
                     f"{i['errors']} errors, {i['chunks_added']} passages added) in {i['seconds']} s "
                     f"from {', '.join(rep['corpus'])}")
    if "server" in rep:
        s = rep["server"]
        limit = rep["rate_limit_per_min"]
        lines.append(f"server:     app.py on {s['url']}, up in {s['startup_seconds']} s; {s['documents']} documents, "
                     f"{s['chunks']} passages; warm-up question {rep['warmup_seconds']} s (not counted)")
        lines.append(f"rate limit: RAG_RATE_LIMIT_PER_MIN={limit} for this run "
                     + ("(off: all load clients share 127.0.0.1)" if limit == 0 else "(all clients share 127.0.0.1)"))
    if "error" in rep:
        lines.append(f"FAILED:     {rep['error']}")
        print("\n".join(lines), flush=True)
        return
    lat = rep["latency_s"]
    rss = rep["server_rss_mb"]
    lines += [
        f"load:       {rep['clients']} clients × {rep['questions_per_client']} questions through POST /api/ask "
        f"({rep['distinct_questions']} distinct questions, cycled)",
        f"requests:   {rep['requests']}   errors: {rep['errors']}   cited answers: {rep['cited']}   "
        f"refusals: {rep['refused']}",
        f"latency:    p50 {lat.get('p50')} s   p95 {lat.get('p95')} s   max {lat.get('max')} s   "
        f"mean {lat.get('mean')} s",
        f"throughput: {rep['throughput_rps']} requests/s ({rep['requests']} requests in {rep['wall_s']} s)",
        f"server CPU: {rep['server_cpu_ms_per_request']} ms per request ({rep['server_cpu_s']} s in all, "
        f"{rep['server_cores_busy']} of {rep['cpu_count']} cores busy; answer threads "
        f"RAG_ANSWER_CONCURRENCY={rep['answer_concurrency']}, torch threads "
        f"{rep.get('omp_num_threads') or 'one per core'}); the clients' own CPU {rep['client_cpu_s']} s; "
        f"load average {rep['loadavg_1min']['before']} → {rep['loadavg_1min']['after']}",
        f"server RSS: {rss['before']} MB before the load, {rss['max_sampled']} MB max sampled, {rss['after']} MB after;"
        f" peak (VmHWM) {rss['peak']} MB",
        f"total:      {rep['total_s']} s",
    ]
    for e in rep["error_examples"]:
        lines.append(f"  ✗ {e['question']!r}: {e['error']}")
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
