"""Reply letters as data (rag.replies), the register (rag.registry) and register questions
(rag.reply_answers): against the hand-checked letters of tests/data/replies_dev.jsonl field by field, on
letters written in other bodies' styles, and on the register's filters and audience. No model, no store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rag import eval as rag_eval
from rag.access import INTERNAL, PUBLIC_AUDIENCE, STAFF_AUDIENCE
from rag.clean import clean_text
from rag.errors import QueryError
from rag.eval_replies import FIELDS, read, resolve, same
from rag.metadata import extract_metadata
from rag.registry import CSV_COLUMNS, Registry, ReplyFilters, to_csv
from rag.replies import Reply, read_reply
from rag.reply_answers import register_question
from rag.settings import Settings

from .conftest import ROOT

DEV = ROOT / "tests" / "data" / "replies_dev.jsonl"


def _labels() -> list[dict[str, Any]]:
    return [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]


def _path_or_skip(file: str) -> Path:
    try:
        return resolve(file)
    except Exception:
        pytest.skip(f"{file} is not present (../shared is laid beside the checkout in CI)")


def _reply(text: str) -> Reply | None:
    clean = clean_text(text)
    return read_reply(clean, extract_metadata(clean))


@pytest.mark.parametrize("label", _labels(), ids=lambda d: Path(d["file"]).name)
def test_dev_letters_field_by_field(label: dict[str, Any]) -> None:
    path = _path_or_skip(label["file"])
    got, _ = read(path, Settings())
    wrong = {f: (got[f], label[f]) for f in FIELDS if f in label and not same(f, got[f], label[f])}
    assert not wrong, wrong
    clean = clean_text(path.read_text(encoding="utf-8"))
    reply = read_reply(clean, extract_metadata(clean))
    assert reply is not None
    for f in ("proposal_title", "contact", "contact_phone", "recipients_cc"):
        assert getattr(reply, f) == label[f], f
    if "commitments_first" in label:
        assert reply.commitments and reply.commitments[0].startswith(label["commitments_first"])
    # commitments are verbatim: each is in the text (the lines a PDF wrapped joined back)
    flat = clean.replace("\n", "")
    assert all(c in flat for c in reply.commitments)


def test_eval_replies_cli_scores_dev_set_against_the_metadata_baseline(capsys: pytest.CaptureFixture[str]) -> None:
    _path_or_skip("../shared/corpus/state-council/sc_26.txt")
    assert rag_eval.main(["--replies", str(DEV), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["n"] == 7
    assert res["read_reply"]["overall"] == 1.0
    assert res["baselines"]["metadata_only"]["overall"] < 0.8  # it reads no kind, session, body, level
    assert rag_eval.main(["--replies", str(DEV)]) == 0
    out = capsys.readouterr().out
    assert "session" in out and "metadata_only" in out


@pytest.mark.parametrize(("field", "got", "want", "ok"), [
    ("number", "0261", "第0261号", True), ("number", "261", "0261", False), ("body", "政协", "全国政协", True),
    ("level", "区县", "县", True), ("kind", "建议", "代表建议", True), ("proposers", ["张三", "李四等"], "张三、李四", True),
    ("proposers", ["张三"], ["张三", "李四"], False), ("session", "十届四次会议", "第十届全国人民代表大会第四次会议", True),
    ("session", "十届四次会议", "十届三次会议", False), ("date", "2006-10-18", "2006年10月18日", True),
    ("doc_number", "国办函〔2006〕82号", "国办函[2006]82号", True), ("replying_body", None, "国务院办公厅", False),
    ("number", None, None, True),
])
def test_eval_replies_compares_what_labellers_write_otherwise(field: str, got: Any, want: Any, ok: bool) -> None:
    assert same(field, got, want) is ok


def test_eval_replies_names_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "l.jsonl"
    f.write_text('{"file": "no/such.txt", "number": "1"}\n', encoding="utf-8")
    assert rag_eval.main(["--replies", str(f)]) == 2
    assert "no/such.txt" in capsys.readouterr().err


# Letters in the styles of other bodies and levels (written for this test from real forms).
CITY_NPC = """关于市十五届人大三次会议第156号建议的答复
长教建复〔2024〕23号
张伟、李娜等代表：
你们领衔提出的《关于加快建设城区中小学校的建议》收悉，现答复如下：
近年来，我局多措并举扩大学位供给。
下一步，我局将继续加大投入力度，加快新建学校建设进度。同时，将优化学区划分。
感谢你们对教育工作的关心和支持！
长沙市教育局
2024年6月20日
（联系人：王敏，联系电话：0731-88661234）
抄送：市人大常委会代表工作委员会，市政府办公厅。"""
PROVINCE_CPPCC_GROUP = """对省政协十二届二次会议第0301号提案的答复
民盟省委：
贵委提出的关于推进数字乡村建设的提案收悉。经研究，现答复如下：
一、工作进展。我厅已出台实施方案。
二、下步工作打算。一是加强统筹协调。二是强化资金保障，省财政将安排专项资金。
湖南省农业农村厅
2024年7月1日"""
DISTRICT_NUMBER_AFTER = """关于对区人大十七届四次会议建议第12号的答复
丰台区城市管理委员会
刘强代表：
您在区十七届人大四次会议期间提出的“关于加强老旧小区停车管理的建议”收悉，现答复如下：
我委高度重视。今后我们将会同街道加快推进停车设施建设。
2023年5月10日"""
NATIONAL_CPPCC_FORMAL = """关于政协第十三届全国委员会第五次会议第01234号（经济发展类123号）提案答复的函
财办函〔2022〕88号
孙明委员：
您提出的《关于优化增值税留抵退税政策的提案》收悉。现答复如下：
近年来，财政部持续完善留抵退税制度。
下一步，财政部将会同税务总局进一步完善政策。
财政部办公厅
2022年8月1日"""

# A web page's letter: no line structure (clean_text drops the spaces between CJK too).
FLAT_WEB_PAGE = ("关于市政协十四届二次会议第123号提案的答复 发布时间：2024-06-01 张三委员：您提出的《关于支持科技企业融资的提案》收悉。"
                 "现答复如下：一、工作开展情况。我局积极推动。二、下一步工作。我局将进一步加强科技金融服务。感谢您对科技工作的关心和支持。"
                 " 杭州市科学技术局 2024年6月1日")
DISTRICT_GROUP = """关于区政协2023年第15号提案的答复
民建区委会：
贵会提出的《关于优化营商环境的提案》收悉。现答复如下：
今后，我局将持续优化服务。
西湖区市场监督管理局
2023年6月1日"""
FORMAL_NPC_MANY = """海淀区教育委员会关于区第十八届人民代表大会第三次会议第45号建议的答复
尊敬的张三等10位代表：
您们提出的关于增加学位供给的建议收悉，现答复如下：
下一步，我委将加快推进学校建设。
海淀区教育委员会
2024年5月8日"""


@pytest.mark.parametrize(("text", "want"), [
    (FLAT_WEB_PAGE, {"kind": "提案", "number": "123", "session": "十四届二次会议", "body": "政协", "level": "市",
                     "proposers": ["张三"], "replying_body": "杭州市科学技术局", "date": "2024-06-01",
                     "proposal_title": "关于支持科技企业融资的提案", "commitments": ["我局将进一步加强科技金融服务。"]}),
    (DISTRICT_GROUP, {"kind": "提案", "number": "15", "session": None, "body": "政协", "level": "区县",
                      "proposers": ["民建区委会"], "replying_body": "西湖区市场监督管理局"}),
    (FORMAL_NPC_MANY, {"kind": "建议", "number": "45", "session": "十八届三次会议", "body": "人大", "level": "区县",
                       "proposers": ["张三等"], "replying_body": "海淀区教育委员会"}),
    ("关于加快建设城区中小学校的建议的答复\n张伟代表：\n您在市十五届人大三次会议上提出的《关于加快建设城区中小学校的建议》（第156号）"
     "收悉，现答复如下：\n下一步，我局将继续加大投入力度。\n长沙市教育局\n2024年6月20日",
     {"kind": "建议", "number": "156", "session": "十五届三次会议", "body": "人大", "level": "市", "proposers": ["张伟"],
      "replying_body": "长沙市教育局", "date": "2024-06-20"}),
], ids=["flat-web-page", "district-group-year-number", "formal-npc-many-proposers", "number-and-session-in-opening"])
def test_more_letter_forms(text: str, want: dict[str, Any]) -> None:
    r = _reply(text)
    assert r is not None
    assert {k: getattr(r, k) for k in want} == want


@pytest.mark.parametrize(("text", "want"), [
    (CITY_NPC, {"kind": "建议", "number": "156", "session": "十五届三次会议", "body": "人大", "level": "市",
                "proposers": ["张伟", "李娜等"], "replying_body": "长沙市教育局", "doc_number": "长教建复〔2024〕23号",
                "date": "2024-06-20", "contact": "王敏", "proposal_title": "关于加快建设城区中小学校的建议",
                "commitments": ["下一步，我局将继续加大投入力度，加快新建学校建设进度。", "同时，将优化学区划分。"]}),
    (PROVINCE_CPPCC_GROUP, {"kind": "提案", "number": "0301", "session": "十二届二次会议", "body": "政协",
                            "level": "省", "proposers": ["民盟省委"], "replying_body": "湖南省农业农村厅",
                            "doc_number": None, "commitments": ["一是加强统筹协调。", "二是强化资金保障，省财政将安排专项资金。"]}),
    (DISTRICT_NUMBER_AFTER, {"kind": "建议", "number": "12", "session": "十七届四次会议", "body": "人大",
                             "level": "区县", "proposers": ["刘强"], "replying_body": "丰台区城市管理委员会",
                             "proposal_title": "关于加强老旧小区停车管理的建议", "date": "2023-05-10"}),
    (NATIONAL_CPPCC_FORMAL, {"kind": "提案", "number": "01234", "session": "十三届五次会议", "body": "政协",
                             "level": "全国", "proposers": ["孙明"], "replying_body": "财政部办公厅",
                             "proposal_title": "关于优化增值税留抵退税政策的提案",
                             "commitments": ["下一步，财政部将会同税务总局进一步完善政策。"]}),
], ids=["city-npc", "province-cppcc-group", "district-number-after-kind", "national-cppcc-formal"])
def test_letters_of_other_bodies(text: str, want: dict[str, Any]) -> None:
    r = _reply(text)
    assert r is not None
    assert {k: getattr(r, k) for k in want} == want


@pytest.mark.parametrize("addressee", ["各位代表", "市人大常委会", "市人民政府办公室"])
def test_an_addressee_who_is_no_proposer_gives_none(addressee: str) -> None:
    r = _reply(f"关于市十五届人大三次会议第156号建议的答复\n{addressee}：\n你们提出的建议收悉，现答复如下：\n"
               "下一步，我局将继续加大投入力度。\n长沙市教育局\n2024年6月20日")
    assert r is not None and r.number == "156" and r.proposers is None


def test_what_a_letter_does_not_say_is_none() -> None:
    r = _reply("国务院办公厅关于科技节水建议的复函\n国办函〔2005〕21号\n马万祺副主席：\n温家宝总理对您关于科技节水的建议十分重视。\n"
               "国务院办公厅\n二〇〇五年三月三日")
    assert r is not None
    assert (r.number, r.session, r.level, r.body, r.contact, r.recipients_cc) == (None,) * 6
    assert r.commitments == []


@pytest.mark.parametrize("text", [
    "国务院办公厅关于黄金经济政策有关问题的复函\n国办函〔1996〕16号\n国家经贸委、冶金部：\n你们的请示收悉。现答复如下：\n同意。\n国务院办公厅\n一九九六年三月一日",
    "关于做好2024年稳就业工作的通知\n各区人民政府：\n现将有关事项通知如下。\n一、加大支持。\n市人民政府\n2024年3月1日",
])
def test_other_documents_are_not_reply_letters(text: str) -> None:
    assert _reply(text) is None


# Letters as county, city and province web pages give them (written for these tests): the page's furniture
# around the letter, titles repeated, labels instead of a signature, lost punctuation and line breaks.
PAGE_BREADCRUMB = """首页 > 信息公开 > 建议提案 > 正文
关于市九届人大二次会议甬12号建议的答复[北环建〔2021〕45号]
发布时间：2021-07-30 来源：北溪市环境局
陈明代表：
您在市九届人大二次会议上提出的甬12号《关于治理河道污染的建议》收悉，现答复如下：
我局已完成排污口排查。下一步，我局将加快截污管网建设。
北溪市生态环境局
2021年7月2日"""
SALUTATION_ONLY = """赵六、钱七委员：
你们提出的关于改善乡村公路照明的提案已收悉。现答复如下：
今年我局已安装路灯三百盏。下一步，我们将逐步覆盖其余路段。
2021年5月6日
联系单位：云岭县交通运输局
联 系 人：周红"""
DAMAGED_SIGNATURE = """关于县十届人大四次会议第7、19号建议的复函
吴刚代表
提出的关于修缮老街石桥的建议收悉，现答复如下：
我局已将石桥列入修缮计划。
云岭县住房和城乡建设局(县人民防空办公室)
2019715"""
TITLE_ORGAN_NO_SIGNATURE = """- 发文机关：云岭县人民政府办公室
- 成文日期：
- 标题：云岭县林业局关于对县九届人大三次会议第21号建议的答复
云岭县林业局关于对县九届人大三次会议第21号建议的答复
孙丽、何平代表：
你们提出的《关于加强护林防火的建议》收悉，现答复如下。
下一步我局将增设护林员岗位。
感谢你们对林业工作的关心和支持。"""
CPPCC_CALLED_SUGGESTION = """标题 关于规范夜市摊点的建议的答复 成文日期 2020-03-04
发布机构 东湖区城市管理局
关于规范夜市摊点的建议的答复
郑强委员：
您关于规范夜市摊点的建议提案收悉，现回复如下：
我局已划定夜市经营区域，并将持续开展巡查。
感谢您对城市管理工作的关心。"""
COLLECTIVE_LETTERED = """办理类别：A
北溪住议字〔2023〕9号 签发人：刘一
对市政协第八届第二次会议
第2023B017号集体提案的答复
九三学社北溪市委员会：
贵社提出的《关于推进老旧小区改造的建议》（第2023B017号）收悉，现答复如下：
我局将按照全市统一部署推进改造。
北溪市住房保障和房屋管理局
2023年8月1日"""
DRAFT_MOTION = """当前位置：首页 > 代表议案
关于对县十二届人大一次会议第3号议事原案的答复(交通局)
发布日期：2015-04-01 来源：人大办公室
李强、王芳、张军代表：
你们提出的“关于修建镇村公路的议事原案”收悉。现答复如下：
该路段已列入今年建设计划。
感谢你们对交通工作的关心和支持。"""
NO_PLACE_NAMED = """尊敬的黄河等代表：
谢谢您长期关心城区交通。
您在南山市西岭区人大会议期间提交的《关于拓宽老城道路的建议》我们已收悉，经研究，现答复如下：
拓宽工程已报请区政府列入明年计划。
此复
2019年11月4日"""
LABEL_COLON_DOC_NUMBER = """对北溪市第六届人民代表大会 第二次会议第57号建议的答复
发布日期：2020-10-12 来源：水务局 收藏
建议字：〔2020〕14号
对北溪市第六届人民代表大会第二次会议第57号建议的答复
林海等5名代表：
关于修复灌渠的建议收悉。经认真研究，现答复如下：
灌渠修复已纳入今冬水利工程。
2020年9月28日
审核：马力"""


@pytest.mark.parametrize(("text", "want"), [
    (PAGE_BREADCRUMB, {"number": "12", "kind": "建议", "session": "九届二次会议", "body": "人大", "level": "市",
                       "proposers": ["陈明"], "replying_body": "北溪市生态环境局",
                       "doc_number": "北环建〔2021〕45号", "date": "2021-07-02"}),
    (SALUTATION_ONLY, {"number": None, "kind": "提案", "session": None, "body": "政协", "level": "区县",
                       "proposers": ["赵六", "钱七"], "replying_body": "云岭县交通运输局", "date": "2021-05-06"}),
    (DAMAGED_SIGNATURE, {"number": "7", "kind": "建议", "body": "人大", "level": "区县", "proposers": ["吴刚"],
                         "replying_body": "云岭县住房和城乡建设局(县人民防空办公室)", "date": "2019-07-15"}),
    (TITLE_ORGAN_NO_SIGNATURE, {"number": "21", "kind": "建议", "session": "九届三次会议", "level": "区县",
                                "proposers": ["孙丽", "何平"], "replying_body": "云岭县林业局", "date": None,
                                "doc_number": None}),
    (CPPCC_CALLED_SUGGESTION, {"kind": "提案", "body": "政协", "level": "区县", "proposers": ["郑强"],
                               "replying_body": "东湖区城市管理局", "date": "2020-03-04"}),
    (COLLECTIVE_LETTERED, {"number": "2023B017", "kind": "提案", "session": "八届二次会议", "body": "政协",
                           "level": "市", "proposers": ["九三学社北溪市委员会"],
                           "replying_body": "北溪市住房保障和房屋管理局", "doc_number": "北溪住议字〔2023〕9号"}),
    (DRAFT_MOTION, {"number": "3", "kind": "议案", "session": "十二届一次会议", "body": "人大", "level": "区县",
                    "proposers": ["李强", "王芳", "张军"], "replying_body": "交通局", "date": None}),
    (NO_PLACE_NAMED, {"kind": "建议", "body": "人大", "level": "区县", "proposers": ["黄河等"],
                      "date": "2019-11-04", "number": None, "session": None}),
    (LABEL_COLON_DOC_NUMBER, {"number": "57", "session": "六届二次会议", "proposers": ["林海等"],
                              "replying_body": "水务局", "doc_number": "建议字〔2020〕14号", "date": "2020-09-28"}),
], ids=["breadcrumb-bracketed-doc-number-prefixed-number", "salutation-only-contact-unit", "damaged-date-line",
        "title-organ-without-signature", "cppcc-letter-says-suggestion", "collective-lettered-number",
        "draft-motion", "no-title-place-in-opening", "label-colon-doc-number-source-label"])
def test_web_page_letters(text: str, want: dict[str, Any]) -> None:
    r = _reply(text)
    assert r is not None
    assert {k: getattr(r, k) for k in want} == want


@pytest.mark.parametrize(("line", "want"), [
    ("2019715", "2019-07-15"), ("202293", "2022-09-03"), ("20240115", "2024-01-15"), ("2024115", None),
    ("2024135", None), ("13908817811", None),
])
def test_a_signature_date_without_its_characters_is_read_only_when_unambiguous(line: str, want: str | None) -> None:
    r = _reply(f"关于县十届人大四次会议第7号建议的答复\n吴刚代表：\n您的建议收悉，现答复如下：\n已办理。\n云岭县水利局\n{line}")
    assert r is not None and r.date == want


@pytest.mark.parametrize(("text", "want"), [
    ("何军委员：\n关于增设农贸市场的提案收悉，现答复如下：\n市场选址已确定。\n云岭县商务局\n"
     "2020年9月1日\n上一篇：云岭县林业局关于县七届政协二次会议第41号提案的答复\n"
     "下一篇：云岭县卫生健康局对县政协七届二次会议第88号提案的答复",
     {"number": None, "session": None, "kind": "提案", "body": "政协", "level": "区县", "replying_body": "云岭县商务局"}),
    ("关于县政协九届二次会议提案的答复意见\n林涛委员：\n您的提案（提案编号：0042）收悉，现答复如下：\n已办理。\n"
     "县文化广电和旅游局\n2022年6月1日",
     {"number": "0042", "kind": "提案", "session": "九届二次会议", "level": "区县", "replying_body": "县文化广电和旅游局"}),
    ("关于政协十届三次会议第8号提案的答复\n王五委员：\n您的提案收悉，现答复如下：\n已办理。\n县水利局\n"
     "抄送：县政协提案委。\n县水利局办公室 2022年7月9日印发",
     {"number": "8", "level": "区县", "replying_body": "县水利局"}),
    ("阿依·买买提代表：您好！\n您提出的关于修建村级文化室的建议已收悉，现答复如下：\n已列入计划。\n2021年4月2日\n"
     "联系单位：云岭县文化和旅游局",
     {"kind": "建议", "body": "人大", "level": "区县", "proposers": ["阿依·买买提"], "date": "2021-04-02"}),
    ("民盟北溪市委：\n贵委提出的《关于发展托育服务的提案》收悉，现答复如下：\n已出台扶持办法。\n北溪市卫生健康委员会\n2022年8月3日",
     {"kind": "提案", "body": "政协", "level": "市", "proposers": ["民盟北溪市委"], "replying_body": "北溪市卫生健康委员会"}),
    ("首页 > 建议提案 > 正文 关于县十届人大二次会议第15号建议的答复 发布时间：2023-06-02 来源：云岭县教育局 王强代表：您提出的关于"
     "改善校舍的建议收悉，现答复如下：我局已安排维修资金。下一步，我局将加快维修进度。感谢您对教育工作的关心和支持。 云岭县教育局 2023年5月30日",
     {"number": "15", "session": "十届二次会议", "level": "区县", "proposers": ["王强"], "replying_body": "云岭县教育局",
      "date": "2023-05-30", "commitments": ["下一步，我局将加快维修进度。"]}),
], ids=["links-to-other-letters-are-not-its-title", "answer-opinion-title-numbered-by-label", "bare-level-organ-print-line",
        "salutation-with-greeting", "salutation-to-a-party", "flat-page-labels-glued"])
def test_web_page_letters_more(text: str, want: dict[str, Any]) -> None:
    r = _reply(text)
    assert r is not None
    assert {k: getattr(r, k) for k in want} == want


def test_a_salutation_without_an_answer_is_no_reply_letter() -> None:
    assert _reply("张三代表：\n请于下周一到会议室参加座谈。\n县人大常委会办公室\n2024年3月1日") is None


# --- the register ------------------------------------------------------------------------------------


class FakeStore:
    def __init__(self, rows: dict[str, tuple[dict[str, Any], dict[str, Any]]]) -> None:
        self.rows = rows
        self.fp = "1"

    def doc_replies(self) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
        return self.rows

    def fingerprint(self) -> str:
        return self.fp


def _row(source: str, **kw: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    meta = {"source": source, "title": kw.pop("title", f"{source}的答复")}
    if kw.pop("internal", False):
        meta["visibility"] = INTERNAL
    return Reply(**kw).to_dict(), meta


@pytest.fixture
def registry() -> Registry:
    return Registry(FakeStore({
        "a": _row("a.txt", kind="提案", number="4626", session="十届四次会议", body="政协", level="全国",
                  proposers=["王超斌"], replying_body="国务院办公厅", date="2006-10-18", gist="国务院办公厅将不断改进有关工作。",
                  proposal_title="关于设立总理热线电话的提案"),
        "b": _row("b.txt", kind="建议", number="2996", session="十届四次会议", body="人大", proposers=["石英"],
                  replying_body="国务院办公厅", date="2006-09-07", proposal_title="关于建设地方政府门户网站外文版的建议"),
        "c": _row("c.txt", kind="提案", number="0261", session="五届四次会议", proposers=["白夜明"],
                  replying_body="鄂尔多斯市人民政府", date="2025-09-03", commitments=["下一步，加大科技金融支持。"]),
        "d": _row("d.txt", kind="提案", proposers=["内部人"], date="2026-01-01", internal=True),
        "e": _row("e.txt", kind="建议"),  # undated
    }), check_every=0)


def test_register_is_newest_first_and_hides_internal_letters(registry: Registry) -> None:
    assert [e.source for e in registry.select()] == ["c.txt", "a.txt", "b.txt", "e.txt"]
    assert registry.select(None, STAFF_AUDIENCE)[0].source == "d.txt"
    assert registry.get("d", PUBLIC_AUDIENCE) is None and registry.get("d", STAFF_AUDIENCE) is not None


@pytest.mark.parametrize(("params", "want"), [
    ({"proposer": "王超斌"}, ["a.txt"]),
    ({"proposer": "白夜"}, ["c.txt"]),
    ({"kind": "建议"}, ["b.txt", "e.txt"]),
    ({"year": "2006"}, ["a.txt", "b.txt"]),
    ({"session": "十届四次"}, ["a.txt", "b.txt"]),
    ({"session": "第五届第四次会议"}, ["c.txt"]),
    ({"replying_body": "鄂尔多斯"}, ["c.txt"]),
    ({"words": "科技 金融"}, ["c.txt"]),
    ({"words": "热线"}, ["a.txt"]),
    ({"kind": "提案", "year": "2006"}, ["a.txt"]),
])
def test_register_filters(registry: Registry, params: dict[str, str], want: list[str]) -> None:
    assert [e.source for e in registry.select(ReplyFilters.from_dict(params))] == want


@pytest.mark.parametrize(("params", "needle"), [
    ({"year": "二〇〇六"}, "year"), ({"year": "1800"}, "year"), ({"kind": "通知"}, "kind"),
    ({"session": "四次"}, "session"), ({"proposer": "王" * 80}, "proposer"),
])
def test_register_filters_name_bad_values(params: dict[str, str], needle: str) -> None:
    with pytest.raises(QueryError, match=needle):
        ReplyFilters.from_dict(params)


def test_register_reloads_when_the_store_changes(registry: Registry) -> None:
    store = registry.store
    assert isinstance(store, FakeStore)
    assert len(registry.select()) == 4
    store.rows = {"z": _row("z.txt", kind="议案", date="2020-01-01")}
    assert len(registry.select()) == 4  # same fingerprint: the list read before
    store.fp = "2"
    assert [e.source for e in registry.select()] == ["z.txt"]


def test_register_csv(registry: Registry) -> None:
    text = to_csv(registry.select())
    assert text.startswith("\ufeff" + ",".join(CSV_COLUMNS))
    assert "国办" not in text.splitlines()[0] and "王超斌" in text and "内部人" not in text


# --- register questions --------------------------------------------------------------------------------


@pytest.mark.parametrize(("q", "proposer", "topic"), [
    ("王超斌委员提过哪些提案？", "王超斌", ()),
    ("请问石英代表提出过什么建议", "石英", ()),
    ("马万祺提过什么建议？", "马万祺", ()),
    ("以前关于科技企业融资的提案是怎么答复的？", None, ("科技", "企业", "融资")),
    ("过去有没有关于政府网站的建议，答复过吗？", None, ("网站",)),
])
def test_register_questions(q: str, proposer: str | None, topic: tuple[str, ...]) -> None:
    rq = register_question(q)
    assert rq is not None and rq.proposer == proposer and rq.topic == topic


@pytest.mark.parametrize("q", [
    "334号答复函说了什么", "研发投入有哪些支持？", "第4626号提案是怎么答复的？", "《关于设立总理热线电话的提案》是怎么答复的？",
    "企业提过哪些建议？", "我们提出的建议有回复吗", "对科技企业融资有什么支持？", "这个提案是谁提的？",
])
def test_ordinary_questions_are_not_register_questions(q: str) -> None:
    assert register_question(q) is None


@pytest.mark.parametrize("path", sorted([*(ROOT / "tests" / "data").glob("*.jsonl"), *(ROOT.parent / "shared" / "qa").glob("*.jsonl")]),
                         ids=lambda p: p.name)
def test_no_question_of_the_qa_sets_is_a_register_question(path: Path) -> None:
    qs: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        d = json.loads(line) if line.strip() else {}
        qs += [d["question"]] if "question" in d else []
        qs += [t["question"] for t in d.get("turns") or [] if isinstance(t, dict) and "question" in t]
    assert not [q for q in qs if register_question(q) is not None]


def test_inspect_json_shows_the_reply_fields(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from .conftest import SEED

    env = {**os.environ, "PYTHONPATH": str(ROOT), "RAG_DATA_DIR": str(tmp_path / "data")}
    out = subprocess.run([sys.executable, "-m", "rag.inspect", str(SEED), "--json"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120, check=True).stdout
    reply = json.loads(out)["reply"]
    assert (reply["number"], reply["kind"], reply["session"], reply["proposers"]) == ("0261", "提案", "五届四次会议", ["白夜明"])
    assert reply["commitments"][0].startswith("下一步")
    notice = tmp_path / "notice.txt"
    notice.write_text("关于做好稳就业工作的通知\n各区人民政府：\n现将有关事项通知如下。\n一、加大支持力度，每人补贴1000元。\n市人民政府\n2024年3月1日\n",
                      encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "rag.inspect", str(notice), "--json"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120, check=True).stdout
    assert json.loads(out)["reply"] is None
