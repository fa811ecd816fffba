"""Questions for the register of past replies (rag.registry), answered as a list of letters — title · 文号 ·
date · proposer · one-line gist, newest first, each cited — rather than as sentences of one document.

Two kinds, detected narrowly (``markers.ASK_REGISTER_*``): what a person proposed (王超斌委员提过哪些提案？ —
the proposer's letters from the register), and how past proposals on a topic were answered
(以前关于科技企业融资的提案是怎么答复的？ — the reply letters among the passages retrieval finds for it, that
name the topic). A question naming its own document (334号答复函说了什么, 《…》, a 文号) is a single-document
question and is left to the ordinary answer; so is a topic question no reply letter answers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from . import markers
from .access import PUBLIC_AUDIENCE, Audience
from .lexical import STOPWORDS, pos_words
from .metadata import find_doc_numbers, find_proposal_numbers
from .records import Answer, Chunk, Citation, Hit
from .registry import Entry, Registry, ReplyFilters
from .retrieve import Filters, RetrievalResult

_PROPOSER_RE = re.compile(markers.ASK_REGISTER_PROPOSER)
_PAST_RE = re.compile(markers.ASK_REGISTER_PAST)
# What a question may start with before the proposer's name.
_LEAD_IN = re.compile(
    r"^(?:请问|请教|我想(?:知道|了解|问问?)|想(?:问|了解)(?:一下)?|帮我查(?:一下)?|查一下|查询|麻烦(?:问一下)?|"
    r"你好|您好)[，,、\s]*"
)
_PERSON_NAME = re.compile(r"^[\u4e00-\u9fff·]{2,4}$")
_NOT_NAME = re.compile(r"我|你|您|他|她|们|企业|公司|单位|群众|市民|哪位|谁|有人|大家|部门|政府|哪些|什么")
MAX_LETTERS = 10
_RETRIEVE_K = 20


@dataclass(frozen=True)
class RegisterQuestion:
    proposer: str | None = None  # 王超斌
    role: str | None = None  # 委员 / 代表 (as asked)
    kind: str | None = None  # 提案 / 建议 / 议案 (as asked)
    topic: tuple[str, ...] = ()  # the subject's words (科技, 企业, 融资)


def _names_own_document(q: str) -> bool:
    return bool(find_doc_numbers(q) or find_proposal_numbers(q) or "《" in q or re.search(r"\d+ *号", q))


def topic_words(q: str) -> tuple[str, ...]:
    words = [
        w
        for w, tag, _ in pos_words(q)
        if len(w) >= 2
        and w not in STOPWORDS
        and w not in markers.REGISTER_FRAME_WORDS
        and tag[:1] in ("n", "v", "a", "j", "l")
    ]
    return tuple(dict.fromkeys(words))


def register_question(question: str) -> RegisterQuestion | None:
    """What a register question asks; None for any other question."""
    q = _LEAD_IN.sub("", question.strip())
    if not q or _names_own_document(q):
        return None
    m = _PROPOSER_RE.match(q)
    if m and _PERSON_NAME.match(m.group("name")) and not _NOT_NAME.search(m.group("name")):
        return RegisterQuestion(proposer=m.group("name"), role=m.group("role"), kind=m.group("kind"))
    p = _PAST_RE.search(q)
    if p:
        return RegisterQuestion(kind=p.group("kind"), topic=topic_words(q))
    return None


def _role(e: Entry) -> str:
    return {"政协": "委员", "人大": "代表"}.get(e.reply.body or "", "")


def _line(i: int, e: Entry, n: int) -> str:
    who = "、".join(e.reply.proposers or []) or "—"
    parts = [
        f"《{e.title}》",
        e.reply.doc_number or "（无文号）",
        e.reply.date or "（无日期）",
        f"提出：{who}{_role(e)}",
        e.gist,
    ]
    return f"{i}. " + " · ".join(parts) + f" [{n}]"


def _cite(n: int, e: Entry, hit: Hit | None, chunks_of: Callable[[str], Sequence[Chunk]]) -> Citation | None:
    """The passage a letter's line cites: the one retrieval found, else the one holding its gist, else its
    first."""
    if hit is None:
        chunks = list(chunks_of(e.doc_id))
        if not chunks:
            return None
        g = (e.reply.gist or "").rstrip("…")[:30]
        chunk = next((c for c in chunks if g and g in c.text), chunks[0])
        hit = Hit(chunk, 1.0)
    used = [e.reply.gist] if e.reply.gist and e.reply.gist in hit.chunk.text else []
    return Citation.from_hit(n, hit, used)


def _letters(
    question: str,
    entries: list[Entry],
    hits: dict[str, Hit],
    head: str,
    chunks_of: Callable[[str], Sequence[Chunk]],
) -> Answer:
    lines: list[str] = []
    cites: list[Citation] = []
    for e in entries[:MAX_LETTERS]:
        c = _cite(len(cites) + 1, e, hits.get(e.doc_id), chunks_of)
        if c is None:
            continue
        cites.append(c)
        lines.append(_line(len(cites), e, c.n))
    more = (
        f"\n另有 {len(entries) - MAX_LETTERS} 件未列出，可在“答复档案”中查看全部。"
        if len(entries) > MAX_LETTERS
        else ""
    )
    return Answer(
        question=question, text=head + "\n" + "\n".join(lines) + more, refused=False, citations=cites
    )


def _in_years(e: Entry, filters: Filters | None) -> bool:
    if filters is None:
        return True
    y = e.year
    return not (
        (filters.year_from and (y is None or y < filters.year_from))
        or (filters.year_to and (y is None or y > filters.year_to))
    )


def register_answer(
    question: str,
    registry: Registry,
    retrieve: Callable[[str, Filters | None, int], RetrievalResult],
    chunks_of: Callable[[str], Sequence[Chunk]],
    filters: Filters | None = None,
    audience: Audience = PUBLIC_AUDIENCE,
) -> Answer | None:
    """The list answer to a register question; None when the question is not one (or, for a topic, when no
    reply letter answers it: the ordinary answer then tries)."""
    rq = register_question(question)
    if rq is None:
        return None
    if rq.proposer is not None:
        known = registry.select(ReplyFilters(proposer=rq.proposer), audience)
        known = [e for e in known if _in_years(e, filters)]
        if rq.role is None and not known:
            return None  # 李明提过…: without 委员/代表 only a proposer the register knows is one
        who = f"{rq.proposer}{rq.role or ''}"
        if not known:
            return Answer(
                question=question, refused=True, text=f"已收录的答复函中没有找到{who}提出的提案、建议或议案。"
            )
        head = f"已收录的答复函中，{who}提出的提案、建议共 {len(known)} 件（按答复日期由近及远）："
        return _letters(question, known, {}, head, chunks_of)
    visible = {e.doc_id: e for e in registry.select(None, audience) if _in_years(e, filters)}
    if not visible:
        return None
    if not rq.topic:
        entries = list(visible.values())
        head = f"已收录的以往建议、提案答复函共 {len(entries)} 件（按答复日期由近及远）："
        return _letters(question, entries, {}, head, chunks_of)
    res = retrieve(question, filters, _RETRIEVE_K)
    found: dict[str, Hit] = {}
    for h in res.hits:
        if h.chunk.doc_id in visible and h.chunk.doc_id not in found:
            found[h.chunk.doc_id] = h
    need = math.ceil(len(rq.topic) / 2)
    keep: list[Entry] = []
    for did, h in found.items():
        e = visible[did]
        hay = "".join([e.title, e.reply.proposal_title or "", h.chunk.text, *e.reply.commitments])
        if sum(w in hay for w in rq.topic) >= need:
            keep.append(e)
    if not keep:
        return None
    kept = {e.doc_id for e in keep}
    entries = [e for e in visible.values() if e.doc_id in kept]  # the register's order: newest first
    head = f"已收录的答复函中，与“{''.join(rq.topic)}”有关的以往建议、提案答复共 {len(entries)} 件（按答复日期由近及远）："
    return _letters(question, entries, found, head, chunks_of)
