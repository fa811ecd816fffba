"""Rule-based 公文 metadata: title, 文号, issuer, date, signer, type, and for reply letters the proposal.

``extract_metadata`` reads the structure that :func:`rag.clean.clean_text` leaves (one item per line): the
title block at the top (title, 文号, 签发人), the addressee line, the signature block (organ + date) and the
版记 (抄送, 印发). A field that cannot be read is None: nothing is guessed. Texts without line structure
(news-style documents whose line breaks were lost) are read from their leading segment only when it has a
clear form (…关于…的通知 + 文号, …通告（第8号）).

``find_doc_numbers`` and ``find_proposal_numbers`` also serve query parsing in retrieval.
"""

from __future__ import annotations

import datetime as _dt
import re

from rag.clean import (
    DATE_CORE,
    DOC_TYPE_END_RE,
    ORGAN_LINE_RE,
    is_addressee_line,
    is_body_line,
    is_date_line,
    is_doc_number_line,
    is_issue_date_line,
    is_label_line,
    is_page_number_line,
)
from rag.records import DocMeta

# ---------------------------------------------------------------------------------------------------------
# 文号 and proposal numbers
# ---------------------------------------------------------------------------------------------------------

# A 文号 anywhere in a string: 机关代字 (a run of CJK, trimmed below) + 4-digit year in any bracket style
# (〔〕 [] ［］ （） () 【】 〖〗, possibly mixed) + serial number + 号.
_DOC_NUMBER_RE = re.compile(
    r"(?P<prefix>[\u4e00-\u9fff]{1,12}) *[〔\[［（(【〖] *(?P<year>(?:19|20)\d{2}) *[〕\]］）)】〗] *"
    r"(?P<num>\d{1,5}) *号"
)
# Words that cannot be part of a 机关代字 but often stand right before one in running text (根据国发〔…〕,
# …的通知国卫办医函〔…〕, 请问国发〔…〕): the prefix starts after the last of them.
_PREFIX_STOP_RE = re.compile(
    r"根据|依据|按照|参照|关于|印发|转发|通知|意见|方案|措施|决定|办法|公告|通告|批复|复函|答复|规定|细则"
    r"|文件|精神|以及|请问|查询|的|了|是|和|与|及|在|即|见|号|第|按|据|照|请|问|将|把|从|对"
)
# A 提案/建议 number: 第0261号提案, 0261号提案, 第2996号建议, or 第0261号 on its own (query parsing). A number
# right after a closing bracket is a 文号 serial (〔2025〕334号), not a proposal number.
_PROPOSAL_WITH_KIND_RE = re.compile(r"(?<![〕\]］）)】〗\d])(?:第 *)?(\d{1,6}) *号 *(?:提案|建议|议案)")
_PROPOSAL_BARE_RE = re.compile(r"第 *(\d{1,6}) *号")

# ---------------------------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------------------------

# Arabic and Chinese-numeral dates (2025年9月3日, 二〇〇六年十月十八日), and ISO-ish 2025-09-03 / 2025.9.3.
_DATE_RE = re.compile(
    rf"(?P<cn>{DATE_CORE})|(?P<y>(?:19|20)\d{{2}})[-./](?P<m>\d{{1,2}})[-./](?P<d>\d{{1,2}})(?!\d)"
)
_DATE_PARTS_RE = re.compile(r"^(?P<y>.+?) *年 *(?P<m>.+?) *月 *(?P<d>.+?) *日$")
_CN_DIGITS = {
    "〇": 0, "○": 0, "零": 0, "O": 0, "Ｏ": 0, "0": 0,
    "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip

# ---------------------------------------------------------------------------------------------------------
# Title, issuer, document type
# ---------------------------------------------------------------------------------------------------------

_TITLE_MAX = 120
_FALLBACK_TITLE_MAX = 60
_HEAD_MAX_LINES = 15  # the title block never runs longer than this
# A title that names its subject: 关于… or a reply 对…提案/建议的答复.
_SUBJECT_TITLE_RE = re.compile(r"关于|对.{2,60}(?:提案|建议|议案)")
# The issuer is what precedes 关于 / 转发 / 批转 (or 对… in a reply): 鄂尔多斯市人民政府关于…,
# 国务院办公厅转发国家地震局关于…, 国务院办公厅对全国政协…提案的答复.
_ISSUER_SPLIT_RE = re.compile(r"转发|批转|关于")
_ISSUER_REPLY_SPLIT_RE = re.compile(r"对(?=.{2,60}(?:提案|建议|议案))")
# A 令 / 通告 / 公告 title is the issuer's name plus the type: 中华人民共和国国务院令, XX指挥部通告（第8号）.
_ORGAN_TITLE_RE = re.compile(r"^(?P<org>.{2,60}?)(?:令|通告|公告)(?:第\d+号|[（(]第?\d+号[）)])?$")
# What an issuer ends with: a government body, not a topic.
_ORGAN_END_RE = re.compile(
    r"(?:政府|办公厅|办公室|委员会|国务院|中央军委|党委|指挥部|领导小组|小组|机制|中心|公司|集团|银行|法院"
    r"|检察院|总局|部|局|厅|委|院|署|办|会)$"
)

# An issuer's name is CJK (several issuers may be listed with 、); digits, brackets, 《》 mean a misread.
_ISSUER_CHARS_RE = re.compile(r"^[\u4e00-\u9fff、]{2,80}$")

# doc_type from the title's ending (after an optional trailing （试行） / （第8号）), first match wins.
_TRAILING_BRACKET_RE = re.compile(r"[（(][^（）()]{1,20}[）)]$")
_PROPOSAL_WORD_RE = re.compile(r"提案|建议|议案")
_DOC_TYPE_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"批复$"), "reply"),
    (re.compile(r"(?:通知|通告|公告)$"), "notice"),
    (re.compile(r"(?:办法|措施|规定|细则|条例|规则)$"), "measures"),
    (re.compile(r"意见$"), "opinion"),
    (re.compile(r"决定$"), "decision"),
    (re.compile(r"(?:方案|规划|计划)$"), "plan"),
    (re.compile(r"复函$"), "reply"),  # a 复函 to a 请示 (not to a proposal) answers a request, like a 批复
)  # 答复 / 答复函, and a 复函 on a 提案 / 建议, are reply letters: checked first in _doc_type

# ---------------------------------------------------------------------------------------------------------
# Reply-letter fields and the 版头 / 版记
# ---------------------------------------------------------------------------------------------------------

_SIGNER_RE = re.compile(r"签发人[：:] *([^\s，。；,;：:]{2,12})")
_CC_RE = re.compile(r"^抄送[：:] *(.+)$")
_TRAILING_PUNCT = "。；;，,.、 "
_BOOK_TITLE_RE = re.compile(r"《([^《》]{2,120})》")
_PROPOSAL_PHRASE_RE = re.compile(r"关于[^，。；：《》,;:]{2,100}?的(?:提案|建议|议案)")
# A person addressed in a reply letter: 白夜明委员：, 石英代表：, 邓乃扬、韩汝琦委员：, 马万祺副主席：.
_PERSON_ADDRESSEE_RE = re.compile(
    r"^(?P<name>[^，。：:]{2,30}?)(?P<role>委员|代表|副主席|主席|同志|先生|女士)$"
)
_PROPOSER_ROLES = frozenset({"委员", "代表"})  # always a proposer; other roles only in a reply letter

# Texts without line structure: the lead segment (up to the first clause punctuation) holds the title,
# possibly followed or preceded by the 文号 (…的通知国卫办医函〔2020〕83号各省…). A title ends in a
# document-type word, optionally closed by 》” (商务部印发《关于…的通知》) and a bracket suffix (（暂行）,
# （第8号）, not a 文号); its brackets balance, and it runs on through 的通知 / 的文件解读 right after
# (…措施》的通知).
_INLINE_HEAD_CHARS = 200
_LEAD_SEGMENT_RE = re.compile(r"^[^。，；：！？,;:!?]{4,160}")
_INLINE_TYPE_END_RE = re.compile(
    r"(?:通知|通告|公告|意见|办法|措施|方案|规定|细则|决定|批复|答复函|复函|答复|公报|指南|规则|条例|决议|解读)"
    r"[》”]*(?:[（(][^（）()〔]{1,15}[）)])?"
)
_TITLE_GAP_RE = re.compile(r"的?[\u4e00-\u9fff]{0,2}")
_ORGAN_TYPE_END_RE = re.compile(r"(?:通告|公告|令)(?:第\d+号|[（(]第?\d+号[）)])?")
_INLINE_SUBJECT_MAX_START = 60  # 关于 must start within the lead, not deep in a news sentence
# What may stand before 关于 in a title: nothing, an issuer, 印发/转发, a bracketed tag ([区政务服务局]).
_TITLE_PREFIX_END_RE = re.compile(r"(?:印发|转发|文件|[\]】）)])$")
# Words of a news sentence or a body, never of a title: the lead ran past the title.
_NOT_TITLE_RE = re.compile(
    r"为贯彻|为认真|为落实|为进一步|为切实|为做好|为全面|根据|按照|近日|日电|记者|发出|出台了"
)
_BALANCED_PAIRS = (("《", "》"), ("“", "”"), ("（", "）"), ("(", ")"), ("〈", "〉"))

# ---------------------------------------------------------------------------------------------------------
# Public helpers (also used by retrieval to parse queries)
# ---------------------------------------------------------------------------------------------------------


def _trim_prefix(prefix: str) -> str:
    """The 机关代字 of a 文号: drop any text before the last stop word (根据, 的, 通知 …)."""
    last_end = 0
    for m in _PREFIX_STOP_RE.finditer(prefix):
        last_end = m.end()
    return prefix[last_end:]


def find_doc_numbers(s: str) -> list[str]:
    """All 文号 in ``s``, brackets normalised to 〔〕, in order, without duplicates.

    >>> find_doc_numbers("请问鄂建提复字[2025]334号和国发（2019）5号")
    ['鄂建提复字〔2025〕334号', '国发〔2019〕5号']
    """
    found: list[str] = []
    for m in _DOC_NUMBER_RE.finditer(s):
        prefix = _trim_prefix(m.group("prefix"))
        if not prefix:
            continue
        number = f"{prefix}〔{m.group('year')}〕{m.group('num')}号"
        if number not in found:
            found.append(number)
    return found


def normalise_doc_number(s: str) -> str:
    """A 文号 with its brackets as 〔〕 and no spaces: ``国发[2019]5号`` → ``国发〔2019〕5号``. A string that
    holds no 文号 comes back stripped of spaces, otherwise unchanged."""
    numbers = find_doc_numbers(s)
    return numbers[0] if numbers else re.sub(r"\s+", "", s)


def find_proposal_numbers(s: str) -> list[str]:
    """Proposal / suggestion numbers as written (leading zeros kept): 第0261号提案 → 0261, 第2996号建议 →
    2996, 第0261号 → 0261."""
    found: list[str] = []
    for pattern in (_PROPOSAL_WITH_KIND_RE, _PROPOSAL_BARE_RE):
        for m in pattern.finditer(s):
            if m.group(1) not in found:
                found.append(m.group(1))
    return found


def _cn_number(s: str) -> int | None:
    """1–31 / a year from arabic digits or Chinese numerals (十八, 二十三, 二〇〇六)."""
    s = s.strip()
    if s.isdigit():
        return int(s)
    if all(c in _CN_DIGITS for c in s):  # digit by digit: years (二〇〇六)
        return int("".join(str(_CN_DIGITS[c]) for c in s)) if s else None
    if "十" in s and s.count("十") == 1:
        tens, _, units = s.partition("十")
        t = _CN_DIGITS.get(tens, -1) if tens else 1
        u = _CN_DIGITS.get(units, -1) if units else 0
        return t * 10 + u if t >= 0 and u >= 0 else None
    return None


def parse_cn_date(s: str) -> str | None:
    """The first valid date in ``s`` as ISO ``YYYY-MM-DD``: 2025年9月3日, 2025 年 9 月 3 日,
    二〇〇六年十月十八日, 2025-09-03. None if there is none."""
    for m in _DATE_RE.finditer(s):
        if m.group("cn"):
            parts = _DATE_PARTS_RE.match(m.group("cn").replace(" ", ""))
            if not parts:
                continue
            y, mo, d = (_cn_number(parts.group(k)) for k in ("y", "m", "d"))
        else:
            y, mo, d = int(m.group("y")), int(m.group("m")), int(m.group("d"))
        if y is None or mo is None or d is None:
            continue
        try:
            return _dt.date(y, mo, d).isoformat()
        except ValueError:
            continue
    return None


# ---------------------------------------------------------------------------------------------------------
# Field extractors (each takes the non-empty lines of a cleaned text)
# ---------------------------------------------------------------------------------------------------------


def _head(lines: list[str]) -> list[str]:
    """The title block: the lines before the first body line (addressee or sentence)."""
    head: list[str] = []
    for line in lines[:_HEAD_MAX_LINES]:
        if is_body_line(line):
            break
        head.append(line)
    return head


def _is_meta_line(line: str) -> bool:
    return is_doc_number_line(line) or is_date_line(line) or is_label_line(line) or is_page_number_line(line)


def _title_from_head(head: list[str]) -> str | None:
    """关于… / 对…提案的答复 title, else any line ending in a document-type word, else a short first line."""
    candidates = [line for line in head if not _is_meta_line(line) and len(line) <= _TITLE_MAX]
    typed = [line for line in candidates if DOC_TYPE_END_RE.search(line)]
    for line in typed:
        if _SUBJECT_TITLE_RE.search(line):
            return line
    if typed:
        return typed[0]
    short = [line for line in candidates if len(line) <= _FALLBACK_TITLE_MAX]
    return short[0] if short else None


def _balanced(s: str) -> bool:
    return all(s.count(o) == s.count(c) for o, c in _BALANCED_PAIRS)


def _dedupe_repeat(s: str) -> str:
    """Sources that print the title or the issuer twice: ``关于X的通知国家发展改革委关于X的通知`` → the
    second, complete one; ``XX指挥部XX指挥部关于…`` → once."""
    for k in range(len(s) // 2, 7, -1):
        if s.endswith(s[:k]):
            return s[k:]
    for k in range(len(s) // 2, 3, -1):
        if s[:k] == s[k : 2 * k]:
            return s[k:]
    return s


def _subject_title(lead: str) -> str | None:
    """…关于…<type> at the start of the lead: ends at the first balanced document-type word, extended through
    a type word that follows at once (…措施的通知, …通知的解读)."""
    subject = lead.find("关于")
    if not 0 <= subject <= _INLINE_SUBJECT_MAX_START:
        return None
    before = lead[:subject]
    if before and not (_ORGAN_END_RE.search(before) or _TITLE_PREFIX_END_RE.search(before)):
        return None
    end: int | None = None
    for m in _INLINE_TYPE_END_RE.finditer(lead, subject):
        if end is not None and not _TITLE_GAP_RE.fullmatch(lead[end : m.start()]):
            break
        if _balanced(lead[: m.end()]):
            end = m.end()
    return lead[:end] if end else None


def _organ_title(lead: str) -> str | None:
    """XX通告 / XX公告（第6号） / XX令第13号 at the start of the lead."""
    for m in _ORGAN_TYPE_END_RE.finditer(lead):
        if m.start() >= 2 and _balanced(lead[: m.end()]):
            return lead[: m.end()]
    return None


def _lead_title(lead: str) -> str | None:
    title = _subject_title(lead) or _organ_title(lead)
    if not title or _NOT_TITLE_RE.search(title):
        return None
    title = _dedupe_repeat(title)
    return title if len(title) <= _TITLE_MAX else None


def _inline_head(text: str) -> tuple[str | None, str | None]:
    """Title and 文号 of a text without line structure, read from its start."""
    lead_m = _LEAD_SEGMENT_RE.match(text[:_INLINE_HEAD_CHARS])
    if not lead_m:
        return None, None
    lead = lead_m.group(0)
    m = _DOC_NUMBER_RE.search(lead)
    if not m:
        return _lead_title(lead), None
    prefix = _trim_prefix(m.group("prefix"))
    number = f"{prefix}〔{m.group('year')}〕{m.group('num')}号" if prefix else None
    before = lead[: m.end("prefix") - len(prefix)]
    if number and not before:  # the 文号 opens the text (石政发〔2020〕3号-XX关于…的通知)
        return _lead_title(lead[m.end() :].lstrip("-—－ ")), number
    if number and DOC_TYPE_END_RE.search(before) and _balanced(before) and not _NOT_TITLE_RE.search(before):
        title = _dedupe_repeat(before)
        return (title, number) if len(title) <= _TITLE_MAX else (None, number)
    return _lead_title(lead), None


def _doc_number_from_head(head: list[str]) -> str | None:
    for line in head:
        if is_doc_number_line(line):
            numbers = find_doc_numbers(line)
            if numbers:
                return numbers[0]
    return None


def _signature_index(lines: list[str], start: int) -> int | None:
    """Index of the 成文日期 line: the first date line after the head that follows an organ line (a
    signature block), else the first date line that is not a 印发 date."""
    dates = [
        i for i in range(start, len(lines)) if is_date_line(lines[i]) and not is_issue_date_line(lines[i])
    ]
    for i in dates:
        if i > 0 and ORGAN_LINE_RE.match(lines[i - 1]):
            return i
    return dates[0] if dates else None


def _is_issuer(org: str) -> bool:
    return bool(_ISSUER_CHARS_RE.match(org) and _ORGAN_END_RE.search(org)) and "关于" not in org


def _issuer_from_title(title: str) -> str | None:
    m = _ORGAN_TITLE_RE.match(title)
    if m and _is_issuer(m.group("org")):
        return m.group("org")
    cuts = [m.start() for m in (_ISSUER_SPLIT_RE.search(title), _ISSUER_REPLY_SPLIT_RE.search(title)) if m]
    if not cuts:
        return None
    org = _dedupe_repeat(title[: min(cuts)])
    return org if _is_issuer(org) else None


def _doc_type(title: str | None) -> str:
    if not title:
        return "other"
    core = _TRAILING_BRACKET_RE.sub("", title)
    if core.endswith(("答复", "答复函")) or (core.endswith("复函") and _PROPOSAL_WORD_RE.search(core)):
        return "reply_letter"
    for pattern, kind in _DOC_TYPE_RULES:
        if pattern.search(core):
            return kind
    return "other"


def _addressee_index(lines: list[str], head_len: int) -> int | None:
    """The 主送 line is the first line after the title block, when it is an addressee line."""
    if head_len < len(lines) and is_addressee_line(lines[head_len]):
        return head_len
    return None


def _proposer(addressee: str | None, doc_type: str) -> str | None:
    if not addressee:
        return None
    m = _PERSON_ADDRESSEE_RE.match(addressee)
    if not m or not (m.group("role") in _PROPOSER_ROLES or doc_type == "reply_letter"):
        return None
    return m.group("name")


def _proposal_title(paragraph: str) -> str | None:
    titles = _BOOK_TITLE_RE.findall(paragraph)
    for t in titles:
        if _PROPOSAL_WORD_RE.search(t):
            return str(t)
    if titles:
        return str(titles[0])
    m = _PROPOSAL_PHRASE_RE.search(paragraph)
    return m.group(0) if m else None


def _signer(lines: list[str]) -> str | None:
    for line in lines[:_HEAD_MAX_LINES]:
        m = _SIGNER_RE.search(line)
        if m:
            return m.group(1)
    return None


def _recipients_cc(lines: list[str]) -> str | None:
    for line in reversed(lines):
        m = _CC_RE.match(line)
        if m:
            value = m.group(1).rstrip(_TRAILING_PUNCT)
            return value or None
    return None


# ---------------------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------------------


def _fill_reply_fields(meta: DocMeta, first_paragraph: str | None) -> None:
    """proposer (any letter addressed to a 委员 / 代表), and for reply letters the proposal's number and
    title (from the title, else the first paragraph)."""
    meta.proposer = _proposer(meta.addressee, meta.doc_type)
    if meta.doc_type != "reply_letter":
        return
    numbers = find_proposal_numbers(meta.title or "") or find_proposal_numbers(first_paragraph or "")
    meta.proposal_number = numbers[0] if numbers else None
    meta.proposal_title = _proposal_title(first_paragraph) if first_paragraph else None


def extract_metadata(text: str) -> DocMeta:
    """Metadata of one cleaned document (the output of :func:`rag.clean.clean_text`)."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    meta = DocMeta()
    if not lines:
        return meta
    head = _head(lines)
    meta.title = _title_from_head(head)
    meta.doc_number = _doc_number_from_head(head)
    if meta.title is None and meta.doc_number is None:
        meta.title, meta.doc_number = _inline_head(lines[0])

    addr_i = _addressee_index(lines, len(head))
    meta.addressee = lines[addr_i].rstrip("：:") if addr_i is not None else None
    body_start = addr_i + 1 if addr_i is not None else len(head)
    first_paragraph = lines[body_start] if body_start < len(lines) else None

    sig_i = _signature_index(lines, max(body_start, 1))
    meta.date = parse_cn_date(lines[sig_i]) if sig_i is not None else None
    meta.issuer = _issuer_from_title(meta.title) if meta.title else None
    if meta.issuer is None and sig_i is not None and sig_i > 0 and ORGAN_LINE_RE.match(lines[sig_i - 1]):
        meta.issuer = lines[sig_i - 1]

    meta.signer = _signer(lines)
    meta.recipients_cc = _recipients_cc(lines)
    meta.doc_type = _doc_type(meta.title)
    _fill_reply_fields(meta, first_paragraph)
    return meta
