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
