"""When a document's measures apply, from what its text states; and whether they still do on a given day.

Read (pure, at ingest): 自印发之日起施行 (→ the document's date), 自2020年2月1日起执行, 有效期至…/执行至…/延长至…,
执行期限为A至B, 有效期N年 / N个月 (from the start), a period the measures name (2020年一季度, 2020年2月至6月, 2020年底),
an end tied to an event (截止日期视疫情情况另行公告 / 疫情结束: the end is unknown, and said so), and the
documents it repeals (同时废止《…》). jionlp parses each date expression (二〇二〇年六月三十日, 2020年一季度 →
2020-01-01…2020-03-31); finding them and deciding which is the end is ours.

Judged (at question time, with ``as_of``): current / expired / repealed (a document of the corpus repeals it)
/ unknown. Unknown stays unknown: a document that states no end and no start is never called current.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from . import markers
from .jio import jio
from .metadata import cn_number

_Y = r"(?:19|20)\d{2}|[二〇一九][〇○零一二三四五六七八九]{3}|今|本"
_M = r"\d{1,2}|[一二三四五六七八九十]{1,3}"
_DAY = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})[日号]"
_MD = rf"(?:{_M})月(?:{_DAY})?(?:底|末)?"
# One date expression: 2020年6月30日, 二〇二〇年六月三十日, 2020年一季度, 2020年底, 6月30日 (year from context).
_DATE = rf"(?:(?:{_Y})年(?:{_MD}|第?[一二三四1-4]季度|上半年|下半年|底|末)?|{_MD})"
_FROM = re.compile(markers.IN_FORCE_FROM)
# The end: a cue, then (within a few characters) a date. 申报/提交 … 前 is a deadline, not the end of validity.
_END = re.compile(
    rf"(?:有效期|执行期限?|实施期限?|施行期限?|政策期限|期限|执行|实施|施行|延长|延续|顺延|延|推迟|截止|截至|持续|即日起|"
    rf"之日起|起|(?<=[结束复业营])后)"
    rf"(?:为|暂定|延长|调整|统一|(?<=延长)[^，。；至到]{{1,4}})?(?:到|至|截止到|截至|截止)\s*(?P<to>{_DATE})"
)
_TIME = r"(?:\s*\d{1,2}(?:[:：]\d{2}|[时点])(?:\d{1,2}分)?)?"
_SPAN = re.compile(rf"(?P<a>{_DATE}){_TIME}\s*起?\s*(?:至|到|—|－|-|~)\s*(?P<b>{_DATE}){_TIME}")
# 补贴月份从2020年1月开始，2020年12月结束: a span written with 开始 … 结束.
_SPAN_OPEN_CLOSE = re.compile(rf"(?:从|自)(?P<a>{_DATE})开始[，,]?\s*(?:到|至)?(?P<b>{_DATE})(?:结束|止)")
# Words that make a span of dates the period of a measure (免收2020年2月至6月房租), not of a work plan (2019年上半年，
# 试点城市政府印发实施方案): relief and validity words only, not 实施 / 执行 / 期间.
_PERIOD_WORDS = re.compile(
    r"有效期|执行期|实施期|期限|减免|免收|免征|减半|缓缴|补贴|补助|返还|免除|暂免|阶段性|降低|下调|"
    r"减征|缓征|减收|费率|减按|优惠|免费|房租|租金"
)
_RELIEF = re.compile(r"减免|免收|免征|免除|减半|缓缴|返还|补贴|补助|租金|房租")
_SPAN_APPLIES = re.compile(r"\s*(?:之间|期间)?(?:执行|实施|施行|有效)")  # 将在2020年2月至4月之间执行
_YEAR_IN_TEXT = re.compile(r"(20\d{2})年")
_DURATION = re.compile(
    r"(?:有效期|执行期|实施期|施行期|执行期限|实施期限|政策期限|(?:免征|减征|减免|缓缴|减半征收|返还)期限)(?:限)?(?:暂定)?"
    r"(?:为|不超过|最长)?(?:自(?:印发|发布|公布)之日起)?的?\s*"
    r"(?P<n>\d{1,2}|[一二两三四五六七八九十半])\s*(?P<u>年|个月)(?![的内])"
)
# 2020年2—4月份 / 2020年2月—4月: a span of months of one year.
_MONTHS = re.compile(rf"(?P<y>{_Y})年(?P<a>{_M})(?:月份?)?\s*[—－~～至到-]\s*(?P<b>{_M})月份?")
# 在2020年12月31日前减征、免征…: the day before which the relief applies.
# 免除2020年2月、3月两个月租金: the last month of a list of months of one year.
_MONTH_LIST = re.compile(rf"(?P<y>{_Y})年(?:{_M})月(?:份)?(?:[、和及](?:{_M})月(?:份)?)*[、和及](?P<b>{_M})月(?:份)?")
_BEFORE_DAY = re.compile(
    rf"(?P<d>{_DATE})(?:前|之前|以前)\s*(?:[，,])?\s*(?:对[^，。；]{{0,20}}|[^，。；]{{0,8}}?(?:享受|可))?"
    rf"(?:减征|免征|减免|免收|暂免|缓缴|返还|执行|实施|减半|阶段性|[^，。；]{{0,6}}免费)"
)
_SIGNED = re.compile(markers.SIGNED_DATE)
_OPEN_END = re.compile(
    r"截止(?:日期|时间)?(?:将)?视疫情|视疫情(?:防控)?(?:情况|形势|发展)|疫情(?:防控)?(?:结束|解除|期间|平稳)|"
    r"应急响应(?:解除|结束)|另行(?:通知|公告)|一级响应|"
    r"(?:疫情|工作|响应|状态|事件)[^。，；]{0,12}(?:结束|解除|终止)(?:之日|时|后|为止|止)"
)
_REPEAL = re.compile(rf"(?:{markers.REPEAL})\s*(?P<t1>(?:《[^》]{{2,80}}》[、和及]?)+)|(?P<t2>(?:《[^》]{{2,80}}》[、和及]?)+)\s*(?:{markers.REPEAL})")
_TITLE = re.compile(r"《([^》]{2,80})》")
_DEADLINE_BEFORE = re.compile(r"(?:申报|申请|报送|提交|上报|办理|登记|备案|报名)[^，。；]{0,6}$")


@dataclass
class Validity:
    valid_from: str | None = None  # ISO date
    valid_to: str | None = None
    evidence: str | None = None  # the words it was read from
    open_end: bool = False  # the text ties the end to an event (疫情结束, 另行通知)
    repeals: list[str] = field(default_factory=list)  # titles of the documents it repeals

    def status(self, as_of: date, repealed: bool = False) -> str:
        if repealed:
            return "repealed"
        if self.valid_to:
            if date.fromisoformat(self.valid_to) < as_of:
                return "expired"
            if self.valid_from is None or date.fromisoformat(self.valid_from) <= as_of:
                return "current"
            return "unknown"  # not yet in force: we say unknown rather than a status we do not have
        if self.valid_from and not self.open_end and date.fromisoformat(self.valid_from) <= as_of:
            return "current"  # in force from a stated day, no end stated
        return "unknown"

    def to_dict(self, as_of: date | None = None, repealed_by: str | None = None) -> dict[str, Any]:
        d: dict[str, Any] = {
            "valid_from": self.valid_from, "valid_to": self.valid_to, "evidence": self.evidence,
        }
        if as_of is not None:
            d["status"] = self.status(as_of, repealed_by is not None)
            d["as_of"] = as_of.isoformat()
        if repealed_by:
            d["repealed_by"] = repealed_by
        if self.repeals:
            d["repeals"] = list(self.repeals)
        return d


def validity_of(meta: Any) -> Validity:
    """A document's validity as stored in its metadata (``DocMeta``)."""
    return Validity(
        valid_from=meta.valid_from, valid_to=meta.valid_to, evidence=meta.validity_evidence,
        open_end=bool(meta.open_end), repeals=[t for t in (meta.repeals or "").split("\n") if t],
    )


STATUS_LABEL = {"current": "现行有效", "expired": "已失效", "repealed": "已废止", "unknown": "有效性未知"}




def _cn_int(s: str) -> int | None:
    """A number as written in a date or a term: metadata's reader, with 两 (两个月) read as 二."""
    return cn_number(s.replace("两", "二"))


def parse_end(expr: str, year: int | None) -> date | None:
    """The last day of a date expression (2020年6月30日 → that day; 2020年一季度 → 03-31; 6月 → its last day;
    2020年底 → 12-31). A year left out is ``year`` (the document's). jionlp parses it; our reading below is
    the fallback for what it refuses."""
    expr = expr.strip()
    if expr.startswith(("今年", "本年")):
        if year is None:
            return None
        expr = f"{year}{expr[1:]}"
    has_year = bool(re.match(rf"(?:{_Y})年", expr))
    if has_year or year is not None:
        try:
            got = jio().parse_time(expr, time_base={"year": year or 2000, "month": 1, "day": 1})
            if got.get("type") in ("time_point", "time_span") and isinstance(got.get("time"), list):
                end = date.fromisoformat(str(got["time"][1])[:10])
                if has_year or end.year == year:
                    return end
        except Exception:
            pass
    return _parse_end(expr, year)


def _parse_end(expr: str, year: int | None) -> date | None:
    m = re.match(rf"(?:({_Y})年)?", expr)
    y = _cn_int(m.group(1)) if m and m.group(1) else year
    if y is None:
        return None
    rest = expr[m.end() if m else 0 :]
    if not rest or rest in ("底", "年底", "年末", "末"):
        return date(y, 12, 31) if rest or (m and m.group(1)) else None
    if rest == "上半年":
        return date(y, 6, 30)
    if rest == "下半年":
        return date(y, 12, 31)
    if q := re.match(r"第?([一二三四1-4])季度", rest):
        n = _cn_int(q.group(1)) or 1
        return date(y, n * 3, calendar.monthrange(y, n * 3)[1])
    md = re.match(rf"({_M})月(?:(\d{{1,2}}|[一二三四五六七八九十]{{1,3}})[日号])?", rest)
    if not md:
        return None
    mo = _cn_int(md.group(1))
    if mo is None or not 1 <= mo <= 12:
        return None
    if md.group(2):
        d = _cn_int(md.group(2))
        if d is None or not 1 <= d <= calendar.monthrange(y, mo)[1]:
            return None
        return date(y, mo, d)
    return date(y, mo, calendar.monthrange(y, mo)[1])


def parse_start(expr: str, year: int | None) -> date | None:
    """The first day of a date expression (2020年2月 → 02-01; 2020年2月10日 → that day)."""
    end = parse_end(expr, year)
    if end is None:
        return None
    if re.search(r"[日号]$", expr.strip()):
        return end
    if "季度" in expr:
        return date(end.year, end.month - 2, 1)
    if re.search(r"年$|年底|年末|下半年", expr) and "月" not in expr:
        return date(end.year, 7, 1) if "下半年" in expr else date(end.year, 1, 1)
    return date(end.year, end.month, 1)


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    y += d.year
    m += 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def _context_year(text: str, doc_date: str | None) -> tuple[str | None, int | None]:
    """The document's date and the year of its dates written without one. An undated document: the last
    signature date of its text (广东省人民政府 2020年2月6日); else the year it names most often (a tie: unknown)."""
    if doc_date is None and (sig := _SIGNED.findall(text)):
        if (d := parse_end(re.sub(r"\s", "", sig[-1]), None)) is not None:
            doc_date = d.isoformat()
    if doc_date:
        return doc_date, int(doc_date[:4])
    years = _YEAR_IN_TEXT.findall(text)
    if not years:
        return None, None
    counts = sorted(((years.count(y), y) for y in set(years)), reverse=True)
    if len(counts) > 1 and counts[0][0] == counts[1][0]:
        return None, None
    return None, int(counts[0][1])


def _ends(text: str, year: int | None, start: date | None) -> list[tuple[date, str]]:
    """Every end of validity stated in ``text``, with its words."""
    ends: list[tuple[date, str]] = []
    for m in _END.finditer(text):
        deferral = m.group(0).startswith(("延", "顺延", "推迟"))
        if not deferral and _DEADLINE_BEFORE.search(text[max(0, m.start() - 12) : m.start()]):
            continue
        if (d := parse_end(m.group("to"), year)) is not None:
            ends.append((d, m.group(0)))
    for m in [*_SPAN.finditer(text), *_SPAN_OPEN_CLOSE.finditer(text)]:
        around = text[max(0, m.start() - 20) : m.end() + 20]
        if _DEADLINE_BEFORE.search(text[max(0, m.start() - 12) : m.start()]):
            continue
        if not (_PERIOD_WORDS.search(around) or _SPAN_APPLIES.match(text, m.end())):
            continue
        a_day = parse_end(m.group("a"), year)
        if a_day is None:
            continue
        if (d := parse_end(m.group("b"), a_day.year)) is not None and d >= a_day:
            ends.append((d, m.group(0)))
    for m in _DURATION.finditer(text):
        begin = start
        # the term runs from the nearest start stated before it (自2020年2月起 … 免征期限不超过5个月)
        if froms := list(_FROM_DAY.finditer(text[max(0, m.start() - 400) : m.start()])):
            begin = parse_start(froms[-1].group("d"), year) or begin
        if begin is None:
            continue
        n_txt = m.group("n")
        months = 6 if n_txt == "半" else (_cn_int(n_txt) or 0) * (12 if m.group("u") == "年" else 1)
        if months:
            ends.append((_add_months(begin, months) - _one_day(), m.group(0)))
    for m in _MONTHS.finditer(text):
        y = parse_end(f"{m.group('y')}年", year)
        if y is not None and (d := parse_end(f"{y.year}年{m.group('b')}月", year)) is not None:
            if _PERIOD_WORDS.search(text[max(0, m.start() - 15) : m.end() + 25]):
                ends.append((d, m.group(0)))
    for m in _MONTH_LIST.finditer(text):
        y = parse_end(f"{m.group('y')}年", year)
        if y is not None and _RELIEF.search(text[max(0, m.start() - 4) : m.end() + 12]):
            if (d := parse_end(f"{y.year}年{m.group('b')}月", year)) is not None:
                ends.append((d, m.group(0)))
    for m in _BEFORE_DAY.finditer(text):
        if (d := parse_end(m.group("d"), year)) is not None:
            ends.append((d, m.group(0)))
    for m in _QUARTER.finditer(text):
        around = text[max(0, m.start() - 15) : m.end() + 15]
        if _PERIOD_WORDS.search(around) and (d := parse_end(m.group(0), year)) is not None:
            ends.append((d, m.group(0)))
    return ends


def read_validity(text: str, doc_date: str | None) -> Validity:
    """What the document states about when its measures apply (pure).

    A general clause about the document itself (本通知自印发之日起施行，有效期至… / 本措施执行至疫情结束) decides
    its end: its date, or unknown when it ties the end to an event or a term it gives no start for. Without
    one, the end is the latest the document gives for its own measures (several may run to different days)."""
    v = Validity()
    doc_date, year = _context_year(text, doc_date)
    evidence: list[str] = []
    if m := _FROM.search(text):
        if m.group("from"):
            begin = parse_end(m.group("from"), year)
            v.valid_from = begin.isoformat() if begin else None
        elif doc_date:
            v.valid_from = doc_date
        if v.valid_from:
            evidence.append(m.group(0))
            year = year or int(v.valid_from[:4])
    start = date.fromisoformat(v.valid_from) if v.valid_from else (date.fromisoformat(doc_date) if doc_date else None)
    general = [a or b for a, b in _GENERAL.findall(text) if _GENERAL_END.search(a or b)]
    if general:
        clause = "。".join(general)
        ends = _ends(clause, year, start)
        if not ends:
            if _OPEN_END.search(clause) or _GENERAL_TERM.search(clause):
                v.open_end = bool(_OPEN_END.search(clause))
                evidence.append(general[0][:80])
                v.evidence = "；".join(dict.fromkeys(evidence)) or None
                v.repeals = _repeals(text)
                return v
            ends = _ends(text, year, start)
    else:
        ends = _ends(text, year, start)
    if ends:
        d, words = max(ends, key=lambda e: e[0])
        v.valid_to = d.isoformat()
        evidence.append(words)
    if m := _OPEN_END.search(text):
        v.open_end = True
        if not ends:
            evidence.append(m.group(0))
    v.repeals = _repeals(text)
    v.evidence = "；".join(dict.fromkeys(evidence)) or None
    return v


def _repeals(text: str) -> list[str]:
    out: list[str] = []
    for m in _REPEAL.finditer(text):
        out += [t for t in _TITLE.findall(m.group("t1") or m.group("t2") or "") if t not in out]
    return out


# A sentence about the document itself and when it applies: 本通知自印发之日起施行，有效期至2020年6月30日。
_GENERAL = re.compile(
    r"(?:^|(?<=[。；\n]))\s*([^。；\n]{0,30}?(?:本通知|本意见|本措施|本政策|本办法|本方案|本细则|本规定|本公告|本通告|"
    r"本文件|本若干措施|以上政策|上述政策|上述措施|以上措施|本政策措施|各项政策措施|本实施细则|此通知)[^。\n]{0,200})"
    r"|(?:^|(?<=[。；\n，,]))\s*((?:执行期限|有效期|实施期限|政策执行期|执行期)(?:限)?(?:为|暂定为?)?(?:自)?"
    r"(?:(?:发布|印发|公布)之日起)?(?:至|到|自)[^。；\n]{0,80})"
)
_GENERAL_END = re.compile(r"有效期|执行期|实施期|施行|执行|实施|失效|废止|截止|到期|结束")
_GENERAL_TERM = re.compile(r"有效期|执行期|实施期|施行期")
_FROM_DAY = re.compile(rf"自(?P<d>{_DATE})起")


_QUARTER = re.compile(rf"(?:{_Y})年(?:第?[一二三四1-4]季度|上半年)")


def _one_day() -> timedelta:
    return timedelta(days=1)


def sentence_end(sentence: str, doc_date: str | None) -> str | None:
    """The end a single measure's sentence states (免收2020年2月至6月房租 → 2020-06-30), or None."""
    v = read_validity(sentence, doc_date)
    return v.valid_to
