"""Support measures of a policy document, read at ingest by rules (no model): what a government body grants
to a class of beneficiaries, how much, on what conditions, until when — each value a verbatim part of its
sentence.

A measure is one sentence (or ；-clause) that grants (给予 / 减免 / 贴息 / 提供贷款 … , ``markers.GRANT_VERB``)
and says what: an amount, a ratio (减半, 免收, 50%) or a kind word that is itself a grant (免征, 补贴, 贴息 …).
Its amounts are the money of the sentence that is granted; the rest is sorted out by the words around each
amount: a condition (年营业收入2000万元以下 → a threshold, kept among the conditions), a statistic of past work
(累计发放贷款7.42亿元, 兑现奖补180万元, 达53.2亿元), a price (元/斤), a fine. A sentence whose amounts are all of
those is not a measure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from . import markers
from .amounts import Amount, Ratio, amounts, ratios
from .records import Chunk, sha256_hex
from .regions import Region
from .sentences import split_sentences
from .validity import sentence_end

KINDS = ("subsidy", "reward", "reduction", "tax", "loan", "guarantee", "interest_subsidy", "service")
KIND_LABEL = {
    "subsidy": "补贴", "reward": "奖励", "reduction": "减免", "tax": "税收", "loan": "贷款", "guarantee": "担保",
    "interest_subsidy": "贴息", "service": "服务",
}

_KIND = [(k, re.compile(p)) for k, p in markers.MEASURE_KIND]
_GRANT = re.compile(markers.GRANT_VERB)
_STAT = re.compile(markers.STATISTIC)
_THRESH_BEFORE = re.compile(markers.THRESHOLD_BEFORE)
_THRESH_AFTER = re.compile(markers.THRESHOLD_AFTER)
_THRESH_BEFORE_TIGHT = re.compile(rf"(?:{markers.THRESHOLD_WORD})额?的?$")
_PRICE_AFTER = re.compile(markers.PRICE_AFTER)
_PRICE_BEFORE = re.compile(markers.PRICE_BEFORE)
_FINE = re.compile(markers.FINE)
_FUND_BEFORE = re.compile(markers.FUND_SIZE_BEFORE)
_FUND_AROUND = re.compile(markers.FUND_SIZE_AROUND)
_FUND_AFTER = re.compile(markers.FUND_SIZE_AFTER)
_FUND_NAMED = re.compile(markers.FUND_NAMED_AFTER)
_FUND_PHASE = re.compile(markers.FUND_PHASE_BEFORE)
_FUND_DONE = re.compile(markers.FUND_DONE_BEFORE)
_RAISED_FROM = re.compile(markers.RAISED_FROM_BEFORE)
_RAISED_TO = re.compile(markers.RAISED_TO_AFTER)
_SPEND_THRESH = re.compile(markers.SPEND_THRESHOLD_BEFORE)
_GRANT_WORD_BEFORE = re.compile(markers.GRANT_WORD_BEFORE)
_ESTIMATE = re.compile(markers.ESTIMATE_CUE)
_BRACKETED_BOUND = re.compile(markers.BRACKETED_BOUND_AFTER)
_PER_HEAD = re.compile(markers.PER_HEAD_GRANT)
_GRANT_RIGHT_BEFORE = re.compile(markers.GRANT_RIGHT_BEFORE)
_COND = re.compile(markers.CONDITION_CUE)
_CLAUSE = re.compile(r"[^，,；;：:]+[，,；;：:]?")
_FUTURE = re.compile(markers.FUTURE)
_DONE_AFTER = re.compile(markers.DONE_AFTER)
_ACHIEVED_BEFORE = re.compile(rf"(?:{markers.ACHIEVED_BEFORE})$")
_BENEF = re.compile(
    rf"(?:对于|针对|(?<!针)对(?!于)|为|向|帮助|支持|鼓励|扶持|凡|(?<!予)使)((?:[^，,。；;：:、（(]|[、（(][^，,。；;：:]{{0,8}}?[）)]?){{0,34}}?(?:{markers.BENEFICIARY_HEAD}))"
)
_BENEF_BARE = re.compile(rf"({markers.BENEFICIARY_BARE})")
# A sentence that reports work done: its amounts are statistics whatever verb it uses (兑现…奖补180万元,市级
# 众创空间奖补95万元 / 发放贷款7.42亿元,惠及企业102家 / 2024年,… / 实施项目150项,支持资金1.7亿元).
_STAT_SENTENCE = re.compile(markers.STATISTIC_SENTENCE)
_DEADLINE = re.compile(markers.DEADLINE)
CONDITION_FIELDS = markers.CONDITION_FIELDS
_FIELD = [(f, re.compile(p)) for f, p in CONDITION_FIELDS]


@dataclass
class Measure:
    text: str  # the clause, verbatim
    kind: str
    start: int  # span in the cleaned document text
    end: int
    section: str = ""
    amounts: list[dict[str, Any]] = field(default_factory=list)
    ratios: list[dict[str, Any]] = field(default_factory=list)
    beneficiaries: list[str] = field(default_factory=list)
    conditions: list[dict[str, Any]] = field(default_factory=list)
    region: dict[str, Any] | None = None
    deadline: str | None = None
    valid_to: str | None = None  # a period the clause itself states (免收2020年2月至6月房租)
    id: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "text": self.text, "section": self.section, "kind": self.kind,
            "amounts": self.amounts, "ratios": self.ratios, "beneficiaries": self.beneficiaries,
            "conditions": self.conditions, "region": self.region, "deadline": self.deadline,
            "valid_to": self.valid_to, "start": self.start, "end": self.end,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Measure:
        keys = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in d.items() if k in keys})


def sentence_spans(text: str) -> list[tuple[int, str]]:
    """Sentences of ``text`` with their start offsets (sentences are exact substrings, in order)."""
    out: list[tuple[int, str]] = []
    pos = 0
    for s in split_sentences(text):
        i = text.find(s, pos)
        if i < 0:
            continue
        out.append((i, s))
        pos = i + len(s)
    return out


def amount_role(sentence: str, a: Amount) -> str:
    """What an amount is in its sentence: measure (granted), threshold, statistic, price, fine."""
    clause_start = max(sentence.rfind(c, 0, a.start) for c in "，,；;：:") + 1
    clause_end = min([i for c in "，,；;。" if (i := sentence.find(c, a.end)) >= 0] or [len(sentence)])
    clause = sentence[clause_start:clause_end]
    before = sentence[clause_start : a.start]
    after = sentence[a.end : clause_end]
    if _FINE.search(clause):
        return "fine"
    if (_PRICE_AFTER.search(after) and not _GRANT_WORD_BEFORE.search(before)) or _PRICE_BEFORE.search(before):
        return "price"  # (给予补助1000元/头 is granted per head of livestock)
    if after.startswith("的部分") or (not a.cap and _THRESH_AFTER.search(after)) or _SPEND_THRESH.search(before):
        return "threshold"  # 年应纳税所得额超过100万元但不超过300万元的部分 (a bracket) / 10万元以下的 / 消费满40元
    if a.cap and _BRACKETED_BOUND.search(sentence[a.end :]):
        return "threshold"  # 小微企业贷款（不超过1000万元）的担保业务
    if _RAISED_FROM.search(before) and _RAISED_TO.search(after):
        return "other"  # 由15万元提高至20万元: the old limit
    if fund_size(sentence, a):
        # 设立规模为5亿元的…基金 / 总规模达100亿元的纾困基金 / 发放额度为5亿元 / 2亿元规模转贷资金: money made available
        return "measure" if not _FUND_DONE.search(before) else "statistic"
    # 年营业收入2000万元以下 / 资产总额不超过5000万元; but 上限上调为不超过注册资本的5%且不超过1000万元 is a cap
    th = (_THRESH_BEFORE if not (a.cap or a.per) else _THRESH_BEFORE_TIGHT).search(before)
    if th and not _GRANT.search(before[max(0, th.start() - 4) : th.start()]):
        return "threshold"  # (增发绩效工资每人每天300元 is granted: the wage word follows a grant verb)
    if _DONE_AFTER.match(after):
        return "statistic"  # 40亿元专项再贷款已到位
    future = _FUTURE.search(before) is not None  # 2月底前下达专项资金70亿元 / 每人将获得5000元: not yet done
    future = future and not _ESTIMATE.search(sentence[: a.start])  # 据测算，…可享受减免税1100多万元
    future = future or _PER_HEAD.search(before) is not None  # 每人发放1张500元…卡: a grant, not a report
    if not (a.cap or a.per or future) and (_ACHIEVED_BEFORE.search(before.rstrip()) or _STAT.search(before)):
        return "statistic"
    # The amount is granted only if its clause (or the one before it) says so: 每月为170万元左右 in a sentence
    # about 缓缴 is what a company pays, not what it gets.
    prev_start = max(sentence.rfind(c, 0, max(0, clause_start - 1)) for c in "，,；;：:") + 1
    window = sentence[prev_start:clause_end]
    if a.per:  # 补贴标准为，…参保职工，每人每月500元: a per-head amount after the grant named earlier in its sentence
        window = sentence[: clause_end]
    if not (_GRANT.search(window) or any(rx.search(window) for k, rx in _KIND if k != "service")):
        return "other"
    return "measure"


def fund_size(sentence: str, a: Amount) -> bool:
    """Whether ``a`` is the size of a fund or credit line (设立规模为5亿元的…基金 / 2亿元规模转贷资金)."""
    clause_start = max(sentence.rfind(c, 0, a.start) for c in "，,；;：:") + 1
    clause_end = min([i for c in "，,；;。" if (i := sentence.find(c, a.end)) >= 0] or [len(sentence)])
    before, after = sentence[clause_start : a.start], sentence[a.end : clause_end]
    return bool(
        (_FUND_BEFORE.search(before) and _FUND_AROUND.search(sentence[clause_start:clause_end]))
        or _FUND_AFTER.search(after)
        or (_FUND_NAMED.search(after) and not _STAT.search(before))
        or (_FUND_PHASE.search(before) is not None and _FUND_AROUND.search(sentence, a.end, a.end + 40) is not None)
    )


def kind_of(sentence: str) -> str | None:
    for k, rx in _KIND:
        if rx.search(sentence):
            return k
    return None


def beneficiaries(sentence: str) -> list[str]:
    """The phrases naming who receives it, verbatim (对受疫情影响较大的中小微企业 → 受疫情影响较大的中小微企业)."""
    found: list[str] = []
    for m in _BENEF.finditer(sentence):
        phrase = m.group(1).strip()
        if 2 <= len(phrase) <= 36 and phrase not in found:
            found.append(phrase)
    for tag in markers.BENEFICIARY_TAGS:
        if tag in sentence and not any(tag in f for f in found):
            found.append(tag)
    if not found and (bare := _BENEF_BARE.search(sentence)):
        found.append(bare.group(1))
    return found[:4]


def conditions(sentence: str, skip: tuple[int, int] | None = None) -> list[dict[str, Any]]:
    """The clauses of ``sentence`` that restrict who qualifies, each with the profile field it needs (if one
    of ours) and a threshold amount when it states one (年营业收入2000万元以下 → revenue ≤ 20000000)."""
    out: list[dict[str, Any]] = []
    pos = 0
    for m in _CLAUSE.finditer(sentence):
        clause = m.group(0).rstrip("，,；;：:")
        start = m.start()
        pos = m.end()
        if not clause or (skip and start <= skip[0] < pos and not _COND.search(clause)):
            continue
        if not _COND.search(clause):
            continue
        cond: dict[str, Any] = {"text": clause.strip()}
        for f, rx in _FIELD:
            if rx.search(clause):
                cond["field"] = f
                break
        for a in amounts(clause):
            if amount_role(clause, a) == "threshold":
                after = clause[a.end : a.end + 6]
                cond["op"] = "<=" if re.match(r"(?:（含）)?(?:及)?以下|以内|不超过|不高于", after) or a.cap else ">="
                cond["value"] = a.yuan
                break
        if (n := re.search(r"(\d+)\s*人(?:\s*(?:（含）)?(?:及)?(以上|以下))", clause)) and cond.get("field") == "employees":
            cond["op"] = "<=" if n.group(2) == "以下" else ">="
            cond["value"] = int(n.group(1))
        out.append(cond)
    return out[:4]


def _deadline(sentence: str, doc_date: str | None) -> str | None:
    from .validity import parse_end

    m = _DEADLINE.search(sentence)
    if not m or not re.search(r"申报|申请|报送|提交", m.group(0)):
        return None
    d = parse_end(m.group("d"), int(doc_date[:4]) if doc_date else None)
    return d.isoformat() if d else None


def extract_measures(
    text: str, chunks: Sequence[Chunk] = (), region: Region | None = None, doc_date: str | None = None
) -> list[Measure]:
    """The support measures of a cleaned document, in order. ``chunks`` give each its section."""
    out: list[Measure] = []
    for start, s in sentence_spans(text):
        m = read_measure(s, doc_date)
        if m is None:
            continue
        m.start, m.end = start, start + len(s)
        m.section = _section_at(chunks, start)
        m.region = region.to_dict() if region is not None else None
        m.id = sha256_hex(f"{start}\x00{s}")[:16]
        out.append(m)
    return out


def read_measure(s: str, doc_date: str | None = None) -> Measure | None:
    """One sentence as a measure, or None when it grants nothing (or only reports, prices, fines)."""
    if len(s) < 8:
        return None
    kind = kind_of(s)
    found = amounts(s)
    if not _GRANT.search(s) and not (  # 小微企业贷款额度不超过300万元: a bound on what a kind of support gives
        kind not in (None, "service") and any(a.cap and amount_role(s, a) == "measure" for a in found)
    ):
        return None
    report = _STAT_SENTENCE.search(s) is not None and not _FUTURE.search(s)
    granted = [
        a for a in found
        if amount_role(s, a) == "measure"
        and not (
            report and not a.cap and not a.per and not _GRANT_RIGHT_BEFORE.search(s[: a.start]) and not fund_size(s, a)
        )
    ]
    rs: list[Ratio] = [r for r in ratios(s) if not _STAT.search(s[max(0, r.start - 12) : r.start])]
    if found and not granted and not rs:
        return None  # money, but none of it granted: statistics, prices, fines or thresholds only
    if not granted and not rs and kind in (None, "service"):
        return None
    if not granted and not rs and (report or not _BENEF.search(s)):
        return None  # no amount, no ratio: a measure only when it names who gets it, and is no report
    if kind is None:
        kind = "subsidy" if granted else "reduction"
    skip = (granted[0].start, granted[0].end) if granted else None
    return Measure(
        text=s, kind=kind, start=0, end=len(s),
        amounts=[a.to_dict() for a in granted], ratios=[r.to_dict() for r in rs],
        beneficiaries=beneficiaries(s), conditions=conditions(s, skip),
        deadline=_deadline(s, doc_date), valid_to=sentence_end(s, doc_date),
    )


def _section_at(chunks: Sequence[Chunk], pos: int) -> str:
    for c in chunks:
        if c.start <= pos < c.end:
            return c.section
    return ""
