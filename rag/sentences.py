"""Sentences of a passage as exact substrings: what extractive answers quote."""

from __future__ import annotations

import re

ENDS = "。！？；!?;"
SOFT_ENDS = ("；", ";")  # a semicolon inside brackets separates list members, not sentences
OPENS_NEXT = (*SOFT_ENDS, "？", "?", "：", ":")  # a sentence ending so is completed by the next one

CLOSERS = "”’）)」』》】"
_OPENERS = "（("
_BRACKET_CLOSE = "）)"
_WORDY = re.compile(r"[\w\u4e00-\u9fff]")
_WS = re.compile(r"\s+")


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` as exact substrings (stripped), cut after 。！？； and at line breaks. A closing
    quote or bracket right after the end mark stays with its sentence (…“双向奔赴”。 / …。”); a semicolon
    inside brackets does not cut ((联系人:苏浩;联系电话…)). 一是…。 items stay whole."""
    out: list[str] = []
    for line in text.splitlines():
        start, depth, i, n = 0, 0, 0, len(line)
        while i < n:
            ch = line[i]
            if ch in _OPENERS:
                depth += 1
            elif ch in _BRACKET_CLOSE:
                depth = max(0, depth - 1)
            if ch in ENDS and not (ch in SOFT_ENDS and depth > 0):
                j = i + 1
                while j < n and (line[j] in ENDS or line[j] in CLOSERS or _closes_ascii_quote(line, start, j)):
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
