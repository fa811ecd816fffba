"""Extractive answering: sentence splitting, verbatim answers with [n] markers, list answers, refusal."""

from __future__ import annotations

import re

import pytest

from rag.answer import REFUSAL_HINT, ExtractiveAnswerer, is_list_question, item_family, split_sentences
from rag.embed import HashEmbedder
from rag.records import REFUSAL, Answer, Chunk, DocMeta, Hit

SEED_META = DocMeta(
    title="鄂尔多斯市人民政府关于市政协五届四次会议第0261号提案的答复函",
    doc_number="鄂建提复字〔2025〕334号",
    issuer="鄂尔多斯市人民政府",
    date="2025-09-03",
    signer="张秀玲",
    doc_type="reply_letter",
    proposal_number="0261",
    proposal_title="关于加强政府对科技企业开放创新发展支持的提案",
    proposer="白夜明",
)
S2 = "二、强化研发投入攻坚行动"
S3 = "三、加大科技服务保障力度"
# Passages of the seed document (corpus/000_4f56bf1c4842e0b1.txt) as the chunker cuts them.
SEED = {
    "head": ("", 0, "人大代表建议政协委员提案办理答复函\n鄂建提复字〔2025〕334号\n签发人：张秀玲\n"
                    "鄂尔多斯市人民政府关于市政协五届四次会议第0261号提案的答复函\n白夜明委员：\n"
                    "您的《关于加强政府对科技企业开放创新发展支持的提案》悉。经研究，现答复如下。"),
    "s2": (S2, 1000, "二、强化研发投入攻坚行动\n全市R&D经费投入达53.2亿元,位列全区第二,强度达到0.91%,对自治区R&D投入"
                     "增长的贡献率达到48.9%,居全区首位。鄂托克前旗、杭锦旗、鄂托克旗、康巴什区R&D经费投入强度超过1%。"),
    "s2_1": (f"{S2} > 一是政策保障激励企业研发投入", 1200,
             "一是政策保障激励企业研发投入。迭代出台“科技新政30条”2.0版,对符合一定条件的企业,按企业上年度研发投入总量"
             "和增量情况分档给予最高500万元科研经费支持。印发《鄂尔多斯市提升科技创新投入实施方案》(鄂府办发〔2024〕13号),"
             "从定向投入、定向奖励、定向调度、定向考核4个方面,激励和调动各类研发主体提升研发投入水平。"),
    "s2_2": (f"{S2} > 二是科技资金支持企业研发投入", 1400,
             "二是科技资金支持企业研发投入。2025年下达研发投入奖补资金5229.3万元,奖补规上企业99家,奖补企业数量较上年增长"
             "11.24%;以科技项目为有力抓手,持续提升科技创新能力,培育壮大新质生产力。争取国家、自治区科技计划项目56项,"
             "各类资金2.32亿元,居各盟市首位。实施市级科技计划项目150项,支持资金1.7亿元。"),
    "s2_3": (f"{S2} > 三是产学研合力推动研发投入", 1600,
             "三是产学研合力推动研发投入。构建“企业出题、政府立题、科研院所答题”科研攻关机制,支持企业牵头联合高校院所"
             "组建创新联合体,建立项目组织和科技投入新模式。开展企业家与科学家“握手”行动百余次,实施合作项目114项,项目"
             "投入总金额超9亿元,支持企业加大产学研合作攻坚,加大研发投入力度,推动科技与产业“双向奔赴”。"),
    "s3_1": (f"{S3} > 一是开拓科技型企业融资渠道", 1800,
             "三、加大科技服务保障力度\n一是开拓科技型企业融资渠道。我市16家科技型企业入选“科技创新再贷款”推荐名单。"
             "全市金融机构为科技型中小企业库内企业发放贷款7.42亿元,惠及企业102家。推动17家科技型中小企业获得“内蒙古科技"
             "创新专板”挂牌企业后补助资金共计390万元。"),
}
MARK = re.compile(r"\[(\d+)\]")


def make_hit(key: str, score: float = 1.0, doc_id: str = "seed", meta: DocMeta = SEED_META,
             passages: dict[str, tuple[str, int, str]] = SEED) -> Hit:
    section, start, text = passages[key]
    chunk = Chunk(id=f"{doc_id}-{key}", doc_id=doc_id, source=f"{doc_id}.txt", text=text, section=section,
                  start=start, end=start + len(text), tokens=len(text) // 2, ordinal=start // 200, meta=meta)
    return Hit(chunk=chunk, score=score)


def seed_hits(*keys: str) -> list[Hit]:
    return [make_hit(k, score=1.0 - i * 0.1) for i, k in enumerate(keys)]


@pytest.fixture(scope="module")
def answerer() -> ExtractiveAnswerer:
    return ExtractiveAnswerer(HashEmbedder())


def check_verbatim(ans: Answer) -> list[str]:
    """Every piece of answer text before a marker [n] is verbatim text of passage n; returns the pieces."""
    by_n = {c.n: c for c in ans.citations}
    pieces: list[str] = []
    for line in ans.text.splitlines():
        if not line.strip() or line.startswith("根据《"):
            continue  # the metadata lead-in
        body = line[2:] if line.startswith("- ") else line
        pos = 0
        for m in MARK.finditer(body):
            piece = body[pos : m.start()]
            n = int(m.group(1))
            assert piece, f"marker without text in {line!r}"
            assert piece in by_n[n].text, f"{piece!r} is not in passage [{n}]"
            assert all(u in by_n[n].text for u in by_n[n].used)
            pieces.append(piece)
            pos = m.end()
        assert pos == len(body), f"text after the last marker: {body[pos:]!r}"
    return pieces


def check_numbering(ans: Answer) -> None:
    used = [int(n) for n in MARK.findall(ans.text)]
    first_use = list(dict.fromkeys(used))
    assert first_use == list(range(1, len(first_use) + 1)), "markers are numbered by first use"
    assert [c.n for c in ans.citations] == first_use, "citations are exactly the cited passages"
    assert len({c.chunk_id for c in ans.citations}) == len(ans.citations)


# --- sentences ----------------------------------------------------------------------------------------


def test_split_sentences_basic() -> None:
    text = "近年来，我市不断夯实企业创新主体地位。经研究，现答复如下！是否可以？\n签发人：张秀玲"
    assert split_sentences(text) == ["近年来，我市不断夯实企业创新主体地位。", "经研究，现答复如下！", "是否可以？",
                                     "签发人：张秀玲"]


def test_split_sentences_keeps_closers_and_items() -> None:
    text = SEED["s2_3"][2]
    sents = split_sentences(text)
    assert sents[0] == "三是产学研合力推动研发投入。"
    assert sents[-1].endswith("推动科技与产业“双向奔赴”。")
    assert split_sentences("他说：“要抓紧落实。”随后散会。") == ["他说：“要抓紧落实。”", "随后散会。"]
    assert split_sentences("（一）加强领导。（二）落实责任。") == ["（一）加强领导。", "（二）落实责任。"]


def test_split_sentences_semicolons_and_decimals() -> None:
    # A semicolon inside brackets separates list members; 2.0版 and 1.7亿 are numbers, not sentence ends.
    assert split_sentences("(联系人:苏浩;联系电话0477-8586566)") == ["(联系人:苏浩;联系电话0477-8586566)"]
    sents = split_sentences(SEED["s2_2"][2])
    assert sents[1] == "2025年下达研发投入奖补资金5229.3万元,奖补规上企业99家,奖补企业数量较上年增长11.24%;"
    assert "实施市级科技计划项目150项,支持资金1.7亿元。" in sents
    assert split_sentences("“科技新政30条”2.0版已出台；另有规定。") == ["“科技新政30条”2.0版已出台；", "另有规定。"]


def test_split_sentences_are_verbatim() -> None:
    for _, _, text in SEED.values():
        for s in split_sentences(text):
            assert s in text and s == s.strip()
    assert split_sentences("") == []
    assert split_sentences("。。\n  \n") == []


def test_item_family_and_list_question() -> None:
    assert item_family("一是政策保障") == "shi"
    assert item_family("（二）落实责任") == "paren_cn"
    assert item_family("3. 加强监管") == "num"
    assert item_family("2.0版已出台") is None
    assert item_family("统一是指") is None
    assert is_list_question("研发投入有哪些支持？")
    assert is_list_question("主要有什么措施")
    assert not is_list_question("最高能拿多少科研经费支持？")


# --- answers ------------------------------------------------------------------------------------------


def test_list_answer_for_research_support(answerer: ExtractiveAnswerer) -> None:
    hits = seed_hits("s2", "s2_2", "s2_1", "s2_3", "s3_1")
    ans = answerer.answer("研发投入有哪些支持？", hits)
    assert not ans.refused and ans.question == "研发投入有哪些支持？"
    lines = [x for x in ans.text.splitlines() if x.startswith("- ")]
    labels = ["一是政策保障激励企业研发投入。", "二是科技资金支持企业研发投入。", "三是产学研合力推动研发投入。"]
    assert len(lines) == 3 and all(x.startswith(f"- {label}[") for x, label in zip(lines, labels, strict=True))
    assert "最高500万元科研经费支持" in lines[0]
    assert "5229.3万元" in lines[1] and "11.24%" in lines[1] and "1.7亿元" in lines[1]
    assert "114项" in lines[2] and "超9亿元" in lines[2]
    assert all(MARK.search(x) for x in lines)
    assert ans.text.startswith("根据《鄂尔多斯市人民政府关于市政协五届四次会议第0261号提案的答复函》（鄂建提复字〔2025〕334号")
    check_verbatim(ans)
    check_numbering(ans)
    assert {c.section.split(" > ")[-1][:2] for c in ans.citations} == {"一是", "二是", "三是"}


def test_list_items_keep_figures_and_drop_figureless_sentences(answerer: ExtractiveAnswerer) -> None:
    ans = answerer.answer("研发投入有哪些支持？", seed_hits("s2_1", "s2_2", "s2_3"))
    # 三是…: the sentence without figures after the item is trimmed, the one with figures kept.
    assert "构建“企业出题" not in ans.text
    assert "实施合作项目114项" in ans.text


def test_fact_question_answers_with_the_best_sentence(answerer: ExtractiveAnswerer) -> None:
    ans = answerer.answer("企业研发投入最高能拿多少科研经费支持？", seed_hits("s2", "s2_2", "s2_1", "s2_3"))
    pieces = check_verbatim(ans)
    check_numbering(ans)
    # The best sentence comes with the item label that introduces it (its context), and first of all.
    assert "最高500万元科研经费支持" in pieces[1]
    assert pieces[0] == "一是政策保障激励企业研发投入。"
    assert "- " not in ans.text
    assert len(pieces) <= answerer.max_sentences


def test_list_question_answered_by_one_sentence_is_no_list(answerer: ExtractiveAnswerer) -> None:
    ans = answerer.answer("鄂尔多斯哪些旗区的研发经费投入强度超过了1%？", seed_hits("s2", "s2_1", "s2_2", "s2_3"))
    assert "鄂托克前旗、杭锦旗、鄂托克旗、康巴什区R&D经费投入强度超过1%。[1]" in ans.text
    assert "\n- " not in ans.text
    check_verbatim(ans)
    check_numbering(ans)


def test_only_cited_passages_become_citations(answerer: ExtractiveAnswerer) -> None:
    ans = answerer.answer("科技型中小企业融资渠道有哪些？贷款多少？", seed_hits("head", "s3_1", "s2_2"))
    check_numbering(ans)
    check_verbatim(ans)
    assert "7.42亿元" in ans.text
    assert all(c.chunk_id != "seed-head" for c in ans.citations)


def test_metadata_lead_in_answers_document_questions(answerer: ExtractiveAnswerer) -> None:
    ans = answerer.answer("第0261号提案是哪位政协委员提的？", seed_hits("head"))
    first = ans.text.splitlines()[0]
    assert first.startswith("根据《") and "提出人：白夜明" in first
    # The title and 文号 lines are in the lead-in already, not repeated as quoted sentences.
    assert ans.text.count("鄂建提复字〔2025〕334号") == 1
    check_verbatim(ans)


def test_documents_are_grouped_best_first(answerer: ExtractiveAnswerer) -> None:
    other_meta = DocMeta(title="北京市人力资源和社会保障局关于做好疫情防控期间有关就业工作的通知", date="2020-02-10")
    other = {"bj": ("", 0, "补助标准为:推荐成功上岗人数为50人（含）以上的，补助2.4万元；100人（含）以上的，补助4.5万元；"
                           "200人（含）以上的，补助9万元。所需资金由市级就业专项资金负担。")}
    hits = [make_hit("s2_1", 0.9), make_hit("bj", 0.8, "bj", other_meta, other)]
    ans = answerer.answer("推荐成功上岗人数200人以上补助多少？", hits)
    check_verbatim(ans)
    check_numbering(ans)
    assert ans.citations[0].doc_id == "bj"
    assert ans.text.startswith("根据《北京市人力资源和社会保障局关于做好疫情防控期间有关就业工作的通知》（2020-02-10）：")
    # Clauses joined by ； are one sentence: completed together, one marker after the last clause.
    assert "200人（含）以上的，补助9万元。[1]" in ans.text
    assert "补助4.5万元；200人" in ans.text


def test_max_citations_is_respected() -> None:
    answerer = ExtractiveAnswerer(HashEmbedder(), max_sentences=10, max_citations=2, ratio=0.0)
    ans = answerer.answer("科技资金和研发投入", seed_hits("s2", "s2_1", "s2_2", "s2_3"))
    assert len(ans.citations) <= 2
    check_numbering(ans)
    check_verbatim(ans)


def test_refusal_on_empty_hits(answerer: ExtractiveAnswerer) -> None:
    ans = answerer.answer("今天天气怎么样？", [])
    assert ans.refused
    assert ans.text == REFUSAL + REFUSAL_HINT
    assert "文号" in ans.text and ans.citations == []
    assert ans.question == "今天天气怎么样？"


def test_bad_parameters() -> None:
    with pytest.raises(ValueError):
        ExtractiveAnswerer(HashEmbedder(), max_sentences=0)
