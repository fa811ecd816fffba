from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from rag.chunk import _is_heading_line, _marker_level, chunk_document, chunk_text, count_tokens
from rag.clean import clean_text
from rag.metadata import extract_metadata
from rag.records import SourceDoc
from rag.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus" / "000_4f56bf1c4842e0b1.txt"
SHARED = ROOT.parent / "shared" / "corpus"
PUNCT = set("，。、；：！？）》」』】”’,.;:!?)")


def _doc(text: str, name: str = "x.txt") -> SourceDoc:
    return SourceDoc(source=name, key=f"/corpus/{name}", text=text, file_hash="h", fmt="txt")


def _chunks(text: str, **kw: int) -> list:
    clean = clean_text(text)
    return chunk_document(_doc(text), clean, extract_metadata(clean), **kw)


def _check_invariants(text: str, chunks: list, budget: int) -> None:
    assert chunks, "no chunks"
    ids = [c.id for c in chunks]
    assert len(ids) == len(set(ids)), "duplicate chunk ids"
    for c in chunks:
        assert c.text == text[c.start : c.end], "a chunk must be an exact slice of the cleaned text"
        assert c.text[0] not in PUNCT, f"chunk starts with punctuation: {c.text[:20]!r}"
        assert c.tokens == count_tokens(c.text) <= budget, f"{c.tokens} tokens > {budget}"
        last = c.text.rstrip().split("\n")[-1]
        assert not (_is_heading_line(last) and _marker_level(last, True)), (
            f"chunk ends with a heading: {last!r}"
        )


@pytest.fixture(scope="module")
def seed_chunks() -> tuple[str, list]:
    raw = SEED.read_text(encoding="utf-8")
    clean = clean_text(raw)
    # The structural cut alone (no merging of small siblings), so each 一是… item is a passage of its own.
    return clean, chunk_document(_doc(raw, SEED.name), clean, extract_metadata(clean), max_tokens=300, overlap=30,
                                 min_tokens=0)


def test_seed_invariants(seed_chunks: tuple[str, list]) -> None:
    clean, chunks = seed_chunks
    _check_invariants(clean, chunks, 300)


def test_seed_invariants_at_the_settings_defaults() -> None:
    """Without arguments the budget is the settings' (400/50, small siblings merged), not a second copy."""
    raw = SEED.read_text(encoding="utf-8")
    clean = clean_text(raw)
    chunks = chunk_document(_doc(raw, SEED.name), clean, extract_metadata(clean))
    budget = Settings.model_fields["chunk_tokens"].default
    _check_invariants(clean, chunks, budget)
    assert max(c.tokens for c in chunks) > 300  # the production budget, not the old 300
    for c in chunks:
        assert "鄂尔多\n" not in c.text


def test_seed_sections(seed_chunks: tuple[str, list]) -> None:
    _, chunks = seed_chunks
    hit = [c for c in chunks if "最高500万元科研经费支持" in c.text]
    assert len(hit) == 1
    assert hit[0].section.startswith("二、强化研发投入攻坚行动")
    assert hit[0].section == "二、强化研发投入攻坚行动 > 一是政策保障激励企业研发投入"
    sections = {c.section for c in chunks}
    assert "三、加大科技服务保障力度 > 二是为科技型企业产品找订单" in sections
    assert any(s.startswith("五、深化科技对外合作和人才引育") for s in sections)


def test_seed_every_chunk_carries_metadata(seed_chunks: tuple[str, list]) -> None:
    _, chunks = seed_chunks
    for i, c in enumerate(chunks):
        assert c.meta.doc_number == "鄂建提复字〔2025〕334号"
        assert c.ordinal == i
        assert c.embed_text.startswith(c.meta.title)
        assert c.section in c.embed_text.split("\n", 1)[0]
        assert c.embed_text.endswith(c.text)


def test_ids_are_stable_and_depend_on_content_and_source() -> None:
    text = "一、总则\n为了规范管理，制定本办法。\n二、适用范围\n本办法适用于全市。"
    a = chunk_document(_doc(text), text, extract_metadata(text))
    b = chunk_document(_doc(text), text, extract_metadata(text))
    c = chunk_document(_doc(text, "y.txt"), text, extract_metadata(text))
    assert [x.id for x in a] == [x.id for x in b]
    assert not {x.id for x in a} & {x.id for x in c}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "第一章 总则\n第一条 为了规范补贴发放，制定本办法。\n第二条 本办法适用于本市企业。\n"
            "第二章 申请\n第三条 企业应当提交申请书。",
            [
                "第一章 总则 > 第一条 为了规范补贴发放",
                "第一章 总则 > 第二条 本办法适用于本市企业",
                "第二章 申请 > 第三条 企业应当提交申请书",
            ],
        ),
        (
            "一、总体要求\n（一）指导思想。坚持稳中求进。\n（二）基本原则。坚持问题导向。\n二、主要任务\n推进改革。",
            ["一、总体要求 > （一）指导思想", "一、总体要求 > （二）基本原则", "二、主要任务"],
        ),
        (
            "三、支持措施\n1.减免房租。对承租国有房产的企业免收3个月房租。\n2、延期缴纳税款。可申请延期3个月。\n"
            "（1）申请条件。受疫情影响。\n（2）办理方式。网上办理。",
            [
                "三、支持措施 > 1.减免房租",
                "三、支持措施 > 2、延期缴纳税款",
                "三、支持措施 > 2、延期缴纳税款 > （1）申请条件",
                "三、支持措施 > 2、延期缴纳税款 > （2）办理方式",
            ],
        ),
    ],
)
def test_numbering_styles(text: str, expected: list[str]) -> None:
    got = [s for _, _, s in chunk_text(text, max_tokens=40, overlap=0)]
    for e in expected:
        assert e in got, f"{e!r} not in {got}"


def test_inline_numbering_without_line_breaks() -> None:
    # NCP-style text: the line breaks were lost at the source, numbering is inline.
    text = (
        "各有关单位：为支持企业复工复产，现提出以下措施。 一、减免房租 对承租国有资产类经营用房的中小企业，"
        "免收2月份房租。 二、延期缴纳社保 企业可申请缓缴社会保险费，最长不超过6个月。"
    )
    spans = chunk_text(text, max_tokens=60, overlap=0)
    sections = [s for _, _, s in spans]
    assert any(s.startswith("一、减免房租") for s in sections)
    assert any(s.startswith("二、延期缴纳社保") for s in sections)
    rent = next(text[a:b] for a, b, s in spans if s.startswith("一、"))
    assert "免收2月份房租" in rent


def test_shi_items_need_a_sentence_end_before_them() -> None:
    text = "二、工作要求\n要做到统一是非标准，同时推进改革。一是加强领导。二是强化考核。"
    sections = [s for _, _, s in chunk_text(text, max_tokens=300, overlap=0)]
    assert not any("统一是" in s or s.endswith("是非标准") for s in sections)
    assert "二、工作要求 > 一是加强领导" in sections
    assert "二、工作要求 > 二是强化考核" in sections


def test_decimal_numbers_are_not_headings() -> None:
    text = "按照“科技新政30条”\n2.0版执行。\n1.7亿元用于支持项目。"
    assert all(s == "" for _, _, s in chunk_text(text, max_tokens=300, overlap=0))


def test_heading_never_ends_a_chunk_alone() -> None:
    text = "一、总体要求\n（一）指导思想\n坚持稳中求进工作总基调。\n（二）基本原则\n坚持问题导向。"
    spans = chunk_text(text, max_tokens=300, overlap=0)
    for a, b, _ in spans:
        assert text[a:b].rstrip().split("\n")[-1] not in {"一、总体要求", "（一）指导思想", "（二）基本原则"}
    first = text[spans[0][0] : spans[0][1]]
    assert first.startswith("一、总体要求") and "坚持稳中求进" in first


def test_budget_split_at_sentence_ends_with_overlap() -> None:
    sentences = [f"第{i}句说明企业可以申请第{i}项补贴资金。" for i in range(1, 30)]
    text = "一、补贴\n" + "".join(sentences)
    spans = chunk_text(text, max_tokens=80, overlap=25)
    assert len(spans) > 3
    for a, b, s in spans:
        piece = text[a:b]
        assert count_tokens(piece) <= 80
        assert piece.endswith("。"), "cut at a sentence end"
        assert s == "一、补贴"
    # consecutive chunks share their boundary sentence(s)
    for (_a1, b1, _), (a2, _, _) in itertools.pairwise(spans):
        assert a2 < b1


def test_overlong_sentence_is_cut_at_commas_then_hard() -> None:
    text = "，".join(["企业申报材料包括营业执照复印件"] * 40) + "。" + "甲" * 500
    spans = chunk_text(text, max_tokens=50, overlap=0)
    for a, b, _ in spans:
        assert count_tokens(text[a:b]) <= 50
        assert text[a] not in PUNCT
    covered = "".join(text[a:b] for a, b, _ in spans)
    assert covered.count("甲") == 500


def test_bad_arguments_name_the_value() -> None:
    with pytest.raises(ValueError, match="max_tokens must be > 0, got 0"):
        chunk_text("文本。", max_tokens=0, overlap=0)
    with pytest.raises(ValueError, match="overlap"):
        chunk_text("文本。", max_tokens=10, overlap=10)


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/corpus is not present beside the checkout")
def test_invariants_over_the_real_corpus() -> None:
    files = sorted((SHARED / "state-council").glob("*.txt")) + sorted((SHARED / "ncp").glob("*.txt"))[:120]
    for f in files:
        raw = f.read_text(encoding="utf-8")
        clean = clean_text(raw)
        chunks = chunk_document(_doc(raw, f.name), clean, extract_metadata(clean), max_tokens=300, overlap=30)
        _check_invariants(clean, chunks, 300)


def test_small_sibling_passages_are_merged_within_their_top_section() -> None:
    text = (
        "二、推广的改革举措（共23项）\n（一）科技金融创新方面5项。\n（二）知识产权保护方面4项。\n"
        "（三）人才培养和激励方面5项。\n三、工作要求\n各地要加强组织领导。"
    )
    spans = chunk_text(text, max_tokens=300, overlap=0, min_tokens=100)
    assert [s for _, _, s in spans] == ["二、推广的改革举措（共23项）", "三、工作要求"]
    first = text[spans[0][0] : spans[0][1]]
    assert "（共23项）" in first and "人才培养和激励方面5项" in first
    # without merging each item is its own passage
    assert len(chunk_text(text, max_tokens=300, overlap=0)) == 4


def test_merge_respects_the_budget(seed_chunks: tuple[str, list]) -> None:
    clean, _ = seed_chunks
    merged = chunk_text(clean, max_tokens=400, overlap=50, min_tokens=200)
    for a, b, _ in merged:
        assert count_tokens(clean[a:b]) <= 400
    hit = [s for a, b, s in merged if "最高500万元科研经费支持" in clean[a:b]]
    assert hit and hit[0].startswith("二、强化研发投入攻坚行动")
