"""Suggested questions (rag.suggest) on real documents: the seed reply letter, the State Council documents of
../shared/corpus, and the browser test's XSS document. Pure functions over prepared documents: no model, no
store (the HTTP test in test_suggest_api.py asks the suggestions of the real app)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rag.ingest import load, prepare
from rag.records import Answer, Chunk, Citation, Hit
from rag.settings import Settings
from rag.suggest import (
    DocQuestions,
    Suggester,
    clean_enough,
    doc_questions,
    heading_question,
    pick_examples,
    pick_follow_ups,
)

from .conftest import SEED, shared_or_skip
from .test_ui import XSS_DOC

SETTINGS = Settings()


def chunks_of(path: Path) -> list[Chunk]:
    return prepare(load(path, SETTINGS), SETTINGS).chunks


@pytest.fixture(scope="module")
def seed() -> list[Chunk]:
    return chunks_of(SEED)


@pytest.fixture(scope="module")
def xss(tmp_path_factory: pytest.TempPathFactory) -> list[Chunk]:
    p = tmp_path_factory.mktemp("xss") / "xss.txt"
    p.write_text(XSS_DOC, encoding="utf-8")
    return chunks_of(p)


@pytest.fixture(scope="module")
def state_council() -> dict[str, list[Chunk]]:
    folder = shared_or_skip("corpus", "state-council")
    return {p.name: chunks_of(p) for p in sorted(folder.glob("*.txt"))}


def cite(n: int, c: Chunk) -> Citation:
    return Citation.from_hit(n, Hit(chunk=c, score=1.0))


def test_headings_become_questions() -> None:
    assert heading_question("二、强化研发投入攻坚行动", None) == "强化研发投入有哪些措施？"
    assert heading_question("三、加大科技服务保障力度", None) == "加大科技服务保障力度有哪些措施？"
    assert heading_question("五、强化保障措施", None) == "强化保障措施有哪些？"
    assert heading_question("二、专用号牌要素和车辆外观", None) == "专用号牌要素和车辆外观有哪些规定？"
    # A heading every plan has is asked with the document named, or not at all.
    assert heading_question("四、保障措施", "国发〔2019〕5号") == "国发〔2019〕5号的保障措施是什么？"
    assert heading_question("四、保障措施", None) is None
    assert heading_question("四、关于收入分配", "国办发〔2018〕124号") == "国办发〔2018〕124号关于收入分配有哪些规定？"
    # Cut, a sentence, or markup: no question.
    assert heading_question("一、第十届全国人民代表大会第一次会议产生的新一届中央人民政府，根据《中华人民共和国宪…", None) is None
    assert heading_question("五、国务院由下列人员组成", None) is None
    assert heading_question("一、原则同意《河北雄安新区总体规划（2018—2035年）》", None) is None
    assert heading_question('二、演练材料中的<img src=x onerror="window.__xss=2">图片须经审核', None) is None


def test_the_seed_offers_its_parts_its_proposal_and_its_facts(seed: list[Chunk]) -> None:
    d = doc_questions(seed)
    assert d is not None and d.doc_id == seed[0].doc_id
    # The part with the most amounts (500万元, 5229.3万元, 2.32亿元 …) first, the others in document order.
    assert d.parts[0] == ("二、强化研发投入攻坚行动", "强化研发投入有哪些措施？")
    assert [h for h, _ in d.parts[1:]] == ["一、优化创新创业服务体系建设", "三、加大科技服务保障力度", "四、布局科技创新平台",
                                          "五、深化科技对外合作和人才引育"]
    assert d.subject == "《关于加强政府对科技企业开放创新发展支持的提案》是怎么答复的？"
    assert d.facts == ["鄂建提复字〔2025〕334号答复的是哪个提案？", "鄂建提复字〔2025〕334号是哪天发的？"]
    assert d.title == "《鄂尔多斯市人民政府关于市政协五届四次会议第0261号提案的答复函》的主要内容是什么？"


def test_a_document_with_markup_is_never_a_source(xss: list[Chunk], seed: list[Chunk]) -> None:
    assert "<img" in (xss[0].meta.title or ""), "the test document's title carries its payload"
    assert not clean_enough(xss[0].meta.title)
    assert doc_questions(xss) is None
    d = doc_questions(seed)
    assert d is not None
    examples = pick_examples([d], 5)
    assert examples == pick_examples([d], 5), "deterministic"
    assert examples == [
        "强化研发投入有哪些措施？",
        "《关于加强政府对科技企业开放创新发展支持的提案》是怎么答复的？",
        "鄂建提复字〔2025〕334号答复的是哪个提案？",
        "优化创新创业服务体系建设有哪些措施？",
        "《鄂尔多斯市人民政府关于市政协五届四次会议第0261号提案的答复函》的主要内容是什么？",
    ], "one document still gives a mix: a part, the proposal, a fact, a part, the title"


def test_follow_ups_are_the_other_parts_and_a_fact(seed: list[Chunk]) -> None:
    d = doc_questions(seed)
    assert d is not None
    part2 = [c for c in seed if c.section.startswith("二、")]
    ans = Answer("研发投入有哪些支持？", "一是…[1]", False, [cite(1, part2[0])])
    got = pick_follow_ups(ans, [d], "研发投入有哪些支持？")
    assert got == ["优化创新创业服务体系建设有哪些措施？", "加大科技服务保障力度有哪些措施？",
                   "鄂建提复字〔2025〕334号答复的是哪个提案？"]
    # A fact the answer already states (the proposal, the date) is not offered; the question asked neither.
    stated = Answer("第0261号提案是谁提的？", "《关于加强政府对科技企业开放创新发展支持的提案》的提出人：白夜明。[1]", False,
                    [cite(1, seed[0])])
    got = pick_follow_ups(stated, [d], stated.question)
    assert "鄂建提复字〔2025〕334号答复的是哪个提案？" not in got and "鄂建提复字〔2025〕334号是哪天发的？" in got
    dated = Answer("鄂建提复字〔2025〕334号答复的是哪个提案？", "根据《…》（鄂建提复字〔2025〕334号，2025-09-03）：…[1]", False,
                   [cite(1, seed[0])])
    got = pick_follow_ups(dated, [d], dated.question)
    assert len(got) == 3 and not any("鄂建提复字" in q for q in got), got
    # An outline quotes every part: the parts after the first are still offered.
    outline = Answer("主要内容是什么？", "…", False, [cite(i + 1, c) for i, c in enumerate(seed)])
    got = pick_follow_ups(outline, [d])
    assert len(got) == 3 and "强化研发投入有哪些措施？" in got
    # A refusal with nothing related offers nothing.
    assert pick_follow_ups(Answer("今天天气怎么样", "未在…", True), []) == []


def test_follow_ups_keep_only_what_the_check_accepts(seed: list[Chunk]) -> None:
    d = doc_questions(seed)
    assert d is not None
    ans = Answer("研发投入有哪些支持？", "…", False, [cite(1, next(c for c in seed if c.section.startswith("二、")))])
    got = pick_follow_ups(ans, [d], check=lambda q, _: "科技" not in q)
    assert got and all("科技" not in q for q in got) and len(got) == 3


def test_state_council_questions_are_clean_and_name_their_document(state_council: dict[str, list[Chunk]]) -> None:
    docs: list[DocQuestions] = []
    for name, chunks in state_council.items():
        d = doc_questions(chunks)
        if d is None:
            continue
        docs.append(d)
        meta = chunks[0].meta
        for q in d.all():
            assert q.endswith("？") and 6 <= len(q) <= 60, (name, q)
            assert not re.search(r"[<>{}=]", q), (name, q)
        for h, q in d.parts:
            core = re.sub(r"^[一二三四五六七八九十]+、", "", h)
            if core in ("总体要求", "保障措施", "主要目标", "指导思想", "基本原则"):
                assert q.startswith(meta.doc_number or "《"), (name, q)  # a generic heading names its document
    assert len(docs) >= 40
    by_name = {n: doc_questions(c) for n, c in state_council.items()}
    sc26 = by_name["sc_26.txt"]
    assert sc26 is not None and sc26.subject == "《关于设立总理热线电话的提案》是怎么答复的？"
    assert "国办函〔2006〕82号答复的是哪个提案？" in sc26.facts
    sc01 = by_name["sc_01.txt"]
    assert sc01 is not None and ("四、保障措施", "国发〔2019〕5号的保障措施是什么？") in sc01.parts
    many = pick_examples(docs, 6)
    assert len(many) == 6 and len(set(many)) == 6
    assert len({next(d.doc_id for d in docs if q in d.all()) for q in many}) == 6, "one document each"


class _Source:
    """The suggester's view of a store: document passages and a keyword channel (the best passage of a
    question is the first passage, in document order, that holds its first four characters)."""

    def __init__(self, docs: dict[str, list[Chunk]]) -> None:
        self.docs = docs
        self.reads = 0

    def document_chunks(self, doc_id: str) -> list[Chunk]:
        self.reads += 1
        return self.docs[doc_id]

    def keyword(self, query: str, k: int, filters: object = None, audience: object = None) -> list[tuple[str, float]]:
        key = query.strip("《")[:4]
        return [(c.id, 1.0) for cs in self.docs.values() for c in cs if key in c.text][:k]


def test_suggester_reads_each_document_once_per_store_state(seed: list[Chunk], xss: list[Chunk]) -> None:
    src = _Source({seed[0].doc_id: seed, xss[0].doc_id: xss})
    fp = ["a"]
    s = Suggester(src, lambda d: [c.id for c in src.docs[d]], lambda: fp[0])
    ans = Answer("研发投入有哪些支持？", "…", False, [cite(1, next(c for c in seed if c.section.startswith("二、")))])
    first = s.follow_ups(ans, "研发投入有哪些支持？")
    assert len(first) == 3 and s.follow_ups(ans, "研发投入有哪些支持？") == first
    assert src.reads == 1
    fp[0] = "b"  # the store changed: read again
    s.follow_ups(ans)
    assert src.reads == 2
    xss_ans = Answer("跨站脚本防护演练补贴多少钱？", "…", False, [cite(1, xss[0])])
    assert s.follow_ups(xss_ans) == [], "nothing is suggested from a document with markup"


def test_news_items_offer_their_headline_and_their_points() -> None:
    """The 2020 notices and news (../shared/corpus/ncp) have no title or no 一、 parts: a news item's headline is
    cut from its opening words, and the headings its passages stand under (一是 / （一）) are asked instead."""
    folder = shared_or_skip("corpus", "ncp")

    def questions(prefix: str) -> DocQuestions:
        d = doc_questions(chunks_of(next(folder.glob(prefix + "*.txt"))))
        assert d is not None
        return d

    news = questions("8a3c7dc8")  # 江苏出台政策支持农产品保供主体复工复产新华社南京2月14日电（记者赵久龙）…
    assert news.title == "“江苏出台政策支持农产品保供主体复工复产”的主要内容是什么？"
    points = questions("ad2b8219")  # 国家发改委：… 一是建立应急监测机制 … 二是做好保供稳价工作 …
    assert [q for _, q in points.parts][:2] == ["建立应急监测机制有哪些措施？", "做好保供稳价工作有哪些措施？"]
    # 一、降价范围此次降电价范围为… ran into its first sentence: no question is made of it.
    power = questions("3d7c3d97")
    assert not any("此次" in q or "2020年2月1日" in q for q in power.all()), power.all()
    assert "发改价格〔2020〕258号是哪个单位发的？" in power.facts
    # A question-and-answer text (电子税务局 FAQ): its headings are questions already, asked as written;
    # one cut where it ran into its answer (…打印自身的各类电) is not.
    faq = questions("eee53682").all()
    assert "纳税人如何申请办理注销？" in faq and "纳税人如何申请退税？" in faq
    assert not [q for q in faq if q.endswith(("各类电？", "办理进？"))], faq
