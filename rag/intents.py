"""What a question asks for, by rule: the answerer picks its form from this (a document fact from the
metadata, a document outline, a list of items, a short fact, a procedure, or plain sentences).

The patterns are the question half of the 公文 vocabulary (``markers`` holds the document half)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import markers

# Document facts: the metadata field(s) a question asks for, most specific first. Each pattern must be
# about the document itself (文号是多少 / 哪天发的), not about a figure inside it (补贴发放时间).
DOC_FACTS: tuple[tuple[str, str], ...] = (
    ("print_office", markers.ASK_PRINT_OFFICE),
    ("contact_phone", markers.ASK_PHONE),
    ("contact", markers.ASK_CONTACT),
    ("signer", markers.ASK_SIGNER),
    ("proposer", markers.ASK_PROPOSER),
    ("proposal_title", markers.ASK_PROPOSAL),
    ("doc_number", markers.ASK_DOC_NUMBER),
    ("print_date", markers.ASK_PRINT_DATE),
    ("date", markers.ASK_DATE),
    ("recipients_cc", markers.ASK_CC),
    ("addressee", markers.ASK_ADDRESSEE),
    ("issuer", markers.ASK_ISSUER),
)
_DOC_FACTS = tuple((f, re.compile(p)) for f, p in DOC_FACTS)
_OUTLINE = re.compile(markers.ASK_OUTLINE)
_NEXT = re.compile(markers.ASK_NEXT)
_SECTION = re.compile(markers.ASK_SECTION)
_PROCEDURE = re.compile(markers.ASK_PROCEDURE)
_LIST = re.compile(markers.ASK_LIST)
_WHOLE_DOC = re.compile(markers.ASK_WHOLE_DOC)
_PARTS = re.compile(markers.ASK_PARTS_NOUN)
_DOC_NUMBER_FULL = re.compile(r"[\u4e00-\u9fff]{0,12}[〔\[［（(【〖](?:19|20)\d{2}[〕\]］）)】〗]\d{1,5}号|第?\d{1,6}号")
_DOC_NUMBER = re.compile(markers.FIGURE["docnum"])  # a 文号's year and serial, as a fact question looks for it
_FACT = tuple((k, re.compile(p)) for k, p in markers.ASK_FACT)


@dataclass(frozen=True)
class Intent:
    kind: str  # docfact · section · next · outline · procedure · list · fact · text
    fields: tuple[str, ...] = ()  # docfact: DocMeta fields asked for, in the order asked
    figure: str = ""  # fact: money · count · ratio · time · place · name · "" (any)
    extra: dict[str, str] = field(default_factory=dict)


# A document's name inside the question (《关于设立总理热线电话的提案》) says which document, not what is asked.
_NAMES = re.compile(
    r"《[^《》]*》|关于[^，。？?；]{2,40}?的(?:提案|建议|议案|通知|意见|办法|决定|方案|规定|批复|答复函|答复|复函|公告|通告)"
)


# A document fact the metadata lacks is looked for in the text as a fact of this kind.
_FACT_OF_FIELD = {
    "date": "time", "print_date": "time", "contact_phone": "phone", "contact": "name", "signer": "name",
    "proposer": "name", "issuer": "name", "print_office": "name", "doc_number": "docnum",
}


def as_fact(intent: Intent) -> Intent:
    """The fact question a document-fact question becomes when the metadata has no answer."""
    figure = next((_FACT_OF_FIELD[f] for f in intent.fields if f in _FACT_OF_FIELD), "")
    return Intent("fact", figure=figure)


_SELF_INTRO = re.compile(markers.SELF_INTRO)


def topic_of(question: str) -> str:
    """The question without the asker's self-introduction (我们是一家科技型中小企业，想加大研发投入，… →
    想加大研发投入，…)."""
    rest = _SELF_INTRO.sub("", question.strip())
    return rest or question.strip()


def strip_names(question: str) -> str:
    """The question without the names of documents in it (《…》, 关于…的通知, 文号)."""
    return _DOC_NUMBER_FULL.sub("", _NAMES.sub("", question.strip()))


def classify(question: str) -> Intent:
    q = _NAMES.sub("", question.strip())
    m = _SECTION.search(q)
    if m:
        return Intent("section", extra={"n": m.group(1)})
    # In the order asked (联系人和电话 → contact, then phone).
    hits_ = sorted((m.start(), f) for f, pat in _DOC_FACTS if (m := pat.search(q)))
    fields_ = tuple(f for _, f in hits_)
    if "contact_phone" in fields_ and "contact" not in fields_ and re.search(markers.ASK_CONTACT_WORD, q):
        fields_ = ("contact", *fields_)
    if set(fields_) & {"contact", "contact_phone"} and re.search(markers.ASK_SERVICE_LINE, q):
        return Intent("fact", figure="phone")
    if "print_office" in fields_:
        fields_ = tuple(f for f in fields_ if f != "issuer")
    if "print_date" in fields_ and "date" not in fields_:
        fields_ = ("date", *fields_)  # 哪天印发的 means the document's date to most people: give both
    if fields_:
        return Intent("docfact", fields_)
    if _NEXT.search(q):
        return Intent("next")
    if _OUTLINE.search(q):
        return Intent("outline")
    # 《…》/关于…的通知 was cut from q; 国发〔2018〕38号有哪些措施？ names its document by number.
    if _PARTS.search(q) and (_WHOLE_DOC.search(question) or (_DOC_NUMBER.search(q) and len(q) < 30)):
        return Intent("outline")
    if _PROCEDURE.search(q):
        return Intent("procedure")
    if _LIST.search(q):
        return Intent("list")
    for figure, pat in _FACT:
        if pat.search(q):
            return Intent("fact", figure=figure)
    return Intent("text")
