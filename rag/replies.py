"""Reply letters to 建议 / 提案 / 议案 as data (pure: no model, no store).

``read_reply(text, meta)`` reads, from a cleaned text (:func:`rag.clean.clean_text`) and its metadata
(:func:`rag.metadata.extract_metadata`), what the register of past replies (rag.registry) lists: the body
whose member proposed (人大 / 政协) and its level (全国 / 省 / 市 / 区县), the session (五届四次会议), the kind
(建议 / 提案 / 议案) and number (0261, as written), the proposal's title, the proposers (["邓乃扬", "韩汝琦"],
["李四等"]), the replying body, 文号, date, contact, 抄送, and the commitments (the sentences of the reply's
下一步 / 今后 / 将… part, verbatim). A field that cannot be read is None: nothing is guessed — except the
body from the kind or the addressee's role, which is how the words are used (提案 are 政协's, 议案 人大's, a
代表 sits in 人大, a 委员 in 政协).

A letter is a reply letter when its title ends in 答复 / 答复函 / 复函 / 办理情况的函 (…) and names a 建议 /
提案 / 议案 (a 复函 to a 请示 is not one). The vocabulary is in :mod:`rag.markers` (``REPLY_*``).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from . import markers
from .clean import DATE_CORE, ORGAN_LINE_RE, is_date_line, is_issue_date_line
from .metadata import find_doc_numbers, parse_cn_date
from .records import DocMeta
from .sentences import split_sentences

_BODY_RE = re.compile(markers.REPLY_BODY)
_KIND_RE = re.compile(markers.REPLY_KIND)
_SESSION_RE = re.compile(markers.REPLY_SESSION)
_LEVELS = tuple((name, re.compile(p)) for name, p in markers.REPLY_LEVELS)
_NUMBER_RES = (
    re.compile(markers.REPLY_NUMBER_BEFORE_KIND),
    re.compile(markers.REPLY_NUMBER_AFTER_KIND),
    re.compile(markers.REPLY_NUMBER_LABELLED),
)
_NUMBER_BARE_RE = re.compile(markers.REPLY_NUMBER_BARE)
_TITLE_END_RE = re.compile(markers.REPLY_TITLE_END)
_TITLE_ANSWERING_RE = re.compile(markers.REPLY_TITLE_ANSWERING)
_TITLE_CHROME_RE = re.compile(markers.REPLY_TITLE_CHROME)
_TITLE_TAIL_RE = re.compile(markers.REPLY_TITLE_TAIL)
_TITLE_PAREN_RE = re.compile(r"[（(]([^（）()]{1,20})[）)]$")
_SALUTE_NAME = r"(?:[\u4e00-\u9fff]{1,8}·[\u4e00-\u9fff·]{1,12}|[\u4e00-\u9fff]{2,4})"  # 张三, 阿依·买买提
_SALUTATION_RE = re.compile(
    rf"^(?:尊敬的)?(?:{_SALUTE_NAME}(?:[、，,]{_SALUTE_NAME})*"
    rf"(?:等(?:\d+|[一二三四五六七八九十]+)?(?:名|位)?)?(?:{markers.REPLY_SALUTATION_ROLE})[：:]?"
    rf"|(?:{markers.REPLY_GROUP_PARTY})[\u4e00-\u9fff]{{0,20}}[：:])"  # a party's collective 提案: 民盟XX市委：
    r"(?:您好|你好|你们好|您们好)?[！!，,。]?$"
)
_ANSWERS_RE = re.compile(markers.REPLY_ANSWERS)
_PAGE_ORGAN_RE = re.compile(rf"{markers.REPLY_PAGE_ORGAN_LABEL}[\s：:|]*(?P<org>[\u4e00-\u9fff（）()]{{2,40}})")
_PAGE_DATE_RE = re.compile(rf"{markers.REPLY_PAGE_DATE_LABEL}[\s：:|]*(?P<date>\d{{4}}-\d{{1,2}}-\d{{1,2}}|{DATE_CORE})")
_NATIONAL_ORGAN_RE = re.compile(markers.REPLY_ORGAN_NATIONAL)
_NOT_A_PLACE_RE = re.compile(markers.REPLY_NOT_A_PLACE)
_PLACE_RE = re.compile(r"[\u4e00-\u9fff]{1,8}?(?:自治区|自治州|自治县|省|市|州|盟|地区|县|区|旗)")
_PLACE_LEVEL = {"自治区": "省", "省": "省", "自治州": "市", "市": "市", "州": "市", "盟": "市", "地区": "市"}
_OTHER_ITEM_RE = re.compile(r"^(?:上一|下一|相关|推荐|热点)")  # a page's links to other items
_BULLET_RE = re.compile(r"^[\s•·\-–—*]+")
_PERSON_RE = re.compile(
    rf"^(?:尊敬的)?(?P<names>[\u4e00-\u9fff·、，, ]{{2,60}}?)(?P<etc>等(?:\d+|[一二三四五六七八九十]+)?(?:名|位)?)?"
    rf"(?:全国政协|全国人大|人大|政协|省|市|区|县)?(?P<role>{markers.REPLY_PERSON_ROLE})$"
)
_GROUP_RE = re.compile(rf"^(?:{markers.REPLY_GROUP_PARTY})|(?:{markers.REPLY_GROUP})$")
_NOT_PROPOSER_RE = re.compile(r"政府|办公厅|办公室|提案委员会|代表工作委员会|人事代表|选举任免|常委会|常务委员会|人民代表大会")
_NOT_A_NAME_RE = re.compile(r"^(?:各位|诸位|尊敬|亲爱|广大|全体|相关|有关)")
_IN_TEXT_RE = re.compile(markers.REPLY_PROPOSER_IN_TEXT)
_INLINE_ADDRESSEE_RE = re.compile(
    rf"(?:^|(?<=[\s。；：:\d]))(?:尊敬的)?(?P<names>[\u4e00-\u9fff]{{2,4}}(?:、[\u4e00-\u9fff]{{2,4}})*)(?P<etc>等(?:\d+|[一二三四五六七八九十]+)?(?:名|位)?)?"
    rf"(?:{markers.REPLY_PERSON_ROLE})[：:]",
    re.MULTILINE,
)
_NAME_RE = re.compile(r"^[\u4e00-\u9fff·]{2,12}$")
_COMMIT_OPEN_RE = re.compile(rf"^(?:{markers.REPLY_COMMIT_OPENER})")
_COMMIT_VERB_RE = re.compile(markers.REPLY_COMMIT_VERB)
_CLOSING_RE = re.compile(markers.REPLY_CLOSING)
_COMMIT_HEADING_RE = re.compile(markers.REPLY_COMMIT_HEADING)
_NOT_COMMIT_RE = re.compile(markers.REPLY_NOT_COMMIT)
_INTRO_RE = re.compile(r"答复如下|回复如下|收悉|悉。|现将.{0,12}(?:答复|函复|回复)|答复函?[：:]")
_PROPOSAL_WORD_RE = re.compile(r"提案|建议|议案")
_INTRO_CHARS = 400  # where the session / number / proposer are looked for when the title lacks them
_GIST_MAX = 80
_SPLIT_NAMES_RE = re.compile(r"[、，, ]+|和|及")
_NOTE_RE = re.compile(r"^[（(](?:联系|本文|此件|注)")

KINDS = ("建议", "提案", "议案")
BODIES = ("人大", "政协")
LEVELS = ("全国", "省", "市", "区县")


@dataclass
class Reply:
    kind: str | None = None  # 建议 / 提案 / 议案
    number: str | None = None  # as written: "0261"
    session: str | None = None  # "五届四次会议": 届 and 次 as written, the body left out
    body: str | None = None  # 人大 / 政协
    level: str | None = None  # 全国 / 省 / 市 / 区县
    proposal_title: str | None = None
    proposers: list[str] | None = None  # ["王超斌"], ["邓乃扬", "韩汝琦"], ["李四等"]
    replying_body: str | None = None
    doc_number: str | None = None
    date: str | None = None  # ISO
    contact: str | None = None
    contact_phone: str | None = None
    recipients_cc: str | None = None
    commitments: list[str] = field(default_factory=list)  # verbatim sentences
    gist: str | None = None  # one line: the first commitment, else the reply's first sentence

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Reply:
        known = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        return cls(**known)


def _kind_name(word: str) -> str:
    return markers.REPLY_KIND_NAMES.get(word, word)


def _title_core(line: str) -> tuple[str, str | None]:
    """A title line without the page's furniture around it (breadcrumb, label, bullet), and the 文号 a
    page writes in square brackets after it."""
    line = _TITLE_CHROME_RE.sub("", line.strip(), count=1).strip()
    m = _TITLE_TAIL_RE.search(line)
    if m:
        return line[: m.start()].strip(), m.group(1)
    return line, None


def _is_reply_title(line: str) -> bool:
    core = _TITLE_PAREN_RE.sub("", line)
    return bool(
        (_TITLE_END_RE.search(core) or _TITLE_ANSWERING_RE.search(core)) and _KIND_RE.search(core)
    ) and len(core) <= 160 and not re.search(r"[。；]", core)


_HEAD_LINES = 24


def _reply_titles(lines: list[str]) -> list[tuple[int, str]]:
    """The reply titles at the top of a page (a page may give two: its list's and the letter's own), each
    with its line index; a title wrapped over two lines joined back (对十届全国人大 / 四次会议第5号建议的答复)."""
    out: list[tuple[int, str]] = []
    for i, line in enumerate(lines[:_HEAD_LINES]):
        if _SALUTATION_RE.match(line) or _INTRO_RE.search(line) or _OTHER_ITEM_RE.match(line):
            break  # the letter has begun (or the page lists other letters): no title after this
        core, _ = _title_core(line)
        if not _is_reply_title(core):
            continue
        if i and not re.match(r"^(?:关于|对|.{2,30}?关于)", core):
            prev, _ = _title_core(lines[i - 1])
            if (
                len(prev) <= 60
                and re.search(r"关于|对|会议|届|委员会", prev)
                and not re.search(r"[。；：:，,〕\]】）)\d]$|[：:]|号", prev)
                and not _is_reply_title(prev)
            ):
                core = prev + core
        out.append((i, core))
    return out


def _best_title(titles: list[tuple[int, str]]) -> str | None:
    """The title that says most (session and number), the first among equals."""
    if not titles:
        return None
    return max(
        titles,
        key=lambda t: (bool(_SESSION_RE.search(t[1])) + bool(_NUMBER_BARE_RE.search(t[1])), -t[0]),
    )[1]


def _salutation(lines: list[str], start: int) -> int | None:
    """The index of the salutation to the proposers (张三代表： / 尊敬的李四等委员), when a line after it
    says the letter answers their proposal (…的提案收悉 / 现答复如下)."""
    for i in range(start, min(len(lines), start + _HEAD_LINES)):
        if _SALUTATION_RE.match(lines[i]) and any(_ANSWERS_RE.search(x) for x in lines[i + 1 : i + 4]):
            return i
    return None


def is_reply_letter(meta: DocMeta) -> bool:
    """A reply to a 建议 / 提案 / 议案 (metadata's ``reply_letter``, or a 办理情况的函 on one)."""
    if meta.doc_type == "reply_letter":
        return True
    title = meta.title or ""
    return bool(
        _TITLE_END_RE.search(re.sub(r"[（(][^（）()]{1,20}[）)]$", "", title))
        and _PROPOSAL_WORD_RE.search(title)
    )


_LONG_LINE = 100
_FLAT_LINES = 3
# Where a text without line structure (a web page's letter in one line) had its line breaks: between two
# items separated by a space (…关心和支持。 XX市科学技术局 2024年6月1日), and after the addressee (张三委员：您…).
_SIGNATURE_TAIL_RE = re.compile(rf"^(?P<org>[\u4e00-\u9fff]{{2,30}}?{markers.ORGAN_END})(?P<date>{DATE_CORE})$")
_LOST_BREAK_RE = re.compile(
    r"(?<=[\u4e00-\u9fff。！？；：”）)])\s+(?=[\u4e00-\u9fff（(\d])|(?<=委员[：:])|(?<=代表[：:])"
    # … and, the spaces gone too, before a page label (发布时间：…, 来源：…) and before the salutation that
    # follows an organ's name (…来源：XX县教育局张三代表：)
    rf"|(?=(?:{markers.REPLY_PAGE_LABELS})[：:])"
    rf"|(?<=[局厅委办院会室心府])(?=(?:尊敬的)?[\u4e00-\u9fff]{{2,4}}(?:{markers.REPLY_SALUTATION_ROLE})[：:])"
)


def _lines(text: str) -> list[str]:
    """The non-empty lines; a text without line structure (a letter in a line or two, as web pages give
    it) cut where its breaks were lost."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if len(lines) > _FLAT_LINES or not any(len(line) > _LONG_LINE for line in lines):
        return lines
    out: list[str] = []
    for line in lines:
        for piece in _LOST_BREAK_RE.split(line):
            for sentence in split_sentences(piece):
                sig = _SIGNATURE_TAIL_RE.match(sentence)  # …XX市科学技术局2024年6月1日: organ and date apart
                out += [sig.group("org"), sig.group("date")] if sig else [sentence]
    return out


def _intro(lines: list[str], title: str | None, start: int = 0) -> tuple[str, int]:
    """The letter's opening (title block, addressee, the 收悉 / 答复如下 paragraph) as one string, and the
    index of the first line after it (where the reply proper starts). ``start``: where the letter starts on
    a web page (its title line), the page's furniture before it left out."""
    end = min(len(lines), start + 8)
    for i in range(start, min(len(lines), start + 12)):
        if _INTRO_RE.search(lines[i]):
            end = i + 1
            break
    head = "\n".join(lines[start:end])
    if title and title not in head.replace("\n", ""):
        head = f"{title}\n{head}"
    return head[: _INTRO_CHARS * 2], end


def _session(s: str) -> tuple[str | None, re.Match[str] | None]:
    m = _SESSION_RE.search(s)
    if not m:
        return None, None
    return f"{m.group('n')}届{m.group('m')}次会议", m


def _level_of(prefix: str) -> str | None:
    prefix = re.sub(r"\s+", "", prefix)
    for name, pat in _LEVELS:
        if pat.search(prefix):
            return name
    return None


def _body_level(s: str, m: re.Match[str] | None) -> tuple[str | None, str | None]:
    """The body and its level around the session (全国政协十届四次会议, 市十五届人大三次会议, 政协第十三届全国
    委员会第三次会议), else anywhere in ``s``."""
    if m is not None:
        line_start = s.rfind("\n", 0, m.start()) + 1
        before = s[max(line_start, m.start() - 14) : m.start()]
        mid = m.group("mid") or ""
        bodies_before = list(_BODY_RE.finditer(before))
        in_mid = _BODY_RE.search(mid)
        if "全国" in mid or "全国" in before[-6:]:
            level: str | None = "全国"
        else:
            level = None
        if in_mid:
            body = markers.REPLY_BODY_NAMES[in_mid.group(0)]
            level = level or _level_of(mid[: in_mid.start()]) or _level_of(before)
            return body, level
        if bodies_before:
            b = bodies_before[-1]
            body = markers.REPLY_BODY_NAMES[b.group(0)]
            level = level or _level_of(before[: b.start()])
            if level is None and "委员会" in mid:  # 政协XX市第十届委员会: the place is after the body
                level = _level_of(before[b.end() :]) or _level_of(mid.replace("委员会", ""))
            return body, level
        return None, level or _level_of(before)
    b2 = _BODY_RE.search(s)
    if b2 is None:
        return None, None
    line_start = s.rfind("\n", 0, b2.start()) + 1
    prefix = s[max(line_start, b2.start() - 12) : b2.start()]
    return markers.REPLY_BODY_NAMES[b2.group(0)], ("全国" if "全国" in prefix[-4:] else _level_of(prefix))


def _number_kind(title: str, intro: str) -> tuple[str | None, str | None]:
    for s in (title, intro):
        for pat in _NUMBER_RES:
            m = pat.search(s)
            if m:
                return m.group("num"), m.group("kind")
    kinds = _KIND_RE.findall(title) or _KIND_RE.findall(intro)
    kind = kinds[-1] if kinds else None
    # a bare 第…号 in the title next to a session (…会议第0261号的答复) is the proposal's number
    m2 = _NUMBER_BARE_RE.search(title)
    if m2 and _SESSION_RE.search(title):
        return m2.group("num"), kind
    return None, kind


def _names(raw: str, etc: str | None) -> list[str]:
    names = [n for n in _SPLIT_NAMES_RE.split(raw.strip()) if n]
    if not names or not all(_NAME_RE.match(n) and not _NOT_A_NAME_RE.match(n) for n in names):
        return []
    if etc:
        names[-1] += "等"
    return names


def _proposers(addressee: str | None, intro: str) -> list[str] | None:
    """The proposers from the addressee line (张三代表, 邓乃扬、韩汝琦委员, 李四等委员, 民盟市委), else from the
    reply's opening (张三代表提出的…)."""
    if addressee:
        found: list[str] = []
        for part in re.split(r"[；;]|，(?=[^，]*(?:委员|代表))", addressee):
            part = part.strip("，, ")
            m = _PERSON_RE.match(part)
            if m:
                found += _names(m.group("names"), m.group("etc"))
            elif _GROUP_RE.search(part) and not _NOT_PROPOSER_RE.search(part) and len(part) <= 30:
                found.append(part)
        if found:
            return list(dict.fromkeys(found))
    for m3 in _INLINE_ADDRESSEE_RE.finditer(intro):  # the addressee inside a line (a web page's letter)
        names = _names(m3.group("names"), m3.group("etc"))
        if names:
            return names
    m2 = _IN_TEXT_RE.search(intro)
    if m2:
        names = _names(m2.group("names"), m2.group("etc"))
        if names:
            return names
    return None


def _body_end(lines: list[str], start: int) -> int:
    """The first line after the reply proper: the signature block, the contact note, the 抄送."""
    for i in range(start, len(lines)):
        line = lines[i]
        if (
            is_date_line(line)
            or line.startswith(("抄送", "联系人", "（联系人", "(联系人"))
            or _NOTE_RE.match(line)
        ):
            return i - 1 if i > start and ORGAN_LINE_RE.match(lines[i - 1]) else i
    return len(lines)


def _paragraphs(lines: list[str]) -> list[str]:
    """Lines joined back where a PDF or the source wrapped a sentence (a line not ending a sentence)."""
    out: list[str] = []
    for line in lines:
        if (
            out
            and not out[-1].endswith(("。", "！", "？", "；", "：", "”", "）", ")"))
            and not _COMMIT_OPEN_RE.match(line)
        ):
            out[-1] += line
        else:
            out.append(line)
    return out


def _commitments(body: list[str]) -> list[str]:
    """The sentences of the 下一步 / 今后 part: from the sentence that opens it (下一步，我们将…), or after the
    heading that opens it (三、有关部门下一步拟采取的措施。), to the thanks. Without such a part, the single
    sentences that promise (…将继续 / 将进一步 …), each with the list it announces (…认真采纳：一是…；二是…)."""
    paragraphs = _paragraphs(body)
    sentences: list[str] = []
    start: int | None = None
    for p in paragraphs:
        ps = split_sentences(p)
        if start is None and ps and _COMMIT_HEADING_RE.match(ps[0]):
            start = len(sentences) + 1
        sentences += ps
    if start is None:
        start = next((i for i, s in enumerate(sentences) if _COMMIT_OPEN_RE.match(s)), None)
    if start is not None:
        out: list[str] = []
        for s in sentences[start:]:
            if _CLOSING_RE.match(s):
                if _COMMIT_VERB_RE.search(s):  # 感谢…，我们将会同有关部门…
                    out.append(s)
                if not s.startswith("现将"):
                    break
                continue
            out.append(s)
        return out
    found: list[str] = []
    for p in paragraphs:
        ps = split_sentences(p)
        for i, s in enumerate(ps):
            if _COMMIT_VERB_RE.search(s) and not _NOTE_RE.match(s) and not _NOT_COMMIT_RE.match(s):
                found.append(s)
                if re.search(
                    r"[：:]", s
                ):  # the list it announces (…认真采纳：一是…；二是…), to the paragraph's end
                    found += ps[i + 1 :]
                    break
    return found


def _gist(commitments: list[str], body: list[str]) -> str | None:
    sentences = [s for p in _paragraphs(body) for s in split_sentences(p) if len(s) >= 8]
    first = commitments[0] if commitments else (sentences[0] if sentences else None)
    if not first:
        return None
    return first if len(first) <= _GIST_MAX else first[:_GIST_MAX] + "…"


_BOOK_TITLE_RE = re.compile(r"[《“]([^《》“”]{2,120}?(?:提案|建议|议案))[》”]")
_PROPOSAL_PHRASE_RE = re.compile(r"关于[^，。；：《》“”,;:]{2,100}?的(?:提案|建议|议案)")


def _proposal_title(intro: str, title: str) -> str | None:
    """《关于…的提案》 / “关于…的建议” / 关于…的建议 in the letter's opening (not in its own title)."""
    rest = intro.replace(title, "") if title else intro
    m = _BOOK_TITLE_RE.search(rest) or _PROPOSAL_PHRASE_RE.search(rest)
    if not m:
        return None
    return m.group(1) if m.re is _BOOK_TITLE_RE else m.group(0)


_DIGIT_DATE_RE = re.compile(r"^((?:19|20)\d{2})(\d{2,4})$")


def _digit_date(line: str) -> str | None:
    """A signature date whose 年 / 月 / 日 a web page lost (2023915 for 2023年9月15日), read when only one
    split of the digits is a real date."""
    m = _DIGIT_DATE_RE.match(line)
    if not m:
        return None
    year, rest = m.group(1), m.group(2)
    splits = [(rest[:2], rest[2:])] if len(rest) == 4 else [(rest[:k], rest[k:]) for k in (1, 2) if k < len(rest)]
    found = [
        f"{year}-{int(mo):02d}-{int(d):02d}"
        for mo, d in splits
        if (len(rest) == 4 or not (mo.startswith("0") or d.startswith("0")))
        and 1 <= int(mo) <= 12
        and 1 <= int(d) <= 31
    ]
    return found[0] if len(found) == 1 else None


def _organ(line: str) -> str | None:
    """An organ's name alone on a line (XX市交通运输局, XX局（XX办公室）), bullets dropped."""
    line = _BULLET_RE.sub("", line).strip()
    bare = _TITLE_PAREN_RE.sub("", line)
    if ORGAN_LINE_RE.match(bare) and not _PROPOSAL_WORD_RE.search(line) and not re.search(r"[\d：:]", line):
        return line
    return None


def _signature(lines: list[str], start: int) -> tuple[str | None, str | None]:
    """The organ and date that sign the letter: the first date line after the reply's opening, with the
    organ line right before it (either may be missing)."""
    for i in range(start, len(lines)):
        org = _organ(lines[i - 1]) if i > start else None
        line = lines[i]
        date = (
            parse_cn_date(line)
            if is_date_line(line) and not is_issue_date_line(line)
            else _digit_date(line) if org else None
        )
        if date:
            return org, date
    return None, None


def _title_organ(title: str) -> str | None:
    """The organ a title names as the one replying: before 关于 / 对 (XX局关于对…的答复), or in brackets at
    its end (…的答复（XX局）)."""
    m = re.match(r"^(?P<org>[^，。；：,;:]{2,40}?)(?:关于|对)", title)
    if m and ORGAN_LINE_RE.match(m.group("org")) and not _BODY_RE.search(m.group("org")):
        return m.group("org")
    m2 = _TITLE_PAREN_RE.search(title)
    if m2 and ORGAN_LINE_RE.match(m2.group(1)):
        return m2.group(1)
    return None


def _page_organ(lines: list[str]) -> str | None:
    """The organ a page's labels name (发布机构 / 来源 / 联系单位), on the label's line or the next."""
    for i, line in enumerate(lines):
        m = _PAGE_ORGAN_RE.search(line)
        # the longest organ name the label's words start with (a page's lost spaces: 来源：XX局打印)
        named = re.match(rf"^.*{markers.ORGAN_END}", m.group("org")) if m else None
        if named and ORGAN_LINE_RE.match(named.group(0)):
            return named.group(0)
        if re.search(rf"{markers.REPLY_PAGE_ORGAN_LABEL}[\s：:|]*$", line) and i + 1 < len(lines):
            org = _organ(lines[i + 1])
            if org:
                return org
    return None


def _page_date(lines: list[str]) -> str | None:
    """The 成文日期 a page's labels give (on the label's own line)."""
    for line in lines:
        m = _PAGE_DATE_RE.search(line)
        if m:
            return parse_cn_date(m.group("date")) or _iso(m.group("date"))
    return None


def _iso(s: str) -> str | None:
    m = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})$", s)
    return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else None


def _head_doc_number(head: list[str]) -> str | None:
    """The letter's own 文号 in its title block (a label's colon dropped: 建议字：〔2024〕3号)."""
    for line in head:
        if "索引号" in line:
            continue
        line = re.sub(r"(?<=[\u4e00-\u9fff])[：:]\s*(?=[〔\[（(【［])", "", _BULLET_RE.sub("", line))
        found = find_doc_numbers(line)
        if found:
            return found[0]
    return None


def _organ_level(org: str | None) -> str | None:
    """The level of the organ that replies, from the place-names its name starts with (the last of them:
    XX市XX区公路中心 → 区县); national organs → 全国."""
    if not org:
        return None
    if _NATIONAL_ORGAN_RE.search(org):
        return "全国"
    bare = re.match(r"^(省|市|州|县|区)(?=[\u4e00-\u9fff]{2})", org)  # 县水利局, 市住建局
    if bare:
        return _PLACE_LEVEL.get(bare.group(1), "区县")
    level: str | None = None
    pos = 0
    while True:
        m = _PLACE_RE.match(org, pos)
        if not m or _NOT_A_PLACE_RE.search(m.group(0)) or (level and len(m.group(0)) < 3):
            break
        end = next(e for e in ("自治区", "自治州", "自治县", "地区", "省", "市", "州", "盟", "县", "区", "旗") if m.group(0).endswith(e))
        level = _PLACE_LEVEL.get(end, "区县")
        pos = m.end()
    return level


_USUAL_BODY = {"提案": "政协", "议案": "人大"}
_BODY_OF_ROLE = {"代表": "人大", "委员": "政协"}
_ROLE_END_RE = re.compile(r"(代表|委员)$")


def _usual_body(kind: str | None, addressee: str) -> str | None:
    """The body a letter that names none answers: 提案 are 政协's, 议案 人大's; a 建议 is a 代表's (人大) or a
    委员's (政协) by the addressee's role."""
    if kind in _USUAL_BODY:
        return _USUAL_BODY[kind]
    role = _ROLE_END_RE.search(addressee)
    return _BODY_OF_ROLE[role.group(1)] if role else None


def _kind(titles: list[str], title: str, intro: str, body: str | None) -> str | None:
    """The kind as written: the numbered one (第5号提案), else the last named in the title, else in the
    opening. A 政协 letter that calls it 提案 anywhere is on a 提案 (its title or opening may say 建议);
    with none written, the body's usual kind (人大 → 建议, 政协 → 提案). 议案 only when written."""
    number_kind = _number_kind(title, intro)[1]
    number_kind = _kind_name(number_kind) if number_kind else None
    written = [_kind_name(k) for t in titles for k in _KIND_RE.findall(t)]
    written += [_kind_name(k) for k in _KIND_RE.findall(intro)]
    kind = number_kind or next(
        (kinds[-1] for kinds in ([_kind_name(k) for k in _KIND_RE.findall(title)], written) if kinds), None
    )
    if body == "政协" and kind != "提案" and "提案" in written:
        return "提案"
    if kind is None and body:
        return {"人大": "建议", "政协": "提案"}[body]
    return kind


def read_reply(text: str, meta: DocMeta) -> Reply | None:
    """The reply-letter fields of one cleaned document; None when it is not a reply letter (by its
    metadata, a reply title at the top of the page, or a salutation to 代表 / 委员 followed by 收悉 /
    答复如下)."""
    lines = _lines(text)
    found_titles = _reply_titles(lines)
    start = found_titles[0][0] if found_titles else 0
    sal = _salutation(lines, start)
    if not (is_reply_letter(meta) or found_titles or sal is not None):
        return None
    titles = [t for _, t in found_titles]
    title = _best_title(found_titles) or (_title_core(meta.title)[0] if meta.title else "")
    intro, body_start = _intro(lines, title or None, start)
    if sal is not None and sal + 1 > body_start:
        body_start = sal + 1
    session, sm = _session(title)
    where = title
    if session is None:
        session, sm = _session(intro)
        where = intro
    body, level = _body_level(where, sm)
    if body is None and sm is None:
        body, level = _body_level(title, None)
        if body is None:
            body, level = _body_level(intro, None)
    number = _number_kind(title, intro)[0]
    addressee = re.sub(r"[：:]?(?:您好|你好|你们好|您们好)?[！!，,。]?$", "", lines[sal]) if sal is not None else meta.addressee
    proposers = _proposers(addressee, intro)
    written_kind = _kind(titles, title, intro, None)
    if body is None:
        body = _usual_body(written_kind, addressee or "")
    kind = _kind(titles, title, intro, body)
    end = _body_end(lines, body_start)
    reply_lines = lines[body_start:end]
    commitments = _commitments(reply_lines)
    sig_org, sig_date = _signature(lines, body_start)
    head = lines[:body_start]
    if sig_org is None and end < len(lines):  # an organ line ending the reply, undated (抄送 follows)
        sig_org = _organ(lines[end])
    replying_body = (
        sig_org
        or _title_organ(title)
        or meta.issuer
        or _page_organ(lines[body_start:])  # 联系单位 after the letter
        or _page_organ(head)
    )
    if replying_body is None:
        for line in head:  # an organ line of the title block
            org = _organ(line)
            if org and line != meta.title:
                replying_body = org
                break
    if level is None and body is not None:  # the organ answers a proposal of its own level's body
        level = _organ_level(replying_body)
    return Reply(
        kind=kind,
        number=number or meta.proposal_number,
        session=session,
        body=body,
        level=level,
        proposal_title=meta.proposal_title or _proposal_title(intro, title),
        proposers=proposers,
        replying_body=replying_body,
        # the 文号 of the title block (before the salutation), else what metadata read, else a title's […]
        doc_number=_head_doc_number(lines[: sal if sal is not None else body_start])
        or meta.doc_number
        or _title_core(title)[1],
        date=sig_date or meta.date or _page_date(head),
        contact=meta.contact,
        contact_phone=meta.contact_phone,
        recipients_cc=meta.recipients_cc,
        commitments=commitments,
        gist=_gist(commitments, reply_lines),
    )
