"""bench/load.py at full size (20 clients × 25 questions) against the real app: real m3e-small, real Chroma,
the seed corpus plus 24 State Council documents (enough passages for real retrieval work; a small ingest). No timing assertions: the machine is
shared; what must hold under load is that every request gets a well-formed answer that either cites the
passages it returns or is an explicit refusal."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from .conftest import ROOT, shared_or_skip

pytestmark = pytest.mark.slow


def test_full_size_load_run_has_no_errors() -> None:
    sc = shared_or_skip("corpus", "state-council")
    shared_or_skip("qa", "ncp_dev.jsonl")
    corpus = [ROOT / "corpus", *sorted(sc.glob("*.txt"))[:24]]
    p = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "load.py"), "--clients", "20", "--questions", "25", "--json",
         "--timeout", "1500", *[a for c in corpus for a in ("--corpus", str(c))]],
        cwd=ROOT, env=dict(os.environ), capture_output=True, timeout=1700,
    )
    out = p.stdout.decode(errors="replace").strip()
    assert out, p.stderr.decode(errors="replace")[-3000:]
    rep = json.loads(out.splitlines()[-1])
    assert "error" not in rep, rep["error"]
    assert rep["requests"] == 500
    assert rep["errors"] == 0, rep["error_examples"]
    assert rep["cited"] + rep["refused"] == rep["requests"], "every answer cites passages or refuses"
    assert rep["cited"] > 0 and rep["refused"] > 0  # both kinds occur: seed questions answer, NCP ones refuse
    assert rep["rate_limit_per_min"] == 0 and rep["server"]["documents"] == 25
    assert p.returncode == 0
