"""Structure-aware chunking of Chinese official documents (公文).

Split on the document's own numbering first — 第X章 / 第X节 / 第X条 / 一、 / （一） / 一是 / 1. / （1） — then, inside
a section that is still too long, by a token budget (tiktoken cl100k) at sentence ends (。！？；). Every chunk is
an exact slice of the cleaned text, carries its section path (``二、强化研发投入攻坚行动 > 一是政策保障激励企业研发投入``),
never starts with punctuation, never exceeds the budget, and a heading never ends a chunk alone.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from . import markers
from .records import Chunk, DocMeta, SourceDoc
from .sentences import is_table_row
from .settings import Settings

TokenCounter = Callable[[str], int]

# Heading markers, most general first; the level orders them in the section path. A marker only opens a
# section at the start of a paragraph or right after a sentence end (inline numbering in texts whose line
# breaks were lost, and 一是/二是 which officials write inside a paragraph).
_MARKERS: list[tuple[int, re.Pattern[str]]] = [
    (1, re.compile(markers.CHAPTER)),
    (2, re.compile(markers.SECTION)),
    (3, re.compile(markers.DUN_CN)),
    (3, re.compile(markers.ARTICLE)),
    (4, re.compile(markers.PAREN_CN)),
    (5, re.compile(markers.SHI)),
    (6, re.compile(markers.NUM)),
    (7, re.compile(markers.PAREN_NUM)),
]
# 一是 needs a sentence end right before it; a word such as 统一是 or 唯一是 must not open a section.
_SHI = _MARKERS[5][1]
_HEADING_MAX = 40  # a numbered line this short without a full stop is a heading line of its own
_LABEL_MAX = 30  # a section label is cut here when the heading runs into its body text
_SENT_END = "。！？；!?;"
_CLOSERS = "”’）)」』》】"
# Characters a chunk must never start with: closing punctuation and separators.
_LEADING_PUNCT = set("，。、；：！？）》」』】”’,.;:!?)]} \n\t")
_SENTENCE = re.compile(rf"[^{_SENT_END}\n]*(?:[{_SENT_END}][{_CLOSERS}]*|\n|$)")
_CLAUSE = re.compile(rf"[^，、,{_SENT_END}\n]*(?:[，、,{_SENT_END}][{_CLOSERS}]*|\n|$)")
_LINE = re.compile(r"[^\n]*(?:\n|$)")
_CELL = re.compile(rf"[^{markers.TABLE_CELL_JOIN}\n]*(?:{markers.TABLE_CELL_JOIN}|\n|$)")
# Where inline numbering may open a section: start of text/line, or after a sentence end or a space.
_INLINE_START = re.compile(rf"(?:^|(?<=[{_SENT_END}：:\s]))(?=\S)", re.M)


@lru_cache(maxsize=1)
def _cl100k() -> TokenCounter:
    import tiktoken

    from .settings import ensure_tiktoken_offline

    ensure_tiktoken_offline()
    enc = tiktoken.get_encoding("cl100k_base")
    return lambda s: len(enc.encode(s, disallowed_special=()))


def count_tokens(text: str) -> int:
    """cl100k tokens: the budget unit of chunking (and roughly the LLM context cost)."""
    return _cl100k()(text)


@dataclass
class _Piece:
    start: int
    end: int
    level: int | None  # heading level if the piece opens a section
    label: str  # the section label (the heading text) if it opens one
    heading_only: bool  # the whole piece is a heading line with no body text


def _marker_level(text: str, after_sentence_end: bool) -> int | None:
    for level, pat in _MARKERS:
        m = pat.match(text)
        if not m:
            continue
        if pat is _MARKERS[5][1] and not after_sentence_end:
            return None
        rest = text[m.end() :]
        if not rest or rest[0] in "，。、；：,.":
            return None  # "一、" alone or 1.，is not a heading
        return level
    return None


def _is_heading_line(line: str) -> bool:
    """A numbered line that is only a heading: short, and no sentence inside it (a trailing ： is fine)."""
    return len(line) <= _HEADING_MAX and not any(c in line for c in "。；！？")


def _inline_label(line: str) -> str:
    """The label of a heading that runs into its body text: up to the first clause end, capped."""
    m = re.search(r"[。；：！？，]", line)
    return (line[: m.start()] if m else line)[:_LABEL_MAX]


def _pieces(text: str) -> list[_Piece]:
    """Cut the text where a numbered heading starts (at a line start or inline after a sentence end); a
    heading on a line of its own becomes a heading-only piece followed by a body piece."""
    cuts = [0]
    for m in _INLINE_START.finditer(text):
        i = m.start()
        if i == 0:
            continue
        after_end = text[i - 1] in _SENT_END or (text[i - 1] == "\n" and i >= 2 and text[i - 2] in _SENT_END)
        if _marker_level(text[i : i + 60], after_end or text[i - 1] == "\n") is not None:
            cuts.append(i)
    cuts.append(len(text))
    out: list[_Piece] = []
    for a, b in itertools.pairwise(cuts):
        seg = text[a:b]
        level = _marker_level(seg, a == 0 or text[a - 1] in _SENT_END + "\n")
        if level is None:
            out.append(_Piece(a, b, None, "", False))
            continue
        first_line = seg.split("\n", 1)[0].rstrip()
        if not _is_heading_line(first_line):
            out.append(_Piece(a, b, level, _inline_label(first_line), False))
            continue
        label = first_line.rstrip("：:")
        nl = a + len(first_line)
        out.append(_Piece(a, nl, level, label, True))
        if text[nl:b].strip():
            out.append(_Piece(nl, b, None, "", False))
    return out


@dataclass
class _Block:
    start: int
    end: int
    section: str


def _blocks(text: str) -> list[_Block]:
    """Group pieces into blocks: a section's heading with the body under it. A heading with no body of its
    own (directly followed by a sub-heading) is carried into the next block so it never stands alone."""
    stack: list[tuple[int, str]] = []
    blocks: list[_Block] = []
    pending_start: int | None = None
    for p in _pieces(text):
        if p.level is not None:
            while stack and stack[-1][0] >= p.level:
                stack.pop()
            stack.append((p.level, p.label))
        section = " > ".join(label for _, label in stack)
        start = pending_start if pending_start is not None else p.start
        if p.heading_only:
            pending_start = start
            continue
        pending_start = None
        if p.level is None and blocks and blocks[-1].section == section and blocks[-1].end == p.start:
            blocks[-1].end = p.end  # body text continuing the current section
        else:
            blocks.append(_Block(start, p.end, section))
    if pending_start is not None:  # a trailing heading with nothing after it
        if blocks:
            blocks[-1].end = len(text)
        else:
            blocks.append(_Block(pending_start, len(text), " > ".join(label for _, label in stack)))
    return blocks


def _spans(text: str, start: int, end: int, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    out = []
    for m in pattern.finditer(text, start, end):
        if m.end() > m.start():
            out.append((m.start(), m.end()))
    return out


def _units(text: str, start: int, end: int, budget: int, count: TokenCounter) -> list[tuple[int, int, int]]:
    """Sentence spans with their token counts; a sentence over budget is cut at commas, then by tokens.

    A table row (``is_table_row``) is one unit: a passage never holds half a row. A row over the budget is
    cut between its cells; only a single cell over the budget is cut inside (at sentence ends, commas, then
    by tokens). Nothing is repeated to make up for the cut (the chunk overlap still applies)."""
    units: list[tuple[int, int, int]] = []
    for la, lb in _spans(text, start, end, _LINE):
        n = count(text[la:lb])
        if is_table_row(text[la:lb]) and n <= budget:
            units.append((la, lb, n))
        elif is_table_row(text[la:lb]):
            for ca, cb in _spans(text, la, lb, _CELL):
                _cut(text, ca, cb, budget, count, units, 0)
        else:
            _cut(text, la, lb, budget, count, units, 0)
    return units


# How a span over the budget is cut, finer at each level: sentences, clauses, then by tokens.
_LEVELS = (_SENTENCE, _CLAUSE)


def _cut(
    text: str, a: int, b: int, budget: int, count: TokenCounter, units: list[tuple[int, int, int]], level: int
) -> None:
    for sa, sb in _spans(text, a, b, _LEVELS[level]):
        n = count(text[sa:sb])
        if n <= budget:
            units.append((sa, sb, n))
        elif level + 1 < len(_LEVELS):
            _cut(text, sa, sb, budget, count, units, level + 1)
        else:
            i = sa  # a clause longer than the budget (tables, lists without punctuation): hard cut
            while i < sb:
                j = min(sb, i + budget)
                while j > i + 1 and count(text[i:j]) > budget:
                    j = i + max(1, (j - i) * 3 // 4)
                units.append((i, j, count(text[i:j])))
                i = j


def _pack(units: list[tuple[int, int, int]], budget: int, overlap: int) -> list[tuple[int, int]]:
    """Greedy packing of sentence units into spans ≤ budget; a new span repeats the previous span's last
    sentences up to ``overlap`` tokens so an answer spanning a cut is still found whole once."""
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(units):
        total, j = 0, i
        while j < len(units) and total + units[j][2] <= budget:
            total += units[j][2]
            j += 1
        spans.append((units[i][0], units[j - 1][1]))
        if j >= len(units):
            break
        back, k = 0, j
        while k - 1 > i and back + units[k - 1][2] <= overlap:
            back += units[k - 1][2]
            k -= 1
        i = k
    return spans


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and (text[a] in _LEADING_PUNCT or text[a].isspace()):
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def _common_section(a: str, b: str) -> str:
    pa, pb = a.split(" > "), b.split(" > ")
    common = []
    for x, y in zip(pa, pb, strict=False):
        if x != y:
            break
        common.append(x)
    return " > ".join(common)


def _merge_small(
    text: str, spans: list[tuple[int, int, str]], max_tokens: int, min_tokens: int, count: TokenCounter
) -> list[tuple[int, int, str]]:
    """Merge a passage under ``min_tokens`` with its following sibling(s) of the same top-level section
    while the whole stays within budget. Tiny passages (（四）军民深度融合方面6项。) are over-rewarded by
    BM25's length normalisation and carry too little to answer anything on their own."""
    out: list[tuple[int, int, str]] = []
    for a, b, sec in spans:
        if out:
            pa, pb, psec = out[-1]
            same_top = psec.split(" > ")[0] == sec.split(" > ")[0]
            small = count(text[pa:pb]) < min_tokens or count(text[a:b]) < min_tokens
            if same_top and small and a >= pb and count(text[pa:b]) <= max_tokens:
                out[-1] = (pa, b, _common_section(psec, sec))
                continue
        out.append((a, b, sec))
    return out


def chunk_text(
    text: str,
    *,
    max_tokens: int,
    overlap: int,
    min_tokens: int = 0,
    count: TokenCounter | None = None,
) -> list[tuple[int, int, str]]:
    """(start, end, section) spans of ``text``: the structural cut, then the token-budget cut, then small
    sibling passages merged (when ``min_tokens`` > 0)."""
    if max_tokens <= 0:
        raise ValueError(f"max_tokens must be > 0, got {max_tokens}")
    if not 0 <= overlap < max_tokens:
        raise ValueError(f"overlap must be in [0, max_tokens), got {overlap}")
    count = count or count_tokens
    out: list[tuple[int, int, str]] = []
    for block in _blocks(text):
        a, b = _trim(text, block.start, block.end)
        if a >= b:
            continue
        if count(text[a:b]) <= max_tokens:
            out.append((a, b, block.section))
            continue
        for sa, sb in _pack(_units(text, a, b, max_tokens, count), max_tokens, overlap):
            sa, sb = _trim(text, sa, sb)
            if sa < sb:
                out.append((sa, sb, block.section))
    return _merge_small(text, out, max_tokens, min_tokens, count) if min_tokens else out


def chunk_document(
    doc: SourceDoc,
    text: str,
    meta: DocMeta,
    *,
    max_tokens: int | None = None,
    overlap: int | None = None,
    min_tokens: int | None = None,
    count: TokenCounter | None = None,
) -> list[Chunk]:
    """Chunks of one cleaned document, each with its metadata, span, token count and stable id. The budget
    defaults to the settings' (``RAG_CHUNK_TOKENS`` / ``_OVERLAP`` / ``_MIN_TOKENS``): one place for them."""
    count = count or count_tokens
    fields = Settings.model_fields
    max_tokens = fields["chunk_tokens"].default if max_tokens is None else max_tokens
    overlap = fields["chunk_overlap"].default if overlap is None else overlap
    min_tokens = fields["chunk_min_tokens"].default if min_tokens is None else min_tokens
    chunks: list[Chunk] = []
    for a, b, section in chunk_text(
        text, max_tokens=max_tokens, overlap=overlap, min_tokens=min_tokens, count=count
    ):
        passage = text[a:b]
        chunks.append(
            Chunk(
                id=Chunk.make_id(doc.key, a, passage),
                doc_id=doc.doc_id,
                source=doc.source,
                text=passage,
                section=section,
                start=a,
                end=b,
                tokens=count(passage),
                ordinal=len(chunks),
                meta=meta,
            )
        )
    return chunks
