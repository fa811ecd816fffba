from __future__ import annotations

from pathlib import Path

import pytest

from rag.clean import clean_text
from rag.metadata import (
    extract_metadata,
    find_doc_numbers,
    find_proposal_numbers,
    normalise_doc_number,
    parse_cn_date,
)
from rag.records import DOC_TYPES, DocMeta

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus" / "000_4f56bf1c4842e0b1.txt"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def _meta(raw: str) -> DocMeta:
    return extract_metadata(clean_text(raw))


def _shared(folder: str) -> Path:
    path = SHARED / folder
    if not any(path.glob("*.txt")):
        pytest.skip(f"{path} is absent (the shared corpus sits beside the clone)")
    return path


# --- the seed ----------------------------------------------------------------------------


def test_seed_metadata_exact() -> None:
    if not SEED.exists():
        pytest.skip(f"seed document {SEED} is absent")
    meta = _meta(SEED.read_text(encoding="utf-8"))
    assert meta.title == "鄂尔多斯市人民政府关于市政协五届四次会议第0261号提案的答复函"
    assert meta.doc_number == "鄂建提复字〔2025〕334号"
    assert meta.issuer == "鄂尔多斯市人民政府"
    assert meta.date == "2025-09-03"
    assert meta.signer == "张秀玲"
    assert meta.doc_type == "reply_letter"
    assert meta.proposal_number == "0261"
    assert meta.proposer == "白夜明"
    assert meta.proposal_title == "关于加强政府对科技企业开放创新发展支持的提案"
    assert meta.recipients_cc == "市政协办公室,市政协提案委员会"
    assert meta.addressee == "白夜明委员"
    assert meta.contact == "苏浩"  # (联系人:苏浩;联系电话 0477-8586566) under the signature
    assert meta.contact_phone == "0477-8586566"
    assert meta.print_office == "鄂尔多斯市人民政府办公室"  # 版记: the organ line, then 2025年9月3日印发
    assert meta.print_date == "2025-09-03"


# --- helpers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "鄂建提复字〔2025〕334号",
        "鄂建提复字[2025]334号",
        "鄂建提复字［2025］334号",
        "鄂建提复字（2025）334号",
        "鄂建提复字(2025)334号",
        "鄂建提复字【2025】334号",
        "鄂建提复字 〔 2025 〕 334 号",
    ],
)
def test_doc_number_bracket_variants(written: str) -> None:
    assert normalise_doc_number(written) == "鄂建提复字〔2025〕334号"
    assert find_doc_numbers(f"请问{written}的答复内容是什么？") == ["鄂建提复字〔2025〕334号"]


@pytest.mark.parametrize(
    "number", ["国办函〔2006〕82号", "国发〔2019〕5号", "鄂府办发〔2024〕13号", "国卫办医函〔2020〕83号"]
)
def test_find_doc_numbers_plain(number: str) -> None:
    assert find_doc_numbers(number) == [number]


def test_find_doc_numbers_in_running_text() -> None:
    text = (
        "印发《鄂尔多斯市提升科技创新投入实施方案》(鄂府办发〔2024〕13号),根据国发[2019]5号和"
        "《关于印发某方案的通知》（国办函（2006）82号）精神，再次根据国发〔2019〕5号。"
    )
    assert find_doc_numbers(text) == ["鄂府办发〔2024〕13号", "国发〔2019〕5号", "国办函〔2006〕82号"]
    assert find_doc_numbers("关于加强县域医疗救治工作的通知国卫办医函〔2020〕83号各省") == [
        "国卫办医函〔2020〕83号"
    ]


def test_find_doc_numbers_none() -> None:
    assert find_doc_numbers("2025年9月3日印发，共10页（2018—2035年）") == []
    assert find_doc_numbers("") == []
    assert normalise_doc_number(" 第707号 ") == "第707号"


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("第0261号提案", ["0261"]),
        ("第0261号", ["0261"]),
        ("0261号提案的答复", ["0261"]),
        ("全国政协十届四次会议第4626号提案的答复", ["4626"]),
        ("十届全国人大四次会议第2996号建议", ["2996"]),
        ("第 4626 号提案和第2996号建议", ["4626", "2996"]),
        ("鄂建提复字〔2025〕334号", []),
        ("鄂建提复字〔2025〕334号提案", []),
        ("关于设立总理热线电话的提案", []),
    ],
)
def test_find_proposal_numbers(text: str, numbers: list[str]) -> None:
    assert find_proposal_numbers(text) == numbers


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2025年9月3日", "2025-09-03"),
        ("2025 年 9 月 3 日", "2025-09-03"),
        ("2019年1月27日", "2019-01-27"),
        ("二〇〇六年十月十八日", "2006-10-18"),
        ("二〇〇六年九月七日", "2006-09-07"),
        ("二○○四年十二月十七日", "2004-12-17"),
        ("一九九六年一月二十五日", "1996-01-25"),
        ("二〇〇六年十二月三十日", "2006-12-30"),
        ("2025年9月3日印发", "2025-09-03"),
        ("成文于2025-09-03。", "2025-09-03"),
        ("2025年2月30日与2025年3月1日", "2025-03-01"),
        ("没有日期", None),
        ("2025年13月1日", None),
    ],
)
def test_parse_cn_date(text: str, iso: str | None) -> None:
    assert parse_cn_date(text) == iso


# --- synthetic documents -----------------------------------------------------------------

REPLY = """国务院办公厅对全国政协十届四次会议
第4626号提案的答复
国办函〔2006〕82号
王超斌委员：
您提出的《关于设立总理热线电话的提案》收悉。经研究，答复如下：
推进政务公开，实行科学民主决策是政府工作的一项基本制度。
感谢您对政府工作的关心与支持。
国务院办公厅
二〇〇六年十月十八日
（本文有删减）
"""


def test_reply_letter_synthetic() -> None:
    meta = _meta(REPLY)
    assert meta.title == "国务院办公厅对全国政协十届四次会议第4626号提案的答复"
    assert meta.doc_number == "国办函〔2006〕82号"
    assert meta.issuer == "国务院办公厅"
    assert meta.date == "2006-10-18"
    assert meta.doc_type == "reply_letter"
    assert meta.proposal_number == "4626"
    assert meta.proposer == "王超斌"
    assert meta.proposal_title == "关于设立总理热线电话的提案"
    assert meta.addressee == "王超斌委员"
    assert meta.signer is None
    assert meta.recipients_cc is None


def test_reply_letter_without_book_title_and_several_proposers() -> None:
    raw = (
        "国务院办公厅对全国政协十届三次会议\n第2741号提案的答复\n国办函〔2005〕69号\n邓乃扬、韩汝琦委员：\n"
        "你们提出的关于完善与发展政府网站推进政府公共服务水平的提案，经商有关部门，现答复如下：\n"
        "感谢你们的关心和支持。\n国务院办公厅\n二〇〇五年七月十四日"
    )
    meta = _meta(raw)
    assert meta.proposer == "邓乃扬、韩汝琦"
    assert meta.proposal_number == "2741"
    assert meta.proposal_title == "关于完善与发展政府网站推进政府公共服务水平的提案"


def test_representative_proposer() -> None:
    raw = (
        "XX市人民政府关于第12号建议的答复\n石英代表：\n您提出的建议收悉，现答复如下。\n"
        "XX市人民政府\n2020年1月2日"
    )
    meta = _meta(raw)
    assert (meta.proposer, meta.proposal_number, meta.doc_type) == ("石英", "12", "reply_letter")
    assert meta.proposal_title is None  # neither 《…》 nor 关于…的建议 in the first paragraph


NOTICE = """鄂尔多斯市人民政府办公室关于印发
鄂尔多斯市提升科技创新投入实施方案的通知
鄂府办发[2024]13号
各旗区人民政府，市人民政府各部门：
现将《鄂尔多斯市提升科技创新投入实施方案》印发给你们，请认真贯彻执行。
鄂尔多斯市人民政府办公室
2024年3月5日
抄送：市委办公室，市人大办公室。
鄂尔多斯市人民政府办公室
2024年3月6日印发
"""


def test_notice_synthetic() -> None:
    meta = _meta(NOTICE)
    assert meta.title == "鄂尔多斯市人民政府办公室关于印发鄂尔多斯市提升科技创新投入实施方案的通知"
    assert meta.doc_number == "鄂府办发〔2024〕13号"
    assert meta.issuer == "鄂尔多斯市人民政府办公室"
    assert meta.date == "2024-03-05"  # the signature date, not the 印发 date
    assert meta.doc_type == "notice"
    assert meta.addressee == "各旗区人民政府，市人民政府各部门"
    assert meta.recipients_cc == "市委办公室，市人大办公室"
    assert (meta.proposal_number, meta.proposer, meta.proposal_title, meta.signer) == (None, None, None, None)


@pytest.mark.parametrize(
    ("title", "doc_type"),
    [
        ("XX市人民政府关于第1号提案的答复函", "reply_letter"),
        ("国务院办公厅对第2996号建议的答复", "reply_letter"),
        ("国务院办公厅关于科技节水建议的复函", "reply_letter"),
        ("国务院办公厅关于湖北省巴东县地质灾害险情有关问题的复函", "reply"),
        ("国务院关于河北雄安新区总体规划（2018—2035年）的批复", "reply"),
        ("国务院关于印发国家职业教育改革实施方案的通知", "notice"),
        ("XX市人民政府关于疫情防控的通告", "notice"),
        ("XX市人民政府关于延期开学的公告", "notice"),
        ("XX市科技计划项目管理办法", "measures"),
        ("XX市关于支持企业发展的若干措施", "measures"),
        ("XX市政府信息公开规定", "measures"),
        ("XX市住房公积金管理实施细则（试行）", "measures"),
        ("国务院办公厅关于推进政务新媒体健康有序发展的意见", "opinion"),
        ("国务院关于2018年度国家科学技术奖励的决定", "decision"),
        ("XX市提升科技创新投入实施方案", "plan"),
        ("XX市国土空间总体规划", "plan"),
        ("XX市2024年工作计划", "plan"),
        ("国务院办公厅关于辽宁省所提问题和建议办理情况的函", "other"),
        ("中华人民共和国国务院令", "other"),
    ],
)
def test_doc_types(title: str, doc_type: str) -> None:
    meta = _meta(f"{title}\nXX发〔2020〕1号\n各有关单位：\n正文第一段，说明情况。")
    assert meta.title == title
    assert meta.doc_type == doc_type
    assert meta.doc_type in DOC_TYPES


def test_notice_print_line() -> None:
    meta = _meta(NOTICE)
    assert (meta.print_office, meta.print_date) == ("鄂尔多斯市人民政府办公室", "2024-03-06")
    assert (meta.contact, meta.contact_phone) == (None, None)


# --- contact note, 印发 line, addressee blocks ----------------------------------------------

LETTER = "XX市人民政府关于某事的通知\nXX发〔2024〕1号\n各有关单位：\n现将有关事项通知如下。\nXX市人民政府\n2024年3月5日\n"


@pytest.mark.parametrize(
    ("note", "contact", "phone"),
    [
        ("(联系人:苏浩;联系电话 0477-8586566)", "苏浩", "0477-8586566"),
        ("（联系人：张三，电话：010-12345678）", "张三", "010-12345678"),
        ("联系人：张三，电话：010-12345678", "张三", "010-12345678"),
        ("联系人及电话：李四 13912345678", "李四", "13912345678"),
        ("联系人及联系方式：李四，13912345678", "李四", "13912345678"),
        ("联系人：张三\n联系电话：0477-8586566", "张三", "0477-8586566"),  # label lines of their own
        ("联系电话：0477-8586566\n联系人：张三", "张三", "0477-8586566"),  # the other order
        ("联系人：王五（0477）8586566", "王五", "0477-8586566"),
        ("联系人：赵六，联系电话：(0477)8586566、13800001111", "赵六", "0477-8586566、13800001111"),
        ("联系人：钱七；电话：0477—8586566转801", "钱七", "0477-8586566转801"),
        ("（联系人：孙八，联系电话：12345）", "孙八", "12345"),
        (
            "联系人：刘霞、张宏鸽联系电话：18600636475、13520558904",
            "刘霞、张宏鸽",
            "18600636475、13520558904",
        ),
        ("联系人：吕老师（+86 13807138996）", "吕老师", "13807138996"),
        ("联系人：井英，电话：86-10-88388004。", "井英", "010-88388004"),
        ("联系人：吴十，电话：010-66096771 66020522（传真）", "吴十", "010-66096771"),  # the fax is dropped
        ("联系人：田宁：0771-8095041，13877153981朱恭春：18677177355", "田宁", "0771-8095041、13877153981"),
        ("联系人：周九。", "周九", None),  # a name alone still is a note
        ("联系方式：0477-8586566", None, "0477-8586566"),
        ("咨询电话：（010）8403-8327", None, "010-84038327"),
        ("联系电话：0477-8586566，传真：0477-8586567", None, "0477-8586566"),
    ],
)
def test_contact_note_forms(note: str, contact: str | None, phone: str | None) -> None:
    meta = _meta(LETTER + note)
    assert (meta.contact, meta.contact_phone) == (contact, phone)


def test_contact_first_note_wins() -> None:
    raw = LETTER + "联系人：甲一，联系电话：0477-1111111\n联系人：乙二，联系电话：0477-2222222"
    assert (_meta(raw).contact, _meta(raw).contact_phone) == ("甲一", "0477-1111111")


def test_contact_in_running_text() -> None:
    raw = (
        "商务部办公厅关于某事的通知 各省、自治区、直辖市商务主管部门： 为做好有关工作，现通知如下。重要情况请及时报告。"
        "联系人：合作司宋晓，电话010-65197437 商务部办公厅 2020年2月12日"
    )
    meta = _meta(raw)
    assert (meta.contact, meta.contact_phone) == ("合作司宋晓", "010-65197437")


@pytest.mark.parametrize(
    "body",
    [
        "如有问题请拨打0477-8586566咨询。",  # a number in a sentence
        "市小微企业融资服务窗口开辟服务专线（联系电话：0731—58225116），提供企业融资咨询服务。",  # mid-sentence
        "请各单位明确一名联系人，于3月1日前报送联系电话。",  # the words, no note
        "承办联系人及联系方式承运单位向指挥部申报。",  # no colon: a heading run into prose
        "联系人：联系电话：",  # a blank form
        "各县（市、区）联系人：旌阳区：张林（18084920429）",  # a list heading, not a name
        "全市共投入资金53.2亿元，惠及13800001111户。拨打12345热线反映问题。",
    ],
)
def test_no_contact_outside_a_note(body: str) -> None:
    meta = _meta(LETTER.replace("现将有关事项通知如下。", body))
    assert (meta.contact, meta.contact_phone) == (None, None)


@pytest.mark.parametrize(
    ("banji", "office", "date"),
    [
        (
            "抄送：市委办公室。\n鄂尔多斯市人民政府办公室 2025年9月3日印发",
            "鄂尔多斯市人民政府办公室",
            "2025-09-03",
        ),
        (
            "抄送：市委办公室。\n鄂尔多斯市人民政府办公室\n2025年9月3日印发",
            "鄂尔多斯市人民政府办公室",
            "2025-09-03",
        ),
        ("抄送：市委办公室。\n2025年9月3日印发", None, "2025-09-03"),
        ("XX市人民政府办公室\n二〇二五年九月三日印发", "XX市人民政府办公室", "2025-09-03"),
        ("印发日期：2025年9月3日", None, "2025-09-03"),
        ("本方案自2025年9月3日印发", None, None),  # prose, not an organ
        ("XX市人民政府办公室2025年9月3日发布", None, None),  # 发布 is not 印发
    ],
)
def test_print_line_forms(banji: str, office: str | None, date: str | None) -> None:
    meta = _meta(LETTER + banji)
    assert (meta.print_office, meta.print_date) == (office, date)
    assert meta.date == "2024-03-05"  # the 成文日期 stays the signature's


def test_print_line_in_running_text() -> None:
    raw = "XX省人民政府办公厅关于某事的通知 …… 抄送：省委各部门，省法院，省检察院。XX省人民政府办公厅2020年2月12日印发"
    meta = _meta(raw)
    assert (meta.print_office, meta.print_date) == ("XX省人民政府办公厅", "2020-02-12")
    news = "新华社北京2月7日电 财政部7日印发通知称，强化疫情防控重点保障企业资金支持。交通运输部于2020年2月15日印发"
    assert _meta(news).print_date is None  # no organ after the sentence: a news sentence, not the 版记


@pytest.mark.parametrize(
    ("block", "addressee"),
    [
        (
            "各省、自治区、直辖市人民政府，\n国务院各部委、各直属机构：",
            "各省、自治区、直辖市人民政府，国务院各部委、各直属机构",
        ),
        (
            "各省、自治区、直辖市人民政府，国务院各部委、各\n直属机构：",
            "各省、自治区、直辖市人民政府，国务院各部委、各直属机构",
        ),
        ("河北省人民政府、\n国家发展改革委：", "河北省人民政府、国家发展改革委"),
        (
            "各省、自治区、直辖市、新疆生产建设兵团交通运输厅（局、委）：",
            "各省、自治区、直辖市、新疆生产建设兵团交通运输厅（局、委）",
        ),
        ("各旗区人民政府,市人民政府各部门:", "各旗区人民政府,市人民政府各部门"),
        ("为做好有关工作，现将有关事项\n通知如下：", None),  # prose ending in ： is no 主送
    ],
)
def test_addressee_blocks(block: str, addressee: str | None) -> None:
    raw = f"国务院关于某事的通知\n国发〔2019〕5号\n{block}\n现将有关事项通知如下。\n国务院\n2019年1月1日"
    meta = _meta(raw)
    assert meta.addressee == addressee
    assert meta.title == "国务院关于某事的通知"


def test_long_addressee_list() -> None:
    organs = "，".join(f"第{n}直属单位" for n in range(1, 30))  # longer than clean's 120-character rule
    meta = _meta(f"XX部关于某事的通知\nXX发〔2020〕2号\n{organs}，各派出机构：\n现通知如下。")
    assert meta.addressee == f"{organs}，各派出机构"


@pytest.mark.parametrize(
    ("raw", "addressee"),
    [
        (
            "山东省人民政府办公厅印发关于某事的若干措施的通知鲁政办字〔2020〕18号各市人民政府，各县(市、区)人民政府，"
            "省政府各部门、各直属机构：《关于某事的若干措施》已经省政府同意，现印发给你们。",
            "各市人民政府，各县(市、区)人民政府，省政府各部门、各直属机构",
        ),
        (  # the title printed again after the 文号
            "遂宁市人民政府办公室印发《若干措施》的通知遂府办发〔2020〕2号遂宁市人民政府办公室印发《若干措施》的通知"
            "各县（市、区）人民政府，市直各部门：《若干措施》已经讨论通过，现印发给你们。",
            "各县（市、区）人民政府，市直各部门",
        ),
        (  # no 主送 after the 文号: the body starts
            "中国人民银行关于某事的通知银发〔2020〕29号新型冠状病毒感染的肺炎疫情发生以来，党中央高度重视：",
            None,
        ),
    ],
)
def test_inline_addressee(raw: str, addressee: str | None) -> None:
    assert _meta(raw).addressee == addressee


def test_new_fields_round_trip_through_store_metadata() -> None:
    from rag.records import Chunk
    from rag.store import _flat, chunk_from_row

    meta = (
        _meta(SEED.read_text(encoding="utf-8"))
        if SEED.exists()
        else _meta(LETTER + "联系人：张三，电话：010-12345678")
    )
    chunk = Chunk("c1", "d1", "a.txt", "正文。", "", 0, 3, 2, 0, meta)
    back = chunk_from_row("c1", "正文。", _flat(chunk, "hash"))
    assert back.meta == meta
    assert back.meta.contact_phone == meta.contact_phone


def test_missing_fields_are_none() -> None:
    meta = _meta("这是一段没有任何公文结构的普通文字，既没有标题也没有文号。第二句话。")
    assert meta == DocMeta()
    assert _meta("") == DocMeta()


def test_signature_fallback_issuer() -> None:
    raw = (
        "关于做好春节期间安全生产工作的通知\n各有关单位：\n请做好安全生产工作。\n"
        "鄂尔多斯市应急管理局\n2024年1月20日"
    )
    meta = _meta(raw)
    assert meta.issuer == "鄂尔多斯市应急管理局"
    assert meta.date == "2024-01-20"
    assert meta.doc_number is None


def test_body_dates_are_not_the_document_date() -> None:
    raw = "XX市人民政府关于某事的通知\n各区县：\n2024年1月1日起施行新的办法，2023年12月31日前完成准备。"
    assert _meta(raw).date is None


def test_form_header_is_not_the_title() -> None:
    raw = (
        "人大代表建议政协委员提案 办理答复函\n\n鄂建提复字〔2025〕334号\n\n签发人：张秀玲\n\n"
        "鄂尔多斯市人民政府关于市政协五届四次会议第0261号提案的答复函\n\n白夜明委员：\n\n您的提案收悉。"
    )
    assert _meta(raw).title == "鄂尔多斯市人民政府关于市政协五届四次会议第0261号提案的答复函"


def test_unstructured_text_title_and_number() -> None:
    raw = (
        "交通运输部关于做好疫情期间道路运输车辆技术保障工作的通知 交通运输部关于做好疫情期间道路运输车辆技术"
        "保障工作的通知 交运明电〔2020〕59号 各省、自治区、直辖市交通运输厅（局、委）： 为贯彻落实……"
    )
    meta = _meta(raw)
    assert meta.title == "交通运输部关于做好疫情期间道路运输车辆技术保障工作的通知"
    assert meta.doc_number == "交运明电〔2020〕59号"
    assert meta.issuer == "交通运输部"
    assert meta.doc_type == "notice"


def test_unstructured_news_has_no_title() -> None:
    raw = "广西出台多项政策支持企业复工复产 新华社南宁2月18日电（记者 黄浩铭）记者从18日召开的发布会获悉，……"
    meta = _meta(raw)
    assert meta.title is None
    assert meta.doc_number is None


# --- the State Council corpus: an expected table read from the files ---------------------

# file → (title, doc_number, issuer, date). Title = the lines before the 文号 line, joined (letter-spaced
# titles like 国 家 粮 食 应 急 预 案 without their spaces); date = the 成文日期 of the first signature block.
STATE_COUNCIL: dict[str, tuple[str, str | None, str, str]] = {
    "sc_01": (
        "国务院关于在市场监管领域全面推行部门联合“双随机、一公开”监管的意见",
        "国发〔2019〕5号",
        "国务院",
        "2019-01-27",
    ),
    "sc_02": (
        "国务院办公厅关于有效发挥政府性融资担保基金作用切实支持小微企业和“三农”发展的指导意见",
        "国办发〔2019〕6号",
        "国务院办公厅",
        "2019-01-22",
    ),
    "sc_03": ("国务院关于印发国家职业教育改革实施方案的通知", "国发〔2019〕4号", "国务院", "2019-01-24"),
    "sc_04": (
        "国务院办公厅关于加强三级公立医院绩效考核工作的意见",
        "国办发〔2019〕4号",
        "国务院办公厅",
        "2019-01-16",
    ),
    "sc_05": (
        "国务院关于促进综合保税区高水平开放高质量发展的若干意见",
        "国发〔2019〕3号",
        "国务院",
        "2019-01-12",
    ),
    "sc_06": (
        "国务院办公厅关于开展城镇小区配套幼儿园治理工作的通知",
        "国办发〔2019〕3号",
        "国务院办公厅",
        "2019-01-09",
    ),
    "sc_07": (
        "国务院办公厅关于印发“无废城市”建设试点工作方案的通知",
        "国办发〔2018〕128号",
        "国务院办公厅",
        "2018-12-29",
    ),
    "sc_08": (
        "国务院办公厅关于印发国家组织药品集中采购和使用试点方案的通知",
        "国办发〔2019〕2号",
        "国务院办公厅",
        "2019-01-01",
    ),
    "sc_09": (
        "国务院办公厅关于深入开展消费扶贫助力打赢脱贫攻坚战的指导意见",
        "国办发〔2018〕129号",
        "国务院办公厅",
        "2018-12-30",
    ),
    "sc_10": (
        "国务院办公厅关于推广第二批支持创新相关改革举措的通知",
        "国办发〔2018〕126号",
        "国务院办公厅",
        "2018-12-23",
    ),
    "sc_11": ("国务院关于2018年度国家科学技术奖励的决定", "国发〔2018〕44号", "国务院", "2018-12-28"),
    "sc_12": (
        "国务院办公厅关于抓好赋予科研机构和人员更大自主权有关文件贯彻落实工作的通知",
        "国办发〔2018〕127号",
        "国务院办公厅",
        "2018-12-26",
    ),
    "sc_13": (
        "国务院办公厅关于全面推行行政执法公示制度执法全过程记录制度重大执法决定法制审核制度的指导意见",
        "国办发〔2018〕118号",
        "国务院办公厅",
        "2018-12-05",
    ),
    "sc_14": (
        "国务院关于河北雄安新区总体规划（2018—2035年）的批复",
        "国函〔2018〕159号",
        "国务院",
        "2018-12-25",
    ),
    "sc_17": (
        "国务院办公厅关于推进政务新媒体健康有序发展的意见",
        "国办发〔2018〕123号",
        "国务院办公厅",
        "2018-12-07",
    ),
    "sc_18": (
        "国务院办公厅关于印发文化体制改革中经营性文化事业单位转制为企业和进一步支持文化企业发展两个规定的通知",
        "国办发〔2018〕124号",
        "国务院办公厅",
        "2018-12-18",
    ),
    "sc_20": (
        "国务院办公厅转发国家地震局关于我国地震重点监视防御区的确定和加强防震减灾工作意见报告的通知",
        "国办发〔1996〕2号",
        "国务院办公厅",
        "1996-02-05",
    ),
    "sc_21": (
        "国务院办公厅关于辽宁省在曾培炎副总理考察工作时所提问题和建议办理情况的函",
        "国办函〔2004〕57号",
        "国务院办公厅",
        "2004-08-12",
    ),
    "sc_23": (
        "国务院办公厅关于湖北省巴东县地质灾害险情有关问题的复函",
        "国办函〔2004〕80号",
        "国务院办公厅",
        "2004-11-04",
    ),
    "sc_24": (
        "国务院办公厅关于同意以哈尔滨市名义申办2009年第二十四届世界大学生冬季运动会的复函",
        "国办函〔2004〕36号",
        "国务院办公厅",
        "2004-04-27",
    ),
    "sc_25": ("国务院办公厅关于科技节水建议的复函", "国办函〔2005〕21号", "国务院办公厅", "2005-03-03"),
    "sc_26": (
        "国务院办公厅对全国政协十届四次会议第4626号提案的答复",
        "国办函〔2006〕82号",
        "国务院办公厅",
        "2006-10-18",
    ),
    "sc_28": (
        "国务院办公厅对十届全国人大四次会议第2996号建议的答复",
        "国办函〔2006〕70号",
        "国务院办公厅",
        "2006-09-07",
    ),
    "sc_30": (
        "国务院办公厅对全国政协十届三次会议第2741号提案的答复",
        "国办函〔2005〕69号",
        "国务院办公厅",
        "2005-07-14",
    ),
    "sc_31": (
        "国务院办公厅关于同意以深圳市名义申办2011年第26届世界大学生夏季运动会的复函",
        "国办函〔2004〕88号",
        "国务院办公厅",
        "2004-12-17",
    ),
    "sc_32": (
        "国务院关于印发个人所得税专项附加扣除暂行办法的通知",
        "国发〔2018〕41号",
        "国务院",
        "2018-12-13",
    ),
    # 国务院令 第707号 is an order number, not a 文号
    "sc_33": ("中华人民共和国国务院令", None, "中华人民共和国国务院", "2018-12-18"),
    "sc_34": (
        "国务院办公厅关于加快发展体育竞赛表演产业的指导意见",
        "国办发〔2018〕121号",
        "国务院办公厅",
        "2018-12-11",
    ),
    "sc_35": (
        "国务院办公厅关于全面推行行政规范性文件合法性审核机制的指导意见",
        "国办发〔2018〕115号",
        "国务院办公厅",
        "2018-12-04",
    ),
    "sc_36": (
        "国务院办公厅关于国家综合性消防救援车辆悬挂应急救援专用号牌有关事项的通知",
        "国办发〔2018〕114号",
        "国务院办公厅",
        "2018-12-04",
    ),
    "sc_39": (
        "国务院关于做好当前和今后一个时期促进就业工作的若干意见",
        "国发〔2018〕39号",
        "国务院",
        "2018-11-16",
    ),
    "sc_41": ("国务院办公厅关于印发国家粮食应急预案的函", "国办函〔2005〕57号", "国务院办公厅", "2005-06-11"),
    "sc_42": (
        "国务院办公厅关于黄金经济政策有关问题的复函",
        "国办函〔1996〕16号",
        "国务院办公厅",
        "1996-02-09",
    ),
    "sc_43": (
        "国务院办公厅关于广东与香港、澳门合建自动气象站网有关问题的复函",
        "国办函〔1996〕14号",
        "国务院办公厅",
        "1996-02-06",
    ),
    "sc_44": (
        "国务院关于授权香港特别行政区实施管辖的深圳湾口岸港方口岸区范围和土地使用期限的批复",
        "国函〔2006〕132号",
        "国务院",
        "2006-12-30",
    ),
    "sc_45": (
        "国务院、中央军委关于同意武警总部后勤部机关等迁址新建的批复",
        "国函〔1996〕95号",
        "国务院、中央军委",
        "1996-11-05",
    ),
    "sc_46": (
        "国务院关于同意组建2008年北京奥运会首都国际机场协调委员会的批复",
        "国函〔2006〕38号",
        "国务院",
        "2006-05-23",
    ),
    "sc_47": ("国务院关于印发《国务院工作规则》的通知", "国发〔2004〕18号", "国务院", "2004-06-26"),
    "sc_48": (
        "国务院办公厅关于湖北省在温家宝总理考察工作时所提问题和建议办理情况的函",
        "国办函〔2004〕25号",
        "国务院办公厅",
        "2004-03-02",
    ),
    "sc_51": (
        "国务院办公厅转发国家地震局关于1997年地震趋势和加强防震减灾工作意见报告的通知",
        "国办发〔1997〕2号",
        "国务院办公厅",
        "1997-02-04",
    ),
    "sc_52": (
        "国务院办公厅转发国家教委关于内地西藏班（校）扩大规模有关问题请示的通知",
        "国办发〔1996〕32号",
        "国务院办公厅",
        "1996-07-17",
    ),
    "sc_53": (
        "国务院关于同意乌鲁木齐、昌吉、石河子高新技术产业开发区建设国家自主创新示范区的批复",
        "国函〔2018〕145号",
        "国务院",
        "2018-11-23",
    ),
    "sc_54": (
        "国务院办公厅关于调整国家教材委员会组成人员的通知",
        "国办发〔2018〕109号",
        "国务院办公厅",
        "2018-11-20",
    ),
    "sc_55": (
        "国务院关于同意建立国务院职业教育工作部际联席会议制度的批复",
        "国函〔2018〕144号",
        "国务院",
        "2018-11-20",
    ),
    "sc_57": (
        "国务院关于支持自由贸易试验区深化改革创新若干措施的通知",
        "国发〔2018〕38号",
        "国务院",
        "2018-11-07",
    ),
    "sc_60": (
        "国务院办公厅关于印发《政府网站集约化试点工作方案》的通知",
        "国办函〔2018〕71号",
        "国务院办公厅",
        "2018-10-27",
    ),
}
MIN_MATCHES = 44


@pytest.fixture(scope="module")
def state_council() -> dict[str, DocMeta]:
    folder = _shared("state-council")
    return {f.stem: _meta(f.read_text(encoding="utf-8")) for f in sorted(folder.glob("*.txt"))}


def test_state_council_table_covers_the_corpus(state_council: dict[str, DocMeta]) -> None:
    assert set(state_council) == set(STATE_COUNCIL)


@pytest.mark.parametrize(("field", "index"), [("title", 0), ("doc_number", 1), ("issuer", 2), ("date", 3)])
def test_state_council_field(state_council: dict[str, DocMeta], field: str, index: int) -> None:
    mismatches = {
        name: (getattr(state_council[name], field), expected[index])
        for name, expected in STATE_COUNCIL.items()
        if getattr(state_council[name], field) != expected[index]
    }
    matched = len(STATE_COUNCIL) - len(mismatches)
    assert matched >= MIN_MATCHES, f"{field}: {matched}/{len(STATE_COUNCIL)}; (got, expected): {mismatches}"


@pytest.mark.parametrize(
    ("name", "number", "proposer", "proposal_title"),
    [
        ("sc_26", "4626", "王超斌", "关于设立总理热线电话的提案"),
        ("sc_28", "2996", "石英", "关于建设地方政府门户网站外文版的建议"),
        ("sc_30", "2741", "邓乃扬、韩汝琦", "关于完善与发展政府网站推进政府公共服务水平的提案"),
    ],
)
def test_state_council_reply_letters(
    state_council: dict[str, DocMeta], name: str, number: str, proposer: str, proposal_title: str
) -> None:
    meta = state_council[name]
    assert meta.doc_type == "reply_letter"
    assert meta.proposal_number == number
    assert meta.proposer == proposer
    assert meta.proposal_title == proposal_title


def test_state_council_doc_types(state_council: dict[str, DocMeta]) -> None:
    assert state_council["sc_01"].doc_type == "opinion"
    assert state_council["sc_03"].doc_type == "notice"
    assert state_council["sc_11"].doc_type == "decision"
    assert state_council["sc_14"].doc_type == "reply"
    assert state_council["sc_01"].addressee == "各省、自治区、直辖市人民政府，国务院各部委、各直属机构"
    assert state_council["sc_03"].proposer is None


def test_state_council_addressees(state_council: dict[str, DocMeta]) -> None:
    """Every State Council document but the 国务院令 (sc_33) names its 主送; the full list, as written."""
    assert {name for name, meta in state_council.items() if meta.addressee is None} == {"sc_33"}
    assert state_council["sc_14"].addressee == "河北省人民政府、国家发展改革委"
    assert state_council["sc_24"].addressee == "黑龙江省人民政府，教育部、外交部、财政部、体育总局"
    assert state_council["sc_25"].addressee == "马万祺副主席"
    assert state_council["sc_52"].addressee == (
        "北京、天津、上海、河北、辽宁、江苏、浙江、福建、山东、河南、湖南、湖北、广东、四川、西藏、陕西省"
        "（自治区、直辖市）人民政府"
    )


def test_state_council_has_no_contact_or_print_line(state_council: dict[str, DocMeta]) -> None:
    """These gov.cn texts carry neither a contact note nor a 版记; sc_39 even speaks of 联系方式、监督投诉电话
    in a sentence: nothing may be read from that."""
    found = {
        name: (m.contact, m.contact_phone, m.print_office, m.print_date)
        for name, m in state_council.items()
        if m.contact or m.contact_phone or m.print_office or m.print_date
    }
    assert found == {}


# --- the NCP corpus: no structure, must not break ----------------------------------------


def test_ncp_smoke() -> None:
    folder = _shared("ncp")
    titled = 0
    for f in sorted(folder.glob("*.txt")):
        meta = _meta(f.read_text(encoding="utf-8"))
        assert meta.title is None or len(meta.title) <= 120, (f.name, meta.title)
        assert meta.doc_type in DOC_TYPES
        assert meta.date is None or len(meta.date) == 10
        titled += meta.title is not None
    assert titled > 0


# Every NCP document with a contact note, as read (file → (contact, contact_phone)); all others have none.
# Checked by hand against the files: each is a 联系人 / 联系电话 note, none a number from a sentence.
NCP_CONTACTS: dict[str, tuple[str | None, str]] = {
    # clean_text drops the space between two names (孙良谊 王蔚, 刘扬 高顺利): they come out run together
    "0a03ce2e160e32699f6587bf9bf71487": ("孙良谊王蔚", "010-64521235、010-64521233"),
    "11ad5401a43c3070b5254d9f662578a2": ("市路政处李勇", "13990220997"),
    "1aca7fffb59d3ae8aa3181f6dcff61e4": ("田宁", "0771-8095041、13877153981"),
    "1d525a1121d13ae49f518fe4b7e43527": ("中国华文教育基金会井英", "010-88388004"),
    "20f18320fa8233d7959aa825f2a5e9c0": ("张李招、赵婷婷", "0591-87856021、87833713"),
    "7bd39fd72ea03ed79d497b0979782831": (None, "0851-86822440"),
    "7cca1cb73fad34328575362a3716a3ab": ("兰洁", "010-64962031、13488809182"),
    "a49587bb7f8c3b6aa95ac23b53243a45": (None, "010-84038327"),
    "acffff48536e35729f0003992f2db564": ("刘长友", "0311-88615047、18032925850"),
    "bf3cfea07c3737f597a3e2c695217c76": ("合作司宋晓", "010-65197437"),
    "f149ca3953c4332688ab711bba0a16f1": ("刘霞、张宏鸽", "18600636475、13520558904"),
    "f2cb0a5758dc34a78c30da7830cd375d": ("郭永盛", "0919-3185685"),
    "f3f76a371c2e3472b7a464e2d6ae18a7": ("刘扬高顺利", "010-66096771"),  # its 66020522（传真） is dropped
    "f8e76c9b7c323923b680dc9edc138c1f": ("李宝星、刘虎成", "010-85093851、85093840"),
    "feabf468be5233e79967f53e9c5529c8": (None, "0523-86391105、0523-86391112"),
}


@pytest.fixture(scope="module")
def ncp() -> dict[str, DocMeta]:
    folder = _shared("ncp")
    return {f.stem: _meta(f.read_text(encoding="utf-8")) for f in sorted(folder.glob("*.txt"))}


def test_ncp_contact_notes(ncp: dict[str, DocMeta]) -> None:
    found = {name: (m.contact, m.contact_phone) for name, m in ncp.items() if m.contact or m.contact_phone}
    assert found == NCP_CONTACTS


def test_ncp_print_line_and_inline_addressees(ncp: dict[str, DocMeta]) -> None:
    printed = {
        name: (m.print_office, m.print_date) for name, m in ncp.items() if m.print_office or m.print_date
    }
    assert printed == {"37dd65b1c0393982a572cbae7058dc46": ("山东省人民政府办公厅", "2020-02-12")}
    meta = ncp["37dd65b1c0393982a572cbae7058dc46"]
    assert meta.addressee == "各市人民政府，各县(市、区)人民政府，省政府各部门、各直属机构"
    # a 主送 follows nearly every 文号 that opens a notice (银发〔2020〕29号 is followed by its body)
    numbered = [m for m in ncp.values() if m.doc_number]
    assert sum(m.addressee is not None for m in numbered) >= len(numbered) - 2
    for m in ncp.values():
        assert m.addressee is None or ("关于" not in m.addressee and "〔" not in m.addressee), m.addressee
