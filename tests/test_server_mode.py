"""Server mode: with RAG_CHROMA_URL set, ingest, the keyword index and retrieval work against a real
`chroma run` server, and a second process-like pipeline (another app replica with its own data dir) sees
what the first one ingested: the store is the truth, each replica's keyword index follows it."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from rag.pipeline import build
from rag.settings import Settings

from .conftest import SEED

pytestmark = pytest.mark.slow

CHROMA = Path(sys.executable).parent / "chroma"


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMA.exists():
        pytest.skip("the chroma CLI is not installed in this environment")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    tmp = tmp_path_factory.mktemp("chroma-server")
    with open(tmp / "server.log", "wb") as log:
        proc = subprocess.Popen(
            [str(CHROMA), "run", "--path", str(tmp / "db"), "--host", "127.0.0.1", "--port", str(port)],
            stdout=log, stderr=log,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            raise RuntimeError((tmp / "server.log").read_text(errors="replace")[-2000:])
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _replica(tmp: Path, name: str, url: str, corpus: Path, emb: Any) -> Any:
    s = Settings(data_dir=tmp / name, corpus_dir=corpus, chroma_url=url)
    p = build(s, emb)
    p.lexical.check_every = 0  # check the store's stamp on every search (the default is every 5 s)
    return p


def test_two_replicas_share_one_server_store(tmp_path: Path, chroma_url: str, real_embedder: Any) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    a = _replica(tmp_path, "a", chroma_url, corpus, real_embedder)
    b = _replica(tmp_path, "b", chroma_url, corpus, real_embedder)

    rep = a.ingest([corpus])
    assert rep.docs_added == 1 and not rep.errors
    assert not (tmp_path / "a" / "chroma").exists(), "server mode must not write an embedded store"

    # replica b never ingested: its keyword index is built from the server's store on first use
    res = b.retriever.retrieve("鄂建提复字〔2025〕334号答复的是哪个提案？")
    assert res.hits and res.hits[0].chunk.source == SEED.name
    assert b.retriever.retrieve("企业研发投入最高能拿多少科研经费支持？").hits

    # a adds a document; b's next search sees it, and sees its removal
    (corpus / "rent.txt").write_text(
        "关于减免小微企业房租的通知\n一、对承租国有房产的小微企业，免收3个月房租。", encoding="utf-8"
    )
    a.ingest([corpus])
    assert any(h.chunk.source == "rent.txt" for h in b.retriever.retrieve("小微企业房租减免几个月？").hits)
    (corpus / "rent.txt").unlink()
    assert a.ingest([corpus]).docs_removed == 1
    assert not any(h.chunk.source == "rent.txt" for h in b.retriever.retrieve("小微企业房租减免几个月？").hits)

    # an unchanged corpus embeds nothing, from either replica
    assert b.ingest([corpus]).skipped_unchanged == 1


def test_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    from rag.errors import StoreError

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket is closed
    p = build(Settings(data_dir=tmp_path, chroma_url=f"http://127.0.0.1:{port}"))
    with pytest.raises(StoreError, match=f"cannot open Chroma store at http://127.0.0.1:{port}"):
        p.store.count()


def test_two_app_processes_and_the_eval_share_one_server(tmp_path: Path, chroma_url: str) -> None:
    """Two real app.py replicas and the eval CLI against one `chroma run`: both answer from the one store,
    neither writes an embedded store, and `rag.eval --corpus` uses a temporary collection, never the
    configured one."""
    import json
    import os

    import chromadb

    from .conftest import ROOT
    from .test_api import ask, start_app

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    env = {"RAG_CHROMA_URL": chroma_url, "RAG_COLLECTION": "apps"}
    procs = []
    try:
        urls = []
        for name in ("a", "b"):  # a ingests the corpus at start; b finds it in the store
            (tmp_path / name).mkdir()
            proc, url = start_app(tmp_path / name, corpus, **env)
            procs.append(proc)
            urls.append(url)
        for name, url in zip(("a", "b"), urls, strict=True):
            r = ask(url, {"question": "鄂建提复字〔2025〕334号答复的是哪个提案？"})
            assert r.status_code == 200, r.text
            assert r.json()["citations"][0]["source"] == SEED.name
            assert httpx.get(f"{url}/api/health").json()["documents"] == 1
            assert not (tmp_path / name / "data" / "chroma").exists(), "server mode wrote an embedded store"

        qa = tmp_path / "qa.jsonl"
        qa.write_text(
            json.dumps({"question": "企业研发投入最高能拿多少科研经费支持？", "source": SEED.name,
                        "expect": ["500万元"]}, ensure_ascii=False) + "\n"
            + json.dumps({"question": "明天北京天气怎么样？", "source": None, "expect": []}, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        run_env = {**os.environ, **env, "RAG_DATA_DIR": str(tmp_path / "eval")}
        out = subprocess.run([sys.executable, "-m", "rag.eval", "--qa", str(qa), "--json"], cwd=ROOT, env=run_env,
                             capture_output=True, text=True, timeout=600)
        assert out.returncode == 0, out.stderr[-2000:]
        res = json.loads(out.stdout)
        assert res["recall@1"] == 1.0 and res["refusal_accuracy"] == 1.0, res

        other = tmp_path / "other"
        other.mkdir()
        (other / "rent.txt").write_text("关于减免小微企业房租的通知\n一、对承租国有房产的小微企业，免收3个月房租。",
                                        encoding="utf-8")
        out = subprocess.run([sys.executable, "-m", "rag.eval", "--qa", str(qa), "--corpus", str(other), "--json"],
                             cwd=ROOT, env=run_env, capture_output=True, text=True, timeout=600)
        assert out.returncode == 0, out.stderr[-2000:]
        assert json.loads(out.stdout)["recall@1"] == 0.0  # the seed is not in the temporary store
        assert httpx.get(f"{urls[1]}/api/health").json()["documents"] == 1, "eval --corpus touched the store"
        u = httpx.URL(chroma_url)
        names = [c.name for c in chromadb.HttpClient(host=u.host, port=u.port).list_collections()]
        assert not [n for n in names if n.startswith("eval_")], names
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=30)


def test_one_ingest_at_a_time_per_server_store(tmp_path: Path, chroma_url: str) -> None:
    """The data dir's file lock covers one machine; on a server store a lease record refuses a second
    ingest from any host, and a dead holder's lease is taken over."""
    import os
    import socket as sock
    import time as t

    from rag.embed import HashEmbedder
    from rag.errors import IngestLockedError
    from rag.store import LEASE_ID

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    # two replicas with their own data dirs (their file locks never meet), one store
    a = build(Settings(data_dir=tmp_path / "a", chroma_url=chroma_url, collection="leases"), HashEmbedder())
    b = build(Settings(data_dir=tmp_path / "b", chroma_url=chroma_url, collection="leases"), HashEmbedder())
    with a.store.ingest_lease():
        with pytest.raises(IngestLockedError, match="another ingest is running on this store"):
            b.ingest([corpus])
    assert b.ingest([corpus]).docs_added == 1, "the lease is released when the holder finishes"

    lock = b.store._client.get_collection("leases_lock")
    assert not lock.get(ids=[LEASE_ID])["ids"]

    def plant(owner: str, expires_in: float) -> None:
        lock.upsert(ids=[LEASE_ID], embeddings=[[1.0]], metadatas=[{"owner": owner, "expires": t.time() + expires_in}])

    plant("other-host:123:x", 300)  # alive elsewhere: refused
    with pytest.raises(IngestLockedError, match="other-host:123"):
        a.ingest([corpus])
    plant("other-host:123:x", -1)  # expired: taken over
    assert a.ingest([corpus]).skipped_unchanged == 1
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    plant(f"{sock.gethostname()}:{dead.pid}:x", 300)  # a process of this host that has exited: taken over
    assert a.ingest([corpus]).skipped_unchanged == 1
    plant(f"{sock.gethostname()}:{os.getpid()}:x", 300)  # a live process of this host: refused
    with pytest.raises(IngestLockedError):
        a.ingest([corpus])
