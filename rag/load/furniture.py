"""Page furniture: what a printed page repeats around the text, removed before the pages are joined.

``join_pages`` is a pure function over a document's page texts (text layer or OCR). It drops

* lines repeated in the top or bottom lines of most pages (at least two): a 红头 (XX市人民政府文件) or running title,
  a 密级 / 印发 line in the footer — compared with their digits masked, so ``第2页`` and ``第3页`` are one line;
* page-number lines (``— 2 —``, ``- 2 -``, ``第2页 共5页``: :data:`rag.markers.PAGE_NUMBER`, the patterns
  ``rag.clean`` also drops) at the top or bottom of a page;

and rejoins a paragraph running across a page break: when a page's last line is Chinese prose that does not
end a sentence and the next page's first line is not a heading or a numbered item, the two are one line.

A 红头 printed on the first page only is no furniture and stays (metadata reads the head); one repeated on
every page is a running header and goes everywhere. A page's edge is at most a third of its lines, so the
lines of a short page are never all taken for furniture.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

from .. import markers
from ..sentences import is_table_row

_ZONE = 3  # lines looked at on each edge of a page
_MIN_SHARE = 0.6  # a line on this share of the pages (and on two at least) is furniture
_FURNITURE_MAX = 30  # characters (spaces out): a longer line is text
_PROSE_MIN = 10  # a page's last line shorter than this (or without CJK) ends its paragraph
_CJK_RE = re.compile(r"[\u3400-\u9fff]")
_CLAUSE_RE = re.compile(r"[，、；：,;:]")
_UNPUNCTUATED_PROSE = 25  # a line this long is prose even without a comma
_PAGE_NUMBER_RES = tuple(re.compile(p) for p in markers.PAGE_NUMBER)
_TERMINAL_END_RE = re.compile(markers.TERMINAL_END)
_NUMBERED_START_RE = re.compile(
    "^(?:"
    + "|".join(
        (
            markers.CHAPTER,
            markers.SECTION,
            markers.ARTICLE,
            markers.DUN_CN,
            markers.PAREN_CN,
            markers.SHI,
            markers.NUM,
            markers.PAREN_NUM,
            r"附件|附[:：]",
        )
    )
    + ")"
)
_DIGITS_RE = re.compile(r"[0-9０-９]+|[一二三四五六七八九十〇○]+(?=页)")
_SPACES_RE = re.compile(r"\s+")


def _key(line: str) -> str:
    """A line as compared across pages: no spaces, digit runs masked."""
    return _DIGITS_RE.sub("#", _SPACES_RE.sub("", line))


def is_page_number(line: str) -> bool:
    line = line.strip()
    return any(p.match(line) for p in _PAGE_NUMBER_RES)


def _lines(page: str) -> list[str]:
    return [s for s in (x.strip() for x in page.split("\n")) if s]


def _edges(lines: list[str]) -> tuple[list[int], list[int]]:
    head = list(range(min(_ZONE, len(lines) // 3)))
    tail = list(range(max(len(head), len(lines) - min(_ZONE, len(lines) // 3)), len(lines)))
    return head, tail


def repeated_lines(pages: Sequence[str]) -> tuple[set[str], set[str]]:
    """Keys (:func:`_key`) of the lines that stand at the top of most pages, and of those at the bottom.
    Top and bottom are counted apart (a paragraph running from one page's foot to the next page's head is
    no header), and only short lines count: furniture is a title or a note, never a line of prose."""
    n = len(pages)
    if n < 2:
        return set(), set()
    tops: Counter[str] = Counter()
    bottoms: Counter[str] = Counter()
    for page in pages:
        lines = _lines(page)
        head, tail = _edges(lines)
        tops.update({k for i in head if len(k := _key(lines[i])) <= _FURNITURE_MAX})
        bottoms.update({k for i in tail if len(k := _key(lines[i])) <= _FURNITURE_MAX})
    need = max(2, math.ceil(n * _MIN_SHARE))
    return {k for k, c in tops.items() if c >= need}, {k for k, c in bottoms.items() if c >= need}


def strip_page(page: str, repeated: tuple[set[str], set[str]]) -> list[str]:
    """A page's lines without its furniture: repeated edge lines, and page numbers on its first or last
    lines."""
    lines = _lines(page)
    head, tail = _edges(lines)
    tops, bottoms = repeated
    ends = {i for i in (0, 1, len(lines) - 2, len(lines) - 1) if 0 <= i < len(lines)}
    drop = {i for i in head if _key(lines[i]) in tops} | {i for i in tail if _key(lines[i]) in bottoms}
    drop |= {i for i in ends | set(head) | set(tail) if is_page_number(lines[i])}
    return [x for i, x in enumerate(lines) if i not in drop]


def continues(last: str, first: str) -> bool:
    """Whether a page ending in ``last`` runs on into a page starting with ``first`` (one paragraph)."""
    if len(last) < _PROSE_MIN or not _CJK_RE.search(last) or _TERMINAL_END_RE.search(last):
        return False
    if not _CLAUSE_RE.search(last) and len(last) < _UNPUNCTUATED_PROSE:  # a 文号, a title, a name: no prose
        return False
    if is_table_row(last) or is_table_row(first):
        return False
    return not _NUMBERED_START_RE.match(first)


def _glue(a: str, b: str) -> str:
    if a[-1:].isascii() and a[-1:].isalnum() and b[:1].isascii() and b[:1].isalnum():
        return f"{a} {b}"
    return a + b


def join_pages(pages: Sequence[str]) -> str:
    """The document's text: furniture removed, pages joined, a paragraph cut by a page break made whole.
    Pages are separated by a blank line."""
    repeated = repeated_lines(pages)
    out: list[list[str]] = []
    for page in pages:
        lines = strip_page(page, repeated)
        if not lines:
            continue
        if out and continues(out[-1][-1], lines[0]):
            out[-1][-1] = _glue(out[-1][-1], lines[0])
            lines = lines[1:]
            if not lines:
                continue
            out[-1].extend(lines)  # the rest of this page belongs to the page the paragraph started on
            continue
        out.append(lines)
    return "\n\n".join("\n".join(p) for p in out)
