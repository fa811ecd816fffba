"""Links between documents: what each one cites (by 文号 and by 《title》), who cites it, and the reply letters
to the same proposal.

Extraction is pure (:func:`extract_references`, run at ingest; the references are stored with the document's
manifest record). Resolution is against the store's documents, in :class:`LinkIndex`, rebuilt whenever the
store's fingerprint moves (like :class:`rag.policies.PolicyBook`):

- a 文号 resolves to the document with that ``DocMeta.doc_number`` (also when the citing text wrote a place or
  organ name in front of the 机关代字: :func:`rag.metadata.doc_number_variants`);
- a 《title》 resolves by its title, punctuation- and whitespace-insensitive, with or without the issuer in
  front (《关于…的通知》 finds 国务院办公厅关于…的通知, unless the citing title names another issuer), without
  中华人民共和国 in front of a law, and to the 印发《X》的通知 that carries an attached 《X》;
- reply letters with the same proposal number are linked both ways unless what is known of them disagrees
  (session 届/次, body 政协/人大, kind 提案/建议, proposer, region).

What is skipped when reading 《》: a short name (以下简称《通知》, a bare 《办法》), newspapers, sites and forms
(rag.markers.CITED_NOT_DOCUMENT), and the proposal a letter answers (《关于…的提案》: the proposal number links
those). Laws and regulations are kept: they resolve to "not in the corpus" unless the corpus holds them.

Every lookup takes an :class:`rag.access.Audience`: a document it may not see is not listed, and a link to it
looks exactly like a link to a document that is not in the corpus.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from . import markers
from .access import PUBLIC_AUDIENCE, VISIBILITY_KEY, Audience, Visibility, visibility_of
from .derived import Derived
from .metadata import doc_number_variants, iter_doc_numbers
from .records import DocMeta
from .store import DocRecord

# 《title》, one level of 《》 nested inside allowed (《关于印发《X》的通知》 is one title).
_TITLE_RE = re.compile(r"《((?:[^《》\n]|《[^《》\n]{1,100}》){2,160})》")
_NOT_DOCUMENT_RE = re.compile(markers.CITED_NOT_DOCUMENT)
_DOCUMENT_END_RE = re.compile(markers.CITED_DOCUMENT_END)
_TRAILING_BRACKET_RE = re.compile(r"[（(][^（）()]{1,20}[）)]$")
_BARE_TYPE_RE = re.compile(markers.CITED_BARE_TYPE)
_ALIAS_RE = re.compile(markers.ALIAS_BEFORE)
_PROPOSAL_END_RE = re.compile(rf"(?:{markers.PROPOSAL_KIND})$")
_SESSION_RE = re.compile(markers.PROPOSAL_SESSION)
# Between a 《title》 and its 文号: 《X》（鄂府办发〔2024〕13号）, 《X》鄂府办发〔2024〕13号; a 文号 right before one.
_TITLE_NUMBER_GAP_RE = re.compile(r"^\s*[（(〔\[【]?\s*$")
_NUMBER_TITLE_GAP_RE = re.compile(r"^\s*[）)\]】]?\s*$")
_NORM_RE = re.compile(r"[\W_]+")
_SENTENCE_ENDS = "。！？!?\n"
_SENTENCE_MAX = 240
_PRC = "中华人民共和国"
# The attachment an 印发 / 转发 notice carries (in 《》 or not): its title is the attachment's too.
_CARRIES_RE = re.compile(r"(?:印发|转发|颁布|发布|公布|批转)《?(.{2,120}?)》?的(?:通知|决定|公告|通告|意见)$")


@dataclass(frozen=True)
class Reference:
    """One document that a text cites: its 文号, its title as written (without 《》), or both, and the first
    sentence that cites it."""

    doc_number: str | None
    title: str | None
    sentence: str

    @property
    def ref(self) -> str:
        return self.doc_number or f"《{self.title}》"

    def to_dict(self) -> dict[str, Any]:
        return {"doc_number": self.doc_number, "title": self.title, "sentence": self.sentence}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Reference:
        return cls(d.get("doc_number") or None, d.get("title") or None, str(d.get("sentence") or ""))


def norm(s: str) -> str:
    """A title or 文号 for comparison: no punctuation, brackets or whitespace."""
    return _NORM_RE.sub("", s)


def title_keys(title: str, issuer: str | None = None) -> list[str]:
    """The forms a title may be cited by, most specific first: as it is, without 中华人民共和国, without its
    issuer (from 关于 on), and for an 印发《X》的通知 the attached 《X》 too."""
    t = title.strip()
    forms = [t]
    if issuer and t.startswith(issuer) and len(t) > len(issuer) + 2:
        forms.append(t[len(issuer) :])
    if (i := t.find("关于")) >= 0:
        forms += [t[i:], t[i + 2 :]]
    if m := _CARRIES_RE.search(t):
        forms.append(m.group(1))
    forms += [f[len(_PRC) :] for f in forms if f.startswith(_PRC) and len(f) > len(_PRC) + 1]
    return list(dict.fromkeys(k for f in forms if len(k := norm(f)) >= 2))


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence around ``text[start:end]``, at most _SENTENCE_MAX characters (cut around the span)."""
    a = max(text.rfind(c, 0, start) for c in _SENTENCE_ENDS) + 1
    ends = [j for c in _SENTENCE_ENDS if (j := text.find(c, end)) >= 0]
    b = min(ends) + 1 if ends else len(text)
    s = text[a:b].strip()
    if len(s) > _SENTENCE_MAX:
        mid = (start + end) // 2 - a
        lo = max(0, min(mid - _SENTENCE_MAX // 2, len(s) - _SENTENCE_MAX))
        s = ("…" if lo else "") + s[lo : lo + _SENTENCE_MAX] + ("…" if lo + _SENTENCE_MAX < len(s) else "")
    return s


def is_document_title(title: str) -> bool:
    """Whether a 《》 may name another document (not a newspaper, form, bare type word or a proposal)."""
    t = _TRAILING_BRACKET_RE.sub("", title.strip())
    return bool(_DOCUMENT_END_RE.search(t)) and not (
        _NOT_DOCUMENT_RE.search(t) or _BARE_TYPE_RE.match(t) or _PROPOSAL_END_RE.search(t)
    )


def extract_references(text: str, meta: DocMeta | None = None) -> list[Reference]:
    """The documents ``text`` cites, in order of first mention, each once: every 文号 and every 《title》 that
    may be a document, a title and the 文号 written right beside it (《X》（鄂府办发〔2024〕13号）) as one. The
    document's own 文号 and title are not references."""
    own_number = meta.doc_number if meta else None
    own_keys = set(title_keys(meta.title, meta.issuer)) if meta and meta.title else set()
    found: list[tuple[int, int, str | None, str | None]] = []  # start, end, number, title
    titles = [
        (m.start(), m.end(), m.group(1))
        for m in _TITLE_RE.finditer(text)
        if not _ALIAS_RE.search(text[max(0, m.start() - 6) : m.start()]) and is_document_title(m.group(1))
    ]
    numbers = list(iter_doc_numbers(text))
    paired: set[int] = set()
    for ts, te, title in titles:
        number = None
        for k, (n, ns, ne) in enumerate(numbers):
            if k in paired:
                continue
            if (ns >= te and ns - te <= 3 and _TITLE_NUMBER_GAP_RE.match(text[te:ns])) or (
                ne <= ts and ts - ne <= 2 and _NUMBER_TITLE_GAP_RE.match(text[ne:ts])
            ):
                number = n
                paired.add(k)
                break
        found.append((ts, te, number, title))
    found += [(ns, ne, n, None) for k, (n, ns, ne) in enumerate(numbers) if k not in paired]
    found.sort()

    out: list[Reference] = []
    by_key: dict[str, int] = {}
    for start, end, number, title in found:
        if number and number == own_number:
            continue
        if title and not number and own_keys & set(title_keys(title)):
            continue
        keys = ([f"n:{number}"] if number else []) + ([f"t:{norm(title)}"] if title else [])
        hit = next((by_key[k] for k in keys if k in by_key), None)
        if hit is None:
            by_key.update({k: len(out) for k in keys})
            out.append(Reference(number, title, _sentence(text, start, end)))
            continue
        old = out[hit]
        if (number and not old.doc_number) or (title and not old.title):  # the same document, more known now
            out[hit] = Reference(old.doc_number or number, old.title or title, old.sentence)
        by_key.update({k: hit for k in keys})
    return out


def references_json(refs: Iterable[Reference]) -> list[dict[str, Any]]:
    return [r.to_dict() for r in refs]


# ---------------------------------------------------------------------------------------------------------
# Proposals: which reply letters answer the same one
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProposalKey:
    number: int
    kind: str | None  # 提案 / 建议 / 议案
    session: str | None  # 政协五届四次, 全国人大十届四次
    proposer: str | None
    region: str | None

    def agrees(self, other: ProposalKey) -> bool:
        """Same number, and nothing known of both differs."""
        return self.number == other.number and all(
            a is None or b is None or a == b
            for a, b in (
                (self.kind, other.kind),
                (self.session, other.session),
                (self.proposer, other.proposer),
                (self.region, other.region),
            )
        )

    def label(self) -> str:
        return f"{self.session or ''}第{self.number}号{self.kind or '提案'}"


def proposal_key(meta: DocMeta) -> ProposalKey | None:
    """What identifies the proposal a letter answers, from its metadata (None without a proposal number)."""
    if not meta.proposal_number or not meta.proposal_number.isdigit():
        return None
    where = " ".join(x for x in (meta.title, meta.proposal_title, meta.lead) if x)
    num = meta.proposal_number
    kind_m = re.search(rf"第?\s*0*{int(num)}\s*号\s*({markers.PROPOSAL_KIND})", where)
    kind = kind_m.group(1) if kind_m else None
    if kind is None and meta.proposal_title and (k := _PROPOSAL_END_RE.search(meta.proposal_title)):
        kind = k.group(0)
    session = None
    if s := _SESSION_RE.search(where):
        around = where[max(0, s.start() - 8) : s.end() + 8]
        body = (
            "政协" if "政协" in around else "人大" if ("人大" in around or "人民代表大会" in around) else ""
        )
        level = "全国" if "全国" in around else ""
        session = f"{level}{body}{s.group(1)}届{s.group(2)}次"
    return ProposalKey(int(num), kind, session, meta.proposer, meta.region)


# ---------------------------------------------------------------------------------------------------------
# The index over the store
# ---------------------------------------------------------------------------------------------------------


class LinkStore(Protocol):
    """What the index reads (``ChromaStore``; a fake in unit tests)."""

    def manifest(self) -> dict[str, DocRecord]: ...

    def doc_links(self) -> dict[str, tuple[list[dict[str, Any]], Visibility]]: ...

    def fingerprint(self) -> str: ...


@dataclass
class LinkedDoc:
    doc_id: str
    source: str
    meta: DocMeta
    visibility: Visibility
    refs: list[Reference] = field(default_factory=list)
    targets: list[str | None] = field(default_factory=list)  # per reference: the document it resolves to
    cited_by: list[tuple[str, int]] = field(default_factory=list)  # (citing doc, its reference's index)
    same_proposal: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.meta.title or self.meta.lead or self.source

    def seen_by(self, audience: Audience) -> bool:
        return audience.sees({VISIBILITY_KEY: self.visibility})


def _resolve(
    ref: Reference,
    src: LinkedDoc,
    docs: dict[str, LinkedDoc],
    by_number: dict[str, list[str]],
    by_key: dict[str, list[str]],
) -> str | None:
    if ref.doc_number:
        for v in doc_number_variants(ref.doc_number):
            if hit := [d for d in by_number.get(v, []) if d != src.doc_id]:
                return hit[0]
    if not ref.title:
        return None
    cited_prefix = norm(ref.title[: max(ref.title.find("关于"), 0)])
    for key in title_keys(ref.title):
        cands = [d for d in by_key.get(key, []) if d != src.doc_id]
        if cited_prefix:  # 《北京市…关于X的通知》 is not 上海市…关于X的通知
            cands = [d for d in cands if _same_issuer(cited_prefix, docs[d])]
        if cands:
            named = [d for d in cands if (issuer := docs[d].meta.issuer) and issuer in ref.sentence]
            return (named or cands)[0]
    return None


def _same_issuer(cited_prefix: str, doc: LinkedDoc) -> bool:
    title = doc.meta.title or ""
    prefix = norm(title[: max(title.find("关于"), 0)]) or norm(doc.meta.issuer or "")
    return not prefix or prefix in cited_prefix or cited_prefix in prefix


def link_documents(docs: dict[str, LinkedDoc]) -> None:
    """Resolve every reference against ``docs`` and fill ``targets``, ``cited_by`` and ``same_proposal``."""
    by_number: dict[str, list[str]] = {}
    by_key: dict[str, list[str]] = {}
    for d in sorted(docs.values(), key=lambda d: (d.meta.date or "", d.doc_id), reverse=True):  # newest first
        if d.meta.doc_number:
            by_number.setdefault(d.meta.doc_number, []).append(d.doc_id)
        for k in title_keys(d.meta.title, d.meta.issuer) if d.meta.title else []:
            by_key.setdefault(k, []).append(d.doc_id)
    proposals: dict[int, list[tuple[str, ProposalKey]]] = {}
    for d in docs.values():
        d.targets = [_resolve(r, d, docs, by_number, by_key) for r in d.refs]
        d.cited_by, d.same_proposal = [], []
        if (pk := proposal_key(d.meta)) is not None:
            proposals.setdefault(pk.number, []).append((d.doc_id, pk))
    for d in docs.values():
        for i, t in enumerate(d.targets):
            if t is not None:
                docs[t].cited_by.append((d.doc_id, i))
    for group in proposals.values():
        for a, ka in group:
            docs[a].same_proposal = [b for b, kb in group if b != a and ka.agrees(kb)]


def _suffix_of(short: str | None, long: str | None) -> bool:
    return bool(short and long and long.endswith(short))


def link_json(ref: str, title: str | None, doc_id: str | None, sentence: str | None) -> dict[str, Any]:
    return {
        "ref": ref,
        "title": title,
        "doc_id": doc_id,
        "in_corpus": doc_id is not None,
        "sentence": sentence,
    }


class LinkIndex:
    """References of every document, resolved, kept in step with the store."""

    def __init__(self, store: LinkStore, check_every: float = 5.0) -> None:
        self.store = store
        self._derived: Derived[dict[str, LinkedDoc]] = Derived(store.fingerprint, self._load, {}, check_every)

    def docs(self) -> dict[str, LinkedDoc]:
        return self._derived.get()

    def refresh(self) -> None:
        """Check the store again on the next read (this process just changed it)."""
        self._derived.refresh()

    def _load(self) -> dict[str, LinkedDoc]:
        stored = self.store.doc_links()
        docs: dict[str, LinkedDoc] = {}
        for did, rec in self.store.manifest().items():
            refs, vis = stored.get(did, ([], visibility_of(None)))
            docs[did] = LinkedDoc(did, rec.source, rec.meta, vis, [Reference.from_dict(r) for r in refs])
        link_documents(docs)
        return docs

    def get(self, doc_id: str, audience: Audience = PUBLIC_AUDIENCE) -> LinkedDoc | None:
        d = self.docs().get(doc_id)
        return d if d is not None and d.seen_by(audience) else None

    def visible(self, audience: Audience = PUBLIC_AUDIENCE) -> dict[str, LinkedDoc]:
        return {i: d for i, d in self.docs().items() if d.seen_by(audience)}

    def links(
        self, doc_id: str, audience: Audience = PUBLIC_AUDIENCE
    ) -> dict[str, list[dict[str, Any]]] | None:
        """``{"cites", "cited_by", "same_proposal"}`` of a document; None when it is unknown or not visible."""
        docs = self.docs()
        d = docs.get(doc_id)
        if d is None or not d.seen_by(audience):
            return None
        cites = []
        for ref, t in zip(d.refs, d.targets, strict=True):
            target = docs.get(t) if t else None
            if target is not None and target.seen_by(audience):
                # 多斯市人民政府鄂建提复字〔…〕 read from running text, found as 鄂建提复字〔…〕: shown as found
                shown = (
                    target.meta.doc_number if _suffix_of(target.meta.doc_number, ref.doc_number) else ref.ref
                )
                cites.append(link_json(shown or ref.ref, target.title, target.doc_id, ref.sentence))
            else:  # absent, or hidden from this audience: only what the citing text itself says
                cites.append(link_json(ref.ref, ref.title, None, ref.sentence))
        cited_by = [
            link_json(src.refs[i].ref, src.title, src.doc_id, src.refs[i].sentence)
            for s, i in d.cited_by
            if (src := docs[s]).seen_by(audience)
        ]
        pk = proposal_key(d.meta)
        same = [
            link_json(pk.label() if pk else "", o.title, o.doc_id, o.meta.proposal_title)
            for o in (docs[x] for x in d.same_proposal)
            if o.seen_by(audience)
        ]
        return {"cites": cites, "cited_by": cited_by, "same_proposal": same}

    def stats(self) -> dict[str, Any]:
        """How many references the corpus holds and how many resolve (``python -m rag.inspect --links``)."""
        docs = self.docs()
        refs = [(d, r, t) for d in docs.values() for r, t in zip(d.refs, d.targets, strict=True)]
        return {
            "documents": len(docs),
            "documents_citing": sum(1 for d in docs.values() if d.refs),
            "references": len(refs),
            "by_doc_number": sum(1 for _, r, _ in refs if r.doc_number),
            "by_title_only": sum(1 for _, r, _ in refs if not r.doc_number),
            "resolved": sum(1 for _, _, t in refs if t),
            "resolved_by_doc_number": sum(1 for _, r, t in refs if t and r.doc_number),
            "same_proposal_pairs": sum(len(d.same_proposal) for d in docs.values()) // 2,
        }
