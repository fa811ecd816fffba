"""Suggested questions, drawn from the corpus: the chat's example questions, and two or three follow-up
questions under every answer that the documents it cites can answer.

Questions are made by rule from what a document states about itself — its top-level headings
(二、强化研发投入攻坚行动 → 强化研发投入有哪些措施？), the proposal a reply letter answers
(《关于…的提案》是怎么答复的？), its 文号 and date (鄂建提复字〔2025〕334号答复的是哪个提案？ / …是哪天发的？) and its
title (《…》的主要内容是什么？) — and kept only when the keyword channel's best passage for the question is in
that document. Nothing is random: the same store gives the same suggestions. A document whose title or
headings carry markup or code (a test document with ``<script>``) is never a source of suggestions.

The pure functions (``doc_questions``, ``pick_examples``, ``pick_follow_ups``) work on chunk lists;
``Suggester`` wires them to the store and the keyword index.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from .access import PUBLIC_AUDIENCE, Audience
from .errors import RagError
from .forms import cn_date, top_parts
from .records import Answer, Chunk, DocMeta
from .retrieve import HybridRetriever
from .store import DocRecord

log = logging.getLogger(__name__)

# Markup, entities, code: a title or heading with any of these is not shown as a suggestion.
_MARKUP = re.compile(
    r"[<>{}\[\]=$\\`|#@^~*_]|&#?\w+;|https?:|\b(?:script|onerror|onload|javascript|function|return|var|def)\b",
    re.I,
)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_MARKER = re.compile(
    r"^(?:[一二三四五六七八九十百]{1,4}[、是]|[（(][一二三四五六七八九十]{1,3}[）)]|\d{1,2}[、．.]|[（(]\d{1,2}[）)]|第[一二三四五六七八九十百\d]{1,4}[条章节])\s*"
)
_PAREN = re.compile(r"[（(][^（）()]*[）)]")
_SENTENCE_PUNCT = re.compile(r"[，,；;：:。！？!?]")
# Headings every plan or opinion has (一、总体要求 / 四、保障措施): as a question on their own they are about
# any document, so they are asked with the document's 文号 or title.
GENERIC_HEADINGS = frozenset(
    "总体要求 主要目标 重点任务 保障措施 指导思想 基本原则 发展目标 主要任务 有关要求 工作任务 工作措施 组织实施 实施步骤"
    " 具体措施 组织形式 工作安排 指标体系 支撑体系 考核程序 主要职能 组成人员 工作规则 工作要求 成员单位 试点范围 试点任务"
    " 工作进度 基本情况 处理情况 建议意见 工作目标 适用范围 总则 附则 组织领导 加强组织领导 职责分工 任务分工 目标任务"
    " 实施范围 政策措施 主要内容 工作原则 其他事项 有关事项 保障机制 组织保障 工作机制 落实责任".split()
)
# A heading that opens with what is done (加强… / 支持… / 减免…) asks for the measures taken.
_ACTION = re.compile(
    "^(?:加强|强化|优化|加大|深化|推进|完善|支持|健全|提升|提高|做好|布局|落实|实施|推动|鼓励|促进|构建|建设|建立|创新|扩大"
    "|规范|保障|维护|严格|加快|开展|积极|切实|全面|大力|持续|坚持|明确|营造|壮大|丰富|改善|给予|照顾|实行|制定|抓紧|认真"
    "|深入|动员|保证|优先|减轻|降低|减免|减征|免征|延长|延期|缓缴|稳定|帮扶|拓宽|培育|发挥|引导|打造|着力|聚焦|统筹|畅通"
    "|简化|放宽|激励|增加|扶持|开拓|助力|提供|维护|加快|逐年|有序|紧扣|塑造|确保|暂停|鼓励|精准|狠抓|抓好|夯实|提速)"
)
_ACTION_TAIL = re.compile(r"(?:攻坚行动|专项行动|行动)$")
# A heading that is a sentence (国务院由下列人员组成 / 依法行政的核心是规范行政权力 / 原则同意《…》): no topic.
_CLAUSE = re.compile(
    r"(?<![重主需纲])要(?![素求点件])|是|下列|应当|必须|(?<!自)由|^(?:原则)?同意|《|^(?:自|从|对|在|为|经|根据|按照|凡|如|截至)"
    r"|\d{1,2}月\d{1,2}日|起至|[的了和与及或等]$"  # a heading run into its first sentence (降价措施自2020年2月1日起…)
)
# A heading that is a question (四、纳税人申报若有困难，如何申请延期申报？ / 十八、纳税人如何申请办理注销？).
_ASKING = re.compile(r"[？?]$|如何|怎么|怎样|什么|哪些|是否|能否|可否|吗$")
# Where a news item's headline ends in its opening words (安徽阜阳开出首趟复工人员定制专列新华社合肥2月18日电…).
_HEADLINE_END = re.compile(
    r"新华社|中新网|人民网|新华网|央视|记者|原标题|(?<!\d)\d{1,2}月\d{1,2}日|近日|日前|今年|目前|据悉|为(?:进一步|切实|全面|做好|贯彻|了|深入|确保|加强)"
    r"|[，。：:！？!?（(【\[]"
)
_FIGURE = re.compile(r"\d+(?:\.\d+)?\s*(?:万元|亿元|元|%|％)")
_LABEL_CUT = 30  # rag.chunk cuts a section label that runs into its body text at this length
MAX_TITLE = 40  # longer titles make examples nobody would type
MAX_REF_TITLE = 30  # a title used to name the document inside a question


def clean_enough(text: str | None) -> bool:
    """Text a suggestion may show: mostly Chinese, no markup or code."""
    if not text:
        return False
    return not _MARKUP.search(text) and len(_CJK.findall(text)) >= max(2, len(text) // 2)


def _bare(title: str) -> str:
    return title.strip().strip("《》")


def doc_ref(meta: DocMeta) -> str | None:
    """How a question names the document: its 文号 (found exactly by retrieval), else its short title."""
    if meta.doc_number and not _MARKUP.search(meta.doc_number):
        return meta.doc_number
    if meta.title and clean_enough(meta.title) and len(_bare(meta.title)) <= MAX_REF_TITLE:
        return f"《{_bare(meta.title)}》"
    return None


def heading_question(heading: str, ref: str | None) -> str | None:
    """A question the part under ``heading`` answers: 二、强化研发投入攻坚行动 → 强化研发投入有哪些措施？; a
    generic heading (四、保障措施) with the document named: 国发〔2019〕5号的保障措施是什么？. None for a heading
    that is a sentence, cut, too short or too long, or carries markup."""
    core = _MARKER.sub("", heading.strip()).rstrip("。；;：:，, ")
    if core.endswith("…") or not clean_enough(core):
        return None
    if _ASKING.search(core) and 6 <= len(core) <= 30 and not re.search(r"[，,；;：:。]", core):
        return core.rstrip("？?") + "？"  # a question-and-answer text's headings are questions already
    core = _PAREN.sub("", core).strip()
    if _SENTENCE_PUNCT.search(core) or _CLAUSE.search(core) or not 4 <= len(core) <= 22:
        return None
    about = core.startswith("关于")
    if about:  # 一、关于收入分配 / 一、关于大连新机场建设项目问题
        core = re.sub(r"(?:有关)?问题$", "", core[2:])
    if len(core) < 2:
        return None
    if core in GENERIC_HEADINGS or len(core) <= 4:
        if not ref:
            return None
        return f"{ref}关于{core}有哪些规定？" if about else f"{ref}的{core}是什么？"
    if _ACTION.match(core):
        core = _ACTION_TAIL.sub("", core) or core
        return f"{core}有哪些？" if core.endswith(("措施", "举措", "政策", "办法")) else f"{core}有哪些措施？"
    return f"{core}有哪些规定？"


def headline_question(meta: DocMeta) -> str | None:
    """For a news item without a title: its headline, cut from its opening words, as a question
    (“江苏出台政策支持农产品保供主体复工复产”的主要内容是什么？)."""
    if meta.title or not meta.lead:
        return None
    m = _HEADLINE_END.search(meta.lead, 6)
    if m is None:  # no end in the opening 40 characters: the words are not a headline
        return None
    head = meta.lead[: m.start()].strip()
    if not 8 <= len(head) <= 30 or not clean_enough(head):
        return None
    return f"“{head}”的主要内容是什么？"


@dataclass
class DocQuestions:
    """The questions one document answers, by kind, each list in the order they are offered."""

    doc_id: str
    parts: list[tuple[str, str]] = field(default_factory=list)  # (heading, question), richest parts first
    subject: str | None = None  # the proposal a reply letter answers
    facts: list[str] = field(default_factory=list)  # 文号 / date
    # What answers each fact question: an answer that already says it is not offered the question again.
    stated: dict[str, tuple[str, ...]] = field(default_factory=dict)
    title: str | None = None  # 《title》的主要内容是什么？

    def all(self) -> list[str]:
        out = [q for _, q in self.parts]
        out += [q for q in (self.subject, *self.facts, self.title) if q]
        return out


def _figures(chunks: Sequence[Chunk], heading: str) -> int:
    """How many amounts and ratios the part under ``heading`` states (its passages, by section path)."""
    return sum(len(_FIGURE.findall(c.text)) for c in chunks if c.section.split(" > ")[0] == heading)


def doc_questions(chunks: Sequence[Chunk]) -> DocQuestions | None:
    """The questions a document answers, from its passages (in document order). None for a document whose
    title or headings carry markup or code: its words are never offered as a question."""
    if not chunks:
        return None
    meta = chunks[0].meta
    parts = top_parts(chunks)
    if any(not clean_enough(x) for x in (meta.title, meta.lead) if x):
        return None
    if any(_MARKUP.search(p.heading) for p in parts):
        return None
    out = DocQuestions(chunks[0].doc_id)
    ref = doc_ref(meta)
    # Parts that state the most amounts first (what people ask about), document order otherwise.
    ranked = sorted(enumerate(parts), key=lambda ip: (-_figures(chunks, ip[1].heading), ip[0]))
    for _, p in ranked:
        q = heading_question(p.heading, ref)
        if q and q not in (x for _, x in out.parts):
            out.parts.append((p.heading, q))
    if len(out.parts) < 3:  # few 一、二、 parts: the headings the passages stand under (（一） / 一是 / 1.)
        for c in chunks:
            for label in c.section.split(" > ") if c.section else ():
                if len(label) >= _LABEL_CUT:
                    continue  # cut where the heading ran into its text (rag.chunk): its end is lost
                q = heading_question(label, ref)
                if q and q not in (x for _, x in out.parts) and not _MARKUP.search(label):
                    out.parts.append((label, q))
    if meta.proposal_title and clean_enough(meta.proposal_title) and len(_bare(meta.proposal_title)) <= MAX_TITLE:
        out.subject = f"《{_bare(meta.proposal_title)}》是怎么答复的？"
    if meta.doc_number and ref and meta.doc_type == "reply_letter" and meta.proposal_title:
        out.facts.append(q := f"{meta.doc_number}答复的是哪个提案？")
        out.stated[q] = (_bare(meta.proposal_title),)
    if meta.date and ref:
        out.facts.append(q := f"{ref}是哪天发的？")
        out.stated[q] = (meta.date, cn_date(meta.date))
    if meta.issuer and ref and meta.doc_type != "reply_letter":
        out.facts.append(f"{ref}是哪个单位发的？")
    if meta.title and clean_enough(meta.title) and len(_bare(meta.title)) <= MAX_TITLE:
        out.title = f"《{_bare(meta.title)}》的主要内容是什么？"
    out.title = out.title or headline_question(meta)
    return out if out.all() else None


Check = Callable[[str, str], bool]  # (question, doc id) → does that document answer it?


def _ok(q: str | None, doc_id: str, check: Check | None, seen: set[str]) -> bool:
    return bool(q) and q not in seen and (check is None or check(q or "", doc_id))


def pick_examples(docs: Sequence[DocQuestions], n: int = 5, check: Check | None = None) -> list[str]:
    """``n`` example questions over ``docs`` (in the order given): one per document in turn, the kinds taken
    in rotation (a part; the proposal answered or the title; a 文号/date fact), so one document still gives a
    mix and a large corpus gives many documents."""
    out: list[str] = []
    seen: set[str] = set()
    kinds = [[[q for _, q in d.parts], [q for q in (d.subject, d.title) if q], list(d.facts)] for d in docs]
    while len(out) < n and any(any(k) for k in kinds):
        for d, ks in zip(docs, kinds, strict=True):
            turn = len(out) % 3
            for k in ks[turn:] + ks[:turn]:
                while k:
                    q = k.pop(0)
                    if _ok(q, d.doc_id, check, seen):
                        out.append(q)
                        seen.add(q)
                        break
                else:
                    continue
                break
            if len(out) >= n:
                break
    return out


def pick_follow_ups(
    answer: Answer, docs: Sequence[DocQuestions], asked: str = "", n: int = 3, check: Check | None = None,
) -> list[str]:
    """Up to ``n`` questions to ask next: other parts of the first cited document (not the ones the answer
    quotes), a fact about it (文号 / date / the proposal answered) and the next document's main content.
    ``docs``: the questions of the answer's documents, in citation order (for a refusal: the related ones)."""
    if not docs:
        return []
    seen = {asked.strip(), answer.question.strip()}
    first = docs[0]
    cited = [c.section.split(" > ")[0] for c in answer.citations if c.doc_id == first.doc_id]
    quoted = {s for s in cited if s}
    parts = [q for h, q in first.parts if h not in quoted]
    if len(parts) < 2 and cited:  # an outline quotes every part: only the first passage's part is spent
        parts = [q for h, q in first.parts if h != cited[0]]
    facts = [f for f in first.facts
             if f not in seen and not any(v and v in answer.text for v in first.stated.get(f, ()))]
    named = [q for q in (first.subject, first.title) if q]
    wanted: list[tuple[str | None, str]] = []
    if answer.refused:  # nothing quoted: what the related documents are about
        wanted += [(d.title or d.subject, d.doc_id) for d in docs]
    wanted += [(q, first.doc_id) for q in parts[:2]]
    wanted += [(q, first.doc_id) for q in facts[:1]]
    wanted += [(d.title or d.subject, d.doc_id) for d in docs[1:2]]
    wanted += [(q, first.doc_id) for q in [*parts[2:], *facts[1:], *named]]
    out: list[str] = []
    for q, did in wanted:
        if len(out) >= n:
            break
        if _ok(q, did, check, seen) and q:
            out.append(q)
            seen.add(q)
    return out


class SuggestSource(Protocol):
    """What the suggester reads (``HybridRetriever`` in production)."""

    def document_chunks(self, doc_id: str) -> list[Chunk]: ...

    def keyword(self, query: str, k: int, filters: Any = None, audience: Audience = PUBLIC_AUDIENCE
                ) -> list[tuple[str, float]]: ...


class Suggester:
    """Example questions for the chat and follow-ups for each answer, from the store. A document's
    questions are computed once per store state (the keyword index's fingerprint)."""

    def __init__(self, source: SuggestSource, chunk_ids_of: Callable[[str], list[str]],
                 fingerprint: Callable[[], str], n_examples: int = 5, n_follow_ups: int = 3,
                 sees_doc: Callable[[str, Audience], bool] | None = None) -> None:
        self.source = source
        self.sees_doc = sees_doc  # (doc id, audience) → may it be read (rag.access); None: every document
        self.chunk_ids_of = chunk_ids_of
        self.fingerprint = fingerprint
        self.n_examples = n_examples
        self.n_follow_ups = n_follow_ups
        self._lock = threading.Lock()
        self._fp: str | None = None
        self._docs: dict[str, DocQuestions | None] = {}
        self._checked: dict[tuple[str, str, bool], bool] = {}

    @classmethod
    def of(cls, retriever: HybridRetriever) -> Suggester:
        """The suggester over a pipeline's retriever and keyword index."""
        lex = retriever.lexical
        return cls(retriever, lex.doc_chunk_ids, lambda: lex.ensure_fresh().fingerprint, sees_doc=retriever.sees_doc)

    def _fresh(self) -> None:
        fp = self.fingerprint()
        with self._lock:
            if fp != self._fp:
                self._fp, self._docs, self._checked = fp, {}, {}

    def questions_of(self, doc_id: str) -> DocQuestions | None:
        with self._lock:
            if doc_id in self._docs:
                return self._docs[doc_id]
        qs = doc_questions(self.source.document_chunks(doc_id))
        with self._lock:
            if len(self._docs) > 2048:
                self._docs.clear()
            self._docs[doc_id] = qs
        return qs

    def answers(self, question: str, doc_id: str, audience: Audience = PUBLIC_AUDIENCE) -> bool:
        """Whether the keyword channel's best passage for ``question``, among what ``audience`` sees, is in
        ``doc_id`` (a cheap stand-in for asking it: one BM25 search, no embedding)."""
        key = (question, doc_id, audience.staff)
        with self._lock:
            if key in self._checked:
                return self._checked[key]
        top = self.source.keyword(question, 1, None, audience)
        ok = bool(top) and top[0][0] in set(self.chunk_ids_of(doc_id))
        with self._lock:
            if len(self._checked) > 8192:
                self._checked.clear()
            self._checked[key] = ok
        return ok

    def examples(self, records: Iterable[DocRecord], n: int | None = None,
                 audience: Audience = PUBLIC_AUDIENCE) -> list[str]:
        """Example questions over the store's documents (its manifest records) that ``audience`` sees:
        documents with a clean title first, the newest first, then by file name; at most 20 documents are
        read."""
        self._fresh()
        ranked = sorted(
            (r for r in records
             if audience.sees(r.meta) and all(clean_enough(x) for x in (r.meta.title, r.meta.lead) if x)),
            key=lambda r: (not clean_enough(r.meta.title), _neg_date(r.meta.date), r.source),
        )
        docs = [d for r in ranked[:20] if (d := self.questions_of(r.doc_id)) is not None]
        return pick_examples(docs, n or self.n_examples, lambda q, d: self.answers(q, d, audience))

    def follow_ups(self, answer: Answer, asked: str = "", audience: Audience = PUBLIC_AUDIENCE) -> list[str]:
        """Two or three questions the answer's documents answer (its cited ones; for a refusal, the related
        documents it lists), checked against what ``audience`` sees."""
        ids = [c.doc_id for c in answer.citations] if not answer.refused else [r.doc_id for r in answer.related]
        ids = [i for i in dict.fromkeys(ids) if self.sees_doc is None or self.sees_doc(i, audience)][:3]
        if not ids:
            return []
        try:
            self._fresh()
            docs = [d for i in ids if (d := self.questions_of(i)) is not None]
            return pick_follow_ups(answer, docs, asked, self.n_follow_ups, lambda q, d: self.answers(q, d, audience))
        except RagError:
            raise  # the store failed: the answer's request fails with it (StoreError → 503)
        except Exception:  # suggestions are an extra: a bug here must not cost the user the answer
            log.exception("follow-up suggestions failed")
            return []


def _neg_date(date: str | None) -> str:
    """A sort key putting later ISO dates first and undated documents last."""
    if not date:
        return "~"
    return "".join(chr(ord("9") - ord(ch) + ord("0")) if ch.isdigit() else ch for ch in date)
