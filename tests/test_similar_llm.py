"""A draft outline of a reply letter with the real packaged GGUF (RAG_LLM=local through llama-cpp-python) over
a real store: every point cites a passage, checked like a generated answer. Skips without `make llm`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rag.pipeline import build
from rag.settings import Settings
from rag.similar import draft_outline, find_similar

from .conftest import SEED
from .test_llm_real import _have_llm  # the same skip: llama-cpp-python and the assembled GGUF

pytestmark = [pytest.mark.llm, pytest.mark.slow]

if (why := _have_llm()) is not None:
    pytest.skip(why, allow_module_level=True)

PROPOSAL = "关于支持科技企业加大研发投入的提案：建议加大研发投入奖补力度，拓宽科技型企业融资渠道。"


def test_outline_cites_the_seed(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    pipe = build(Settings(data_dir=tmp_path / "data", corpus_dir=corpus, llm="local"))
    pipe.ensure_ingested()
    res = find_similar(PROPOSAL, pipe.lexical, pipe.links, pipe.store)
    assert pipe.chat.generative is not None
    out = draft_outline(PROPOSAL, res["keywords"], pipe.retriever, pipe.chat.generative)
    assert out["draft"] is True
    if out["refused"]:  # a 1.5B model may forget the markers: then nothing uncited is passed on
        assert out["citations"] == [] and out["warnings"], out
        return
    assert out["citations"] and all(c["doc_number"] == "鄂建提复字〔2025〕334号" for c in out["citations"])
    assert "[1]" in out["text"]
