"""The single place that picks concrete classes from the settings. Cheap to build; models and stores
open on first use."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .blocklist import Blocklist
from .chat import ChatEngine
from .embed import BaseEmbedder, make_embedder
from .ingest import IngestReport, Progress, ingest
from .lexical import LexicalIndex
from .links import LinkIndex
from .logbook import Logbook
from .policies import PolicyBook
from .registry import Registry
from .retrieve import HybridRetriever, RetrievalConfig
from .settings import Settings, ensure_tiktoken_offline
from .store import ChromaStore, make_store
from .suggest import Suggester


@dataclass
class Pipeline:
    settings: Settings
    _embedder: BaseEmbedder | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        ensure_tiktoken_offline()

    @cached_property
    def store(self) -> ChromaStore:
        return make_store(self.settings)

    @property
    def embedder(self) -> BaseEmbedder:
        if self._embedder is None:
            self._embedder = make_embedder(self.settings)
        return self._embedder

    @cached_property
    def lexical(self) -> LexicalIndex:
        return LexicalIndex(self.settings.index_dir, self.store)

    @cached_property
    def retriever(self) -> HybridRetriever:
        st = self.settings
        cfg = RetrievalConfig(
            k=st.top_k,
            fusion=st.fusion,
            rrf_k=st.rrf_k,
            dense_weight=st.dense_weight,
            bm25_weight=st.bm25_weight, max_per_doc=st.max_per_doc, max_question_chars=st.max_question_chars
        )
        return HybridRetriever(self.store, self.embedder, self.lexical, cfg)

    @cached_property
    def chat(self) -> ChatEngine:
        """rewrite → retrieve → answer: extractive by default, the LLM when ``RAG_LLM`` is set."""
        from .answer import ExtractiveAnswerer
        from .llm import GenerationGate, GenerativeAnswerer, make_chat_model

        st = self.settings
        model = make_chat_model(st)
        generative = GenerativeAnswerer(model) if model is not None else None
        gate = GenerationGate(st.llm_slots, st.queue_max_size) if generative is not None else None
        extractive = ExtractiveAnswerer(
            self.embedder, documents=self.retriever.document_chunks, dense_weight=0.45 if st.sentence_dense else 0.0
        )
        return ChatEngine(self.retriever, extractive, generative, k=st.top_k, gate=gate, book=self.book,
                          registry=self.registry)

    @cached_property
    def book(self) -> PolicyBook:
        """Validity (as of ``RAG_AS_OF``) and support measures of every document, from the manifest."""
        return PolicyBook(self.store, self.settings.today)

    @cached_property
    def links(self) -> LinkIndex:
        """References between the store's documents, resolved (rag.links), from the manifest."""
        return LinkIndex(self.store)

    @cached_property
    def registry(self) -> Registry:
        """The register of past replies (rag.registry): every reply letter's fields, from the manifest."""
        return Registry(self.store)

    @cached_property
    def logbook(self) -> Logbook:
        """The question log and feedback (``RAG_LOG_DAYS``; purged on open and daily)."""
        return Logbook.open(self.settings)

    @cached_property
    def blocklist(self) -> Blocklist:
        """Words public questions must not contain (``RAG_BLOCKLIST``)."""
        return Blocklist.load(self.settings.blocklist)

    @cached_property
    def suggester(self) -> Suggester:
        """Example questions drawn from the corpus and follow-ups under each answer (rag.suggest)."""
        return Suggester.of(self.retriever)

    def warm_up(self) -> None:
        """Load what the first question would otherwise wait for: the embedding model, jieba's dictionary,
        the keyword index and the identifier maps (the app calls this before it listens)."""
        self.embedder.embed_query_vec("预热")
        self.retriever.exact_docs("国发〔2020〕1号")
        self.lexical.search("预热 政策", 1)
        self.book.docs()
        self.links.docs()
        self.registry.entries()
        _ = self.chat

    def ensure_ingested(self, progress: Progress | None = None) -> IngestReport | None:
        """Ingest the corpus dir when the store is empty or the corpus changed (incremental: cheap when
        nothing did). None when there is no corpus dir."""
        if not self.settings.corpus_dir.is_dir():
            return None
        return self.ingest([self.settings.corpus_dir], progress)

    def ingest(self, paths: Iterable[Path], progress: Progress | None = None) -> IngestReport:
        return ingest(
            paths,
            settings=self.settings,
            store=self.store,
            embedder=self.embedder,
            progress=progress,
            on_change=self.store_changed,
        )

    def store_changed(self) -> None:
        """After this process changed the store: the keyword index rebuilt, the policy book, the links and the
        register re-read."""
        self.lexical.rebuild()
        self.book.refresh()
        self.links.refresh()
        self.registry.refresh()


def build(settings: Settings | None = None, embedder: BaseEmbedder | None = None) -> Pipeline:
    return Pipeline(settings or Settings(), embedder)
