"""The records that carry data between the pipeline stages.

``SourceDoc`` (load) → ``DocMeta`` (metadata) → ``Chunk`` (chunk) → ``Hit`` (retrieve).
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, fields
from typing import Any


def sha256_hex(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class SourceDoc:
    """One input file, decoded to text but not yet cleaned."""

    source: str  # display name: the file name (never a full path: it is shown to users)
    key: str  # identity of the file in the store: its resolved path, posix style
    text: str
    file_hash: str  # sha256 of the raw bytes: what incremental ingest compares
    fmt: str  # txt, md, docx, pdf, html, doc, wps, rtf, odt, ofd, image
    encoding: str | None = None  # for text formats: the detected encoding
    # What the ingest report should say about a file that loaded (OCR pages of low confidence, pages left out)
    warnings: tuple[str, ...] = ()

    @property
    def doc_id(self) -> str:
        return doc_id_for(self.key)


def doc_id_for(key: str) -> str:
    """A document's id in the store: a hash of its resolved path (so it is known even when the file cannot
    be read)."""
    return sha256_hex(key)[:16]


DOC_TYPES = ("reply_letter", "notice", "measures", "opinion", "reply", "decision", "plan", "other")


@dataclass
class DocMeta:
    """Rule-based 公文 metadata. A field that cannot be read from the document is None, never guessed."""

    title: str | None = None
    doc_number: str | None = None  # 文号, brackets normalised to 〔〕
    issuer: str | None = None  # 发文机关
    date: str | None = None  # 成文日期, ISO YYYY-MM-DD
    signer: str | None = None  # 签发人
    doc_type: str = "other"
    proposal_number: str | None = None  # reply letters: e.g. "0261"
    proposal_title: str | None = None
    proposer: str | None = None  # the addressed 委员/代表
    recipients_cc: str | None = None  # 抄送
    addressee: str | None = None  # 主送机关 / the line ending in ：
    # 联系人 of the (first) contact note, as written: 苏浩, 刘霞、张宏鸽, 合作司宋晓 (the unit may lead)
    contact: str | None = None
    contact_phone: str | None = None  # 联系电话 of that note: all its numbers, normalised, "、"-joined
    print_office: str | None = None  # 印发机关 of the 版记 (鄂尔多斯市人民政府办公室)
    print_date: str | None = None  # 印发日期 of the 版记, ISO YYYY-MM-DD
    # Not a 公文 field: the document's opening words (first sentence, ≤ 40 chars). News-style documents have
    # no title; their later passages would lose who/where they are about without it (see README: retrieval).
    lead: str | None = None
    # Not 公文 fields either, read at ingest (rag.regions, rag.validity): where its measures apply (全国,
    # 内蒙古自治区鄂尔多斯市) and when (ISO days as the text states them; None = not stated). open_end: the end
    # is tied to an event (疫情结束, 另行通知). repeals: titles of the documents it repeals, "\n"-joined.
    region: str | None = None
    valid_from: str | None = None
    valid_to: str | None = None
    validity_evidence: str | None = None
    open_end: bool | None = None
    repeals: str | None = None
    # Not read from the text: public or internal (rag.access), from where the file lies; stored on every
    # passage and the doc record, and filtered on inside every search.
    visibility: str = "public"

    @property
    def heading(self) -> str | None:
        """What to put in front of a passage: the title, else the lead."""
        return self.title or self.lead

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DocMeta:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


@dataclass(frozen=True)
class Chunk:
    """A passage of one document, cut along its official structure."""

    id: str  # hash of source key + span + text: stable across runs, unique within a store
    doc_id: str
    source: str
    text: str  # the clean passage as stored and shown
    section: str  # heading path, " > " separated; "" before the first heading
    start: int  # character span in the cleaned document text
    end: int
    tokens: int  # cl100k tokens of ``text``
    ordinal: int  # position within the document
    meta: DocMeta = field(default_factory=DocMeta)

    @staticmethod
    def make_id(key: str, start: int, text: str) -> str:
        return sha256_hex(f"{key}\x00{start}\x00{text}")[:32]

    @property
    def embed_text(self) -> str:
        """What the embedder sees: title and section path in front of the passage (QAnything-style), so a
        passage that says only 一是… still knows what it is about."""
        head = " ".join(p for p in (self.meta.heading, self.section) if p)
        return f"{head}\n{self.text}" if head else self.text


@dataclass
class Hit:
    """One retrieved passage with its scores."""

    chunk: Chunk
    score: float  # fused score (higher is better)
    dense: float | None = None  # cosine similarity, if the dense channel found it
    bm25: float | None = None  # BM25 score, if the keyword channel found it
    dense_rank: int | None = None
    bm25_rank: int | None = None
    exact: bool = False  # matched a 文号 / proposal number named in the query


@dataclass
class Citation:
    """A passage an answer cites, numbered as in the answer text ([1], [2] …)."""

    n: int
    chunk_id: str
    doc_id: str
    title: str | None
    doc_number: str | None
    section: str
    date: str | None
    source: str
    text: str  # the whole passage
    used: list[str] = field(default_factory=list)  # the sentences of it the answer uses (for highlighting)
    status: str | None = None  # validity of its document on the as-of day: current/expired/repealed/unknown
    valid_to: str | None = None
    visibility: str = "public"  # its document's (rag.access): an internal one is marked 内部 for staff

    @classmethod
    def from_hit(cls, n: int, hit: Hit, used: list[str] | None = None) -> Citation:
        c = hit.chunk
        return cls(
            n,
            c.id,
            c.doc_id,
            c.meta.title,
            c.meta.doc_number,
            c.section,
            c.meta.date,
            c.source,
            c.text,
            list(used or []),
            visibility=c.meta.visibility,
        )

    def to_api(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "title": self.title or self.source,
            "doc_number": self.doc_number,
            "section": self.section,
            "date": self.date,
            "source": self.source,
            "text": self.text,
            "doc_id": self.doc_id,
            "status": self.status,
            "valid_to": self.valid_to,
            "visibility": self.visibility,
        }


REFUSAL = "未在已收录文件中找到相关依据。"


@dataclass(frozen=True)
class RelatedDoc:
    """A document offered beside a refusal ("相关文件"): found by the search, but not an answer's source."""

    doc_id: str
    title: str
    doc_number: str | None
    date: str | None
    source: str
    visibility: str = "public"

    @classmethod
    def from_hit(cls, hit: Hit) -> RelatedDoc:
        m = hit.chunk.meta
        return cls(hit.chunk.doc_id, m.title or m.lead or hit.chunk.source, m.doc_number, m.date, hit.chunk.source,
                   m.visibility)

    def to_api(self) -> dict[str, Any]:
        return {"doc_id": self.doc_id, "title": self.title, "doc_number": self.doc_number, "date": self.date,
                "source": self.source, "visibility": self.visibility}


@dataclass
class Answer:
    question: str  # the stand-alone question that was searched (after follow-up rewriting)
    text: str  # answer with [n] markers; verbatim passage sentences in extractive mode
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # e.g. a figure not found in its cited passage
    related: list[RelatedDoc] = field(default_factory=list)  # with a refusal: documents found, not sources
