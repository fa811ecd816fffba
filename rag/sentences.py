"""Sentences of a passage as exact substrings: what extractive answers quote."""

from __future__ import annotations

import re

from . import markers

ENDS = "。！？；!?;"
SOFT_ENDS = ("；", ";")  # a semicolon inside brackets separates list members, not sentences
OPENS_NEXT = (*SOFT_ENDS, "？", "?", "：", ":")  # a sentence ending so is completed by the next one

CLOSERS = "”’）)」』》】"
_OPENERS = "（("
_BRACKET_CLOSE = "）)"
_WORDY = re.compile(r"[\w\u4e00-\u9fff]")
_WS = re.compile(r"\s+")
_CELL_NAME = re.compile(markers.TABLE_CELL_NAME)


def is_table_row(line: str) -> bool:
    """A line written by ``load.tables.format_row`` (项目：研发费用补助；标准：…；金额：最高50万元): it starts with a
    cell named by its header, and at least two cells, most of them, are named. A row is one sentence here and
    one unit for the chunker: its values never leave their names."""
    cells = line.strip().split(markers.TABLE_CELL_JOIN)
    named = sum(1 for c in cells if _CELL_NAME.match(c))
    return bool(_CELL_NAME.match(cells[0])) and named >= 2 and 2 * named >= len(cells)


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` as exact substrings (stripped), cut after 。！？； and at line breaks. A closing
    quote or bracket right after the end mark stays with its sentence (…“双向奔赴”。 / …。”); a semicolon
    inside brackets does not cut ((联系人:苏浩;联系电话…)). 一是…。 items stay whole; so does a table row
    (``is_table_row``)."""
    out: list[str] = []
    for line in text.splitlines():
        if is_table_row(line):
            _emit(out, line)
            continue
        start, depth, i, n = 0, 0, 0, len(line)
        while i < n:
            ch = line[i]
            if ch in _OPENERS:
                depth += 1
            elif ch in _BRACKET_CLOSE:
                depth = max(0, depth - 1)
            if ch in ENDS and not (ch in SOFT_ENDS and depth > 0):
                j = i + 1
                while j < n and (
                    line[j] in ENDS or line[j] in CLOSERS or _closes_ascii_quote(line, start, j)
                ):
                    if line[j] in _BRACKET_CLOSE:
                        depth = max(0, depth - 1)
                    j += 1
                _emit(out, line[start:j])
                start = i = j
                continue
            i += 1
        _emit(out, line[start:])
    return out


def _closes_ascii_quote(line: str, start: int, j: int) -> bool:
    # An ASCII quote after an end mark closes the sentence's quote only if one is open (odd count so far).
    return line[j] == '"' and line[start:j].count('"') % 2 == 1


def _emit(out: list[str], s: str) -> None:
    s = s.strip()
    if s and _WORDY.search(s):
        out.append(s)
