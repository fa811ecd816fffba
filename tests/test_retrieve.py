from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from langchain_core.documents import Document

from rag.embed import HashEmbedder
from rag.errors import QueryError
from rag.pipeline import build
from rag.retrieve import Filters, PolicyRetriever
from rag.settings import Settings

from .conftest import SEED, shared_or_skip

NOTICE = (
    "关于延期缴纳社会保险费的通知\n晋人社发〔2020〕8号\n各市人力资源和社会保障局：\n"
    "一、受疫情影响的企业可申请缓缴社会保险费，缓缴期最长不超过6个月。\n二、缓缴期间免收滞纳金。\n"
    "山西省人力资源和社会保障厅\n2020年2月10日"
)
OLD = "国务院关于加强地震工作的通知\n国发〔1998〕5号\n一、地震监测预报工作要加强。全国地震台网建设。\n国务院\n1998年3月1日"


@pytest.fixture(scope="module")
def pipe(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Seed + two small documents in a real Chroma store, embedded by the deterministic fake."""
    tmp = tmp_path_factory.mktemp("retrieve")
    corpus = tmp / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    (corpus / "notice.txt").write_text(NOTICE, encoding="utf-8")
    (corpus / "old.txt").write_text(OLD, encoding="utf-8")
    p = build(Settings(data_dir=tmp / "data", corpus_dir=corpus), HashEmbedder())
    rep = p.ingest([corpus])
    assert rep.docs_added == 3 and not rep.errors
    return p


@pytest.mark.parametrize(
    "q", ["鄂建提复字〔2025〕334号答复的是哪个提案？", "鄂建提复字[2025]334号是什么", "第0261号提案的答复", "0261号提案怎么答复的"]
)
def test_exact_identifiers_rank_their_document_first(pipe: Any, q: str) -> None:
    res = pipe.retriever.retrieve(q)
    assert not res.refused and res.exact_docs
    assert res.hits[0].exact and res.hits[0].chunk.source == SEED.name
    # the first passage of the named document (title, 文号) comes first
    assert res.hits[0].chunk.ordinal == 0 or "0261" in res.hits[0].chunk.text


def test_filters_apply_to_both_channels(pipe: Any) -> None:
    r = pipe.retriever
    q = "企业缓缴社会保险费"
    assert r.retrieve(q).hits[0].chunk.source == "notice.txt"
    for f in (Filters(doc_type="reply_letter"), Filters(year_from=2021), Filters(source=SEED.name)):
        assert all(c.source != "notice.txt" for c, _ in r.dense(q, 20, f))
        ids = [cid for cid, _ in r.keyword(q, 20, f)]
        assert all(c.source != "notice.txt" for c in pipe.store.get_chunks(ids))
    assert {c.source for c, _ in r.dense(q, 20, Filters(year_to=1999))} == {"old.txt"}
    assert {c.meta.doc_type for c, _ in r.dense("答复", 20, Filters(doc_type="notice"))} == {"notice"}


def test_filter_validation_names_the_field() -> None:
    assert Filters.from_dict({"doc_type": "notice", "year_from": "2020"}).year_from == 2020
    with pytest.raises(QueryError, match="year_from"):
        Filters.from_dict({"year_from": "去年"})
    with pytest.raises(QueryError, match="colour"):
        Filters.from_dict({"colour": "red"})
    assert Filters(doc_type="notice", year_from=2020).where() == {
        "$and": [{"doc_type": "notice"}, {"year": {"$gte": 2020}}]
    }


def test_greeting_and_bad_questions(pipe: Any) -> None:
    r = pipe.retriever
    res = r.retrieve("你好")
    assert res.refused and res.hits == [] and res.reason
    with pytest.raises(QueryError, match="empty"):
        r.retrieve("   ")
    with pytest.raises(QueryError, match="too long"):
        r.retrieve("研发" * 400)
    with pytest.raises(ValueError, match="k must be > 0, got 0"):
        r.retrieve("研发投入", k=0)


def test_near_duplicates_are_removed_and_other_documents_capped() -> None:
    from rag.records import Chunk, DocMeta, Hit
    from rag.retrieve import HybridRetriever

    def hit(doc: str, i: int, text: str, score: float) -> Hit:
        return Hit(Chunk(f"{doc}{i}", doc, f"{doc}.txt", text, "", i, i + 1, 5, i, DocMeta()), score)

    ranked = [hit("top", i, f"第{i}段落：企业研发投入补贴{i}万元。", 10 - i) for i in range(5)]
    ranked += [hit("other", i, f"其他文件第{i}段：税收减免{i}。", 4 - i * 0.1) for i in range(5)]
    ranked += [hit("copy", 0, "第0段落：企业研发投入补贴0万元。", 1.0)]  # the same passage in another file
    kept = HybridRetriever._dedupe_and_cap(ranked, max_per_doc=3)
    assert [h.chunk.doc_id for h in kept].count("top") == 5, "the top document is not capped"
    assert [h.chunk.doc_id for h in kept].count("other") == 3
    assert all(h.chunk.doc_id != "copy" for h in kept)


def test_langchain_retriever_returns_documents(pipe: Any) -> None:
    lc = PolicyRetriever(hybrid=pipe.retriever, k=3)
    docs = lc.invoke("鄂建提复字〔2025〕334号")
    assert docs and all(isinstance(d, Document) for d in docs)
    m = docs[0].metadata
    assert m["doc_number"] == "鄂建提复字〔2025〕334号" and m["source"] == SEED.name
    assert m["score"] > 0 and "section" in m and m["id"] == docs[0].id
    assert PolicyRetriever(hybrid=pipe.retriever).invoke("你好") == []


# --- with the real model -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_pipe(tmp_path_factory: pytest.TempPathFactory, real_embedder: Any) -> Any:
    sc = shared_or_skip("corpus", "state-council")
    tmp = tmp_path_factory.mktemp("real")
    corpus = tmp / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    for name in ("sc_26.txt", "sc_28.txt", "sc_30.txt", "sc_10.txt", "sc_36.txt", "sc_18.txt", "sc_51.txt"):
        shutil.copy(sc / name, corpus / name)
    p = build(Settings(data_dir=tmp / "data", corpus_dir=corpus), real_embedder)
    p.ingest([corpus])
    return p


CASES = [
    ("企业研发投入最高能拿多少科研经费支持？", SEED.name, "最高500万元科研经费支持"),
    ("国办函〔2006〕82号答复的是哪个提案？", "sc_26.txt", "关于设立总理热线电话的提案"),
    ("石英代表提了什么建议？", "sc_28.txt", "建设地方政府门户网站外文版"),
    ("消防救援车辆悬挂专用号牌能免哪些费用？", "sc_36.txt", "免征车辆购置税"),
    ("科技型企业贷款难，鄂尔多斯怎么帮？", SEED.name, "7.42亿元"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("q", "source", "expect"), CASES)
def test_channels_and_fusion_on_real_questions(real_pipe: Any, q: str, source: str, expect: str) -> None:
    r = real_pipe.retriever

    def found(chunks: list[Any], k: int) -> bool:
        return any(c.source == source and expect in c.text.replace("\n", "") for c in chunks[:k])

    dense = [c for c, _ in r.dense(q, 10)]
    keyword = real_pipe.store.get_chunks([cid for cid, _ in r.keyword(q, 10)])
    fused = [h.chunk for h in r.retrieve(q, k=5).hits]
    assert found(dense, 10) or found(keyword, 10), "neither channel finds it"
    assert found(fused, 3), [c.text[:30] for c in fused]


@pytest.mark.slow
@pytest.mark.parametrize("q", ["今天天气怎么样", "最近有什么好看的电影？", "梅西现在效力于哪家俱乐部？"])
def test_off_topic_questions_get_nothing(real_pipe: Any, q: str) -> None:
    res = real_pipe.retriever.retrieve(q)
    assert res.refused and res.hits == [] and "relevant" in res.reason


@pytest.mark.slow
def test_eval_cli_numbers(tmp_path: Path, real_embedder: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The eval CLI on a tiny QA file whose numbers are known: 2 of 3 answerable questions are found first,
    one is unanswerable by construction, and the off-topic one is refused."""
    from rag import eval as ev

    corpus = tmp_path / "c"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    qa = tmp_path / "qa.jsonl"
    rows = [
        {"question": "鄂建提复字〔2025〕334号答复的是哪个提案？", "source": SEED.name, "expect": ["第0261号提案"]},
        {"question": "企业研发投入最高能拿多少科研经费支持？", "source": SEED.name, "expect": ["最高500万元科研经费支持"]},
        {"question": "研发投入支持", "source": SEED.name, "expect": ["这句话不在任何文件里"]},
        {"question": "今天天气怎么样", "source": None, "expect": []},
    ]
    qa.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    monkeypatch.setattr("rag.pipeline.make_embedder", lambda s: real_embedder)
    res = ev.run([qa], [corpus], k=5, baseline=True, log=lambda s: None)
    assert res["n"] == 3 and res["n_offtopic"] == 1
    assert res["recall@1"] == pytest.approx(2 / 3, abs=1e-3)
    assert res["recall@5"] == pytest.approx(2 / 3, abs=1e-3)
    assert res["mrr@10"] == pytest.approx(2 / 3, abs=1e-3)
    assert res["refusal_accuracy"] == 1.0
    assert res["latency_ms_p95"] >= res["latency_ms_p50"] > 0
    assert set(res["baselines"]) == {"dense_only", "bm25_only", "naive"}
    assert res["baselines"]["naive"]["refusal_accuracy"] == 0.0  # the tutorial pipeline never refuses
    assert res["baselines"]["naive"]["recall@5"] <= 2 / 3 + 1e-3


def test_eval_rejects_bad_qa_files(tmp_path: Path) -> None:
    from rag.errors import ConfigError
    from rag.eval import load_qa

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "x", "source": "a.txt"}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"line 1.*expect"):
        load_qa(bad)
    bad.write_text("not json\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.jsonl line 1"):
        load_qa(bad)


def test_fusion_modes() -> None:
    """Score fusion: the keyword score scaled to its best hit plus a small weight × the cosine above the
    floor; RRF: weights over (k + rank)."""
    from rag.records import Chunk, DocMeta
    from rag.retrieve import HybridRetriever, RetrievalConfig

    def chunk(i: str) -> Chunk:
        return Chunk(i, "d", "d.txt", f"段落{i}。", "", 0, 1, 3, 0, DocMeta())

    class Store:
        def get_chunks(self, ids: list[str]) -> list[Chunk]:
            return [chunk(i) for i in ids]

    dense = [(chunk("a"), 0.95), (chunk("b"), 0.80)]
    keyword = [("b", 10.0), ("c", 5.0)]
    r = HybridRetriever(Store(), None, None, RetrievalConfig(dense_weight=0.15, dense_floor=0.75))  # type: ignore[arg-type]
    hits = r._fuse(dense, keyword)
    assert hits["b"].score == pytest.approx(1.0 + 0.15 * 0.2)
    assert hits["a"].score == pytest.approx(0.15 * 0.8)
    assert hits["c"].score == pytest.approx(0.5)
    assert hits["b"].dense_rank == 2 and hits["b"].bm25_rank == 1

    r = HybridRetriever(Store(), None, None, RetrievalConfig(fusion="rrf", rrf_k=60, dense_weight=1.0))  # type: ignore[arg-type]
    hits = r._fuse(dense, keyword)
    assert hits["b"].score == pytest.approx(1 / 62 + 1 / 61)
    assert hits["a"].score == pytest.approx(1 / 61)
    assert hits["c"].score == pytest.approx(1 / 62)


def test_exclude_sources_in_both_channels(pipe: Any) -> None:
    """current_only becomes exclude_sources: both channels and the fused result obey it."""
    r = pipe.retriever
    q = "企业缓缴社会保险费"
    f = Filters(exclude_sources=frozenset({"notice.txt"}))
    assert all(c.source != "notice.txt" for c, _ in r.dense(q, 20, f))
    assert all(c.source != "notice.txt" for c in pipe.store.get_chunks([cid for cid, _ in r.keyword(q, 20, f)]))
    assert all(h.chunk.source != "notice.txt" for h in r.retrieve(q, f).hits)
    assert Filters.from_dict({"current_only": True}).current_only
