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
from .clean import DATE_CORE, ORGAN_LINE_RE, is_date_line
from .metadata import parse_cn_date
from .records import DocMeta
from .sentences import split_sentences

_BODY_RE = re.compile(markers.REPLY_BODY)
_KIND_RE = re.compile(markers.REPLY_KIND)
_SESSION_RE = re.compile(markers.REPLY_SESSION)
_LEVELS = tuple((name, re.compile(p)) for name, p in markers.REPLY_LEVELS)
_NUMBER_RES = (
    re.compile(markers.REPLY_NUMBER_BEFORE_KIND),
    re.compile(markers.REPLY_NUMBER_AFTER_KIND),
)
_NUMBER_BARE_RE = re.compile(markers.REPLY_NUMBER_BARE)
_TITLE_END_RE = re.compile(markers.REPLY_TITLE_END)
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
_INTRO_RE = re.compile(r"答复如下|收悉|悉。|现将.{0,12}(?:答复|函复)|答复函?：")
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
_LOST_BREAK_RE = re.compile(r"(?<=[\u4e00-\u9fff。！？；：”）)])\s+(?=[\u4e00-\u9fff（(\d])|(?<=委员[：:])|(?<=代表[：:])")


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


def _intro(lines: list[str], title: str | None) -> tuple[str, int]:
    """The letter's opening (title block, addressee, the 收悉 / 答复如下 paragraph) as one string, and the
    index of the first line after it (where the reply proper starts)."""
    end = min(len(lines), 8)
    for i, line in enumerate(lines[:12]):
        if _INTRO_RE.search(line):
            end = i + 1
            break
    head = "\n".join(lines[:end])
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


def _replying_body(meta: DocMeta, lines: list[str], intro_end: int, end: int) -> str | None:
    """The issuer metadata read, else an organ line of the title block, else the organ signing (the line
    before the signature date)."""
    if meta.issuer:
        return meta.issuer
    for line in lines[:intro_end]:
        if line != meta.title and ORGAN_LINE_RE.match(line) and not _PROPOSAL_WORD_RE.search(line):
            return line
    if end < len(lines) and ORGAN_LINE_RE.match(lines[end]):
        return lines[end]
    return None


def _signature_date(lines: list[str], end: int) -> str | None:
    """The date of the signature block that ends the reply (when metadata found none)."""
    for line in lines[end : end + 2]:
        if is_date_line(line):
            return parse_cn_date(line)
    return None


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


def read_reply(text: str, meta: DocMeta) -> Reply | None:
    """The reply-letter fields of one cleaned document; None when it is not a reply letter."""
    if not is_reply_letter(meta):
        return None
    lines = _lines(text)
    title = meta.title or ""
    intro, body_start = _intro(lines, meta.title)
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
    number, kind = _number_kind(title, intro)
    proposers = _proposers(meta.addressee, intro)
    if body is None:
        body = _usual_body(kind, meta.addressee or "")
    end = _body_end(lines, body_start)
    reply_lines = lines[body_start:end]
    commitments = _commitments(reply_lines)
    return Reply(
        kind=kind,
        number=number,
        session=session,
        body=body,
        level=level,
        proposal_title=meta.proposal_title or _proposal_title(intro, title),
        proposers=proposers,
        replying_body=_replying_body(meta, lines, body_start, end),
        doc_number=meta.doc_number,
        date=meta.date or _signature_date(lines, end),
        contact=meta.contact,
        contact_phone=meta.contact_phone,
        recipients_cc=meta.recipients_cc,
        commitments=commitments,
        gist=_gist(commitments, reply_lines),
    )
