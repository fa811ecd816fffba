"""Answers whose form the question decides, built from a whole document rather than from the best
sentences: a document fact (one sentence from the metadata, cited to the passage that states it), an
outline (the top-level headings with their first sentence, or each paragraph's first sentence), and one
numbered part (第四个方面具体说了什么？). Everything quoted is verbatim; the only added words are the
labels (成文日期 / 联系人 …) and the document's name from its metadata.

Pure functions over ``Chunk`` lists: the answerer gives them the document's passages."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from . import markers
from .clean import DATE_CORE
from .intents import Intent
from .metadata import cn_number, parse_cn_date
from .records import Answer, Chunk, Citation, DocMeta, Hit
from .sentences import split_sentences

_WS = re.compile(r"\s+")
_DATE_IN_TEXT = re.compile(DATE_CORE)
_SIGNED_DATE = re.compile(markers.SIGNED_DATE)
_CJK = re.compile(r"[\u4e00-\u9fff]")
# A signature or 版记 line (鄂尔多斯市人民政府 / 2025年9月3日 / 抄送：…): where a document's last part ends.
_TAIL_LINE = re.compile(rf"^(?:{DATE_CORE}.{{0,4}}|[\u4e00-\u9fff]{{2,30}}{markers.ORGAN_END}|[（(]?联系人.*|抄送[：:].*|.{{0,30}}印发)$")

LABELS = {
    "date": "成文日期",
    "print_date": "印发日期",
    "print_office": "印发机关",
    "doc_number": "文号",
    "signer": "签发人",
    "proposer": "提出人",
    "proposal_title": "答复的提案",
    "contact": "联系人",
    "contact_phone": "联系电话",
    "recipients_cc": "抄送",
    "addressee": "主送",
    "issuer": "发文机关",
}
# Where in a document a field stands when its value is not found verbatim: the head block or the end.
_AT_END = {"date", "print_date", "contact", "contact_phone", "recipients_cc", "issuer"}
_OPENING = re.compile(r"(?:收悉|悉)[。，,]?$|答复如下|现答复|经研究|函复如下|现将.{0,20}(?:答复|函复)")


def cn_date(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{int(y)}年{int(m)}月{int(d)}日"


def doc_name(meta: DocMeta, source: str) -> str:
    """《title》（文号） — how an answer names a document; the opening words when it has no title."""
    if meta.title:
        t = meta.title.strip("《》")
        return f"《{t}》（{meta.doc_number}）" if meta.doc_number else f"《{t}》"
    return f"“{meta.lead}”一文" if meta.lead else source


def _norm(s: str) -> str:
    return _WS.sub("", s)


def _holder(chunks: Sequence[Chunk], field: str, value: str) -> Chunk:
    """The passage that states ``value`` (whitespace-insensitive); for dates also one whose written date
    (二〇〇六年十月十八日) is that day; else the end or the head of the document, where the field stands."""
    v = _norm(value)
    for c in chunks:
        if v and v in _norm(c.text):
            return c
    if field in ("date", "print_date"):
        for c in reversed(chunks):
            if any(parse_cn_date(m.group(0)) == value for m in _DATE_IN_TEXT.finditer(c.text)):
                return c
    return chunks[-1] if field in _AT_END else chunks[0]


def _written_date(chunk: Chunk, iso: str) -> str | None:
    """The date as the passage writes it, when that differs from 2006年10月18日 (二〇〇六年十月十八日)."""
    for m in _DATE_IN_TEXT.finditer(chunk.text):
        if parse_cn_date(m.group(0)) == iso:
            written = _norm(m.group(0))
            return written if written != cn_date(iso) else None
    return None


def _value(meta: DocMeta, field: str) -> str | None:
    v = getattr(meta, field, None)
    if not v:
        return None
    if field == "proposal_title":
        num = f"第{meta.proposal_number}号" if meta.proposal_number else ""
        kind = "建议" if "建议" in v[-4:] else "提案" if "提案" in v[-4:] else ""
        return f"{num}{kind}《{v.strip('《》')}》" if num else f"《{v.strip('《》')}》"
    return str(v)


def _signed_date(chunks: Sequence[Chunk]) -> tuple[str, Chunk] | None:
    """The first organ-and-date signature in the text (…管理中心2020年2月21日), for a document whose
    metadata has no date because its signature block lost its line breaks."""
    for c in chunks:
        m = _SIGNED_DATE.search(c.text)
        if m:
            iso = parse_cn_date(m.group(1))
            if iso:
                return cn_date(iso), c
    return None


def doc_fact(question: str, intent: Intent, chunks: Sequence[Chunk]) -> Answer | None:
    """One sentence per asked field, from the metadata, each cited to the passage holding the value.
    None when the document has none of the asked fields (the caller answers from its sentences)."""
    if not chunks:
        return None
    meta, source = chunks[0].meta, chunks[0].source
    parts: list[tuple[str, Chunk]] = []
    for field in intent.fields:
        value = _value(meta, field)
        if value is None:
            continue
        raw = getattr(meta, field)
        holder = _holder(chunks, field, raw if field not in ("proposal_title",) else meta.proposal_title or "")
        if field in ("date", "print_date"):
            shown = cn_date(raw)
            written = _written_date(holder, raw)
            value = f"{shown}（原文：{written}）" if written else shown
        parts.append((f"{LABELS[field]}：{value}", holder))
    if ("date" in intent.fields and not meta.date) or (not parts and "print_date" in intent.fields):
        signed = _signed_date(chunks)
        if signed:
            parts.insert(0, (f"落款日期：{signed[0]}", signed[1]))
    if not parts:
        return None
    cites: dict[str, Citation] = {}
    for text, c in parts:
        cit = cites.setdefault(c.id, Citation.from_hit(len(cites) + 1, Hit(chunk=c, score=0.0)))
        cit.used.append(text.split("：", 1)[1])
    # One sentence, its markers after the full stop (…0477-8586566。[1]): a value is never run into a marker.
    body = "；".join(text for text, _ in parts)
    marks = "".join(f"[{cites[cid].n}]" for cid in dict.fromkeys(c.id for _, c in parts))
    return Answer(question=question, text=f"{doc_name(meta, source)}的{body}。{marks}", refused=False,
                  citations=list(cites.values()))


def cn_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十 (as 公文 number their parts)."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


# Where a heading's words end: its full stop, or the first sub-item marker run into it (一、加大资金支持力度1.奖励…).
_HEADING_END = re.compile(rf"[。；：:！？!?\n]|{markers.NUM}|{markers.PAREN_CN}|{markers.SHI}")
_HEADING_MAX = 40


@dataclass
class Part:
    """A top-level part of a document: 一、优化创新创业服务体系建设, where it starts, its passages."""

    n: int
    heading: str  # with its 一、 marker, without the full stop
    chunk: Chunk  # the passage its heading stands in
    first: str | None = None  # the first sentence after the heading


def top_parts(chunks: Sequence[Chunk]) -> list[Part]:
    """The document's 一、二、三、… parts, found in order in its passages (inline ones too: news-style texts
    lost their line breaks). Only a strictly increasing run from 一 counts, so a stray 二、 in a sentence or
    a quoted list is no part; each numeral is looked for after the previous part."""
    parts: list[Part] = []
    n = 1
    for c in chunks:
        pos = 0
        while True:
            marker = f"{cn_numeral(n)}、"
            i = c.text.find(marker, pos)
            # 十一、 is not 一、, and 法制统一、政令统一 is no heading: a part starts after punctuation or a break.
            while i > 0 and _CJK.match(c.text[i - 1]):
                i = c.text.find(marker, i + 1)
            if i < 0:
                break
            body = c.text[i + len(marker):]
            m = _HEADING_END.search(body)
            words = body[: m.start()] if m else body
            if not words.strip():
                pos = i + len(marker)
                continue
            if len(words) > _HEADING_MAX:
                # The heading ran into its paragraph (the line break was lost): its opening words, marked cut.
                heading, first = marker + words[:_HEADING_MAX].strip() + "…", None
            else:
                heading = marker + words.strip()
                sents = split_sentences(body[len(words):].lstrip("。；：: \n")[:400])
                first = sents[0] if sents else None
            parts.append(Part(n, heading, c, first))
            n += 1
            pos = i + len(marker) + min(len(words), _HEADING_MAX)
    return parts if len(parts) >= 2 else []


def _cite(cites: dict[str, Citation], c: Chunk, used: str) -> int:
    cit = cites.setdefault(c.id, Citation.from_hit(len(cites) + 1, Hit(chunk=c, score=0.0)))
    cit.used.append(used)
    return cit.n


def outline(question: str, chunks: Sequence[Chunk], max_paragraphs: int = 6, max_chars: int = 420
            ) -> Answer | None:
    """The document's top-level headings (一、二、…) each with its first sentence; for a text without
    them, the first sentence of each body paragraph (the opening lines — title, 收悉, 答复如下 — skipped)."""
    if not chunks:
        return None
    meta, source = chunks[0].meta, chunks[0].source
    cites: dict[str, Citation] = {}
    lines: list[str] = []
    parts = top_parts(chunks)
    if not parts and meta.doc_type not in ("reply_letter", "reply"):
        return None  # a news text has no outline: its sentences answer instead
    if parts:
        with_first = sum(len(p.heading) + len(p.first or "") for p in parts) <= max_chars
        for p in parts:
            n = _cite(cites, p.chunk, p.heading)
            first = p.first if with_first else None
            if first:
                cites[p.chunk.id].used.append(first)
            lines.append(f"{p.heading}：{first}[{n}]" if first else f"{p.heading}[{n}]")
    else:
        skip = {_norm(x) for x in (meta.title or "", meta.doc_number or "", meta.addressee or "") if x}
        prev = ""
        for c in chunks:
            for para in c.text.split("\n"):
                sents = [s for s in split_sentences(para) if _norm(s) not in skip]
                if sents and sents[0] in prev:
                    continue  # the overlap with the previous passage: a paragraph already seen
                sents = [s for s in sents if not _OPENING.search(s) and len(_norm(s)) >= 8]
                # A heading line or a signature line is no paragraph of the body.
                if not sents or not sents[0].endswith(("。", "；", "！", "？", "”")):
                    continue
                n = _cite(cites, c, sents[0])
                lines.append(f"- {sents[0]}[{n}]")
                if len(lines) >= max_paragraphs:
                    break
            if len(lines) >= max_paragraphs:
                break
            prev = c.text
    if not lines:
        return None
    head = f"{doc_name(meta, source)}的主要内容："
    return Answer(question=question, text=head + "\n" + "\n".join(lines), refused=False,
                  citations=list(cites.values()))


def section(question: str, intent: Intent, chunks: Sequence[Chunk], max_chars: int = 600) -> Answer | None:
    """The n-th top-level part of the document (第四个方面), its sentences in order up to ``max_chars``."""
    n = cn_number(intent.extra.get("n", ""))
    parts = top_parts(chunks)
    if not n or n < 1 or n > len(parts):
        return None
    part = parts[n - 1]
    end = parts[n].heading if n < len(parts) else None
    heading = part.heading
    meta, source = chunks[0].meta, chunks[0].source
    cites: dict[str, Citation] = {}
    out: list[str] = []
    size = 0
    started = False
    seen: set[str] = set()
    marker = heading[: heading.index("、") + 1]
    end_marker = parts[n].heading[: parts[n].heading.index("、") + 1] if end else None
    done = False
    for c in chunks[chunks.index(part.chunk):]:
        for s_ in split_sentences(c.text):
            if not started:
                if _norm(heading.rstrip("…")) not in _norm(s_):
                    continue
                started = True
                s_ = s_[s_.find(marker):] if marker in s_ else s_  # an inline part: from its own marker on
            if end and end_marker and _norm(end.rstrip("…")) in _norm(s_):
                before = s_[: s_.find(end_marker)].strip() if end_marker in s_ else ""
                done = True  # the next part starts here; what stands before its marker still belongs to this one
                s_ = before
                if not s_:
                    break
            if out and _TAIL_LINE.match(s_):
                done = True  # the signature after the last part
                break
            if s_ in seen or (size and size + len(s_) > max_chars):
                done = True
                break
            seen.add(s_)
            k = _cite(cites, c, s_)
            out.append(f"{s_}[{k}]")
            size += len(s_)
            if done:
                break
        if done:
            break
    if not out:
        return None
    text = f"{doc_name(meta, source)}的第{intent.extra['n']}部分：\n" + "".join(out)
    return Answer(question=question, text=text, refused=False, citations=list(cites.values()))


_NEXT_STEPS = re.compile(markers.NEXT_STEPS)
_ITEM = re.compile(f"^(?:{markers.SHI}|{markers.PAREN_CN}|{markers.NUM}|{markers.PAREN_NUM})")


def next_steps(question: str, chunks: Sequence[Chunk], max_chars: int = 420) -> Answer | None:
    """What the document says it will do: the sentence that opens its 下一步 / 今后 part, then the first
    sentence of each item that follows it (一是… 二是…), up to ``max_chars``."""
    start = None
    for ci, c in enumerate(chunks):
        for si, s_ in enumerate(split_sentences(c.text)):
            if _NEXT_STEPS.search(s_):
                start = (ci, si)
                break
        if start:
            break
    if start is None:
        return None
    meta, source = chunks[0].meta, chunks[0].source
    cites: dict[str, Citation] = {}
    out: list[str] = []
    size = 0
    seen: set[str] = set()
    for ci in range(start[0], len(chunks)):
        c = chunks[ci]
        sents = split_sentences(c.text)
        for si, s_ in enumerate(sents):
            if (ci, si) < start or s_ in seen:
                continue
            first = (ci, si) == start
            if not first and not _ITEM.match(s_):
                continue  # an item's further sentences: its label says what it is
            if size and size + len(s_) > max_chars:
                break
            seen.add(s_)
            out.append(f"{'' if first or not out else chr(10)}{s_}[{_cite(cites, c, s_)}]")
            size += len(s_)
    if not out:
        return None
    return Answer(question=question, text=f"{doc_name(meta, source)}中的下一步工作：\n" + "".join(out),
                  refused=False, citations=list(cites.values()))
