"""Answers built from a whole document (rag.forms): document facts, outlines, one part, next steps.

The passages are the seed letter (corpus/000_4f56bf1c4842e0b1.txt) cut roughly as the chunker cuts it, a small
unstructured reply letter, the real reply letter sc_26 (../shared, skipped without it) and news-style texts
whose headings and signature ran into the paragraph. No model, no store."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

import pytest

from rag.forms import cn_numeral, doc_fact, next_steps, outline, section, top_parts
from rag.intents import Intent
from rag.records import Answer, Chunk, DocMeta
from rag.sentences import split_sentences

from .conftest import shared_or_skip
from .test_answer import SEED_META as ANSWER_SEED_META

# The seed letter's metadata as the answer tests know it, plus the contact note and 版记 fields.
SEED_META = replace(
    ANSWER_SEED_META,
    recipients_cc="市政协办公室,市政协提案委员会",
    addressee="白夜明委员",
    contact="苏浩",
    contact_phone="0477-8586566",
    print_office="鄂尔多斯市人民政府办公室",
    print_date="2025-09-03",
)
TITLE = SEED_META.title
NAME = f"《{TITLE}》（鄂建提复字〔2025〕334号）"

H1 = "一、优化创新创业服务体系建设"
H2 = "二、强化研发投入攻坚行动"
H3 = "三、加大科技服务保障力度"
H4 = "四、布局科技创新平台"
H5 = "五、深化科技对外合作和人才引育"
HEAD = (
    "人大代表建议政协委员提案办理答复函\n鄂建提复字〔2025〕334号\n签发人：张秀玲\n" + TITLE + "\n白夜明委员：\n"
    "您的《关于加强政府对科技企业开放创新发展支持的提案》悉。经研究，现答复如下。"
)
OPENING = "近年来，我市不断夯实企业创新主体地位，赋能企业转型升级,坚持栽大树与育小苗相结合,建立“微成长、小升高、高壮大”梯次培育机制,创新主体实现量质齐升。"
NEXT = (
    "下一步,我们将严格落实现有支持政策,持续加大对科技企业开放创新发展支持力度,切实解决科创企业发展难题,激发我市企业科技"
    "自主创新活力,精准帮助企业在科技创新上纾困解难增效,全方位当好企业发展“护航员”，推动我市科创事业不断进步。"
)
SIGNATURE = (
    "鄂尔多斯市人民政府\n2025年9月3日\n(联系人:苏浩;联系电话0477-8586566)\n抄送：市政协办公室,市政协提案委员会。\n"
    "鄂尔多斯市人民政府办公室\n2025年9月3日印发"
)
# (key, section path, text) in document order: the seed letter's cleaned text, cut at its headings and items.
SEED_PASSAGES: list[tuple[str, str, str]] = [
    ("head", "", HEAD + "\n" + OPENING),
    ("p1", f"{H1} > 一是做好科技培训及会展工作",
     f"{H1}\n一是做好科技培训及会展工作。2024年,围绕创新主体培育、研发投入攻坚、科技项目实施等内容举办鄂尔多斯市发展新质生产力"
     "专题培训班等17次,线下参训4520人,线上参训670人,协助组织参加国内科技会展4次。组织举办7期技术经纪人培训班,共培养技术经纪人"
     "600余人。"),
    ("p1_2", f"{H1} > 二是持续推进科技创新创业载体培育",
     "二是持续推进科技创新创业载体培育。鄂尔多斯高新技术产业开发区获批自治区科技成果转化示范区。新获批自治区级科技企业孵化器1家,"
     "自治区级技术转移服务机构5家。三是连续三年举办“鄂尔多斯杯”创新创业大赛。通过以赛代引,以赛促转,成功引进35个获奖项目落地我市。"),
    ("p2", H2,
     f"{H2}\n全市R&D经费投入达53.2亿元,位列全区第二,强度达到0.91%,对自治区R&D投入增长的贡献率达到48.9%,居全区首位。"
     "鄂托克前旗、杭锦旗、鄂托克旗、康巴什区R&D经费投入强度超过1%。"),
    ("p2_1", f"{H2} > 一是政策保障激励企业研发投入",
     "一是政策保障激励企业研发投入。迭代出台“科技新政30条”2.0版,对符合一定条件的企业,按企业上年度研发投入总量和增量情况分档"
     "给予最高500万元科研经费支持。"),
    ("p2_2", f"{H2} > 二是科技资金支持企业研发投入",
     "二是科技资金支持企业研发投入。2025年下达研发投入奖补资金5229.3万元,奖补规上企业99家,奖补企业数量较上年增长11.24%;"
     "以科技项目为有力抓手,持续提升科技创新能力,培育壮大新质生产力。实施市级科技计划项目150项,支持资金1.7亿元。"),
    ("p3", f"{H3} > 一是开拓科技型企业融资渠道",
     f"{H3}\n一是开拓科技型企业融资渠道。我市16家科技型企业入选“科技创新再贷款”推荐名单。全市金融机构为科技型中小企业库内企业"
     "发放贷款7.42亿元,惠及企业102家。"),
    ("p4", f"{H4} > 一是推动企业研发中心认定",
     f"{H4}\n一是推动企业研发中心认定。我市已累计支持科技型企业认定自治区企业研究开发中心194家,累计兑付科技奖补资金3840万元。"
     "二是支持重大创新平台创建。鄂尔多斯实验室获批国家博士后科研工作站。"),
    ("p5", H5,
     f"{H5}\n深度对接京津冀、长三角、粤港澳大湾区及雄安新区创新资源,打造北京、上海、深圳、雄安“人才科创飞地”载体平台,推动科创人才链"
     "与产业链深度融合。四家飞地累计引进科技型企业58家、科研机构12家,落地我市企业35家,引进高层次科创人才60人。\n" + NEXT),
    ("p5_1", f"{H5} > 一是强化科技型企业培育",
     "一是强化科技型企业培育。面向企业家、科研工作者开展创新创业培训，引导激励企业创新。按照“科技新政30条”2.0版，对企业建设创新"
     "平台予以补助支持。二是加大科技项目支持力度。通过“揭榜挂帅”“企业出题、政府立题、科研院所答题”等模式，支持企业实施科技计划"
     "项目开展技术攻关。"),
    ("tail", f"{H5} > 三是强化成果、产品推介",
     "三是强化成果、产品推介，持续开展我为企业找订单活动，发布企业先进技术成果与产品。培育专业服务机构，壮大科技金融，强化金融、"
     "服务支持。四是加大合作力度。鼓励引导企业参与“一带一路”等国际科技合作与科技成果转化，支持企业与国内外高校、科研院所开展务实"
     "合作。\n" + SIGNATURE),
]
MARK = re.compile(r"\[(\d+)\]")


def make_chunks(passages: Sequence[tuple[str, str, str]], meta: DocMeta, doc_id: str = "seed") -> list[Chunk]:
    out: list[Chunk] = []
    start = 0
    for i, (key, sec, text) in enumerate(passages):
        out.append(Chunk(id=f"{doc_id}-{key}", doc_id=doc_id, source=f"{doc_id}.txt", text=text, section=sec,
                         start=start, end=start + len(text), tokens=len(text) // 2, ordinal=i, meta=meta))
        start += len(text) + 1
    return out


@pytest.fixture
def seed() -> list[Chunk]:
    return make_chunks(SEED_PASSAGES, SEED_META)


def by_key(chunks: Sequence[Chunk], key: str) -> Chunk:
    return next(c for c in chunks if c.id.endswith(f"-{key}"))


def check_citations(ans: Answer, verbatim: bool = True) -> None:
    """Markers are numbered by first use; every citation is used; with ``verbatim`` (outlines, parts, next
    steps: quotations) every piece it quotes is in its passage."""
    used = [int(n) for n in MARK.findall(ans.text)]
    assert list(dict.fromkeys(used)) == list(range(1, len(ans.citations) + 1))
    assert [c.n for c in ans.citations] == list(range(1, len(ans.citations) + 1))
    assert len({c.chunk_id for c in ans.citations}) == len(ans.citations)
    for c in ans.citations:
        assert c.used, f"citation [{c.n}] quotes nothing"
        if verbatim:
            assert all(u in c.text for u in c.used), c.used
        for u in c.used:
            assert u in ans.text, f"{u!r} is cited but not in the answer"


def docfact(*fields: str) -> Intent:
    return Intent("docfact", fields)


# --- doc_fact ---------------------------------------------------------------------------------------------


def test_doc_fact_one_sentence_each_value_cited_to_its_passage(seed: list[Chunk]) -> None:
    ans = doc_fact("q", docfact("doc_number", "signer", "contact", "contact_phone"), seed)
    assert ans is not None and not ans.refused
    assert ans.text == (f"{NAME}的文号：鄂建提复字〔2025〕334号；签发人：张秀玲；联系人：苏浩；联系电话：0477-8586566。[1][2]")
    check_citations(ans, verbatim=False)
    head, tail = ans.citations
    assert head.chunk_id == "seed-head" and head.used == ["鄂建提复字〔2025〕334号", "张秀玲"]
    assert tail.chunk_id == "seed-tail" and tail.used == ["苏浩", "0477-8586566"]
    for c in ans.citations:
        assert all(v in c.text for v in c.used), "each value is cited to the passage that states it"
    assert head.title == TITLE and head.doc_number == "鄂建提复字〔2025〕334号" and head.date == "2025-09-03"


def test_doc_fact_markers_after_the_full_stop(seed: list[Chunk]) -> None:
    ans = doc_fact("q", docfact("contact", "contact_phone"), seed)
    assert ans is not None
    assert ans.text.endswith("联系人：苏浩；联系电话：0477-8586566。[1]")
    assert re.search(r"\d\[\d+\]", ans.text) is None, "a value is never run into a marker"
    assert ans.text.count("。") == 1 and re.fullmatch(r"[^\[\]]+。(\[\d+\])+", ans.text)


FIELD_CASES = [
    ("date", "成文日期", "2025年9月3日", "tail"),
    ("print_date", "印发日期", "2025年9月3日", "tail"),
    ("print_office", "印发机关", "鄂尔多斯市人民政府办公室", "tail"),
    ("recipients_cc", "抄送", "市政协办公室,市政协提案委员会", "tail"),
    ("addressee", "主送", "白夜明委员", "head"),
    ("proposer", "提出人", "白夜明", "head"),
    ("issuer", "发文机关", "鄂尔多斯市人民政府", "head"),
    ("proposal_title", "答复的提案", "第0261号提案《关于加强政府对科技企业开放创新发展支持的提案》", "head"),
]


@pytest.mark.parametrize(("field", "label", "shown", "holder"), FIELD_CASES, ids=[c[0] for c in FIELD_CASES])
def test_doc_fact_each_field(seed: list[Chunk], field: str, label: str, shown: str, holder: str) -> None:
    ans = doc_fact("q", docfact(field), seed)
    assert ans is not None
    assert ans.text == f"{NAME}的{label}：{shown}。[1]"
    assert [c.chunk_id for c in ans.citations] == [f"seed-{holder}"]
    assert ans.citations[0].used == [shown]
    check_citations(ans, verbatim=False)
    # The passage states the value: verbatim, as a written date, or (the proposal) as its number and title.
    text = ans.citations[0].text
    assert all(p in text for p in shown.replace("《", " ").replace("》", "").split())


def test_doc_fact_date_is_found_in_the_passage_that_writes_it(seed: list[Chunk]) -> None:
    # The ISO date 2025-09-03 is nowhere verbatim: the holder is the passage whose written date is that day.
    ans = doc_fact("q", docfact("date"), seed)
    assert ans is not None
    assert ans.citations[0].chunk_id == "seed-tail" and "2025年9月3日" in ans.citations[0].text
    assert "原文" not in ans.text, "a date written as the answer shows it needs no 原文"


def test_doc_fact_chinese_numeral_date_shows_the_original() -> None:
    meta = DocMeta(title="国务院办公厅关于某事项的复函", doc_number="国办函〔2006〕1号", date="2006-10-18",
                   doc_type="reply_letter")
    chunks = make_chunks([("a", "", "国务院办公厅关于某事项的复函\n国办函〔2006〕1号\n你部来函收悉。现函复如下：\n同意。"),
                          ("b", "", "此复。\n国务院办公厅\n二〇〇六年十月十八日")], meta, "cn")
    ans = doc_fact("q", docfact("date"), chunks)
    assert ans is not None
    assert ans.text == "《国务院办公厅关于某事项的复函》（国办函〔2006〕1号）的成文日期：2006年10月18日（原文：二〇〇六年十月十八日）。[1]"
    assert ans.citations[0].chunk_id == "cn-b"
    assert ans.citations[0].used == ["2006年10月18日（原文：二〇〇六年十月十八日）"]


def test_doc_fact_date_of_the_real_reply_letter_sc_26() -> None:
    chunks = sc26_chunks()
    ans = doc_fact("这份答复是哪天发的？", docfact("date"), chunks)
    assert ans is not None
    assert ans.text.endswith("的成文日期：2006年10月18日（原文：二〇〇六年十月十八日）。[1]")
    assert ans.citations[0].chunk_id == chunks[-1].id
    # sc_26 has no contact note, signer or 版记: nothing to say from the metadata.
    assert doc_fact("q", docfact("contact", "contact_phone"), chunks) is None
    assert doc_fact("q", docfact("signer"), chunks) is None


def test_doc_fact_none_when_no_asked_field_exists(seed: list[Chunk]) -> None:
    bare = DocMeta(title="某市关于做好复工复产工作的通知", doc_type="notice", date="2020-02-10")
    chunks = make_chunks([("a", "", "各区县人民政府：\n现就有关事项通知如下。")], bare, "bare")
    assert doc_fact("q", docfact("contact", "contact_phone"), chunks) is None
    assert doc_fact("q", docfact("signer", "proposer", "recipients_cc"), chunks) is None
    assert doc_fact("q", docfact("date"), []) is None
    # One field present of two asked: the present one alone.
    ans = doc_fact("q", docfact("signer", "date"), chunks)
    assert ans is not None and ans.text == "《某市关于做好复工复产工作的通知》的成文日期：2020年2月10日。[1]"


def test_doc_fact_signature_date_of_a_news_style_text() -> None:
    """A news-style text lost its line breaks: no metadata date, the signature ran into the last sentence."""
    lead = "绍兴市住房公积金管理中心关于妥善应对新冠肺炎疫情实施住房公积金阶段性支持政策的通知"
    meta = DocMeta(lead=lead)
    chunks = make_chunks([
        ("a", "", f"{lead} 绍住金〔2020〕4号 各分中心、各处室： 为深入贯彻中央、省、市有关疫情防控工作决策部署，减轻企业负担，"
                  "保障职工权益，现将有关事项通知如下。"),
        ("b", "", "7．企业缓缴、停缴期间，中心及时做好数据分析、统计工作。 本通知适用截止时间为2020年6月30日，届时，将根据疫情发展"
                  "情况及时调整。 绍兴市住房公积金管理中心 2020年2月21日"),
    ], meta, "sx")
    ans = doc_fact("这个通知是哪天发的？", docfact("date"), chunks)
    assert ans is not None
    assert ans.text == f"“{lead}”一文的落款日期：2020年2月21日。[1]"
    assert ans.citations[0].chunk_id == "sx-b" and "管理中心 2020年2月21日" in ans.citations[0].text
    # Asked for the print date only, with none in the metadata: the signature date too.
    only_print = doc_fact("q", docfact("print_date"), chunks)
    assert only_print is not None and "落款日期：2020年2月21日" in only_print.text
    # With a metadata date the signature is not read.
    dated = make_chunks([(k, s, t) for k, s, t in (("a", "", chunks[0].text), ("b", "", chunks[1].text))],
                        DocMeta(lead=lead, date="2020-02-21"), "sx2")
    with_date = doc_fact("q", docfact("date"), dated)
    assert with_date is not None and "落款日期" not in with_date.text and "成文日期：2020年2月21日" in with_date.text


def test_doc_fact_real_signature_in_ncp_text() -> None:
    path = shared_or_skip("corpus", "ncp", "a302334afe223e6ebd2a4577dd914847.txt")
    text = path.read_text(encoding="utf-8")
    half = len(text) // 2
    chunks = make_chunks([("a", "", text[:half]), ("b", "", text[half:])], DocMeta(lead="绍兴市住房公积金管理中心"), "ncp")
    ans = doc_fact("q", docfact("date"), chunks)
    assert ans is not None and "落款日期：2020年2月21日。" in ans.text


# --- outline ----------------------------------------------------------------------------------------------


def test_outline_lists_the_five_headings_in_order(seed: list[Chunk]) -> None:
    ans = outline("这个答复函的主要内容是什么？", seed)
    assert ans is not None and not ans.refused
    head, *lines = ans.text.split("\n")
    assert head == f"{NAME}的主要内容："
    assert [ln.split("：")[0] for ln in lines] == [H1, H2, H3, H4, H5]
    firsts = ["一是做好科技培训及会展工作。", "全市R&D经费投入达53.2亿元,位列全区第二,强度达到0.91%,对自治区R&D投入增长的贡献率达到48.9%,居全区首位。",
              "一是开拓科技型企业融资渠道。", "一是推动企业研发中心认定。"]
    for ln, first in zip(lines, firsts, strict=False):
        assert ln.split("：", 1)[1].startswith(first), ln
    assert lines[4].startswith(f"{H5}：深度对接京津冀")
    assert [c.chunk_id for c in ans.citations] == ["seed-p1", "seed-p2", "seed-p3", "seed-p4", "seed-p5"]
    assert all(ln.endswith(f"[{i}]") for i, ln in enumerate(lines, 1))
    check_citations(ans)
    assert "悉" not in ans.text.replace("熟悉", "")


def test_outline_without_first_sentences_when_too_long(seed: list[Chunk]) -> None:
    ans = outline("q", seed, max_chars=60)
    assert ans is not None
    assert ans.text.split("\n")[1:] == [f"{h}[{i}]" for i, h in enumerate([H1, H2, H3, H4, H5], 1)]


def test_outline_is_never_only_the_acknowledgement_line(seed: list[Chunk]) -> None:
    head_only = make_chunks([("head", "", HEAD)], SEED_META)
    assert outline("q", head_only) is None
    # The head passage with the opening paragraph: that paragraph, not the 悉 / 答复如下 line.
    ans = outline("q", [seed[0]])
    assert ans is not None
    assert ans.text.split("\n")[1:] == [f"- {OPENING}[1]"]


REPLY_META = DocMeta(title="国务院办公厅对全国政协某次会议第1234号提案的答复", doc_number="国办函〔2005〕69号",
                     addressee="张三委员", doc_type="reply_letter", proposal_number="1234", date="2005-08-01")
P1 = "农村公路是农村经济发展的重要基础设施。近年来，交通部会同有关部门加大了投入力度。"
P2 = "关于提高补助标准的建议，交通部正在会同财政部研究。具体办法将另行制定。"
P3 = "下一步，国务院办公厅将督促有关部门抓好落实。"
REPLY_PASSAGES = [
    ("a", "", "国务院办公厅对全国政协某次会议\n第1234号提案的答复\n国办函〔2005〕69号\n张三委员：\n"
              "您提出的《关于加强农村公路建设的提案》收悉。经研究，现答复如下：\n" + P1 + "\n" + P2),
    # The next passage opens with the overlap: the end of the previous paragraph, already given.
    ("b", "", "具体办法将另行制定。\n" + P3 + "\n感谢您对政府工作的关心与支持。\n国务院办公厅\n二〇〇五年八月一日"),
]


def test_outline_of_an_unstructured_reply_letter() -> None:
    ans = outline("这个提案是怎么答复的？", make_chunks(REPLY_PASSAGES, REPLY_META, "rl"))
    assert ans is not None
    assert ans.text.split("\n") == [
        "《国务院办公厅对全国政协某次会议第1234号提案的答复》（国办函〔2005〕69号）的主要内容：",
        "- 农村公路是农村经济发展的重要基础设施。[1]",
        "- 关于提高补助标准的建议，交通部正在会同财政部研究。[1]",
        "- 下一步，国务院办公厅将督促有关部门抓好落实。[2]",
        "- 感谢您对政府工作的关心与支持。[2]",
    ]
    check_citations(ans)


def test_outline_of_a_reply_letter_caps_paragraphs() -> None:
    paras = [f"第{cn_numeral(i)}段说明了有关工作的进展情况和下一阶段的安排。这是其余的话。" for i in range(1, 10)]
    chunks = make_chunks([("a", "", "张三委员：\n您的提案收悉。\n" + "\n".join(paras))], REPLY_META, "cap")
    ans = outline("q", chunks, max_paragraphs=4)
    assert ans is not None
    assert [ln.split("[")[0] for ln in ans.text.split("\n")[1:]] == [f"- {p.split('。')[0]}。" for p in paras[:4]]


def sc26_chunks() -> list[Chunk]:
    path = shared_or_skip("corpus", "state-council", "sc_26.txt")
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    cut = next(i for i, ln in enumerate(lines) if ln.startswith("总的来看"))
    meta = DocMeta(title="国务院办公厅对全国政协十届四次会议第4626号提案的答复", doc_number="国办函〔2006〕82号",
                   issuer="国务院办公厅", date="2006-10-18", doc_type="reply_letter", proposal_number="4626",
                   proposal_title="关于设立总理热线电话的提案", proposer="王超斌", addressee="王超斌委员")
    # Two passages as the chunker cuts it: the second repeats the last sentence of the first (overlap).
    overlap = split_sentences(lines[cut - 1])[-1]
    return make_chunks([("a", "", "\n".join(lines[:cut])), ("b", "", "\n".join([overlap, *lines[cut:]]))], meta, "sc26")


def test_outline_of_the_real_reply_letter_sc_26() -> None:
    chunks = sc26_chunks()
    ans = outline("关于设立总理热线电话的提案是怎么答复的？", chunks)
    assert ans is not None
    lines = ans.text.split("\n")
    assert lines[0] == "《国务院办公厅对全国政协十届四次会议第4626号提案的答复》（国办函〔2006〕82号）的主要内容："
    body = [ln[2:].rsplit("[", 1)[0] for ln in lines[1:]]
    assert body == [
        "推进政务公开，实行科学民主决策是政府工作的一项基本制度。",
        "在国务院重大决策出台前，温家宝总理和有关领导同志都要召开座谈会，亲自听取社会各界人士和专家的意见和建议。",
        "信访是保证民意畅通的一个重要渠道。",
        "今年初，中央政府门户网站正式开通，通过在线访谈、网上调查和意见征集等形式，积极开展中央政府与公众的互动交流。",
        "总的来看，国务院及有关部门与人民群众联系的方式和沟通渠道日益增多，反映社情民意的渠道是畅通的。",
        "感谢您对政府工作的关心与支持。",
    ]
    for bad in ("收悉", "答复如下", "王超斌委员", "国办函", "二〇〇六", "这些措施将进一步"):
        assert all(bad not in b for b in body), bad
    check_citations(ans)
    assert [c.chunk_id for c in ans.citations] == ["sc26-a", "sc26-b"]


def test_outline_none_for_a_text_without_parts() -> None:
    news = DocMeta(lead="记者从昨天举行的新闻发布会上获悉", doc_type="other")
    chunks = make_chunks([("a", "", "记者从昨天举行的新闻发布会上获悉，全市已有三千家企业复工。\n目前，各项工作正在有序推进。")],
                         news, "news")
    assert outline("q", chunks) is None
    notice = DocMeta(title="某市关于延期复工的通知", doc_type="notice")
    assert outline("q", make_chunks([("a", "", "各区县：\n经研究，决定延期复工。\n特此通知。")], notice, "n")) is None
    assert outline("q", []) is None


# --- top_parts --------------------------------------------------------------------------------------------

INLINE = (
    "为统筹做好疫情防控和经济社会发展工作，制定如下措施。一、有序推动复工复产。企业复工不再审批，实行承诺制。"
    "（责任单位：市发改委、市工信局）二、减轻税费负担。对受疫情影响较大的企业，依法延期缴纳税款。（责任单位：市税务局）"
    "三、加大金融支持。鼓励银行对小微企业不抽贷、不断贷。（责任单位：市金融办）"
)
MEASURES = DocMeta(title="某市关于支持企业复工复产的若干措施", doc_type="measures")


def one(text: str, meta: DocMeta = MEASURES) -> list[Chunk]:
    return make_chunks([("a", "", text)], meta, "one")


def test_top_parts_inline_headings_in_order() -> None:
    parts = top_parts(one(INLINE))
    assert [(p.n, p.heading, p.first) for p in parts] == [
        (1, "一、有序推动复工复产", "企业复工不再审批，实行承诺制。"),
        (2, "二、减轻税费负担", "对受疫情影响较大的企业，依法延期缴纳税款。"),
        (3, "三、加大金融支持", "鼓励银行对小微企业不抽贷、不断贷。"),
    ]
    ans = outline("有哪些措施？", one(INLINE))
    assert ans is not None and ans.text.split("\n")[1] == "一、有序推动复工复产：企业复工不再审批，实行承诺制。[1]"


def test_top_parts_ignores_a_stray_numeral() -> None:
    # 二、三产业 before any 一、 is no part; a lone 二、 or a run that does not start at 一 is none.
    parts = top_parts(one("全市二、三产业企业共3000家。一、加强组织领导。成立工作专班。二、落实工作责任。明确分工。"))
    assert [p.heading for p in parts] == ["一、加强组织领导", "二、落实工作责任"]
    assert top_parts(one("二、强化宣传。广泛宣传。三、加强监督。依法查处。")) == []
    assert top_parts(one("一、加强领导。成立专班。")) == [], "one part is no outline"


def test_top_parts_eleven_is_not_one() -> None:
    parts = top_parts(one("十一、加强监督。依法查处。一、严格执法。依法办事。二、强化宣传。广泛宣传。"))
    assert [p.heading for p in parts] == ["一、严格执法", "二、强化宣传"]
    assert top_parts(one("十一、加强监督。依法查处。十二、强化宣传。广泛宣传。")) == []


def test_top_parts_ten_and_beyond() -> None:
    text = "".join(f"{cn_numeral(i)}、第{i}项措施。具体内容{i}。" for i in range(1, 13))
    parts = top_parts(one(text))
    assert [p.heading for p in parts] == [f"{cn_numeral(i)}、第{i}项措施" for i in range(1, 13)]
    assert [p.first for p in parts] == [f"具体内容{i}。" for i in range(1, 13)]


def test_top_parts_heading_that_ran_into_its_paragraph_is_cut_and_marked() -> None:
    long_run = ("一、加大对受疫情影响较大的中小微企业的金融支持力度各银行机构要对受疫情影响较大的批发零售住宿餐饮物流运输文化旅游"
                "等行业企业不得盲目抽贷断贷压贷。二、减轻企业负担。减免房租。")
    first, second = top_parts(one(long_run))
    assert first.heading.endswith("…") and first.first is None
    assert first.heading == "一、" + long_run[2:42] + "…"
    assert (second.heading, second.first) == ("二、减轻企业负担", "减免房租。")


def test_top_parts_heading_ends_at_a_sub_item() -> None:
    parts = top_parts(one("一、加大资金支持力度1.奖励研发。给予奖励。二、优化服务（一）简化审批。压缩时限。"))
    assert [(p.heading, p.first) for p in parts] == [("一、加大资金支持力度", "1.奖励研发。"), ("二、优化服务", "（一）简化审批。")]


def test_top_parts_across_passages_each_cited_to_its_own(seed: list[Chunk]) -> None:
    parts = top_parts(seed)
    assert [p.heading for p in parts] == [H1, H2, H3, H4, H5]
    assert [p.chunk.id for p in parts] == ["seed-p1", "seed-p2", "seed-p3", "seed-p4", "seed-p5"]


def test_top_parts_a_word_ending_in_one_is_not_a_heading() -> None:
    """统一、 / 唯一、 end in 一 but are words, not a part's number: in sc_35 (国办发〔2018〕115号) the preamble's
    维护国家法制统一、政令统一 was taken for part 一, and the outline began with 一、政令统一，有利于… instead of
    一、总体要求. A heading marker stands at a line start or after a sentence's end."""
    text = ("全面推行规范性文件合法性审核机制，是推进依法行政、建设法治政府的必然要求，有利于维护国家法制统一、政令统一，有利于"
            "从源头上防止违法文件出台。现提出以下意见。\n一、总体要求\n（一）指导思想。坚持依法行政。\n二、严格落实工作措施\n"
            "（三）明确审核范围。各地区、各部门要确定审核范围。")
    assert [p.heading for p in top_parts(one(text))] == ["一、总体要求", "二、严格落实工作措施"]


def test_top_parts_of_the_real_sc_35() -> None:
    path = shared_or_skip("corpus", "state-council", "sc_35.txt")
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    parts = top_parts(one("\n".join(lines)))
    assert [p.heading for p in parts] == ["一、总体要求", "二、严格落实工作措施", "三、健全审核工作机制", "四、加大组织保障力度"]


# --- section ----------------------------------------------------------------------------------------------


def answer_sentences(ans: Answer) -> list[str]:
    body = ans.text.split("\n", 1)[1]
    return [s for s in MARK.split(body) if s and not s.isdigit()]


def test_section_gives_the_nth_part_and_stops_at_the_next(seed: list[Chunk]) -> None:
    ans = section("第二个方面具体说了什么？", Intent("section", extra={"n": "二"}), seed, max_chars=2000)
    assert ans is not None
    assert ans.text.startswith(f"{NAME}的第二部分：\n{H2}[1]")
    got = answer_sentences(ans)
    want = [s for key in ("p2", "p2_1", "p2_2") for s in split_sentences(by_key(seed, key).text)]
    assert got == want
    assert [c.chunk_id for c in ans.citations] == ["seed-p2", "seed-p2_1", "seed-p2_2"]
    assert H3 not in ans.text and "融资渠道" not in ans.text
    check_citations(ans)


def test_section_by_arabic_and_chinese_numerals(seed: list[Chunk]) -> None:
    four = section("q", Intent("section", extra={"n": "四"}), seed)
    arabic = section("q", Intent("section", extra={"n": "4"}), seed)
    assert four is not None and arabic is not None
    assert answer_sentences(four) == answer_sentences(arabic)
    assert answer_sentences(four) == split_sentences(by_key(seed, "p4").text)
    assert arabic.text.startswith(f"{NAME}的第4部分：")


def test_section_beyond_the_parts_is_none(seed: list[Chunk]) -> None:
    for n in ("六", "0", "十二", "", "百"):
        assert section("q", Intent("section", extra={"n": n}), seed) is None, n
    assert section("q", Intent("section", extra={"n": "一"}), make_chunks(REPLY_PASSAGES, REPLY_META, "rl")) is None


def test_section_text_is_a_run_of_the_parts_sentences(seed: list[Chunk]) -> None:
    """Up to max_chars, the part's sentences from its start: a sentence too long to fit ends the answer. A later
    shorter one must not be put after the gap (培育专业服务机构… without the 三是… it belongs to)."""
    whole = [s for key in ("p5", "p5_1", "tail") for s in split_sentences(by_key(seed, key).text)]
    for max_chars in (150, 300, 420, 500):
        ans = section("q", Intent("section", extra={"n": "五"}), seed, max_chars=max_chars)
        assert ans is not None
        got = answer_sentences(ans)
        assert got == whole[: len(got)], f"max_chars={max_chars}: not a run from the part's start"
        assert sum(map(len, got)) <= max_chars or len(got) == 1


def test_section_of_the_last_part_ends_before_the_signature() -> None:
    """The last part runs to the document's end: its answer stops before the signature and 版记 (发文机关 / 成文
    日期 / 联系人 / 抄送 / 印发 lines are no sentences of part 二)."""
    text = ("一、加强组织领导\n各地要成立工作专班。\n二、强化督促落实\n各地要加强督查。对工作不力的予以通报。\n"
            "某市人民政府\n2020年2月10日\n（联系人：王明；联系电话：0471-1234567）\n抄送：市委办公室。\n某市人民政府办公室\n2020年2月10日印发")
    ans = section("第二个方面是什么？", Intent("section", extra={"n": "二"}), one(text))
    assert ans is not None
    assert answer_sentences(ans) == ["二、强化督促落实", "各地要加强督查。", "对工作不力的予以通报。"]


def test_section_of_inline_parts_keeps_to_its_part() -> None:
    """Inline parts (news-style text): part 二 starts at its 二、, not with part 一's （责任单位：市发改委…） that
    the sentence splitter joined to it, and keeps its own （责任单位：市税务局） before 三、."""
    ans = section("第二个方面是什么？", Intent("section", extra={"n": "二"}), one(INLINE))
    assert ans is not None
    body = "".join(answer_sentences(ans))
    assert body.startswith("二、减轻税费负担。")
    assert "依法延期缴纳税款" in body
    assert "市发改委" not in body, "part 一's responsible units are not part 二's"
    assert "市税务局" in body, "part 二's responsible unit"
    assert "三、" not in body


# --- next_steps -------------------------------------------------------------------------------------------


def test_next_steps_gives_the_opening_sentence_and_item_labels(seed: list[Chunk]) -> None:
    ans = next_steps("市政府下一步打算怎么做？", seed)
    assert ans is not None
    assert ans.text.split("\n") == [
        f"{NAME}中的下一步工作：",
        f"{NEXT}[1]",
        "一是强化科技型企业培育。[2]",
        "二是加大科技项目支持力度。[2]",
        "三是强化成果、产品推介，持续开展我为企业找订单活动，发布企业先进技术成果与产品。[3]",
        "四是加大合作力度。[3]",
    ]
    assert [c.chunk_id for c in ans.citations] == ["seed-p5", "seed-p5_1", "seed-tail"]
    check_citations(ans)
    assert "面向企业家" not in ans.text, "an item's further sentences are left out: its label says what it is"


def test_next_steps_stops_at_max_chars(seed: list[Chunk]) -> None:
    ans = next_steps("q", seed, max_chars=len(NEXT) + 30)
    assert ans is not None
    assert ans.text.split("\n")[1:] == [f"{NEXT}[1]", "一是强化科技型企业培育。[2]", "二是加大科技项目支持力度。[2]"]
    # The opening sentence is given even when it alone is longer than max_chars.
    short = next_steps("q", seed, max_chars=10)
    assert short is not None and short.text.split("\n")[1:] == [f"{NEXT}[1]"]


def test_next_steps_of_an_unstructured_reply_and_none_without() -> None:
    ans = next_steps("q", make_chunks(REPLY_PASSAGES, REPLY_META, "rl"))
    assert ans is not None and ans.text.split("\n")[1:] == [f"{P3}[1]"]
    assert next_steps("q", one(INLINE)) is None
    assert next_steps("q", []) is None
