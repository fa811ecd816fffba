from __future__ import annotations

from pathlib import Path

import numpy as np

from rag.embed import HashEmbedder
from rag.lexical import LexicalIndex, tokenize
from rag.records import Chunk, DocMeta
from rag.store import ChromaStore, DocRecord


def test_doc_numbers_are_whole_tokens_in_every_bracket_style() -> None:
    for q in ("鄂建提复字〔2025〕334号", "鄂建提复字[2025]334号", "鄂建提复字［2025］334号", "鄂建提复字(2025)334号"):
        toks = tokenize(f"{q}答复的是哪个提案？")
        assert "鄂建提复字〔2025〕334号" in toks, toks
        assert "334号" in toks and "鄂建提复字" in toks


def test_short_forms_meet_the_document_tokens() -> None:
    doc = set(tokenize("鄂建提复字〔2025〕334号 鄂尔多斯市人民政府关于市政协五届四次会议第0261号提案的答复函"))
    assert "334号" in set(tokenize("334号文说了什么")) & doc
    assert "0261" in set(tokenize("第0261号提案")) & doc
    assert "0261" in set(tokenize("0261提案")) & doc


def test_amounts_and_quoted_names_stay_whole_and_as_parts() -> None:
    toks = tokenize("分档给予最高500万元科研经费支持。印发《鄂尔多斯市提升科技创新投入实施方案》")
    assert "500万元" in toks
    assert "鄂尔多斯市提升科技创新投入实施方案" in toks
    assert "科技创新" in toks or "创新" in toks  # and its parts
    assert "“科技新政30条”" not in toks and "科技新政30条" in tokenize("迭代出台“科技新政30条”2.0版")


def test_greetings_and_question_words_are_dropped() -> None:
    assert tokenize("你好") == []
    assert tokenize("请问有哪些？") == []
    assert "研发" in tokenize("请问研发投入有哪些支持？")


def _chunk(doc_id: str, i: int, text: str, meta: DocMeta) -> Chunk:
    return Chunk(Chunk.make_id(doc_id, i, text), doc_id, f"{doc_id}.txt", text, "", i, i + len(text), 10, i, meta)


def _store_with(tmp_path: Path, docs: dict[str, tuple[DocMeta, list[str]]]) -> ChromaStore:
    store = ChromaStore(path=str(tmp_path / "chroma"))
    emb = HashEmbedder()
    for did, (meta, texts) in docs.items():
        chunks = [_chunk(did, i, t, meta) for i, t in enumerate(texts)]
        store.add_chunks(chunks, emb.embed_texts(texts), "h-" + did)
        store.put_docs([(DocRecord(did, f"/c/{did}", f"{did}.txt", "h-" + did, len(chunks), meta), "\n".join(texts))])
    return store


def test_index_tracks_the_store_and_filters(tmp_path: Path) -> None:
    store = _store_with(
        tmp_path,
        {
            "a": (DocMeta(title="成都市减税抗疫贷通知", doc_type="notice", date="2020-02-24"),
                  ["减税抗疫贷最高可贷300万元。", "办理流程简化。"]),
            "b": (DocMeta(title="重庆市税务局公告", doc_type="other", date="2019-05-01"),
                  ["纳税人可申请延期缴纳税款。"]),
        },
    )
    idx = LexicalIndex(tmp_path / "index", store, check_every=0)
    hits = idx.search("减税抗疫贷能贷多少", 5)
    assert hits and hits[0][0] == Chunk.make_id("a", 0, "减税抗疫贷最高可贷300万元。")
    # the title is indexed with every passage of the document
    assert Chunk.make_id("a", 1, "办理流程简化。") in {cid for cid, _ in idx.search("成都 办理流程", 5)}
    assert idx.search("延期缴纳税款", 5, idx.mask(doc_type="notice")) == []
    assert idx.search("延期缴纳税款", 5, idx.mask(year_to=2019))
    assert idx.search("延期缴纳税款", 5, idx.mask(year_from=2020)) == []
    assert idx.search("你好", 5) == []

    # another process changes the store: the next search sees it (the store is the truth)
    store.delete_doc("b")
    assert idx.search("延期缴纳税款", 5) == []
    # a fresh index object loads the persisted index built for the same store state
    again = LexicalIndex(tmp_path / "index", store, check_every=0)
    assert again.ensure_fresh().fingerprint == store.fingerprint()
    assert len(again.ensure_fresh().ids) == 2


def test_idf_coverage_prefers_rare_words(tmp_path: Path) -> None:
    store = _store_with(
        tmp_path, {f"d{i}": (DocMeta(), [f"企业复工复产支持政策第{i}条。"]) for i in range(5)}
        | {"x": (DocMeta(), ["减税抗疫贷最高可贷300万元。"])},
    )
    idx = LexicalIndex(tmp_path / "index", store, check_every=0)
    rare = idx.idf_coverage("减税抗疫贷 企业", "减税抗疫贷")
    common = idx.idf_coverage("减税抗疫贷 企业", "企业")
    assert rare > common > 0
    assert np.isclose(idx.idf_coverage("减税抗疫贷", "减税抗疫贷"), 1.0)
