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
