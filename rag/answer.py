"""Extractive answering: the answer is made of verbatim sentences of the retrieved passages, each followed by
the ``[n]`` of the passage it comes from. Nothing is paraphrased, so nothing can be invented; the only added
words are a lead-in per document taken from its metadata (《title》（文号）).

Sentences are scored against the question by meaning (the same embedder as retrieval), by shared keywords
(jieba tokens) and by the rank of their passage; the answer keeps the sentences close to the best one. List
questions (有哪些…) over enumerated passages (一是/二是…, （一）（二）…, 1. 2. …) get one line per item with
the item's figures.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from . import forms, markers
from .embed import BaseEmbedder
from .intents import Intent, as_fact, classify, topic_of
from .lexical import tokenize
from .records import REFUSAL, Answer, Chunk, Citation, Hit, RelatedDoc
from .sentences import CLOSERS, ENDS, OPENS_NEXT, SOFT_ENDS, split_sentences

REFUSAL_HINT = " 可以换个说法，或提供文号、提案编号、政策名称等关键词。"
REFUSAL_TEXT = REFUSAL + REFUSAL_HINT


def refusal(question: str, warnings: Sequence[str] = (), about: Sequence[str] = (),
            related: Sequence[RelatedDoc] = ()) -> Answer:
    """The answer when no passage supports one: one wording everywhere (UI, API, both answerers). ``about``:
    the places the question names that no found document is about (未在已收录文件中找到关于“银川市”的…)."""
    text = REFUSAL_TEXT
    if about:
        named = "、".join(f"“{p}”" for p in about)
        text = REFUSAL.replace("找到相关依据", f"找到关于{named}的相关依据") + REFUSAL_HINT
    return Answer(question=question, text=text, refused=True, warnings=list(warnings), related=list(related))


# --- sentences: rag.sentences ------------------------------------------------------------------------

_MAX_RUN = 6
_WS = re.compile(r"\s+")


# --- enumerations -----------------------------------------------------------------------------------

# Item markers by family; a list is made of items of one family (一是/二是 or （一）/（二） …).
_ITEM_MARKERS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (family, re.compile(f"^{pattern}"))
    for family, pattern in (
        ("shi", markers.SHI),
        ("paren_cn", markers.PAREN_CN),
        ("dun_cn", markers.DUN_CN),
        ("paren_num", markers.PAREN_NUM),
        ("num", markers.NUM),
        ("tiao", markers.ARTICLE),
    )
)
_LIST_QUESTION = re.compile(markers.ASK_LIST)
_HAS_DIGIT = re.compile(r"\d")
_FIGURES = {k: re.compile(v) for k, v in markers.FIGURE.items()}
_PROCEDURE_CUE = re.compile(markers.PROCEDURE_CUE)
_LABEL_VALUE = re.compile(r"^[^：:（(]{1,12}[：:]\s*\S")
_ITEM_LABEL_MAX = 24
_ANNOUNCE = re.compile(r"(?:如下|以下几[点条项个方面]|下列[^。]{0,6})[。：:]$")
_HEADING_LINE = re.compile(
    rf"^(?:{markers.DUN_CN}|{markers.PAREN_CN}|{markers.CHAPTER}|{markers.SECTION}|{markers.ARTICLE})[^。！？；]{{0,30}}$"
)


def item_family(text: str) -> str | None:
    """The enumeration family of an item marker at the start of ``text``, or None."""
    for family, pat in _ITEM_MARKERS:
        if pat.match(text):
            return family
    return None


def is_list_question(question: str) -> bool:
    return bool(_LIST_QUESTION.search(question))


def _strip_end(s: str) -> str:
    return s.strip().rstrip(ENDS + "：:")


def _path(section: str) -> list[str]:
    return [p.strip() for p in section.split(" > ") if p.strip()] if section else []


# --- scoring ----------------------------------------------------------------------------------------


@dataclass
class _Sent:
    text: str
    hit: int  # index of its passage in the hits
    pos: int  # index within the passage
    score: float = 0.0


@dataclass
class _Item:
    family: str
    hit: int
    sents: list[_Sent] = field(default_factory=list)


class ExtractiveAnswerer:
    """Answers with verbatim passage sentences. ``ratio``: a sentence is kept when its score is at least this
    share of the best sentence's (so weak sentences are not padded in)."""

    def __init__(
        self,
        embedder: BaseEmbedder,
        max_sentences: int = 6,
        max_citations: int = 4,
        *,
        max_passages: int = 5,
        ratio: float = 0.6,
        item_ratio: float = 0.5,
        dense_weight: float = 0.45,
        keyword_weight: float = 0.4,
        passage_weight: float = 0.1,
        rank_bonus: float = 0.05,
        retrieval_weight: float = 0.3,
        documents: Callable[[str], list[Chunk]] | None = None,
        context_chars: int = 250,
        context_order: tuple[int, ...] = (1, -1, 2),
        max_chars: int = 600,
    ) -> None:
        if max_sentences <= 0 or max_citations <= 0 or max_passages <= 0:
            raise ValueError("max_sentences, max_citations and max_passages must be > 0")
        self.embedder = embedder
        self.max_sentences = max_sentences
        self.max_citations = max_citations
        self.max_passages = max_passages
        self.ratio = ratio
        self.item_ratio = item_ratio
        self.dense_weight = dense_weight
        self.keyword_weight = keyword_weight
        self.passage_weight = passage_weight
        self.rank_bonus = rank_bonus
        self.retrieval_weight = retrieval_weight
        # A document's passages by doc id (the retriever's ``document_chunks``): document facts and outlines
        # are read from the whole document. Without it, from the retrieved passages of that document.
        self.documents = documents
        self.context_chars = context_chars
        self.context_order = context_order
        self.max_chars = max_chars

    # the whole thing --------------------------------------------------------------------------------
    def answer(self, question: str, hits: list[Hit], intent: Intent | None = None,
               focus: frozenset[str] = frozenset()) -> Answer:
        """``focus``: the words a follow-up adds to the conversation's topic (那融资方面呢？ → 融资): the
        sentences holding them are what it asks about."""
        if not hits:
            return refusal(question)
        intent = intent or classify(question)
        if intent.kind == "docfact" and _asks_about_part(question, intent, hits[0]):
            intent = as_fact(intent)  # 绵竹市的联系人是谁？: a contact listed in the text, not the document's own
        if intent.kind in ("docfact", "outline", "section", "next"):
            chunks = self._document(hits[0])
            if intent.kind == "outline" and _topical(question, chunks):
                intent = Intent("text")  # 辽宁核电项目是怎么答复的？ asks about one topic of the reply
            shaped = (
                forms.doc_fact(question, intent, chunks) if intent.kind == "docfact"
                else forms.outline(question, chunks) if intent.kind == "outline"
                else forms.next_steps(question, chunks) if intent.kind == "next"
                else forms.section(question, intent, chunks)
            )
            if shaped is not None:
                return shaped
            if intent.kind == "docfact":
                intent = as_fact(intent)
        hits = hits[: self.max_passages]
        sents = self._sentences(hits)
        if not sents:
            return refusal(question)
        self._score(topic_of(question), sents, hits)
        self._shape_scores(intent, sents)
        for s in sents:
            if any(w in s.text for w in focus):
                s.score *= 1.3
        best = max(sents, key=lambda s: s.score)
        limit = self.max_sentences if intent.kind not in ("fact",) else min(self.max_sentences, 3)
        chosen = self._select(sents, limit)
        if is_list_question(question):
            items = self._list_items(best, sents, hits)
            # A list only when the best sentence is in it (or only names the section): 哪些旗区… is answered
            # by one sentence, not by the section's items.
            in_list = any(best is s for it in items for s in it.sents) or _form_factor(best.text) < 1.0
            if len(items) >= 2 and in_list:
                return self._render_list(question, hits, [self._trim_item(it) for it in items], chosen)
        return self._render(question, hits, [], chosen)

    def _document(self, hit: Hit) -> list[Chunk]:
        if self.documents is not None:
            chunks = self.documents(hit.chunk.doc_id)
            if chunks:
                return chunks
        return [hit.chunk]

    # sentences and scores ---------------------------------------------------------------------------
    @staticmethod
    def _sentences(hits: list[Hit]) -> list[_Sent]:
        out: list[_Sent] = []
        seen: set[str] = set()
        for i, h in enumerate(hits):
            # The title and 文号 lines are shown in the lead-in already (when there is a title).
            shown = {h.chunk.meta.title, h.chunk.meta.doc_number} if h.chunk.meta.title else set()
            for pos, s in enumerate(split_sentences(h.chunk.text)):
                # Overlapping chunks repeat sentences: the better-ranked passage keeps them.
                if s in seen or _WS.sub("", s) in shown:
                    continue
                seen.add(s)
                out.append(_Sent(s, i, pos))
        return out

    def _score(self, question: str, sents: list[_Sent], hits: list[Hit]) -> None:
        if self.dense_weight > 0:
            q = self.embedder.embed_query_vec(question)
            cos = self.embedder.embed_texts([s.text for s in sents]) @ q
            # Sentence-embedding cosines sit in a narrow band (0.6–0.9 for m3e): spread them, but never divide
            # by less than 0.1 so near-equal sentences are not blown apart by noise.
            lo, hi = float(cos.min()), float(cos.max())
            dense = (cos - lo) / max(hi - lo, 0.1)
        else:
            dense = np.zeros(len(sents))
        qtok = set(tokenize(question))
        passage_share = [_share(qtok, set(tokenize(f"{h.chunk.meta.title or ''} {h.chunk.section} {h.chunk.text}")))
                         for h in hits]
        n = len(hits)
        # The retriever's fused score (relative to the top passage) knows more than a sentence does about
        # which passage answers: keyword evidence over the whole document, the exact-identifier match.
        top = max(hits[0].score, 1e-9)
        retrieval = [max(0.0, h.score) / top for h in hits]
        # Query words that name the document (鄂尔多斯 in its title) hold for all of its sentences alike; the
        # sentence that answers is the one matching the rest (融资).
        q_eff = [(qtok - set(tokenize(h.chunk.meta.heading or ""))) or qtok for h in hits]
        stoks = [set(tokenize(s.text)) for s in sents]
        titles = [_WS.sub("", h.chunk.meta.title or "") if len(h.chunk.meta.title or "") >= 8 else "" for h in hits]
        idf = _local_idf(qtok, stoks)
        for s, d, stok in zip(sents, dense.tolist(), stoks, strict=True):
            kw = _share(q_eff[s.hit], stok, idf)
            s.score = (
                self.dense_weight * d
                + self.keyword_weight * kw
                + self.passage_weight * passage_share[s.hit]
                + self.rank_bonus * (n - s.hit) / n
                + self.retrieval_weight * retrieval[s.hit]
            )
            s.score *= _form_factor(s.text)
            title = titles[s.hit]
            if title and title in _WS.sub("", s.text):
                s.score *= 0.5  # a head block run into one sentence (title + 文号 + addressee): not the answer
            if stok and stok <= qtok:
                s.score *= 0.3  # it only echoes the question (the 文号 asked about): no new information

    @staticmethod
    def _shape_scores(intent: Intent, sents: list[_Sent]) -> None:
        """A fact question wants the sentence holding that kind of figure (最高多少钱 → an amount); a
        procedure question the sentences naming the office, channel, materials or phone."""
        if intent.kind == "fact" and intent.figure in _FIGURES:
            pat = _FIGURES[intent.figure]
            for s in sents:
                s.score *= 1.3 if pat.search(s.text) else 0.7
        elif intent.kind == "list":
            # An item's label names what the item is about (一是开拓科技型企业融资渠道。): for a list question
            # it is the best guide to which section's items are asked for.
            for s in sents:
                if item_family(s.text) and len(s.text) <= _ITEM_LABEL_MAX:
                    s.score *= 1.6
        elif intent.kind == "procedure":
            for s in sents:
                s.score *= 1.25 if _PROCEDURE_CUE.search(s.text) else 0.8

    def _select(self, sents: list[_Sent], limit: int | None = None) -> list[_Sent]:
        limit = limit or self.max_sentences
        ranked = sorted(sents, key=lambda s: s.score, reverse=True)
        floor = ranked[0].score * self.ratio
        chosen: list[_Sent] = []
        passages: set[int] = set()
        for s in ranked:
            if s.score < floor or len(chosen) >= limit:
                break
            if s.hit not in passages and len(passages) >= self.max_citations:
                continue
            chosen.append(s)
            passages.add(s.hit)
        chosen = self._complete_semicolon_runs(sents, chosen)
        chosen = self._expand_item_labels(sents, chosen)
        return self._fit(self._add_context(sents, chosen, ranked[0]), ranked[0])

    def _fit(self, chosen: list[_Sent], best: _Sent) -> list[_Sent]:
        """At most ``max_chars`` in all: the weakest sentences go first, the best one and its context
        (the sentences right around it) last."""
        if self.max_chars <= 0 or sum(len(s.text) for s in chosen) <= self.max_chars:
            return chosen

        def keep_first(s: _Sent) -> tuple[bool, float]:
            near = s.hit == best.hit and abs(s.pos - best.pos) <= 1
            return (s is best or near, s.score)

        kept: list[_Sent] = []
        size = 0
        for s in sorted(chosen, key=keep_first, reverse=True):
            if kept and size + len(s.text) > self.max_chars:
                continue
            kept.append(s)
            size += len(s.text)
        return [s for s in chosen if s in kept]

    def _add_context(self, sents: list[_Sent], chosen: list[_Sent], best: _Sent) -> list[_Sent]:
        """The best sentence rarely stands alone: the sentences around it in its passage (the one that
        introduces it, the ones that carry on) complete it, up to ``context_chars`` in all."""
        if self.context_chars <= 0:
            return chosen
        index = {(s.hit, s.pos): s for s in sents}
        out = list(chosen)
        size = sum(len(s.text) for s in out if s.hit == best.hit)
        for step in self.context_order:
            x = index.get((best.hit, best.pos + step))
            if x is None or x in out:
                continue
            if size + len(x.text) > self.context_chars:
                break
            out.append(x)
            size += len(x.text)
        return out

    def _expand_item_labels(self, sents: list[_Sent], chosen: list[_Sent]) -> list[_Sent]:
        """A chosen item label (一是开拓科技型企业融资渠道。) says only what the item is about: bring its figures
        along (the sentences of the item that follow it, trimmed as in a list)."""
        out = list(chosen)
        for s in chosen:
            if not (item_family(s.text) and len(s.text) <= _ITEM_LABEL_MAX):
                continue
            rest = sorted((x for x in sents if x.hit == s.hit and x.pos > s.pos), key=lambda x: x.pos)
            body: list[_Sent] = []
            for x in rest:
                if item_family(x.text):
                    break
                body.append(x)
            for x in self._trim_item(_Item("", s.hit, [s, *body])).sents[1:]:
                if len(out) >= self.max_sentences:
                    break
                if x not in out:
                    out.append(x)
        return out

    def _complete_semicolon_runs(self, sents: list[_Sent], chosen: list[_Sent]) -> list[_Sent]:
        """Complete what a chosen sentence leaves open, within its passage: clauses joined by ； are one
        statement (…50人以上的，补助2.4万元；…200人以上的，补助9万元。 / 三必问：问清…；问清…；问清…。), and a
        question or a line ending in ： (问：外地人可否进上海看病就医？) is answered by the sentence after it."""
        index = {(s.hit, s.pos): s for s in sents}
        out = list(chosen)

        def take(s: _Sent | None) -> _Sent | None:
            if s is None or len(out) >= self.max_sentences:
                return None
            if s not in out:
                out.append(s)
            return s

        for s in chosen:
            cur: _Sent | None = s
            for _ in range(_MAX_RUN):
                if cur is None or not cur.text.endswith(OPENS_NEXT):
                    break
                cur = take(index.get((cur.hit, cur.pos + 1)))
            cur = s
            for _ in range(_MAX_RUN):
                prv = index.get((cur.hit, cur.pos - 1)) if cur else None
                if prv is None or not prv.text.endswith(SOFT_ENDS):
                    break
                cur = take(prv)
        return out

    # lists ------------------------------------------------------------------------------------------
    def _list_items(self, best: _Sent, sents: list[_Sent], hits: list[Hit]) -> list[_Item]:
        """The enumerated items of the section the best sentence is in: its own passage's items (一是…二是… in
        one passage) and the items of the same document's passages in that section (each 一是… passage is a
        section of its own in our chunks), one family, in document order."""
        chunk = hits[best.hit].chunk
        path = _path(chunk.section)
        by_hit: dict[int, list[_Sent]] = {}
        for s in sents:
            by_hit.setdefault(s.hit, []).append(s)
        label_family = item_family(path[-1]) if path else None
        # Items of another family inside the best passage (二、… holding 一是/二是/三是, as merged passages
        # do): the passage is the section whose items we list, not an item itself.
        inner = any(
            (f := item_family(s.text)) and f != label_family for s in by_hit.get(best.hit, [])
        )
        # The section whose items we list: the parent when the best passage is itself an item.
        parent = path[:-1] if label_family and not inner else path
        items: list[_Item] = []
        for i, h in enumerate(hits):
            c = h.chunk
            p = _path(c.section)
            if c.doc_id != chunk.doc_id or p[: len(parent)] != parent or len(p) > len(parent) + 1:
                continue  # another document, another section, or a sub-item of an item
            if not parent and p and i != best.hit:
                continue  # at document level only the best passage's own items form the list
            current: _Item | None = None
            # Headings of the listed section and above, carried into a passage, are no items; an item's own
            # label (the passage is that item) is.
            ancestors = {_strip_end(x) for x in (parent if inner else p[:-1])}
            for s in sorted(by_hit.get(i, []), key=lambda s: s.pos):
                fam = item_family(s.text)
                if fam and _strip_end(s.text) not in ancestors:  # a heading carried into the passage is no item
                    current = _Item(fam, i, [s])
                    items.append(current)
                elif current is not None:
                    current.sents.append(s)
        if not items:
            return []
        # One family: the best passage's own (its section label's, else its first item's), else the most
        # frequent one.
        own = [it.family for it in items if it.hit == best.hit]
        own += [label_family] if label_family and not inner else []
        families = [it.family for it in items]
        family = own[0] if own else max(set(families), key=families.count)
        # Items the question is not about (a sibling retrieved for another reason) stay out of the list.
        floor = best.score * self.item_ratio
        items = [it for it in items if it.family == family and max(s.score for s in it.sents) >= floor]
        items.sort(key=lambda it: (hits[it.hit].chunk.start, it.sents[0].pos))
        return items

    @staticmethod
    def _trim_item(item: _Item) -> _Item:
        """The item sentence and the figures after it: following sentences with digits, or (when none has
        any) the first following sentence, so an item line still says what was done."""
        head, rest = item.sents[0], item.sents[1:]
        figures = [s for s in rest if _HAS_DIGIT.search(s.text)]
        item.sents = [head, *(figures or rest[:1])]
        return item

    # rendering --------------------------------------------------------------------------------------
    def _render_list(self, question: str, hits: list[Hit], items: list[_Item], chosen: list[_Sent]) -> Answer:
        doc = hits[items[0].hit].chunk.doc_id
        # Other documents' good sentences follow the list as paragraphs; this document's are in the list.
        others = [s for s in chosen if hits[s.hit].chunk.doc_id != doc]
        return self._render(question, hits, items, others)

    def _render(self, question: str, hits: list[Hit], items: list[_Item], chosen: list[_Sent]) -> Answer:
        numbers: dict[int, int] = {}  # hit index → [n], in order of first use
        used: dict[int, list[str]] = {}

        facts = _asked_facts(question)

        def cite(sents: list[_Sent]) -> str:
            out = []
            for i, s in enumerate(sents):
                n = numbers.setdefault(s.hit, len(numbers) + 1)
                used.setdefault(s.hit, []).append(s.text)
                nxt = sents[i + 1] if i + 1 < len(sents) else None
                # Clauses joined by ； are one sentence: its marker goes after the last clause.
                joined = (nxt is not None and s.text.endswith(SOFT_ENDS) and nxt.hit == s.hit
                          and s.text + nxt.text in hits[s.hit].chunk.text)
                out.append(s.text if joined else f"{s.text}[{n}]")
            return "".join(out)

        blocks: list[str] = []
        if items:
            lines = [_lead_in(hits[items[0].hit], facts)]
            lines += ["- " + cite(it.sents) for it in items]
            blocks.append("\n".join(x for x in lines if x))
        for group in self._groups(hits, chosen):
            lead = _lead_in(hits[group[0].hit], facts)
            body = cite(group)
            blocks.append(f"{lead}\n{body}" if lead else body)
        citations = [Citation.from_hit(n, hits[i], used[i]) for i, n in sorted(numbers.items(), key=lambda x: x[1])]
        return Answer(question=question, text="\n\n".join(blocks), refused=False, citations=citations)

    @staticmethod
    def _groups(hits: list[Hit], chosen: list[_Sent]) -> list[list[_Sent]]:
        """One group per document, best document first; document order inside a group."""
        groups: dict[str, list[_Sent]] = {}
        for s in chosen:  # chosen is best-first, so dict order is best document first
            groups.setdefault(hits[s.hit].chunk.doc_id, []).append(s)
        return [sorted(g, key=lambda s: (hits[s.hit].chunk.start, hits[s.hit].chunk.ordinal, s.pos))
                for g in groups.values()]


_TOPIC_TAGS = ("n", "vn", "j")  # nouns: a topic is a thing (核电项目 / 南水北调), not a verb


def _topical(question: str, chunks: Sequence[Chunk]) -> bool:
    """An outline question with words of its own beyond the document's name and identity (title, proposal,
    addressee, issuer, head block): it asks about that topic, not for the whole outline."""
    from .intents import strip_names
    from .lexical import STOPWORDS, pos_words

    m = chunks[0].meta
    identity = _WS.sub("", " ".join(x for x in (m.title, m.proposal_title, m.addressee, m.issuer, m.proposer,
                                                   m.lead, m.doc_number, chunks[0].text[:300]) if x))
    for w, tag, _ in pos_words(strip_names(question)):
        if len(w) < 2 or w in STOPWORDS or w in markers.OUTLINE_WORDS or not tag.startswith(_TOPIC_TAGS):
            continue
        if w not in identity:
            return True
    return False


def _asks_about_part(question: str, intent: Intent, hit: Hit) -> bool:
    """A contact question that names a place the document's own contact note is not about (the document
    lists one contact per county): the text answers it, not the metadata."""
    from .scope import places

    m = hit.chunk.meta
    if not (m.contact or m.contact_phone) or not {"contact", "contact_phone"} & set(intent.fields):
        return False
    own = " ".join(x for x in (m.title, m.lead, m.issuer, m.contact) if x)
    return any(p not in own for p in places(question))


def _form_factor(s: str) -> float:
    """Down-weight lines that state nothing by themselves: headings, header/signature lines, a bare item
    label (一是政策保障激励企业研发投入。). ``label：value`` lines (签发人：张秀玲) are statements."""
    if _HEADING_LINE.match(s):
        return 0.5
    if not s.rstrip(CLOSERS).endswith(tuple(ENDS)) and not _LABEL_VALUE.search(s):
        return 0.6
    if item_family(s) and len(s) <= _ITEM_LABEL_MAX:
        return 0.7
    if _ANNOUNCE.search(s):
        return 0.6  # 经研究，现答复如下。 announces what follows and says nothing itself
    return 1.0


def _share(qtok: set[str], stok: set[str], weight: dict[str, float] | None = None) -> float:
    """Share of the question's tokens found in a sentence, each token weighted by ``weight`` (default 1)."""
    if not qtok:
        return 0.0
    w = weight or {}
    total = sum(w.get(t, 1.0) for t in qtok)
    return sum(w.get(t, 1.0) for t in qtok & stok) / total if total else 0.0


def _local_idf(qtok: set[str], stoks: list[set[str]]) -> dict[str, float]:
    """Rarity of each question token among the candidate sentences: 科技/企业 in every sentence of a
    science-policy letter tell them apart less than 融资, found in one."""
    n = len(stoks)
    return {t: math.log(1 + n / (1 + sum(t in st for st in stoks))) for t in qtok}


# Metadata fields a question may ask about (签发人是谁？), shown in the lead-in: these facts stand in the
# document's head block, which is no sentence an extractive answer could quote well.
_FACT_QUESTIONS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"签发|签批"), "signer", "签发人"),
    (re.compile(r"哪位|谁提|谁的(?:提案|建议)|提案人|建议人|提出人|哪个(?:委员|代表)|(?:委员|代表)是谁"), "proposer", "提出人"),
    (re.compile(r"哪(?:个|件|一)(?:提案|建议)|什么(?:提案|建议)|(?:提案|建议)的?(?:题目|标题|名称)"), "proposal_title",
     "答复的提案"),
    (re.compile(r"哪个(?:部门|单位|机关)|发文机关|谁(?:发|印发|发布)"), "issuer", "发文机关"),
)


def _asked_facts(question: str) -> list[tuple[str, str]]:
    return [(field_, label) for pat, field_, label in _FACT_QUESTIONS if pat.search(question)]


def _lead_in(hit: Hit, facts: Sequence[tuple[str, str]] = ()) -> str:
    """根据《title》（文号，date；asked facts）： from the document's metadata; empty when it has no title."""
    m = hit.chunk.meta
    if not m.title:
        return ""
    title = m.title.strip("《》")
    extra = "，".join(x for x in (m.doc_number, m.date) if x)
    asked = []
    for field_, label in facts:
        value = getattr(m, field_, None)
        if value:
            asked.append(f"{label}：《{value}》" if field_ == "proposal_title" else f"{label}：{value}")
    extra = "；".join(x for x in (extra, "；".join(asked)) if x)
    return f"根据《{title}》（{extra}）：" if extra else f"根据《{title}》："

