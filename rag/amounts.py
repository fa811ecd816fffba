"""Money and ratios in a sentence, as exact substrings with their values.

jionlp finds the money expressions and reads their numbers (五百万元 → 5000000, 0.5亿元, 1-5万元 as two bounds,
3000余万元 as a blur range). What is ours: the words around an expression that jionlp leaves out or cannot
parse — a bound before it (最高500万元, 不超过10万元, 最多, 上限), a unit of the beneficiary before or after it
(每人500元, 每户, 1000元/人), the verb jionlp sometimes swallows (达53.2亿元, 超9亿元: the verb is cut off the text
again) — and the ratios that are granted (减半, 50%, 降低20%), which jionlp has no parser for.

Everything here is a pure function of the sentence; each value comes with its span so it can be quoted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from . import markers
from .jio import jio

_CAP_BEFORE = re.compile(rf"(?:{markers.AMOUNT_CAP})\s*$")
_PER_BEFORE = re.compile(rf"(?:{markers.AMOUNT_PER})\s*$")
_PER_AFTER = re.compile(r"^\s*/\s*(?:人|户|家|个|名|年|月|人次|平方米|亩|吨|台)")
_NOT_NUMBER = re.compile(rf"^[^\d{markers.CN_NUM}千万亿]+")
_RANGE_LOW = re.compile(r"(\d+(?:\.\d+)?)\s*(万|亿|千)?\s*元?\s*[至到—－~～-]\s*$")
_UNIT = {"千": 1e3, "万": 1e4, "亿": 1e8}
_TRAILING = re.compile(r"(?:（含）|\(含\))?(?:及)?(?:以下|以上|以内|左右|上下)$")
_CLAUSE = re.compile(r"[^，,；;。、：:]+")
_RATIO = re.compile(markers.RATIO)
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*[%％]")
_CN_DIGIT = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


@dataclass(frozen=True)
class Amount:
    text: str  # as written, with its bound or unit (最高500万元, 每人500元)
    yuan: float  # the value (the upper bound of a range)
    start: int  # span of ``text`` in the sentence
    end: int
    cap: bool = False  # an upper bound: 最高 / 不超过 / 最多 / 以内
    low: float | None = None  # a range's lower bound (1-5万元 → 10000)
    per: str | None = None  # 每人 / 每户 / /人 …

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"text": self.text, "yuan": self.yuan}
        if self.cap:
            d["cap"] = True
        if self.low is not None:
            d["low"] = self.low
        if self.per:
            d["per"] = self.per
        return d


@dataclass(frozen=True)
class Ratio:
    text: str
    ratio: float  # the share granted or cut: 减半 → 0.5, 50% → 0.5
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "ratio": self.ratio}




def _yuan(detail: dict[str, Any]) -> tuple[float, float | None] | None:
    if detail.get("case") != "元":  # 美元, 港元 … are not what a local policy grants
        return None
    num = detail.get("num")
    try:
        if isinstance(num, list):
            lo, hi = float(num[0]), float(num[1])
            return hi, lo
        return float(str(num)), None
    except (TypeError, ValueError, IndexError):
        return None


def amounts(sentence: str) -> list[Amount]:
    """The money expressions of ``sentence`` in 元, in order."""
    if "元" not in sentence:
        return []
    out: list[Amount] = []
    for f in _found(sentence):
        start, end = int(f["offset"][0]), int(f["offset"][1])
        # jionlp keeps a leading verb (达53.2亿元), blank or even a cut-off unit: the text starts at its number
        lead = _NOT_NUMBER.match(sentence[start:end])
        detail = f.get("detail") or {}
        if lead:
            start += lead.end()
            # … and then its number may be misread (个不超过10万元 → 10000): read the number part again
            try:
                detail = jio().parse_money(sentence[start:end])
            except Exception:
                pass
        while end > start and sentence[end - 1].isspace():
            end -= 1
        # … and sometimes a qualifier after it (300万元以下, 170万元左右): that belongs to the words around it
        trailing = ""
        if q := _TRAILING.search(sentence[start:end]):
            end -= len(q.group(0))
            trailing = q.group(0)
        val = _yuan(detail)
        if val is None or start >= end:
            continue
        yuan, low = val
        # a range jionlp reads as its upper end only (1000至10000元): the lower end is ours
        if low is None and (r := _RANGE_LOW.search(sentence[max(0, start - 14) : start])):
            unit = r.group(2) or next((u for u in ("亿", "万", "千") if u in sentence[start:end]), "")
            low = float(r.group(1)) * _UNIT.get(unit, 1)
            start -= len(r.group(0))
        cap = detail.get("definition") == "blur-" and not trailing.endswith(("以下", "以上", "左右"))
        per = None
        before = sentence[max(0, start - 8) : start]
        if m := _CAP_BEFORE.search(before):
            start -= len(m.group(0))
            cap = True
        before = sentence[max(0, start - 8) : start]
        if m := _PER_BEFORE.search(before):
            start -= len(m.group(0))
            per = m.group(0).strip()
            # a bound before the unit (不超过每人每天100元)
            if m := _CAP_BEFORE.search(sentence[max(0, start - 8) : start]):
                start -= len(m.group(0))
                cap = True
        if m := _PER_AFTER.match(sentence[end:]):
            per = m.group(0).strip()
            end += len(m.group(0))
        if sentence[end:].lstrip().startswith("以内"):
            cap = True
        out.append(Amount(sentence[start:end], yuan, start, end, cap, low, per))
    return out


def _found(sentence: str) -> list[dict[str, Any]]:
    """jionlp's money entities, clause by clause: over a comma it can merge two amounts into one and lose the
    first (每人500元，1000元/人 → one entity 元，1000元)."""
    out: list[dict[str, Any]] = []
    for m in _CLAUSE.finditer(sentence):
        if "元" not in m.group(0):
            continue
        try:
            found = jio().ner.extract_money(m.group(0), with_parsing=True)
        except Exception:
            continue
        for f in found:
            a, b = f["offset"]
            out.append({**f, "offset": [a + m.start(), b + m.start()]})
    return out


def ratios(sentence: str) -> list[Ratio]:
    """The shares granted or cut in ``sentence``: 减半 / 减半征收 → 0.5, 免收/免征 → 1.0, 50% → 0.5."""
    out: list[Ratio] = []
    for m in _RATIO.finditer(sentence):
        word = m.group(0)
        if "半" in word:
            value = 0.5
        elif word.startswith(("免", "全免", "全额")):
            value = 1.0
        else:
            frac = _cn_fraction(word)
            if frac is None:
                continue
            value = frac
        out.append(Ratio(word, value, m.start(), m.end()))
    for m in _PERCENT.finditer(sentence):
        pct = float(m.group(1))
        if 0 < pct <= 100:
            out.append(Ratio(m.group(0), pct / 100, m.start(), m.end()))
    return sorted(out, key=lambda r: r.start)


def _cn_fraction(word: str) -> float | None:
    """八折 → 0.2 off (a ratio of the cut); 减免三成 → 0.3."""
    m = re.search(r"([一二两三四五六七八九])(成|折)", word)
    if not m:
        return None
    d = _CN_DIGIT[m.group(1)] / 10
    return round(1 - d, 2) if m.group(2) == "折" else d
