from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEED = ROOT / "corpus" / "000_4f56bf1c4842e0b1.txt"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: Any) -> Any:
    """No test talks to the outside world: the machine has no internet, and a test that silently tried to
    download a model would be testing the wrong thing."""
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and not (
        host in ("localhost", "::1") or host.startswith("127.") or host.startswith("/")
    ):
        raise OSError(f"network access blocked in tests: {address!r}")
    return _real_connect(self, address)


socket.socket.connect = _loopback_only  # type: ignore[method-assign]


def shared_or_skip(*parts: str) -> Path:
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"{p} is not present (../shared is laid beside the checkout in CI)")
    return p


@pytest.fixture(scope="session")
def real_embedder() -> Any:
    """The real m3e-small model, loaded once per test session."""
    from rag.embed import make_embedder
    from rag.settings import Settings

    emb = make_embedder(Settings())
    emb.embed_texts(["预热"])
    return emb


class CountingEmbedder:
    """Wraps a real embedder and counts how many texts it was asked to embed."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls = 0
        self.texts = 0

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        self.texts += len(texts)
        return self.inner.embed_texts(texts)

    def embed_query_vec(self, text: str) -> np.ndarray:
        return self.inner.embed_query_vec(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.fixture
def counting(real_embedder: Any) -> CountingEmbedder:
    return CountingEmbedder(real_embedder)


@pytest.fixture
def tmp_settings(tmp_path: Path) -> Iterator[Any]:
    from rag.settings import Settings

    yield Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "corpus")
