"""Repair text extracted from PDFs and web pages of Chinese government documents (公文).

``clean_text`` is a pure function: raw extracted text in, one clean paragraph per line out. It

* normalises characters (newlines, BOM, odd spaces, zero-width and control characters);
* drops page-number lines (a sentence broken by a page footer is rejoined);
* removes stray spaces around CJK characters (``58 家`` → ``58家``, ``土 地 使 用`` → ``土地使用``);
* rejoins lines broken by the extractor (``鄂尔多\\n\\n斯市`` → ``鄂尔多斯市``) while keeping headings,
  文号 / date / ``label：value`` / addressee lines and signature blocks on lines of their own;
* joins a document title split over several lines at the top of the document.

The line classifiers (``is_heading`` …) are public because :mod:`rag.metadata` reads the same structure.
"""

from __future__ import annotations

import html
import re

from . import markers
from .sentences import is_table_row

# ---------------------------------------------------------------------------------------------------------
# Character classes
# ---------------------------------------------------------------------------------------------------------

# CJK ideographs (BMP blocks; the supplementary planes never occur in 公文) plus 〇, used in dates
# (二〇〇六年).
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3007"
# Full-width / CJK punctuation: CJK symbols block, full-width forms (not digits / letters), curly quotes,
# em dash, ellipsis, middle dot.
_CJK_PUNCT = (
    "\u3001-\u3006\u3008-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
    "\u2018-\u201f\u2014\u2026\u00b7"
)
_CN_NUM = markers.CN_NUM

# ---------------------------------------------------------------------------------------------------------
# Character normalisation
# ---------------------------------------------------------------------------------------------------------

# Line separators other than \n: Windows / old Mac newlines, vertical tab, form feed, Unicode line/para seps.
_NEWLINES_RE = re.compile(r"\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
# Spaces that are not ASCII space: tab, NBSP, the Unicode space block, narrow NBSP, math space, ideographic.
_ODD_SPACES_RE = re.compile(r"[\t\xa0\u1680\u2000-\u200a\u202f\u205f\u3000]")
# Invisible characters: zero-width space/joiners, word joiner, BOM (also mid-text after concatenation), soft
# hyphen, and C0/C1 control characters except \n (which carries the structure).
_INVISIBLE_RE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad\x00-\x09\x0e-\x1f\x7f-\x84\x86-\x9f]")
# HTML character references left by web scraping (&nbsp; &ensp; &#12288;): decoded, unknown ones (&sp;)
# dropped. Only the ``;``-terminated form, so R&D stays as it is.
_ENTITY_RE = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,9});")
# Full-width digits and latin letters → ASCII, so dates (２０２５年) and 文号 parse; full-width punctuation
# stays.
_FULLWIDTH_ALNUM = {
    **{cp: cp - 0xFEE0 for cp in range(0xFF10, 0xFF1A)},
    **{cp: cp - 0xFEE0 for cp in range(0xFF21, 0xFF3B)},
    **{cp: cp - 0xFEE0 for cp in range(0xFF41, 0xFF5B)},
}

# ---------------------------------------------------------------------------------------------------------
# Spaces
# ---------------------------------------------------------------------------------------------------------

# A run of spaces with a CJK character or CJK punctuation on at least one side is an extraction artefact
# (PDF justification, letter-spaced titles): remove it. Lookarounds, so one pass removes every run.
_SPACE_AFTER_CJK_RE = re.compile(rf"(?<=[{_CJK}{_CJK_PUNCT}]) +")
_SPACE_BEFORE_CJK_RE = re.compile(rf" +(?=[{_CJK}{_CJK_PUNCT}])")
# Between two latin words / numbers a space is meaningful (COVID 19): keep one.
_MULTI_SPACE_RE = re.compile(r" {2,}")

# ---------------------------------------------------------------------------------------------------------
# Page-number lines
# ---------------------------------------------------------------------------------------------------------

_PAGE_NUMBER_RES = tuple(re.compile(p) for p in markers.PAGE_NUMBER)
# A bare number: a page number only when it sits between text lines (table cells are short lines and are
# often bare numbers too). Four digits are never dropped: that is a year broken off its line (2024\n年底).
_BARE_NUMBER_RE = re.compile(r"^\d{1,3}$")
_SHORT_NEIGHBOUR = 8  # a neighbour shorter than this (or without CJK) marks a table, not a page footer
_HAS_CJK_RE = re.compile(f"[{_CJK}]")

# ---------------------------------------------------------------------------------------------------------
# Line classifiers
# ---------------------------------------------------------------------------------------------------------

# Sentence/clause-final punctuation, optionally followed by closing quotes/brackets (。” ）): a complete line.
_TERMINAL_END_RE = re.compile(markers.TERMINAL_END)
# A line that is entirely one bracketed note ((此件公开发布), (联系人:…)) is complete as well.
_BRACKETED_LINE_RE = re.compile(r"^[（(][^（）()]*[）)]$")
# A trailing bracketed note after the sentence (…全部利用。（自然资源部指导）): judge the text before it.
_TRAILING_NOTE_RE = re.compile(r"[（(][^（）()]*[）)]$")

# Numbered item / heading markers at the start of a line: 一、 一. （一） (一) 一是 第一章/节/条/款/编/部分
# 1. 1、 1．(not 1.5) （1） (1) 附件 / 附: (an attachment heading).
_NUMBERED_START_RE = re.compile(
    rf"^(?:{markers.DUN_CN}|[{_CN_NUM}]+[．.]"
    rf"|{markers.PAREN_CN}|[（(][{_CN_NUM}\d]{{1,4}}[）)]"
    rf"|第[{_CN_NUM}\d]+(?:章|节|条|款|编|部分)"
    rf"|{markers.SHI}"
    rf"|{markers.NUM}|\d{{3}}(?:[、．]|\.(?!\d))"
    r"|附件|附[:：])"
)
# A heading is a numbered line that is short and is not a sentence (headings may contain ，:
# 四、政策衔接，三医联动).
_SENTENCE_PUNCT_RE = re.compile(r"[。！？；!?;]")
_HEADING_MAX = 40
# Chapter / section headings are headings whatever follows the number (第一章总则).
_CHAPTER_RE = re.compile(rf"^第[{_CN_NUM}\d]+(?:章|节|编|部分)")

# 文号 alone on a line: 机关代字 + year in any bracket + serial + 号 (鄂建提复字〔2025〕334号, 国发[2019]5号).
DOC_NUMBER_LINE_RE = re.compile(
    rf"^[{_CJK}]{{1,15}} *[〔\[［（(【〖] *(?:19|20)\d{{2}} *[〕\]］）)】〗] *\d{{1,5}} *号$"
)
# An order / announcement number alone on a line (国务院令 第707号).
_ORDER_NUMBER_LINE_RE = re.compile(r"^第 *\d{1,5} *号$")

# A date in arabic (2025年9月3日) or Chinese numerals (二〇〇六年十月十八日, 二○○四年…).
DATE_CORE = (
    r"(?:\d{4}|[〇○零OＯ0一二三四五六七八九]{4}) *年 *"
    r"(?:\d{1,2}|[一二三四五六七八九十]{1,3}) *月 *"
    r"(?:\d{1,2}|[一二三四五六七八九十]{1,3}) *日"
)
# A date line: the 成文日期 of a signature block, or a 印发 / 发布 date line.
_DATE_LINE_RE = re.compile(rf"^{DATE_CORE}(?:印发|发布|发|通过|起施行|施行)?$")
_ISSUE_DATE_LINE_RE = re.compile(rf"^{DATE_CORE}(?:印发|发布|发)$")

# ``label：value`` lines of the 版头 / 版记: 签发人：张秀玲, 抄送：…, 联系人：…, 主任：… (a short CJK label).
_LABEL_LINE_RE = re.compile(rf"^[{_CJK}]{{2,6}}[：:]")

# Addressee (主送) line: ends with ：, no sentence inside, and what precedes the colon names a person (…委员)
# or a body (…人民政府, …各直属机构, 国务院). "经研究，现答复如下：" names neither and is prose.
_ADDRESSEE_RE = re.compile(
    r"^[^。！？；!?;]{2,120}?"
    r"(?:委员|代表|同志|先生|女士|主席|主任|书记|部长|局长|省长|市长|县长|区长|总理|院长|厅长"
    r"|政府|部门|单位|机构|部委|兵团|总部|院|部|委|局|厅|办|会|署|行|处|室|司|省|市|县|区|州|盟|旗|镇|乡"
    r"|街道|公司|企业|学校|大学|中心|小组|组|所|馆|站)"
    r"[：:]$"
)

# A body that signs a document (鄂尔多斯市人民政府, 国务院办公厅, 国家地震局): used to recognise a signature
# block (organ line + date line) and as the issuer fallback in metadata.
ORGAN_LINE_RE = re.compile(
    r"^[^，。；：,;:！？!?]{2,40}"
    r"(?:政府|办公厅|办公室|委员会|国务院|中央军委|党委|指挥部|领导小组|小组|专家组|中心|公司|集团|银行"
    r"|总局|部|局|厅|委|院|署|办|会)$"
)

# Document-type words a title ends with (optionally followed by （试行） / （第8号）).
DOC_TYPE_END_RE = re.compile(
    r"(?:答复函|答复|复函|通知|通告|公告|意见|办法|措施|规定|细则|批复|决定|方案|规划|计划|函|令|报告|请示"
    r"|条例|规则|决议|纪要|公报|指南|名单|预案|纲要|通报|要点)(?:[（(][^（）()]{1,20}[）)])?$"
)

# ---------------------------------------------------------------------------------------------------------
# Join heuristics
# ---------------------------------------------------------------------------------------------------------

# Bracket / quote pairs: a line with more openers than closers continues on the next line (印发《鄂尔多).
_PAIRS = tuple(zip("《（(“〔【「〈", "》）)”〕】」〉", strict=True))
# A line ending in a comma / enumeration comma / opening bracket is mid-sentence.
_OPEN_END_RE = re.compile(r"[，,、《“（(〔【「〈]$")
# A line that starts with punctuation continues the previous one.
_CONTINUATION_START_RE = re.compile(r"^[，。、；：？！）》”’」』〕】〉,.;:?!)\]]")
# A 1–2 character fragment closed by punctuation at the start of a line (悉。经研究… / 级,坚持…) is the
# tail of the previous line's word. Paragraph openers (同时，此外，…) are excluded below.
_FRAGMENT_START_RE = re.compile(rf"^([{_CJK}]{{1,2}})[，。、；,;]")
_OPENERS = frozenset(
    "同时 此外 其中 对此 目前 为此 另外 最后 首先 其次 再次 因此 所以 但是 然而 近年 当前 据悉 总之 综上 "
    "一是 二是 三是 四是 五是 六是 七是 八是 九是 十是 现将 经查 据此 特此 注 备注".split()
)
# Prose: a line with clause punctuation inside is part of a sentence; if it does not end in terminal
# punctuation, the sentence continues on the next line (a PDF line/page break).
_CLAUSE_PUNCT_RE = re.compile(r"[，。；,;！？!?]")
_PROSE_MIN = 15
# A title fragment: short, no clause punctuation (titles may contain 、 quotes and brackets).
_TITLE_FRAGMENT_MAX = 40
_TITLE_FORBIDDEN_RE = re.compile(r"[。！？；，,：:;!?]")
# A title fragment that names its subject or issuer's action: the title goes on (国务院关于在…全面推行).
_TITLE_SUBJECT_RE = re.compile(r"关于|转发|批转|印发|对.{2,30}(?:会议|提案|建议)")
# The head (title block) ends at the first body line: an addressee, a prose line, or after this many lines.
_HEAD_MAX_LINES = 12
# Stands for a dropped page footer between the join pass's lines; control characters never survive
# normalise_chars, so no input line can look like it.
PAGE_BREAK = "\x00page\x00"
_MAX_PASSES = 4  # clean_text repeats its passes until a fixpoint (idempotence); this bounds the loop


# ---------------------------------------------------------------------------------------------------------
# Public line classifiers
# ---------------------------------------------------------------------------------------------------------


def ends_terminal(line: str) -> bool:
    """True if the line ends a sentence or clause (。！？；： and closing quotes after them), or is one
    bracketed note."""
    if _TERMINAL_END_RE.search(line) or _BRACKETED_LINE_RE.match(line):
        return True
    before_note = _TRAILING_NOTE_RE.sub("", line)
    return before_note != line and bool(_TERMINAL_END_RE.search(before_note))


def starts_numbered(line: str) -> bool:
    """True if the line starts with an item / heading number (一、 （一） 一是 第三条 1. （1） 附件)."""
    return bool(_NUMBERED_START_RE.match(line))


def is_heading(line: str) -> bool:
    """A numbered heading line: 一、优化创新创业服务体系建设, （一）指导思想, 第一章总则, 1.总体要求."""
    if _CHAPTER_RE.match(line) and len(line) <= _HEADING_MAX:
        return True
    return starts_numbered(line) and len(line) <= _HEADING_MAX and not _SENTENCE_PUNCT_RE.search(line)


def is_doc_number_line(line: str) -> bool:
    """A 文号 alone on its line (鄂建提复字〔2025〕334号), or an order number (第707号)."""
    return bool(DOC_NUMBER_LINE_RE.match(line) or _ORDER_NUMBER_LINE_RE.match(line))


def is_date_line(line: str) -> bool:
    """A date alone on its line: 2025年9月3日, 二〇〇六年十月十八日, 2025年9月3日印发."""
    return bool(_DATE_LINE_RE.match(line))


def is_issue_date_line(line: str) -> bool:
    """A 印发 / 发布 date line of the 版记 (2025年9月3日印发): not the 成文日期."""
    return bool(_ISSUE_DATE_LINE_RE.match(line))


def is_label_line(line: str) -> bool:
    """A ``label：value`` line (签发人：张秀玲, 抄送：…)."""
    return bool(_LABEL_LINE_RE.match(line))


def is_addressee_line(line: str) -> bool:
    """A 主送 line: 白夜明委员：, 各省、自治区、直辖市人民政府，国务院各部委、各直属机构："""
    return bool(_ADDRESSEE_RE.match(line))


def is_page_number_line(line: str) -> bool:
    """A page footer in an explicit format (- 3 -, 第3页 共10页, 3/10). Bare numbers are judged in context."""
    return any(p.match(line) for p in _PAGE_NUMBER_RES)


def is_title_fragment(line: str) -> bool:
    """A short line without clause punctuation: a (part of a) title or a table cell."""
    return 0 < len(line) <= _TITLE_FRAGMENT_MAX and not _TITLE_FORBIDDEN_RE.search(line)


def is_structural(line: str) -> bool:
    """A line that must stay on its own: heading, 文号, date, label, addressee, page number, table row."""
    return (
        is_table_row(line)
        or is_heading(line)
        or is_doc_number_line(line)
        or is_date_line(line)
        or is_label_line(line)
        or is_addressee_line(line)
        or is_page_number_line(line)
    )


def is_body_line(line: str) -> bool:
    """A line that belongs to the body rather than the title block: an addressee or a sentence."""
    return is_addressee_line(line) or bool(_CLAUSE_PUNCT_RE.search(line))


# ---------------------------------------------------------------------------------------------------------
# Steps
# ---------------------------------------------------------------------------------------------------------


def _decode_entity(m: re.Match[str]) -> str:
    decoded = html.unescape(m.group(0))
    return "" if decoded == m.group(0) else decoded


def normalise_chars(raw: str) -> str:
    """Newlines to \\n, odd spaces to ' ', invisible and control characters removed, full-width digits and
    latin letters to ASCII."""
    text = _ENTITY_RE.sub(_decode_entity, raw)
    text = _NEWLINES_RE.sub("\n", text)
    text = _ODD_SPACES_RE.sub(" ", text)
    text = _INVISIBLE_RE.sub("", text)
    return text.translate(_FULLWIDTH_ALNUM)


def remove_cjk_spaces(line: str) -> str:
    """Remove spaces next to CJK characters / punctuation; collapse other runs to one space; strip."""
    line = _SPACE_AFTER_CJK_RE.sub("", line)
    line = _SPACE_BEFORE_CJK_RE.sub("", line)
    return _MULTI_SPACE_RE.sub(" ", line).strip()


def _neighbour(lines: list[str], i: int, step: int) -> str | None:
    """The nearest non-empty line before (step -1) or after (step 1) index i, or None."""
    j = i + step
    while 0 <= j < len(lines):
        if lines[j]:
            return lines[j]
        j += step
    return None


def _is_page_footer(lines: list[str], i: int) -> bool:
    """A bare number between text lines, at least one of them prose (or the document edge). Between table
    cells (short lines, numbers, title-like fragments) it is kept."""
    around = (_neighbour(lines, i, -1), _neighbour(lines, i, 1))
    if not all(n is None or (len(n) >= _SHORT_NEIGHBOUR and _HAS_CJK_RE.search(n)) for n in around):
        return False
    return any(n is None or not is_title_fragment(n) for n in around)


def mark_page_breaks(lines: list[str]) -> list[str]:
    """Replace page-number lines by a page-break marker (explicit footers always, bare numbers when they sit
    between text lines). The join pass drops the markers; across one, a line without a sentence end is
    joined to the next (a sentence running on to the next page)."""
    return [
        PAGE_BREAK
        if is_page_number_line(line) or (_BARE_NUMBER_RE.match(line) and _is_page_footer(lines, i))
        else line
        for i, line in enumerate(lines)
    ]


def _has_unclosed_bracket(line: str) -> bool:
    return any(line.count(o) > line.count(c) for o, c in _PAIRS)


def _starts_with_fragment(line: str) -> bool:
    m = _FRAGMENT_START_RE.match(line)
    return m is not None and m.group(1) not in _OPENERS


def _is_signature_organ(line: str, after: str | None) -> bool:
    """An organ line directly followed by a date line: the signature block of the document."""
    return after is not None and is_date_line(after) and bool(ORGAN_LINE_RE.match(line))


def _joins_title(prev: str, nxt: str) -> bool:
    """Two title fragments form one title when the first names a subject (国务院关于… / …对…会议) or the
    second completes it (…的答复, 关于…), unless the first is already a complete title (ends in a
    document-type word) and the next does not continue it (…的通知). Table cells (序号 / 改革举措) do not."""
    if not (is_title_fragment(prev) and is_title_fragment(nxt)):
        return False
    if DOC_TYPE_END_RE.search(prev) and not nxt.startswith("的"):
        return False
    names_subject = bool(_TITLE_SUBJECT_RE.search(prev)) or nxt.startswith(("关于", "的"))
    return names_subject or bool(DOC_TYPE_END_RE.search(nxt))


def _joins_body(prev: str, nxt: str) -> bool:
    """In the body: the evidence that ``prev`` was cut in the middle of a sentence or a word."""
    if _has_unclosed_bracket(prev) or _OPEN_END_RE.search(prev):
        return True
    if _CONTINUATION_START_RE.match(nxt) or _starts_with_fragment(nxt):
        return True
    if len(prev) >= _PROSE_MIN and _CLAUSE_PUNCT_RE.search(prev):
        # …unless the next line is a short cell without punctuation (a table row, not a sentence tail).
        return len(nxt) >= _PROSE_MIN or bool(_CLAUSE_PUNCT_RE.search(nxt))
    # An embedded title split in two: 关于1997年地震趋势和 / 加强防震减灾工作意见的报告
    return "关于" in prev and _joins_title(prev, nxt) and bool(DOC_TYPE_END_RE.search(nxt))


def should_join(
    prev: str, nxt: str, after: str | None = None, *, in_head: bool = False, page_break: bool = False
) -> bool:
    """Whether the line break between ``prev`` and ``nxt`` is a soft wrap. ``after`` is the line after
    ``nxt`` (to recognise a signature block); ``in_head`` is True inside the title block; ``page_break``
    is True when a page footer stood between the two lines."""
    if ends_terminal(prev) or is_structural(prev) or is_structural(nxt) or starts_numbered(nxt):
        return False
    if _is_signature_organ(nxt, after):
        return False
    if page_break and not DOC_TYPE_END_RE.search(prev):  # a sentence running on to the next page
        return True
    if in_head and is_title_fragment(prev) and is_title_fragment(nxt):
        return _joins_title(prev, nxt)
    return _joins_body(prev, nxt)


def _glue(prev: str, nxt: str) -> str:
    """Concatenate two pieces of one line: no space, except between two latin words / numbers."""
    if prev[-1:].isascii() and prev[-1:].isalnum() and nxt[:1].isascii() and nxt[:1].isalnum():
        return f"{prev} {nxt}"
    return prev + nxt


def join_soft_wraps(lines: list[str]) -> list[str]:
    """One left-to-right pass joining soft-wrapped lines (``lines`` are non-empty and stripped; page-break
    markers are consumed)."""
    out: list[str] = []
    in_head = True
    page_break = False
    for i, line in enumerate(lines):
        if line == PAGE_BREAK:
            page_break = True
            continue
        if out:
            after = next((x for x in lines[i + 1 : i + 3] if x != PAGE_BREAK), None)
            head = in_head and len(out) < _HEAD_MAX_LINES
            if should_join(out[-1], line, after, in_head=head, page_break=page_break):
                out[-1] = _glue(out[-1], line)
                page_break = False
                continue
        page_break = False
        if is_body_line(line):
            in_head = False
        out.append(line)
    return out


def _clean_once(text: str) -> str:
    text = normalise_chars(text)
    lines = [remove_cjk_spaces(line) for line in text.split("\n")]
    lines = [line for line in mark_page_breaks(lines) if line]
    return "\n".join(join_soft_wraps(lines))


def clean_text(raw: str) -> str:
    """Clean extracted 公文 text: one paragraph / heading / 版头-版记 item per line, separated by a single
    ``\\n``; no leading or trailing whitespace. Idempotent: ``clean_text(clean_text(x)) == clean_text(x)``."""
    text = _clean_once(raw)
    for _ in range(_MAX_PASSES):  # a join can change a neighbour's context: repeat until nothing changes
        again = _clean_once(text)
        if again == text:
            break
        text = again
    return text
