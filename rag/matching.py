"""An enterprise profile against the support measures of the store: which are for it, and why or why not.

Each measure gets a verdict with its reasons, never a silent mismatch:
- ``expired``: its document (or the measure's own period) ended before the as-of day, or was repealed;
- ``not_eligible``: a check failed — another region, a beneficiary the enterprise is not (个体工商户, 农户 …),
  a threshold its figures miss (年营业收入2000万元以下 with revenue 5000万) — the reason names it;
- ``need_more_info``: a condition needs a profile field that is missing (研发投入 → ``rd_spend``), or a
  qualification the profile does not state (高新技术企业) — ``missing`` names the field;
- ``eligible``: every restriction the measure states was checked and holds;
- ``likely``: nothing fails, but a condition cannot be checked by rule (对符合一定条件的企业).

A measure applies in its issuer's region and everything under it (rag.regions); the profile's region is
resolved the same way. Needs (研发 / 融资 / 人才 / 房租 / 社保 / 稳岗) select the measures about them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from . import markers
from .access import PUBLIC_AUDIENCE, Audience
from .errors import QueryError
from .measures import KIND_LABEL, Measure
from .policies import PolicyBook, PolicyDoc
from .regions import Region, resolve

NEEDS = markers.PROFILE_NEEDS
_NEED = {k: re.compile(v) for k, v in NEEDS.items()}
NEED_KINDS = {"融资": {"loan", "guarantee", "interest_subsidy"}}
QUALIFICATIONS = markers.QUALIFICATIONS
_SAME_TAG = markers.SAME_QUALIFICATION
_NOT_ENTERPRISE = re.compile(markers.NOT_ENTERPRISE)
_SMALL = re.compile(markers.SMALL_ENTERPRISE)
SIZES = ("大型", "中型", "小型", "微型")
FIELDS = {"region", "industry", "size", "tags", "employees", "revenue", "rd_spend", "needs"}
FIELD_LABEL = {
    "rd_spend": "研发投入", "employees": "职工人数", "revenue": "营业收入", "tags": "资质", "size": "企业规模",
    "region": "所在地区",
}
VERDICT_ORDER = {"eligible": 0, "likely": 1, "need_more_info": 2, "not_eligible": 3, "expired": 4}


@dataclass
class Profile:
    region: str | None = None
    industry: str | None = None
    size: str | None = None  # 大型 / 中型 / 小型 / 微型
    tags: list[str] = field(default_factory=list)
    employees: int | None = None
    revenue: float | None = None  # 元, last year
    rd_spend: float | None = None  # 元, last year
    needs: list[str] = field(default_factory=list)
    place: Region | None = None  # ``region`` resolved

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> Profile:
        """Validate a profile (the API's body); each error names its field."""
        d = {k: v for k, v in (d or {}).items() if v not in (None, "", [])}
        if unknown := sorted(set(d) - FIELDS):
            raise QueryError(f"unknown profile field(s): {', '.join(unknown)} (known: {', '.join(sorted(FIELDS))})")
        p = cls()
        for f in ("region", "industry", "size"):
            if f in d:
                if not isinstance(d[f], str):
                    raise QueryError(f"{f} must be text, got {d[f]!r}")
                setattr(p, f, d[f].strip())
        if p.size is not None and p.size.rstrip("企业") not in SIZES:
            raise QueryError(f"size must be one of {'/'.join(SIZES)}, got {p.size!r}")
        for f in ("tags", "needs"):
            if f in d:
                v = d[f]
                if isinstance(v, str):
                    v = [t for t in re.split(r"[，,、\s]+", v) if t]
                if not isinstance(v, list) or not all(isinstance(t, str) for t in v):
                    raise QueryError(f"{f} must be a list of words, got {d[f]!r}")
                setattr(p, f, [t.strip() for t in v if t.strip()])
        if bad := [n for n in p.needs if n not in NEEDS]:
            raise QueryError(f"unknown need(s): {', '.join(bad)} (known: {'/'.join(NEEDS)})")
        for f in ("employees", "revenue", "rd_spend"):
            if f in d:
                v = d[f]
                if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
                    raise QueryError(f"{f} must be a number ≥ 0 (元 for money), got {v!r}")
                setattr(p, f, int(v) if f == "employees" else float(v))
        if p.region:
            p.place = resolve(p.region)
            if p.place is None:
                raise QueryError(f"region {p.region!r} is not a place we can read (try 鄂尔多斯市, 海淀区, 内蒙古自治区)")
        return p

    def holds(self, tag: str) -> bool:
        tag = _SAME_TAG.get(tag, tag)
        return any(_SAME_TAG.get(t, t) == tag for t in self.tags)

    def to_dict(self) -> dict[str, Any]:
        return {
            "region": self.place.name if self.place else None, "industry": self.industry, "size": self.size,
            "tags": self.tags, "employees": self.employees, "revenue": self.revenue, "rd_spend": self.rd_spend,
            "needs": self.needs,
        }


@dataclass
class Match:
    doc: PolicyDoc
    measure: Measure
    verdict: str
    reasons: list[str]
    missing: list[str]
    needs: list[str]  # the profile's needs this measure serves

    def to_dict(self, as_of: date) -> dict[str, Any]:
        m, d = self.measure, self.doc
        return {
            "verdict": self.verdict,
            "reasons": self.reasons,
            "missing": self.missing,
            "needs": self.needs,
            "measure": m.text,
            "kind": m.kind,
            "kind_label": KIND_LABEL.get(m.kind, m.kind),
            "amounts": m.amounts,
            "ratios": m.ratios,
            "beneficiaries": m.beneficiaries,
            "conditions": m.conditions,
            "region": (m.region or {}).get("name") or d.meta.region,
            "deadline": m.deadline,
            "validity": {**d.validity_dict(as_of), **({"measure_valid_to": m.valid_to} if m.valid_to else {})},
            "citation": {
                "doc_id": d.doc_id, "title": d.title, "doc_number": d.meta.doc_number, "section": m.section,
                "date": d.meta.date, "source": d.source, "text": m.text, "measure_id": m.id,
                "visibility": d.meta.visibility,
            },
        }


def needs_of(m: Measure, needs: list[str]) -> list[str]:
    return [n for n in needs if _NEED[n].search(m.text) or m.kind in NEED_KINDS.get(n, set())]


def judge(p: Profile, d: PolicyDoc, m: Measure, as_of: date) -> tuple[str, list[str], list[str]]:
    """The verdict on one measure for one profile, its reasons and the missing fields."""
    reasons: list[str] = []
    missing: list[str] = []
    fails: list[str] = []
    unverified = False
    status = d.status(as_of)
    if status == "repealed":
        return "expired", [f"文件已废止（{d.repealed_by}）"], []
    ends = [x for x in (m.valid_to, d.validity.valid_to) if x]
    if status == "expired" or (m.valid_to and date.fromisoformat(m.valid_to) < as_of):
        return "expired", [f"已失效：有效期至{min(ends) if m.valid_to else d.validity.valid_to}"], []
    # region
    mreg = region_of_measure(d, m)
    if p.place is None:
        missing.append("region")
        reasons.append("未填所在地区：无法判断是否适用")
    elif mreg is None:
        unverified = True
        reasons.append("未能确定措施的适用地区")
    elif not mreg.covers(p.place) and p.place.covers(mreg):
        missing.append("region")  # 北京市 given, the measure is 东城区's: which district is the enterprise in?
        reasons.append(f"仅适用于{mreg.name}：请填写所在区县")
    elif not mreg.covers(p.place):
        fails.append(f"地区不符：适用于{mreg.name}")
    else:
        reasons.append(f"地区相符（{mreg.name}）")
    # beneficiaries
    bens = m.beneficiaries
    if bens and all(_NOT_ENTERPRISE.match(b) for b in bens):
        fails.append(f"对象为{'、'.join(bens)}")
    if bens and all("个体工商户" in b for b in bens) and not p.holds("个体工商户"):
        if p.tags or p.size:
            fails.append("对象为个体工商户")
        else:
            missing.append("tags")
            reasons.append("需确认是否为个体工商户")
    text = m.text
    for q in QUALIFICATIONS:
        if q in text or any(q in b for b in bens):
            if p.holds(q):
                reasons.append(f"具备{q}资格")
            else:
                missing.append("tags")
                reasons.append(f"需具备{q}资格（资料未说明）")
    if any(_SMALL.search(b) for b in bens):
        if p.size == "大型" or (p.size or "").startswith("大型"):
            fails.append(f"对象为{'、'.join(b for b in bens if _SMALL.search(b))}")
        elif p.size or any(_SMALL.search(t) for t in p.tags):
            reasons.append("规模相符")
        else:
            missing.append("size")
            reasons.append("需确认企业规模（中小微企业）")
    # conditions with a field of the profile
    for c in m.conditions:
        f = c.get("field")
        if f in (None, "tags"):
            if f is None:
                unverified = True
            continue
        have = getattr(p, f, None)
        if have is None:
            missing.append(f)
            reasons.append(f"条件需{FIELD_LABEL.get(f, f)}：{c['text']}")
            continue
        if "value" in c and "op" in c:
            ok = have <= c["value"] if c["op"] == "<=" else have >= c["value"]
            if not ok:
                fails.append(f"不满足条件：{c['text']}")
            else:
                reasons.append(f"满足条件：{c['text']}")
        else:
            unverified = True
            reasons.append(f"已填{FIELD_LABEL.get(f, f)}，具体标准见原文：{c['text']}")
    missing = list(dict.fromkeys(missing))
    if fails:
        return "not_eligible", fails + reasons, missing
    if missing:
        return "need_more_info", reasons, missing
    # eligible only for a measure that says what it grants, to whom, in a known region, with nothing unchecked
    if unverified or not bens or mreg is None or not (m.amounts or m.ratios):
        return "likely", reasons or ["无可按规则核对的限制条件，请以原文为准"], []
    return "eligible", reasons, []


def _amount(m: Measure) -> float:
    return max((float(a["yuan"]) for a in m.amounts), default=0.0)


def region_of_measure(d: PolicyDoc, m: Measure) -> Region | None:
    return resolve((m.region or {}).get("name") or d.meta.region)


@dataclass
class MatchResult:
    matches: list[Match]
    other_region: int = 0  # measures left out: issued for a region apart from the profile's (neither covers the other)
    off_need: int = 0  # measures left out: about none of the profile's needs
    total: int = 0  # measures in the store


def match(book: PolicyBook, p: Profile, limit: int = 100, audience: Audience = PUBLIC_AUDIENCE) -> MatchResult:
    """Measures for the profile, best first: by verdict, then how many of its needs they serve, then amount.
    Measures of another region (a Beijing district's, for a company in 鄂尔多斯) and, when needs are given,
    measures about none of them are counted, not listed. Only documents ``audience`` sees are read (an
    internal document's measures are neither listed nor counted for the public)."""
    as_of = book.as_of
    res = MatchResult([])
    seen: set[tuple[str, str]] = set()
    for d in book.visible(audience).values():
        for m in d.measures:
            res.total += 1
            served = needs_of(m, p.needs)
            if p.needs and not served:
                res.off_need += 1
                continue
            mreg = region_of_measure(d, m)
            if p.place is not None and mreg is not None and not mreg.covers(p.place) and not p.place.covers(mreg):
                res.other_region += 1
                continue
            key = (m.text, d.title)
            if key in seen:
                continue  # the same measure in a copy of the same document (a file ingested twice)
            seen.add(key)
            verdict, reasons, missing = judge(p, d, m, as_of)
            res.matches.append(Match(d, m, verdict, reasons, missing, served))
    res.matches.sort(
        key=lambda x: (VERDICT_ORDER[x.verdict], region_of_measure(x.doc, x.measure) is None, -len(x.needs),
                       -bool(x.measure.amounts or x.measure.ratios), -_amount(x.measure))
    )
    res.matches = res.matches[:limit]
    return res


CSV_COLUMNS = ("结论", "地区", "措施", "金额", "对象", "有效期", "出处", "文号", "理由")
VERDICT_LABEL = {
    "eligible": "符合", "likely": "可能符合", "need_more_info": "需补充信息", "not_eligible": "不符合", "expired": "已失效",
}


def match_json(res: MatchResult, p: Profile, as_of: date) -> dict[str, Any]:
    results = [m.to_dict(as_of) for m in res.matches]
    counts: dict[str, int] = {}
    for r in results:
        counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    return {
        "as_of": as_of.isoformat(), "profile": p.to_dict(), "results": results, "counts": counts,
        "left_out": {"other_region": res.other_region, "off_need": res.off_need}, "total_measures": res.total,
    }


def row(m: dict[str, Any]) -> list[str]:
    """One result as the table shows it: 结论 · 地区 · 措施 · 金额 · 对象 · 有效期 · 出处 · 文号 · 理由."""
    v = m["validity"]
    end = v.get("measure_valid_to") or v.get("valid_to")
    from .validity import STATUS_LABEL

    label = STATUS_LABEL.get(v.get("status", "unknown"), "")
    validity = f"至{end}（{label}）" if end else label
    amounts = "、".join([a["text"] for a in m["amounts"]] + [r["text"] for r in m["ratios"]]) or "—"
    cit = m["citation"]
    where = cit["title"] + (f" · {cit['section']}" if cit.get("section") else "")
    reasons = "；".join(m["reasons"]) + (f"（缺：{'、'.join(FIELD_LABEL.get(f, f) for f in m['missing'])}）" if m["missing"] else "")
    return [VERDICT_LABEL[m["verdict"]], m["region"] or "—", m["measure"], amounts,
            "、".join(m["beneficiaries"]) or "—", validity, where, cit.get("doc_number") or "", reasons]


def to_csv(res: MatchResult, as_of: date) -> str:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_COLUMNS)
    for m in res.matches:
        w.writerow(row(m.to_dict(as_of)))
    return "\ufeff" + buf.getvalue()  # the BOM makes Excel read it as UTF-8
