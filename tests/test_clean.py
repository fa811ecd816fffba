from __future__ import annotations

import re
from pathlib import Path

import pytest

from rag.clean import clean_text, normalise_chars

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus" / "000_4f56bf1c4842e0b1.txt"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpus"


@pytest.fixture(scope="module")
def seed() -> str:
    if not SEED.exists():
        pytest.skip(f"seed document {SEED} is absent")
    return clean_text(SEED.read_text(encoding="utf-8"))


def _shared(folder: str) -> list[Path]:
    files = sorted((SHARED / folder).glob("*.txt"))
    if not files:
        pytest.skip(f"{SHARED / folder} is absent (the shared corpus sits beside the clone)")
    return files


# --- the seed ----------------------------------------------------------------------------


def test_seed_rejoins_broken_words(seed: str) -> None:
    assert "鄂尔多\n" not in seed
    assert "印发《鄂尔多斯市提升科技创新投入实施方案》" in seed
    assert "2024年底" in seed
    assert "转型升级" in seed
    assert "您的《关于加强政府对科技企业开放创新发展支持的提案》悉。" in seed
    assert "精准帮助企业在科技创新上纾困解难增效,全方位当好企业发展" in seed


def test_seed_removes_stray_spaces(seed: str) -> None:
    assert "58家" in seed
    assert "市政协五届" in seed
    assert "“科技新政30条”2.0版" in seed
    assert "R&D经费" in seed
    assert "人大代表建议政协委员提案办理答复函" in seed
    assert " 家" not in seed and "家 " not in seed


def test_seed_headings_on_their_own_lines(seed: str) -> None:
    lines = seed.split("\n")
    for heading in (
        "一、优化创新创业服务体系建设",
        "二、强化研发投入攻坚行动",
        "三、加大科技服务保障力度",
        "四、布局科技创新平台",
        "五、深化科技对外合作和人才引育",
    ):
        assert heading in lines, heading


def test_seed_head_and_signature_lines(seed: str) -> None:
    lines = seed.split("\n")
    assert lines[:5] == [
        "人大代表建议政协委员提案办理答复函",
        "鄂建提复字〔2025〕334号",
        "签发人：张秀玲",
        "鄂尔多斯市人民政府关于市政协五届四次会议第0261号提案的答复函",
        "白夜明委员：",
    ]
    i = lines.index("鄂尔多斯市人民政府")
    assert lines[i + 1] == "2025年9月3日"
    assert lines[-2:] == ["鄂尔多斯市人民政府办公室", "2025年9月3日印发"]
    assert "抄送：市政协办公室,市政协提案委员会。" in lines


def test_seed_paragraphs_single_newline(seed: str) -> None:
    assert "\n\n" not in seed
    assert seed == seed.strip()
    assert all(line == line.strip() and line for line in seed.split("\n"))


def test_seed_idempotent(seed: str) -> None:
    assert clean_text(seed) == seed


# --- characters --------------------------------------------------------------------------


def test_newlines_bom_and_odd_spaces() -> None:
    raw = "\ufeff第一段内容。\r\n第二段\u00a0内容。\r第三段\t内容\u200b。\u3000\x07"
    assert clean_text(raw) == "第一段内容。\n第二段内容。\n第三段内容。"


def test_html_entities() -> None:
    assert clean_text("国务院办公厅&sp;\n2018年1月1日") == "国务院办公厅\n2018年1月1日"
    assert clean_text("R&amp;D经费&nbsp;增长。") == "R&D经费增长。"


def test_fullwidth_digits_to_ascii() -> None:
    assert clean_text("２０２５年９月３日") == "2025年9月3日"


# --- spaces ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("服务 58 家企业。", "服务58家企业。"),
        ("市政协 五届四次会议。", "市政协五届四次会议。"),
        ("2025 年 9 月 3 日", "2025年9月3日"),
        ("按照“科技新政 30 条”2.0 版，予以支持。", "按照“科技新政30条”2.0版，予以支持。"),
        ("全市 R&D 经费增长。", "全市R&D经费增长。"),
        ("土 地 使 用 期 限 的 批 复", "土地使用期限的批复"),
        ("应对 COVID 19 疫情 ， 保障供应 。", "应对COVID 19疫情，保障供应。"),
        ("version  2   final", "version 2 final"),
    ],
)
def test_spaces(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


# --- page numbers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "footer", ["- 3 -", "— 3 —", "－3－", "第 3 页", "第3页 共10页", "3/10", "3", "Page 3"]
)
def test_page_number_lines_dropped(footer: str) -> None:
    raw = f"一是做好科技培训工作，组织培训班17次。\n\n{footer}\n\n二是推进载体培育，获批示范区1家。"
    assert clean_text(raw) == "一是做好科技培训工作，组织培训班17次。\n二是推进载体培育，获批示范区1家。"


def test_page_number_inside_sentence_dropped_and_joined() -> None:
    raw = "全市金融机构为科技型中小企业发放贷\n\n- 2 -\n\n款7.42亿元，惠及企业102家。"
    assert clean_text(raw) == "全市金融机构为科技型中小企业发放贷款7.42亿元，惠及企业102家。"


def test_table_numbers_kept() -> None:
    raw = "省（市）\n1995年招生人数\n江苏\n100\n120\n上海\n105\n70"
    assert clean_text(raw) == raw


def test_year_alone_on_a_line_is_not_a_page_number() -> None:
    raw = "依托全市11家备案企业科技特派员工作站,开展科技服务。截至\n\n2024\n\n年底，备案特派员超过300人。"
    assert "2024" in clean_text(raw)


# --- joining soft wraps ------------------------------------------------------------------


def test_join_across_blank_lines_without_space() -> None:
    raw = "近年来，我市不断夯实企业创新主体地位，赋能企业转型升\n\n级,坚持栽大树与育小苗相结合。"
    assert (
        clean_text(raw) == "近年来，我市不断夯实企业创新主体地位，赋能企业转型升级,坚持栽大树与育小苗相结合。"
    )


def test_join_unclosed_book_title() -> None:
    raw = "印发《鄂尔多\n\n斯市提升科技创新投入实施方案》,激励研发投入。"
    assert clean_text(raw) == "印发《鄂尔多斯市提升科技创新投入实施方案》,激励研发投入。"


def test_join_short_fragment_after_book_title() -> None:
    raw = "白夜明委员：\n您的《关于加强政府支持的提案》\n悉。经研究，现答复如下。"
    assert clean_text(raw) == "白夜明委员：\n您的《关于加强政府支持的提案》悉。经研究，现答复如下。"


def test_join_line_ending_in_comma() -> None:
    assert clean_text("精准帮助企业纾困解难增效,\n\n全方位当好“护航员”。") == (
        "精准帮助企业纾困解难增效,全方位当好“护航员”。"
    )


def test_join_latin_words_with_a_space() -> None:
    raw = "本项目采用新一代信息技术，应对 COVID\n19 疫情带来的影响。"
    assert clean_text(raw) == "本项目采用新一代信息技术，应对COVID 19疫情带来的影响。"


def test_no_join_after_sentence_end() -> None:
    raw = "第一段讲完了，到此为止。\n\n第二段另起一行，继续说明"
    assert clean_text(raw) == "第一段讲完了，到此为止。\n第二段另起一行，继续说明"


def test_no_join_after_sentence_end_with_closing_quote_or_note() -> None:
    raw = "他说：“事情办完了。”\n下一段开始，继续说明。\n要加强组织领导。（财政部指导）\n另一段。"
    assert clean_text(raw) == raw


def test_no_join_after_heading() -> None:
    raw = "正文第一段，说明背景。\n\n一、优化创新创业服务体系建设\n\n一是做好科技培训及会展工作。"
    assert clean_text(raw).split("\n") == [
        "正文第一段，说明背景。",
        "一、优化创新创业服务体系建设",
        "一是做好科技培训及会展工作。",
    ]


@pytest.mark.parametrize(
    "item",
    [
        "一、总体要求",
        "（一）指导思想",
        "(二)工作目标",
        "一是加强培训",
        "第一章 总则",
        "第三条 本办法自发布之日起施行",
        "1.门诊人次数与出院人次数比",
        "2、强化服务",
        "（1）基本情况",
    ],
)
def test_no_join_before_numbered_item(item: str) -> None:
    raw = f"各地区要结合实际，认真组织实施，确保各项措施落到实处\n{item}"
    out = clean_text(raw).split("\n")
    assert len(out) == 2, out


@pytest.mark.parametrize(
    "line",
    [
        "鄂建提复字〔2025〕334号",
        "国办函〔2006〕82号",
        "2025 年 9 月 3 日",
        "二〇〇六年十月十八日",
        "2025年9月3日印发",
        "签发人：张秀玲",
        "抄送：市政协办公室,市政协提案委员会",
        "白夜明委员：",
        "石英代表：",
        "各省、自治区、直辖市人民政府，国务院各部委、各直属机构：",
    ],
)
def test_structural_lines_stay_alone(line: str) -> None:
    raw = f"各地区要结合实际，认真组织实施，确保各项措施落到实处\n{line}\n要加强统筹协调，形成工作合力"
    out = clean_text(raw).split("\n")
    assert len(out) == 3, out


def test_title_split_in_two_is_joined() -> None:
    raw = (
        "国务院办公厅对全国政协十届四次会议\n第4626号提案的答复\n国办函〔2006〕82号\n"
        "王超斌委员：\n您提出的提案收悉。"
    )
    assert clean_text(raw).split("\n")[:3] == [
        "国务院办公厅对全国政协十届四次会议第4626号提案的答复",
        "国办函〔2006〕82号",
        "王超斌委员：",
    ]


def test_title_with_issuer_on_its_own_line_is_joined() -> None:
    raw = "国务院办公厅\n关于辽宁省在曾培炎副总理考察\n工作时所提问题和建议办理情况的函\n国办函〔2004〕57号"
    assert (
        clean_text(raw).split("\n")[0]
        == "国务院办公厅关于辽宁省在曾培炎副总理考察工作时所提问题和建议办理情况的函"
    )


def test_signature_block_stays_separate() -> None:
    raw = "感谢您对政府工作的关心与支持。\n国务院办公厅\n二〇〇六年十月十八日\n（本文有删减）"
    assert clean_text(raw).split("\n") == [
        "感谢您对政府工作的关心与支持。",
        "国务院办公厅",
        "二〇〇六年十月十八日",
        "（本文有删减）",
    ]


def test_signature_after_unterminated_line_stays_separate() -> None:
    raw = "激发我市企业科技自主创新活力，推动科创事业不断进步\n\n鄂尔多斯市人民政府\n\n2025 年 9 月 3 日"
    assert clean_text(raw).split("\n")[1:] == ["鄂尔多斯市人民政府", "2025年9月3日"]


def test_embedded_title_is_not_joined_with_body() -> None:
    raw = (
        "（此件公开发布）\n国家职业教育改革实施方案\n职业教育与普通教育是两种不同教育类型，具有同等重要地位。"
    )
    assert clean_text(raw) == raw


def test_table_cells_are_not_joined() -> None:
    raw = "序号\n改革举措\n主要内容\n圆曲线中点，半径48.25米\n14246.091\n103444.715\n圆曲线终点"
    assert clean_text(raw) == raw


def test_empty_and_blank() -> None:
    assert clean_text("") == ""
    assert clean_text(" \n\n\u3000\n") == ""


# --- real corpora ------------------------------------------------------------------------


def test_state_council_idempotent_and_titles_joined() -> None:
    for f in _shared("state-council"):
        clean = clean_text(f.read_text(encoding="utf-8"))
        assert clean_text(clean) == clean, f.name
        assert "\n\n" not in clean, f.name
    sc01 = clean_text((SHARED / "state-council" / "sc_01.txt").read_text(encoding="utf-8")).split("\n")
    assert sc01[0] == "国务院关于在市场监管领域全面推行部门联合“双随机、一公开”监管的意见"
    assert sc01[1] == "国发〔2019〕5号"
    assert sc01[-3:] == ["国务院", "2019年1月27日", "（此件公开发布）"]


def test_ncp_documents_survive_cleaning() -> None:
    for f in _shared("ncp"):
        raw = f.read_text(encoding="utf-8")
        clean = clean_text(raw)
        assert clean, f.name
        assert clean_text(clean) == clean, f.name
        # only whitespace (and invisible characters) go: the content is intact
        assert re.sub(r"\s", "", clean) == re.sub(r"\s", "", normalise_chars(raw)), f.name
