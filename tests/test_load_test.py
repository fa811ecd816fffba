"""bench/load.py at full size (20 clients × 25 questions) against the real app: real m3e-small, real Chroma,
the seed corpus plus 24 State Council documents (enough passages for real retrieval work; a small ingest). No timing assertions: the machine is
shared; what must hold under load is that every request gets a well-formed answer that either cites the
passages it returns or is an explicit refusal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from .conftest import ROOT, shared_or_skip


def _load_module() -> Any:  # bench/ is no package: the script, imported by path
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_load", ROOT / "bench" / "load.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_check_answer_accepts_both_refusal_wordings() -> None:
    """The plain refusal and the one naming what the corpus lacks (rag.answer.refusal with ``about``) are
    refusals; a refusal with citations or another sentence is an error."""
    load = _load_module()

    def check(answer: str, cites: list[dict[str, object]] | None = None) -> tuple[str | None, str]:
        body = {"answer": answer, "refused": True, "citations": cites or [], "warnings": []}
        return load.check_answer(200, json.dumps(body, ensure_ascii=False).encode())

    assert check("未在已收录文件中找到相关依据。 可以换个说法。") == (None, "refused")
    assert check("未在已收录文件中找到关于“上海浦东”的相关依据。 可以换个说法。") == (None, "refused")
    assert check("未在已收录文件中找到关于“银川市”、“上海”的相关依据。") == (None, "refused")
    assert check("没有找到。")[1] == "error"
    cite = {"n": 1, "title": "t", "doc_number": "", "section": "", "date": "", "source": "a.txt", "text": "x"}
    assert check("未在已收录文件中找到相关依据。", [cite])[1] == "error"


@pytest.mark.slow
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
