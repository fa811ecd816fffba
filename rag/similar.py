"""Similar past replies for a new proposal: the reply letters (and the policies) of the store that are
closest to a pasted text, each with why — the topic words both share, the 文号 both cite, the same proposal
number. Extractive: the keyword index (rag.lexical, BM25 over jieba) ranks, jieba's TF-IDF keywords explain,
the link index (rag.links) adds the shared references. No model.

Only documents the audience may see are ranked (rag.access).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any, Protocol

from . import markers
from .access import PUBLIC, PUBLIC_AUDIENCE, Audience
from .lexical import STOPWORDS, LexicalIndex
from .links import LinkedDoc, LinkIndex, extract_references, norm
from .metadata import find_proposal_numbers
from .records import DocMeta

_KEYWORDS = 20
_POS = ("n", "nz", "vn", "v", "l", "j", "nt", "ns", "an", "eng")
_CANDIDATES = 40  # documents the keyword index ranks (BM25 over whole documents)
_REF_BONUS = 0.5  # per 文号 / title the text and the document both cite (or the text cites the document)
_PROPOSAL_BONUS = 1.0


class TextStore(Protocol):
    def doc_texts(self, doc_ids: list[str]) -> dict[str, str]: ...


@lru_cache(maxsize=1)
def _tfidf() -> Any:
    import jieba
    import jieba.analyse

    jieba.setLogLevel(logging.WARNING)
    return jieba.analyse


def keywords(text: str, k: int = _KEYWORDS) -> list[str]:
    """The topic words of a text: jieba's TF-IDF keywords, minus stop words and the words every 公文 uses."""
    skip = STOPWORDS | markers.GENERIC_WORDS | markers.OUTLINE_WORDS
    words = _tfidf().extract_tags(text, topK=k * 2, allowPOS=_POS)
    return [w for w in words if len(w) >= 2 and w not in skip and not w.isdigit()][:k]


@dataclass
class Similar:
    doc_id: str
    title: str
    doc_number: str | None
    date: str | None
    doc_type: str
    score: float
    shared_words: list[str] = field(default_factory=list)
    shared_refs: list[str] = field(default_factory=list)  # 文号 / 《title》 both cite, or the text cites it
    same_proposal: bool = False

    @property
    def why(self) -> str:
        parts = []
        if self.same_proposal:
            parts.append("同一提案编号")
        if self.shared_refs:
            parts.append("同引文件：" + "、".join(self.shared_refs))
        if self.shared_words:
            parts.append("共同主题词：" + "、".join(self.shared_words))
        return "；".join(parts) or "关键词相近"

    def to_api(self) -> dict[str, Any]:
        return {**asdict(self), "score": round(self.score, 3), "why": self.why}


def _ref_keys(d: LinkedDoc) -> dict[str, str]:
    """What a document cites, and what it is, as comparable keys → how to show them."""
    out: dict[str, str] = {}
    for r in d.refs:
        if r.doc_number:
            out[f"n:{r.doc_number}"] = r.doc_number
        if r.title:
            out[f"t:{norm(r.title)}"] = f"《{r.title}》"
    if d.meta.doc_number:
        out[f"n:{d.meta.doc_number}"] = d.meta.doc_number
    return out


def find_similar(
    text: str,
    lexical: LexicalIndex,
    links: LinkIndex,
    store: TextStore,
    *,
    limit: int = 5,
    audience: Audience = PUBLIC_AUDIENCE,
) -> dict[str, Any]:
    """``{"keywords", "replies", "policies"}``: the ``limit`` most similar reply letters and other documents."""
    words = keywords(text)
    docs = links.visible(audience)
    best = dict(lexical.search_docs(" ".join(words), _CANDIDATES, set(docs))) if words else {}
    top = max(best.values(), default=1.0) or 1.0
    cited = _ref_keys(LinkedDoc("", "", DocMeta(), PUBLIC, extract_references(text)))
    proposals = {int(n) for n in find_proposal_numbers(text) if n.isdigit()}
    cands = sorted(best, key=lambda d: -best[d])[:_CANDIDATES]
    cands += [
        d
        for d, doc in docs.items()
        if d not in best and (cited.keys() & _ref_keys(doc).keys() or _proposal_no(doc) in proposals)
    ]
    texts = store.doc_texts(cands)
    out: list[Similar] = []
    for did in cands:
        d = docs[did]
        body = texts.get(did, "")
        shared_refs = [cited[k] for k in cited.keys() & _ref_keys(d).keys()]
        same = _proposal_no(d) in proposals
        score = best.get(did, 0.0) / top + _REF_BONUS * len(shared_refs) + (_PROPOSAL_BONUS if same else 0.0)
        out.append(
            Similar(
                did,
                d.title,
                d.meta.doc_number,
                d.meta.date,
                d.meta.doc_type,
                score,
                [w for w in words if w in body or w in d.title],
                sorted(shared_refs),
                same,
            )
        )
    out.sort(key=lambda s: (-s.score, s.doc_id))
    replies = [s for s in out if s.doc_type == "reply_letter"][:limit]
    policies = [s for s in out if s.doc_type != "reply_letter"][:limit]
    return {
        "keywords": words,
        "replies": [s.to_api() for s in replies],
        "policies": [s.to_api() for s in policies],
    }


def _proposal_no(d: LinkedDoc) -> int | None:
    n = d.meta.proposal_number
    return int(n) if n and n.isdigit() else None


# --- generative mode: an outline of a reply letter ---------------------------------------------------------

OUTLINE_QUESTION = (
    "请依据资料，为下面这件新提案起草一份答复函提纲（草稿）：分条写出可以用来答复的已有政策、措施和做法，"
    "每条后标注资料编号 [n]，资料中没有的内容不要写。\n新提案：{text}"
)
_OUTLINE_TEXT = 800  # characters of the proposal put into the prompt
_OUTLINE_PASSAGES = 6


class OutlineRetriever(Protocol):
    def retrieve(self, query: str, filters: Any = None, k: int | None = None,
                 audience: Audience = PUBLIC_AUDIENCE) -> Any: ...


class OutlineModel(Protocol):
    def answer(self, question: str, hits: list[Any], history: Any = None) -> Any: ...


def draft_outline(
    text: str,
    words: list[str],
    retriever: OutlineRetriever,
    model: OutlineModel,
    *,
    audience: Audience = PUBLIC_AUDIENCE,
) -> dict[str, Any]:
    """A draft outline of a reply letter (草稿) by the model, from the passages the proposal's topic words
    retrieve; every point cites a passage [n], checked and renumbered like a generated answer (rag.llm): an
    outline citing nothing is refused."""
    query = " ".join(words[:10]) or text[:200]
    # the audience applies inside the search (rag.access): k passages it may see
    hits = retriever.retrieve(query, k=_OUTLINE_PASSAGES, audience=audience).hits
    ans = model.answer(OUTLINE_QUESTION.format(text=text[:_OUTLINE_TEXT]), hits)
    return {
        "draft": True,
        "text": ans.text,
        "refused": ans.refused,
        "citations": [c.to_api() for c in ans.citations],
        "warnings": ans.warnings,
    }
