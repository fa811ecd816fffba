"""Conversation: follow-up rewriting (rules and model), and the engine with a stub retriever."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import pytest
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatResult

from rag.answer import REFUSAL_TEXT, ExtractiveAnswerer
from rag.chat import ChatEngine, llm_rewrite, looks_like_followup, rewrite_followup
from rag.embed import HashEmbedder
from rag.llm import GenerativeAnswerer
from rag.records import REFUSAL, Chunk, DocMeta, Hit
from rag.retrieve import Filters, RetrievalResult

META = DocMeta(title="鄂尔多斯市人民政府关于市政协五届四次会议第0261号提案的答复函", doc_number="鄂建提复字〔2025〕334号",
               date="2025-09-03")
LEAD_IN = "根据《鄂尔多斯市人民政府关于市政协五届四次会议第0261号提案的答复函》（鄂建提复字〔2025〕334号，2025-09-03）："
FINANCE = ("一是开拓科技型企业融资渠道。我市16家科技型企业入选“科技创新再贷款”推荐名单。全市金融机构为科技型中小企业库内"
           "企业发放贷款7.42亿元,惠及企业102家。")
RESEARCH = ("一是政策保障激励企业研发投入。迭代出台“科技新政30条”2.0版,对符合一定条件的企业,按企业上年度研发投入总量和增量"
            "情况分档给予最高500万元科研经费支持。")


def turns(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    out = []
    for q, a in pairs:
        out += [{"role": "user", "content": q}, {"role": "assistant", "content": a}]
    return out


# --- rule-based rewriting -----------------------------------------------------------------------------


def test_aspect_followup_keeps_entity_and_new_aspect() -> None:
    h = turns(("鄂尔多斯对科技企业研发投入有哪些支持？", LEAD_IN + "\n…[1]"))
    q = rewrite_followup("那融资方面呢？", h)
    assert "鄂尔多斯" in q and "科技企业" in q and "融资" in q
    assert "研发投入" not in q  # the aspect was switched, not added
    assert q == "鄂尔多斯对科技企业融资方面有哪些支持？"


def test_followup_about_the_document_carries_its_doc_number() -> None:
    h = turns(("鄂建提复字〔2025〕334号答复的是哪个提案？", "…"))
    assert "鄂建提复字〔2025〕334号" in rewrite_followup("是哪天发的？", h)
    assert rewrite_followup("这个文件是哪天发的？", h) == "鄂建提复字〔2025〕334号是哪天发的？"
    # No identifier in the question: the document the last answer quoted (its lead-in) is meant.
    h2 = turns(("企业研发投入最高能拿多少科研经费支持？", LEAD_IN + "\n最高500万元科研经费支持。[1]"))
    assert rewrite_followup("这个文件是哪天发的？", h2) == "鄂建提复字〔2025〕334号是哪天发的？"


def test_proposal_number_carried_over() -> None:
    h = turns(("第0261号提案是哪位政协委员提的？", "…"))
    assert rewrite_followup("这个提案的答复文号是什么？", h) == "第0261号提案的答复文号是什么？"


def test_more_and_narrowing_followups_keep_the_topic() -> None:
    h = turns(("鄂尔多斯对科技企业研发投入有哪些支持？", LEAD_IN))
    more = rewrite_followup("还有别的吗？", h)
    assert "鄂尔多斯" in more and "研发投入" in more
    chain = turns(("鄂尔多斯对科技企业研发投入有哪些支持？", LEAD_IN), ("那融资方面呢？", LEAD_IN))
    narrowed = rewrite_followup("具体金额是多少？", chain)
    assert "鄂尔多斯" in narrowed and "融资" in narrowed and "金额" in narrowed


def test_standalone_questions_unchanged() -> None:
    h = turns(("鄂尔多斯对科技企业研发投入有哪些支持？", LEAD_IN))
    for q in ("企业研发投入最高能拿多少科研经费支持？", "鄂府办发〔2024〕13号是什么文件？", "第0261号提案是哪位政协委员提的？"):
        assert rewrite_followup(q, h) == q
        assert not looks_like_followup(q)
    assert rewrite_followup("那融资方面呢？", []) == "那融资方面呢？"  # nothing to carry over
    # A follow-up opener with a whole topic of its own keeps that topic, with the previous question's frame.
    assert rewrite_followup("那北京市对小微企业的贷款贴息呢？", h) == "北京市对小微企业的贷款贴息有哪些支持？"
    assert not looks_like_followup("其它科技型中小企业能享受研发费用加计扣除吗？")
    assert rewrite_followup("  那融资方面呢？ ", None) == "那融资方面呢？"


def test_looks_like_followup() -> None:
    for q in ("那融资方面呢？", "还有别的吗？", "这个文件是哪天发的？", "是哪天发的？", "签发人是谁？", "它的文号是多少？"):
        assert looks_like_followup(q), q


# --- model rewriting ----------------------------------------------------------------------------------


class Boom(BaseChatModel):
    @property
    def _llm_type(self) -> str:
        return "boom"

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:
        raise ConnectionError("model server down")


def test_llm_rewrite_uses_the_model_and_falls_back() -> None:
    h = turns(("鄂尔多斯对科技企业研发投入有哪些支持？", LEAD_IN))
    model = FakeListChatModel(responses=["独立问题：鄂尔多斯对科技企业融资有哪些支持？\n（说明）"])
    assert llm_rewrite(model, "那融资方面呢？", h) == "鄂尔多斯对科技企业融资有哪些支持？"
    rule = rewrite_followup("那融资方面呢？", h)
    assert llm_rewrite(Boom(), "那融资方面呢？", h) == rule
    assert llm_rewrite(FakeListChatModel(responses=["  "]), "那融资方面呢？", h) == rule
    assert llm_rewrite(Boom(), "那融资方面呢？", []) == "那融资方面呢？"


def test_llm_rewrite_must_keep_the_document_identifier() -> None:
    h = turns(("鄂建提复字〔2025〕334号答复的是哪个提案？", "…"))
    dropped = FakeListChatModel(responses=["这份答复函是哪天发的？"])
    assert llm_rewrite(dropped, "是哪天发的？", h) == "鄂建提复字〔2025〕334号是哪天发的？"
    kept = FakeListChatModel(responses=["鄂建提复字〔2025〕334号答复函的发文日期是哪天？"])
    assert llm_rewrite(kept, "是哪天发的？", h) == "鄂建提复字〔2025〕334号答复函的发文日期是哪天？"


# --- the engine ---------------------------------------------------------------------------------------


class StubRetriever:
    """Any object with ``retrieve``: returns the passages whose text shares a keyword with the query."""

    def __init__(self, passages: dict[str, str]) -> None:
        self.hits = {
            key: Hit(Chunk(id=key, doc_id="seed", source="seed.txt", text=text, section="", start=i * 100,
                           end=i * 100 + len(text), tokens=50, ordinal=i, meta=META), score=1.0)
            for i, (key, text) in enumerate(passages.items())
        }
        self.queries: list[tuple[str, Filters | None, int | None]] = []

    def source_of(self, text: str) -> str | None:
        """The stub's one document, when the text quotes one of its passages."""
        return "seed.txt" if any(h.chunk.text[:12] in text for h in self.hits.values()) else None

    def document_texts(self, doc_ids: Sequence[str]) -> dict[str, str]:
        return {h.chunk.doc_id: h.chunk.text for h in self.hits.values() if h.chunk.doc_id in doc_ids}

    def knows(self, term: str) -> bool:
        return any(term in h.chunk.text for h in self.hits.values())

    def unknown_identifiers(self, query: str) -> list[str]:
        return []

    def retrieve(self, query: str, filters: Filters | None = None, k: int | None = None) -> RetrievalResult:
        self.queries.append((query, filters, k))
        found = [h for key, h in self.hits.items() if key in query]
        if not found:
            return RetrievalResult(query, [], refused=True, reason="nothing relevant")
        return RetrievalResult(query, found[: k or 5])


@pytest.fixture()
def retriever() -> StubRetriever:
    return StubRetriever({"融资": FINANCE, "研发投入": RESEARCH})


@pytest.fixture(scope="module")
def extractive() -> ExtractiveAnswerer:
    return ExtractiveAnswerer(HashEmbedder())


def test_engine_rewrites_then_retrieves_then_answers(retriever: StubRetriever, extractive: ExtractiveAnswerer) -> None:
    engine = ChatEngine(retriever, extractive, None, k=3)
    h = turns(("鄂尔多斯对科技企业研发投入有哪些支持？", LEAD_IN))
    filters = Filters(year_from=2024)
    ans = engine.ask("那融资方面呢？", h, filters)
    assert retriever.queries == [("鄂尔多斯对科技企业融资方面有哪些支持？", filters, 3)]
    assert ans.question == "鄂尔多斯对科技企业融资方面有哪些支持？"
    assert not ans.refused and "7.42亿元" in ans.text
    assert [c.chunk_id for c in ans.citations] == ["融资"]


def test_engine_refuses_when_retrieval_does(retriever: StubRetriever, extractive: ExtractiveAnswerer) -> None:
    engine = ChatEngine(retriever, extractive, GenerativeAnswerer(Boom()))
    ans = engine.ask("今天天气怎么样？")
    assert ans.refused and ans.text == REFUSAL_TEXT and ans.question == "今天天气怎么样？"


def test_engine_extractive_stream_is_one_item(retriever: StubRetriever, extractive: ExtractiveAnswerer) -> None:
    items = list(ChatEngine(retriever, extractive).stream("企业研发投入最高能拿多少科研经费支持？", None, None))
    assert len(items) == 1
    text, ans = items[0]
    assert ans is not None and text == ans.text and "500万元" in text


def test_engine_generative_streams_partial_text_then_answer(
    retriever: StubRetriever, extractive: ExtractiveAnswerer
) -> None:
    model = FakeListChatModel(responses=["鄂尔多斯对科技企业融资有哪些支持？", "金融机构发放贷款7.42亿元[1]。"])
    engine = ChatEngine(retriever, extractive, GenerativeAnswerer(model))
    h = turns(("鄂尔多斯对科技企业研发投入有哪些支持？", LEAD_IN))
    items = list(engine.stream("那融资方面呢？", h, None))
    partial = [t for t, a in items if a is None]
    assert len(partial) > 1 and all(b.startswith(a) for a, b in pairwise(partial))
    text, ans = items[-1]
    assert ans is not None and text == ans.text == "金融机构发放贷款7.42亿元[1]。"
    assert ans.question == "鄂尔多斯对科技企业融资有哪些支持？"  # the model's rewrite
    assert retriever.queries[0][0] == "鄂尔多斯对科技企业融资有哪些支持？"
    assert [c.chunk_id for c in ans.citations] == ["融资"] and not ans.warnings


def test_engine_falls_back_to_extractive_when_the_model_fails(
    retriever: StubRetriever, extractive: ExtractiveAnswerer
) -> None:
    engine = ChatEngine(retriever, extractive, GenerativeAnswerer(Boom()))
    ans = engine.ask("企业研发投入最高能拿多少科研经费支持？")
    assert not ans.refused and "最高500万元科研经费支持" in ans.text
    assert any("生成式回答失败" in w for w in ans.warnings)


def test_engine_quotes_passages_when_the_model_cites_nothing(
    retriever: StubRetriever, extractive: ExtractiveAnswerer
) -> None:
    model = FakeListChatModel(responses=["鄂尔多斯对企业研发投入给予支持。"])
    ans = ChatEngine(retriever, extractive, GenerativeAnswerer(model)).ask("企业研发投入最高能拿多少科研经费支持？")
    assert not ans.refused and "最高500万元科研经费支持。[1]" in ans.text
    assert ans.warnings  # says the model's answer was not used


def test_engine_respects_the_model_refusal(retriever: StubRetriever, extractive: ExtractiveAnswerer) -> None:
    model = FakeListChatModel(responses=[REFUSAL])
    ans = ChatEngine(retriever, extractive, GenerativeAnswerer(model)).ask("企业研发投入最高能拿多少科研经费支持？")
    assert ans.refused and ans.text == REFUSAL_TEXT
