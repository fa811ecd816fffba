"""What answers do with the policies as data (rag.policies): mark the validity of what they cite, put current
documents before expired ones when both answer, and lay the support measures of several documents side by
side (有哪些补贴/支持/减免 → a table: 地区 · 措施 · 金额 · 对象 · 有效期 · 出处, every cell verbatim, every row
cited).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from . import markers
from .lexical import STOPWORDS, pos_words
from .measures import Measure
from .policies import PolicyBook, PolicyDoc
from .records import Answer, Citation, Hit
from .retrieve import Filters
from .validity import STATUS_LABEL

# 有哪些补贴 / 有什么减免政策 / 支持政策有哪些 / 能享受哪些优惠: a question for the measures themselves.
_ASKS_MEASURES = re.compile(
    rf"(?:{markers.ASK_LIST}|享受|申请|多少钱|多少|金额).{{0,8}}(?:{markers.ASKS_MEASURE_WORD})"
    rf"|(?:{markers.ASKS_MEASURE_WORD}).{{0,8}}(?:{markers.ASK_LIST}|是什么|有多少|多少钱|怎么|如何)"
)
DEMOTE = 0.6  # the score share an expired or repealed document's passage keeps against a current one
_CELL = 90  # characters of a measure's clause in a table cell (its start, verbatim, then …)
MAX_ROWS = 8
_GENERIC = re.compile(rf"^(?:{markers.ASKS_MEASURE_WORD}|{markers.ASK_LIST}|疫情|期间|企业|哪些|什么|有关|相关|方面)$")


def _topic_words(question: str) -> list[str]:
    """The content words of a measures question that are not the asking itself (房租, 小微企业 in
    疫情期间小微企业房租减免有什么政策？)."""
    return [w for w, tag, _ in pos_words(question)
            if len(w) >= 2 and w not in STOPWORDS and not _GENERIC.match(w) and tag[:1] in ("n", "v", "a", "j")]


def asks_measures(question: str) -> bool:
    return bool(_ASKS_MEASURES.search(question))


def current_only(filters: Filters | None, book: PolicyBook | None) -> Filters | None:
    """``filters.current_only`` made concrete: the documents expired or repealed on the as-of day left out."""
    if filters is None or not filters.current_only or book is None:
        return filters
    gone = {d.source for i, d in book.docs().items() if i in book.not_current()}
    return replace(filters, exclude_sources=frozenset(gone))


def prefer_current(hits: Sequence[Hit], book: PolicyBook | None) -> list[Hit]:
    """A passage of a current document goes before the passages of expired or repealed documents that it
    answers nearly as well as (its score ≥ ``DEMOTE`` × theirs); those it overtakes keep ``DEMOTE`` of their
    score (the answerer weighs sentences by their passage's score). Documents of unknown validity are not
    current: they move nothing and nothing moves past them (a question naming 黑龙江 keeps 黑龙江's expired notice
    first over another province's notice that states no end)."""
    if book is None or not hits:
        return list(hits)
    bad = book.not_current()
    good = book.current()
    if not any(h.chunk.doc_id in bad for h in hits) or not any(h.chunk.doc_id in good for h in hits):
        return list(hits)
    out = list(hits)
    for h in [x for x in hits if x.chunk.doc_id in good]:
        i = out.index(h)
        j = i
        while j > 0 and out[j - 1].chunk.doc_id in bad and h.score >= DEMOTE * out[j - 1].score:
            j -= 1
        if j < i:
            for k in range(j, i):
                out[k] = replace(out[k], score=out[k].score * DEMOTE)
            out.insert(j, out.pop(i))
    return out


def validity_note(doc: PolicyDoc, as_of: date) -> str | None:
    """已失效（有效期至2020-06-30） / 已废止（被《…》废止）; None for current or unknown documents."""
    st = doc.status(as_of)
    if st == "expired":
        return f"{STATUS_LABEL[st]}（有效期至{doc.validity.valid_to}）"
    if st == "repealed":
        return f"{STATUS_LABEL[st]}（被《{doc.repealed_by}》废止）"
    return None


def mark(ans: Answer, book: PolicyBook | None) -> Answer:
    """Each citation gets its document's status; an answer citing expired or repealed documents says so."""
    if book is None or ans.refused:
        return ans
    notes: list[str] = []
    for c in ans.citations:
        doc = book.get(c.doc_id)
        if doc is None:
            continue
        c.status = doc.status(book.as_of)
        c.valid_to = doc.validity.valid_to
        if (note := validity_note(doc, book.as_of)) and not any(f"《{doc.title}》" in n for n in notes):
            notes.append(f"[{c.n}]《{doc.title}》{note}")
    if notes and "注意：" not in ans.text:
        ans.text = f"{ans.text}\n\n注意：" + "；".join(notes) + f"（以{book.as_of.isoformat()}为准）。"
    return ans


def _cell(text: str) -> str:
    t = text.replace("|", "｜").replace("\n", " ")
    return t if len(t) <= _CELL else t[:_CELL] + "…"


def _validity_cell(doc: PolicyDoc, m: Measure, as_of: date) -> str:
    st = doc.status(as_of)
    end = m.valid_to or doc.validity.valid_to
    if m.valid_to and date.fromisoformat(m.valid_to) < as_of and st != "repealed":
        st = "expired"
    label = STATUS_LABEL[st]
    return f"至{end}（{label}）" if end else label


def measure_table(question: str, hits: Sequence[Hit], book: PolicyBook | None, start_n: int
                  ) -> tuple[str, list[Citation]] | None:
    """The measures that the found passages hold, one row each, when they come from two documents or more
    (one document's measures read better as its own list). Rows are cited from ``start_n`` on."""
    if book is None or not asks_measures(question):
        return None
    rows: list[tuple[Hit, PolicyDoc, Measure]] = []
    for h in hits:
        doc = book.get(h.chunk.doc_id)
        if doc is None:
            continue
        for m in doc.measures:
            if h.chunk.start <= m.start < h.chunk.end and (m.amounts or m.ratios):
                rows.append((h, doc, m))
    if len({d.doc_id for _, d, _ in rows}) < 2:
        return None
    # the rows about what the question names (房租 in 房租减免有什么政策？) before other measures of the same passages
    words = _topic_words(question)
    scored = sorted(range(len(rows)), key=lambda i: (-sum(w in rows[i][2].text for w in words), i))
    keep = sorted(i for i in scored[:MAX_ROWS] if not words or any(w in rows[i][2].text for w in words))
    rows = [rows[i] for i in keep] if len({rows[i][1].doc_id for i in keep}) >= 2 else rows[:MAX_ROWS]
    citations: list[Citation] = []
    number: dict[str, int] = {}
    lines = ["| 地区 | 措施 | 金额 | 对象 | 有效期 | 出处 |", "|---|---|---|---|---|---|"]
    for h, doc, m in rows:
        if h.chunk.id not in number:
            number[h.chunk.id] = start_n + len(number)
            cit = Citation.from_hit(number[h.chunk.id], h, [])
            cit.status, cit.valid_to = doc.status(book.as_of), doc.validity.valid_to
            citations.append(cit)
        for c in citations:
            if c.chunk_id == h.chunk.id and m.text not in c.used:
                c.used.append(m.text)
        amounts = "、".join([a["text"] for a in m.amounts] + [r["text"] for r in m.ratios])
        lines.append(
            f"| {(m.region or {}).get('name') or doc.meta.region or '—'} | {_cell(m.text)} | {_cell(amounts)} "
            f"| {_cell('、'.join(m.beneficiaries)) or '—'} | {_validity_cell(doc, m, book.as_of)} "
            f"| [{number[h.chunk.id]}] |"
        )
    return "\n".join(lines), citations
