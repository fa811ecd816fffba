"""What a question asks for (rag.intents.classify): real-phrased questions → the answer's form.

No model, no store: the classifier is pure rules over ``rag.markers``. The table is the contract; the tests
after it pin the distinctions that are easy to lose (a 电话 inside a proposal's title, a service line against
the document's contact, a deadline against the document's date, a count against an amount of money)."""

from __future__ import annotations

from typing import NamedTuple

import pytest

from rag import markers
from rag.intents import DOC_FACTS, Intent, as_fact, classify, strip_names


class Case(NamedTuple):
    id: str
    question: str
    kind: str
    fields: frozenset[str] = frozenset()  # docfact: the DocMeta fields asked for (order: see below)
    figure: str = ""  # fact: the kind of figure
    n: str = ""  # section: the ordinal as written


def docfact(id_: str, q: str, *fields: str) -> Case:
    return Case(id_, q, "docfact", frozenset(fields))


def fact(id_: str, q: str, figure: str) -> Case:
    return Case(id_, q, "fact", figure=figure)


CASES = [
    # --- document facts: about the document itself, answered from its metadata ---------------------------
    docfact("contact-and-phone", "鄂建提复字〔2025〕334号的联系人和电话是什么？", "contact", "contact_phone"),
    docfact("contact-phone-one-word", "联系人电话是多少？", "contact", "contact_phone"),
    docfact("phone-only", "这份答复函的联系电话是多少？", "contact_phone"),
    docfact("contact-only", "联系人是谁？", "contact"),
    docfact("reply-sent-which-day", "第0261号提案的答复函是哪天发的？", "date"),
    docfact("reply-replied-which-day", "答复函是哪天回复的？", "date"),
    docfact("date-of-writing", "发文日期是什么？", "date"),
    docfact("notice-issued-when", "这个通知是什么时候出台的？", "date"),
    docfact("reply-to-named-proposal-when", "对《关于设立总理热线电话的提案》的答复是哪天？", "date"),
    docfact("printed-which-day", "这份文件是哪天印发的？", "date", "print_date"),
    docfact("printed-when", "何时印发？", "date", "print_date"),
    docfact("print-time", "印发时间是什么时候？", "date", "print_date"),
    docfact("printed-by-which-unit", "这份文件由哪个单位印发？", "print_office"),
    docfact("which-unit-printed", "哪家单位印发的？", "print_office"),
    docfact("doc-number", "发文字号是多少？", "doc_number"),
    docfact("doc-number-of-named", "鄂建提复字〔2025〕334号的文号是什么？", "doc_number"),
    docfact("signer", "这个答复函是谁签发的？", "signer"),
    docfact("proposer", "第0261号提案是谁提的？", "proposer"),
    docfact("proposer-which-member", "这是哪位委员的提案？", "proposer"),
    docfact("proposer-of-named-proposal", "关于设立总理热线电话的提案是谁提的？", "proposer"),
    docfact("which-proposal", "这个答复是针对哪个提案的？", "proposal_title"),
    docfact("proposal-title", "提案的题目是什么？", "proposal_title"),
    docfact("cc", "抄送了哪些单位？", "recipients_cc"),
    docfact("addressee", "这份答复函是写给谁的？", "addressee"),
    docfact("addressee-organ", "主送机关是哪个？", "addressee"),
    docfact("issuer", "哪个部门发布的这个通知？", "issuer"),
    docfact("issuer-who", "这个通知是谁发的？", "issuer"),
    docfact("issuers-jointly", "哪几个部门联合发布的？", "issuer"),
    # --- one numbered part of the document ----------------------------------------------------------------
    Case("fourth-aspect", "第四个方面具体说了什么？", "section", n="四"),
    Case("second-part", "第二部分讲了什么？", "section", n="二"),
    Case("point-arabic", "第3点是什么？", "section", n="3"),
    Case("article-twelve", "第十二条规定了什么？", "section", n="十二"),
    Case("second-measure", "第二项措施是什么？", "section", n="二"),
    # --- next steps ---------------------------------------------------------------------------------------
    Case("city-next-steps", "市政府下一步打算怎么做？", "next"),
    Case("from-now-on", "今后有什么打算？", "next"),
    Case("follow-up-work", "接下来还有什么后续工作安排？", "next"),
    # --- the document's outline ---------------------------------------------------------------------------
    Case("how-was-named-proposal-answered", "关于设立总理热线电话的提案是怎么答复的？", "outline"),
    Case("how-was-quoted-proposal-answered", "《关于加强政府对科技企业开放创新发展支持的提案》是怎么答复的？", "outline"),
    Case("numbered-doc-aspects", "国发〔2018〕38号支持自贸试验区有哪些方面的措施？", "outline"),
    Case("numbered-doc-measures", "国办发〔2020〕6号有哪些措施？", "outline"),
    Case("named-notice-requirements", "关于做好2020年春节期间疫情防控工作的通知有哪些要求？", "outline"),
    Case("this-notice-requirements", "这个通知有哪些要求？", "outline"),
    Case("notice-main-points", "这份通知主要讲了什么？", "outline"),
    Case("reply-main-content", "这个答复函的主要内容是什么？", "outline"),
    Case("how-was-proposal-number-answered", "国务院办公厅对第4626号提案是怎么回复的？", "outline"),
    Case("what-was-replied", "对白夜明委员的提案答复了什么？", "outline"),
    # --- how to do something ------------------------------------------------------------------------------
    Case("apply-talent-flat", "深圳市人才公寓怎么申请？", "procedure"),
    Case("materials", "企业复工需要哪些材料？", "procedure"),
    Case("collect-benefit", "如何领取失业保险金？", "procedure"),
    Case("where-to-apply", "去哪里申请创业贷款？", "procedure"),
    Case("process", "办理流程是怎样的？", "procedure"),
    # --- a list of items ----------------------------------------------------------------------------------
    Case("rd-support", "研发投入有哪些支持？", "list"),
    Case("tax-cuts", "小微企业能享受哪些减税政策？", "list"),
    Case("city-policies", "鄂尔多斯市对科技企业有什么政策？", "list"),
    Case("pilot-regions", "哪些地区纳入试点？", "list"),
    # --- a short fact, by the figure asked for ------------------------------------------------------------
    fact("max-money", "最高多少钱？", "money"),
    fact("loan-quota", "贷款额度是多少？", "money"),
    fact("subsidy-ratio", "补贴比例是多少？", "ratio"),
    fact("rd-intensity", "研发投入强度达到了多少？", "ratio"),
    fact("subsidy-paid-when", "补贴什么时候发放？", "time"),
    fact("valid-until", "有效期到什么时候？", "time"),
    fact("in-force-from", "该通知从何时起执行？", "time"),
    fact("firms-selected", "一共有多少家企业入选？", "count"),
    fact("how-many-stations", "全市有几家科技特派员工作站？", "count"),
    fact("talents-introduced", "引进了多少名高层次人才？", "count"),
    fact("where-held", "活动在哪里举行？", "place"),
    fact("who-is-responsible", "由谁负责？", "name"),
    fact("service-line-by-phone", "铜川市民如何电话咨询相关人社政策？", "phone"),
    fact("consultation-line", "市人社局的咨询电话是多少？", "phone"),
    fact("report-line", "举报电话是多少？", "phone"),
    fact("hotline", "热线电话是多少？", "phone"),
    # --- nothing more specific ----------------------------------------------------------------------------
    Case("topic-only", "科技特派员工作站的情况", "text"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_classify(case: Case) -> None:
    got = classify(case.question)
    assert got.kind == case.kind, f"{case.question} → {got}"
    if case.kind == "docfact":
        assert set(got.fields) == case.fields, f"{case.question} → {got.fields}"
        assert len(got.fields) == len(set(got.fields)), "a field is asked for once"
    else:
        assert got.fields == ()
    assert got.figure == case.figure
    if case.kind == "section":
        assert got.extra == {"n": case.n}


def test_table_is_large_and_covers_every_kind() -> None:
    assert len(CASES) >= 40
    assert len({c.id for c in CASES}) == len(CASES)
    assert {c.kind for c in CASES} == {"docfact", "section", "next", "outline", "procedure", "list", "fact", "text"}
    asked = set().union(*(c.fields for c in CASES))
    assert asked == {f for f, _ in DOC_FACTS}, "every DocMeta field a question can ask for is in the table"
    figures = {c.figure for c in CASES if c.kind == "fact"}
    assert figures == {k for k, _ in markers.ASK_FACT} | {"phone"}


# --- distinctions -----------------------------------------------------------------------------------------


def test_phone_inside_a_proposal_title_is_not_a_phone_question() -> None:
    # 《关于设立总理热线电话的提案》 names the document; neither its 电话 nor its 热线 is asked for.
    for q in ("关于设立总理热线电话的提案是怎么答复的？", "《关于设立总理热线电话的提案》是怎么答复的？"):
        got = classify(q)
        assert got.kind == "outline", f"{q} → {got}"
        assert "contact_phone" not in got.fields
    # …but a 联系电话 asked outside the name still is.
    got = classify("《关于设立总理热线电话的提案》的答复函联系电话是多少？")
    assert got.kind == "docfact" and got.fields == ("contact_phone",)


def test_service_line_is_a_fact_in_the_text_not_the_documents_contact() -> None:
    for q in ("铜川市民如何电话咨询相关人社政策？", "投诉电话是多少？", "预约电话是多少？", "受理电话是多少？"):
        assert classify(q) == Intent("fact", figure="phone"), q
    assert classify("这份答复函的联系电话是多少？").kind == "docfact"


def test_a_figure_inside_the_document_is_not_the_documents_date() -> None:
    # 补贴什么时候发放 asks for a date stated in the text, never for the date the document was written.
    for q in ("补贴什么时候发放？", "报名时间是什么时候？", "什么时候生效？", "政策什么时候实施？"):
        got = classify(q)
        assert got == Intent("fact", figure="time"), f"{q} → {got}"


@pytest.mark.parametrize(
    "question",
    ["申请截止日期是哪天？", "补贴发放的日期是哪天？", "活动的日期是什么？"],
    ids=["deadline-date", "payment-date", "event-date"],
)
def test_a_dated_event_in_the_text_is_a_fact_not_the_documents_date(question: str) -> None:
    """截止日期 / 发放的日期 are dates inside the document (markers: "never about a figure inside it"); the
    bare …的日期 / 日期是 alternatives of ASK_DATE make them a question about the document's own date."""
    got = classify(question)
    assert got == Intent("fact", figure="time"), f"{question} → {got}"


@pytest.mark.parametrize(
    "question",
    ["奖补了多少家企业？", "补贴了多少户？", "扶持多少个项目？", "一共支持了多少家企业？"],
    ids=["firms-rewarded", "households-subsidised", "projects-supported", "firms-supported"],
)
def test_a_count_of_units_is_a_count_not_money(question: str) -> None:
    """多少家 / 多少户 / 多少个 ask for a count: the answer's sentence must hold 99家, not 5229.3万元. The money
    pattern (补贴|奖补|支持|扶持)(了)?多少 catches them first."""
    got = classify(question)
    assert got == Intent("fact", figure="count"), f"{question} → {got}"


@pytest.mark.parametrize(
    "question",
    ["《关于做好2020年春节期间疫情防控工作的通知》有哪些要求？", "《关于进一步做好稳就业工作的意见》提出了哪些措施？"],
    ids=["quoted-notice-requirements", "quoted-opinion-measures"],
)
def test_a_list_question_about_a_quoted_document_is_its_outline(question: str) -> None:
    """The same question without the 《》 is an outline (see the table: named-notice-requirements); the closing
    》 between 通知 and 有哪些 must not turn it into a list of one section's items."""
    unquoted = question.replace("《", "").replace("》", "")
    assert classify(unquoted).kind == "outline"
    assert classify(question).kind == "outline", f"{question} → {classify(question)}"


def test_parts_of_what_a_document_did_is_not_its_outline() -> None:
    # 和哪些部门商量 asks for departments named in the text, not for the document's parts.
    for q in ("国办函〔2005〕69号是在和哪些部门商量后答复的？", "答复中提到了哪些部门？"):
        assert classify(q).kind != "outline", q


def test_printed_by_is_the_print_office_not_the_issuer() -> None:
    for q in ("这份文件由哪个单位印发？", "哪家单位印发的？", "印发机关是哪个？"):
        got = classify(q)
        assert "print_office" in got.fields and "issuer" not in got.fields, f"{q} → {got}"
    # 发布 / 发 are the issuer's.
    assert classify("由哪个部门发布？").fields == ("issuer",)


def test_printed_when_gives_both_dates() -> None:
    for q in ("这份文件是哪天印发的？", "何时印发？", "印发日期是哪天？"):
        assert {"date", "print_date"} <= set(classify(q).fields), q
    # The date of writing alone does not bring in the print date.
    assert classify("发文日期是什么？").fields == ("date",)


def test_fields_in_the_order_asked() -> None:
    """Intent.fields are "DocMeta fields asked for, in the order asked": the answer names them in that order
    (联系人：苏浩；联系电话：…), so 联系人和电话 must not come out as (contact_phone, contact)."""
    assert classify("电话和联系人是什么？").fields == ("contact_phone", "contact")
    assert classify("鄂建提复字〔2025〕334号的联系人和电话是什么？").fields == ("contact", "contact_phone")


def test_section_wins_over_everything_else() -> None:
    # An ordinal part named in a question is answered from that part, whatever else the question says.
    assert classify("第二个方面有哪些措施？") == Intent("section", extra={"n": "二"})
    assert classify("第三部分主要内容是什么？") == Intent("section", extra={"n": "三"})


def test_blank_and_padded_questions() -> None:
    assert classify("") == Intent("text")
    assert classify("   联系人是谁？  ") == Intent("docfact", ("contact",))


# --- as_fact ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "figure"),
    [
        (("date",), "time"),
        (("print_date",), "time"),
        (("date", "print_date"), "time"),
        (("contact_phone",), "phone"),
        (("contact",), "name"),
        (("contact", "contact_phone"), "name"),
        (("contact_phone", "contact"), "phone"),
        (("signer",), "name"),
        (("proposer",), "name"),
        (("issuer",), "name"),
        (("print_office",), "name"),
        (("doc_number",), "docnum"),
        (("recipients_cc",), ""),
        (("addressee",), ""),
        (("proposal_title",), ""),
        (("recipients_cc", "date"), "time"),
        ((), ""),
    ],
    ids=lambda v: "+".join(v) if isinstance(v, tuple) else (v or "any"),
)
def test_as_fact(fields: tuple[str, ...], figure: str) -> None:
    got = as_fact(Intent("docfact", fields))
    assert got == Intent("fact", figure=figure)


def test_as_fact_figures_are_ones_the_answerer_can_check() -> None:
    # Every figure a document fact falls back to has a pattern that says what an answering sentence holds.
    for field, _ in DOC_FACTS:
        figure = as_fact(Intent("docfact", (field,))).figure
        assert figure == "" or figure in markers.FIGURE, field


def test_as_fact_of_a_classified_question() -> None:
    assert as_fact(classify("第0261号提案的答复函是哪天发的？")) == Intent("fact", figure="time")
    assert as_fact(classify("联系电话是多少？")) == Intent("fact", figure="phone")
    assert as_fact(classify("发文字号是多少？")) == Intent("fact", figure="docnum")


# --- strip_names ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "left"),
    [
        ("《关于设立总理热线电话的提案》是怎么答复的？", "是怎么答复的？"),
        ("关于设立总理热线电话的提案是怎么答复的？", "是怎么答复的？"),
        ("国办函〔2006〕82号答复了什么？", "答复了什么？"),
        ("  鄂建提复字〔2025〕334号的联系人是谁？ ", "的联系人是谁？"),
        ("国务院办公厅对第4626号提案是怎么回复的？", "国务院办公厅对提案是怎么回复的？"),
        ("辽宁核电项目是怎么答复的？", "辽宁核电项目是怎么答复的？"),
    ],
    ids=["quoted-title", "about-title", "doc-number", "padded-doc-number", "proposal-number", "topic-kept"],
)
def test_strip_names(question: str, left: str) -> None:
    # What is left is what the question asks about the document: a topic word left makes it a topic question.
    assert strip_names(question) == left
