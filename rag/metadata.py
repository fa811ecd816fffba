"""Rule-based 公文 metadata: title, 文号, issuer, date, signer, type, addressee, contact note, 印发 line, and
for reply letters the proposal.

``extract_metadata`` reads the structure that :func:`rag.clean.clean_text` leaves (one item per line): the
title block at the top (title, 文号, 签发人), the addressee line (or a block the PDF wrapped), the signature
block (organ + date), the contact note (联系人 / 联系电话) and the 版记 (抄送, 印发). A field that cannot be
read is None: nothing is guessed. Texts without line structure (news-style documents whose line breaks were
lost) are read from their leading segment only when it has a clear form (…关于…的通知 + 文号 + 主送：,
…通告（第8号）), and their contact note and 印发 line only in the explicit forms (联系人：…，联系电话：…;
…。XX办公厅2020年2月12日印发 at the very end).

``find_doc_numbers`` and ``find_proposal_numbers`` also serve query parsing in retrieval.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterator

from rag import markers
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
# Addressee (主送)
# ---------------------------------------------------------------------------------------------------------

# A PDF wraps a long 主送 list over lines (各省、自治区、直辖市人民政府，/ 国务院各部委、各直属机构：) and
# clean_text keeps the piece ending in ： apart (it is an addressee line of its own): up to this many lines
# are read as one block.
_ADDRESSEE_BLOCK_LINES = 4
# clean's addressee rule stops at 120 characters; a full 主送 list of a ministry notice runs longer. Such a
# list is accepted when its last item is an addressee (…，各派出机构：) and it holds no sentence.
_ADDRESSEE_MAX = 300
_SENTENCE_END_RE = re.compile(r"[。！？；!?;]")
_LIST_SEP_RE = re.compile(r"[，,、]")
_LIST_OPEN_END = ("、", "，", ",")
_COLONS = ("：", ":")
# Addressees clean's rule does not end on: 联防联控机制, 市直各机关.
_EXTRA_ADDRESSEE_END_RE = re.compile(r"(?:机制|机关)[：:]$")
# In a text without line structure the 主送 follows the 文号 up to the first colon
# (…的通知鲁政办字〔2020〕18号各市人民政府，…，省政府各部门、各直属机构：《关于…》…).
_INLINE_ADDRESSEE_RE = re.compile(rf"[^。！？；!?;：:]{{2,{_ADDRESSEE_MAX}}}[：:]")
# Some sources print the title (again) after the 文号, right before the 主送.
_TITLE_MARK_RE = re.compile(r"关于|《")

# ---------------------------------------------------------------------------------------------------------
# Contact note (联系人 / 联系电话) and the 印发 line
# ---------------------------------------------------------------------------------------------------------

_PHONE_RE = re.compile(markers.PHONE)
_FAX_RE = re.compile(markers.FAX_NOTE)
# Several numbers in one note: 0591-87856021、87833713 / 010-64962031，13488809182 / 010-64521235 010-64521233
# / 0755-83878729；0755-83878667; a fax among them (66020522（传真）) keeps the run going and is dropped later.
_PHONE_ITEM = rf"{markers.PHONE}(?:{markers.FAX_NOTE})?"
_PHONE_RUN = rf"{_PHONE_ITEM}(?: ?(?:[、，,；;/／ ]|或) ?{_PHONE_ITEM})*"
# The name(s) after 联系人：: CJK, several joined by 、 (刘霞、张宏鸽), possibly with the unit in front
# (市路政处李勇, 合作司宋晓). It ends at punctuation, a bracket, a digit or the word that introduces the
# number (clean_text removed the space in 郭永盛 联系电话). A blank form (联系人：联系电话：) names nobody.
_CONTACT_NAME = (
    rf"(?!联系|{markers.PHONE_WORD})[\u4e00-\u9fff][\u4e00-\u9fff·、]{{1,19}}?"
    rf"(?=[，,；;\s（(：:。）)+\d]|{markers.PHONE_WORD}|$)"
)
_CONTACT_RE = re.compile(rf"{markers.CONTACT_LABEL} ?(?P<name>{_CONTACT_NAME})")
# What may stand between the name and its number(s): separators, a line break (联系人：张三 / 联系电话：…),
# an opening bracket (李勇（联系电话…）, 吕老师（+86 …）), the phone word, a colon (田宁：0771-8095041).
_AFTER_NAME_RE = re.compile(
    rf"[，,；;\s]*(?:[（(] ?)?(?:(?:{markers.PHONE_WORD}) ?[：:]? ?|[：:] ?)?(?P<run>{_PHONE_RUN})"
)
# A name without a number still makes a note when the note ends right after it (联系人：张三。 / （联系人：张三）
# / end of line); a name followed by anything else (旌阳区：张林…) is a list heading, not a contact.
_NOTE_END_RE = re.compile(r" ?(?:[。；;）)\n]|$)")
# A note that gives only numbers (联系电话：0851-86822440, 咨询电话：（010）8403-8327), possibly after the unit
# (联系电话：省工业和信息化厅运行监测协调处、0851-86822440). Only at the start of a line or a sentence: in
# mid-sentence it is a service number (开辟服务专线（联系电话：…）, 当场办结（联系电话：…）).
_PHONE_NOTE_RE = re.compile(
    rf"(?:^|(?<=[。！？；!?;]))[（(]? ?(?:{markers.PHONE_LABEL}) ?[\u4e00-\u9fff、]{{0,30}}?(?P<run>{_PHONE_RUN})",
    re.MULTILINE,
)
# How far apart a name-only note and a numbers-only note may stand to be one note (联系电话：… / 联系人：张三).
_NOTE_GAP_RE = re.compile(r"[，,；;\s（）()]{0,3}")
_DASHES_RE = re.compile(r"[-—–－ ]+")
_AREA_IN_BRACKETS_RE = re.compile(r"^[（(](0\d{2,3})[）)]-?")
_COUNTRY_CODE_RE = re.compile(r"^\+?86-?")
_SPLIT_LOCAL_RE = re.compile(r"^(0\d{2,3})-(\d{3,4})-(\d{4})$")  # (010)8403-8327 → 010-84038327

# The 印发 line of the 版记: [印发机关] 日期 印发, on its own line (the organ may stand on the line before), or
# 印发日期：…; in a text without line structure only at its very end after a sentence
# (…省工商联。山东省人民政府办公厅2020年2月12日印发). "近日印发通知" / "2月15日印发通知" never end a text.
_PRINT_LINE_RE = re.compile(
    rf"^(?P<org>[^，。；：,;:！？!?\d]{{2,40}}?)? ?(?P<date>{DATE_CORE}) ?{markers.PRINTED}$"
)
_PRINT_LABEL_RE = re.compile(rf"^{markers.PRINTED}(?:日期|时间)[：:] ?(?P<date>{DATE_CORE})$")
_PRINT_TAIL_RE = re.compile(
    rf"[。；！？](?P<org>[^，。；：,;:！？!?\d（）()]{{2,40}}?)(?P<date>{DATE_CORE}){markers.PRINTED}$"
)

# ---------------------------------------------------------------------------------------------------------
# Public helpers (also used by retrieval to parse queries)
# ---------------------------------------------------------------------------------------------------------


def _trim_prefix(prefix: str) -> str:
    """The 机关代字 of a 文号: drop any text before the last stop word (根据, 的, 通知 …)."""
    last_end = 0
    for m in _PREFIX_STOP_RE.finditer(prefix):
        last_end = m.end()
    return prefix[last_end:]


def doc_number_variants(number: str) -> list[str]:
    """A 文号 as a query may write it and the shorter ones it may stand for: a place or organ name typed
    in front of the 机关代字 (贵州黔工信运行〔2020〕9号 is 黔工信运行〔2020〕9号), longest first."""
    m = re.match(r"^(.+?)(〔\d{4}〕\d+号)$", number)
    if not m:
        return [number]
    prefix, rest = m.groups()
    return [prefix[i:] + rest for i in range(len(prefix))]


def iter_doc_numbers(s: str) -> Iterator[tuple[str, int, int]]:
    """Every 文号 in ``s`` with its span (start of the trimmed 机关代字, end after 号), brackets normalised to
    〔〕, repeats included: what rag.links reads references with."""
    for m in _DOC_NUMBER_RE.finditer(s):
        prefix = _trim_prefix(m.group("prefix"))
        if prefix:
            yield f"{prefix}〔{m.group('year')}〕{m.group('num')}号", m.end("prefix") - len(prefix), m.end()


def find_doc_numbers(s: str) -> list[str]:
    """All 文号 in ``s``, brackets normalised to 〔〕, in order, without duplicates.

    >>> find_doc_numbers("请问鄂建提复字[2025]334号和国发（2019）5号")
    ['鄂建提复字〔2025〕334号', '国发〔2019〕5号']
    """
    return list(dict.fromkeys(number for number, _, _ in iter_doc_numbers(s)))


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


def cn_number(s: str) -> int | None:
    """1–31 / a year from arabic digits or Chinese numerals (十八, 二十三, 二〇〇六); None for anything else.
    Also what rag.forms (第四个方面) and rag.validity (有效期三个月, 二〇二〇年六月) read numbers with."""
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
            y, mo, d = (cn_number(parts.group(k)) for k in ("y", "m", "d"))
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


def _is_addressee(s: str) -> bool:
    """A 主送 (ending in ：): what clean recognises, or a list without a sentence whose last item is one once
    a trailing note is dropped (…交通运输厅（局、委）：, …联防联控机制(领导小组、指挥部)：) — also a list longer
    than clean allows (…，中国地质调查局及部其他直属单位，各派出机构：)."""
    if is_addressee_line(s):
        return True
    if len(s) > _ADDRESSEE_MAX or _SENTENCE_END_RE.search(s) or not s.endswith(_COLONS):
        return False
    last = _LIST_SEP_RE.split(_TRAILING_BRACKET_RE.sub("", s[:-1]))[-1] + "："
    return is_addressee_line(last) or bool(_EXTRA_ADDRESSEE_END_RE.search(last))


def _addressee_span(lines: list[str], head_len: int) -> tuple[int, int] | None:
    """Lines ``[start, end)`` of the 主送: the first line after the title block, or a block of list pieces the
    PDF wrapped, the last ending in ：. A piece without a comma (河北省人民政府、), or an addressee clean does
    not recognise (…厅（局、委）：), stayed in the head."""
    first = head_len - 1 if head_len > 0 and lines[head_len - 1].endswith(_COLONS) else head_len
    start = first
    while start > 0 and first - start < _ADDRESSEE_BLOCK_LINES - 1:
        if not lines[start - 1].endswith(_LIST_OPEN_END):
            break
        start -= 1
    for end in range(first, min(len(lines), start + _ADDRESSEE_BLOCK_LINES)):
        line = lines[end]
        if line.endswith(_COLONS):
            return (start, end + 1) if _is_addressee("".join(lines[start : end + 1])) else None
        if _SENTENCE_END_RE.search(line) or "：" in line or ":" in line:
            return None
    return None


def _inline_addressee(line: str) -> str | None:
    """The 主送 right after the 文号 that opens a text without line structure (the caller knows there is
    one: :func:`_inline_head` found it)."""
    number = _DOC_NUMBER_RE.search(line[:_INLINE_HEAD_CHARS])
    if not number:
        return None
    m = _INLINE_ADDRESSEE_RE.match(line, number.end())
    if not m:
        return None
    addressee = m.group(0)
    # the title again after the 文号 (…的通知 文号 …的通知 主送：): the 主送 starts after it
    if _TITLE_MARK_RE.search(addressee):
        ends = list(_INLINE_TYPE_END_RE.finditer(addressee))
        addressee = addressee[ends[-1].end() :] if ends else ""
    return addressee[:-1] if _is_addressee(addressee) and not _DOC_NUMBER_RE.search(addressee) else None


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


def _normalise_phone(raw: str) -> str:
    """One way to write a number: hyphen for any dash or space, area code out of its brackets, country code
    dropped (+86 138…, 86-10-88388004 → 010-88388004), local part unsplit (010-8403-8327 → 010-84038327)."""
    s = _DASHES_RE.sub("-", raw.strip()).strip("-")
    s = _AREA_IN_BRACKETS_RE.sub(lambda m: f"{m.group(1)}-", s)
    if s.startswith(("+86", "86-")) or (s.startswith("86") and len(s) > 11):
        rest = _COUNTRY_CODE_RE.sub("", s)
        s = rest if rest.startswith("1") and "-" not in rest else f"0{rest}"
    split = _SPLIT_LOCAL_RE.match(s)
    return f"{split.group(1)}-{split.group(2)}{split.group(3)}" if split else s


def _phones(run: str) -> list[str]:
    """The numbers of a run, normalised, in order, without duplicates and without faxes."""
    found: list[str] = []
    for m in _PHONE_RE.finditer(run):
        if _FAX_RE.match(run, m.end()):
            continue
        phone = _normalise_phone(m.group(0))
        if phone not in found:
            found.append(phone)
    return found


def _phone_note_before(text: str, pos: int) -> list[str]:
    """Numbers of a numbers-only note that ends right before ``pos`` (联系电话：… on the line before 联系人：张三)."""
    for m in _PHONE_NOTE_RE.finditer(text, 0, pos):
        if _NOTE_GAP_RE.fullmatch(text, m.end(), pos):
            return _phones(m.group("run"))
    return []


def _contact(text: str) -> tuple[str | None, str | None]:
    """联系人 and 联系电话 of the first contact note. With several notes (one per platform or office) the
    first is kept; its numbers are all kept, "、"-joined, so a note naming two people keeps both numbers.
    Without any 联系人 note, the numbers of the first numbers-only note (contact stays None)."""
    for m in _CONTACT_RE.finditer(text):
        name = m.group("name").rstrip("、")
        after = _AFTER_NAME_RE.match(text, m.end())
        phones = _phones(after.group("run")) if after else _phone_note_before(text, m.start())
        if phones or _NOTE_END_RE.match(text, m.end()):
            return name, "、".join(phones) or None
    note = _PHONE_NOTE_RE.search(text)
    phones = _phones(note.group("run")) if note else []
    return None, "、".join(phones) or None


def _print_line(lines: list[str]) -> tuple[str | None, str | None]:
    """印发机关 and 印发日期 (ISO) of the 版记: the last 印发 line; its organ on the same line or the one
    before. An organ that is not one (本方案自2025年9月3日印发) means the line is prose, not the 版记."""
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i]
        m = _PRINT_LINE_RE.match(line) or _PRINT_LABEL_RE.match(line) or _PRINT_TAIL_RE.search(line)
        if not m:
            continue
        org = m.groupdict().get("org")
        if org and not ORGAN_LINE_RE.match(org):
            continue
        date = parse_cn_date(m.group("date"))
        if not org and m.re is _PRINT_LINE_RE and i > 0 and ORGAN_LINE_RE.match(lines[i - 1]):
            org = lines[i - 1]
        return org or None, date
    return None, None


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
    inline = meta.title is None and meta.doc_number is None
    if inline:
        meta.title, meta.doc_number = _inline_head(lines[0])

    span = _addressee_span(lines, len(head))
    meta.addressee = "".join(lines[span[0] : span[1]]).rstrip("：:") if span else None
    if meta.addressee is None and inline and meta.doc_number:
        meta.addressee = _inline_addressee(lines[0])
    body_start = span[1] if span else len(head)
    first_paragraph = lines[body_start] if body_start < len(lines) else None

    sig_i = _signature_index(lines, max(body_start, 1))
    meta.date = parse_cn_date(lines[sig_i]) if sig_i is not None else None
    meta.issuer = _issuer_from_title(meta.title) if meta.title else None
    if meta.issuer is None and sig_i is not None and sig_i > 0 and ORGAN_LINE_RE.match(lines[sig_i - 1]):
        meta.issuer = lines[sig_i - 1]

    meta.signer = _signer(lines)
    meta.recipients_cc = _recipients_cc(lines)
    meta.contact, meta.contact_phone = _contact("\n".join(lines))
    meta.print_office, meta.print_date = _print_line(lines)
    meta.doc_type = _doc_type(meta.title)
    _fill_reply_fields(meta, first_paragraph)
    return meta
