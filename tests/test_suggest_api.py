"""Follow-up suggestions through HTTP against the real app (real model, real Chroma; the seed and three State
Council reply letters): every answer offers two or three questions, and each of them, asked in turn, gets a
cited answer from the document it was drawn from — asked alone and asked as the chat asks it (with the
conversation)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from .conftest import SEED, SHARED
from .test_api import ask, seed_app

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from seed_app(tmp_path_factory, "suggest-api", state_council=True, RAG_RATE_LIMIT_PER_MIN="0")


def _asked(url: str, question: str, history: list[dict[str, str]] | None = None) -> dict[str, Any]:
    r = ask(url, {"question": question, "history": history or []})
    assert r.status_code == 200, r.text
    return dict(r.json())


def _check_suggestions(url: str, question: str, source: str) -> list[str]:
    d = _asked(url, question)
    assert not d["refused"] and d["citations"][0]["source"] == source
    sugg = d["suggestions"]
    assert 2 <= len(sugg) <= 3 and len(set(sugg)) == len(sugg), sugg
    assert question not in sugg
    history = [{"role": "user", "content": question}, {"role": "assistant", "content": d["answer"]}]
    for s in sugg:
        for h in ([], history):  # alone (any client), and in the conversation (the chat's buttons)
            got = _asked(url, s, h)
            assert not got["refused"], (s, bool(h), got["answer"])
            assert got["citations"] and got["citations"][0]["source"] == source, (s, bool(h), got["citations"][:1])
            assert "[1]" in got["answer"]
    return list(sugg)


def test_the_seed_answer_offers_its_other_parts_and_a_fact(app_url: str) -> None:
    sugg = _check_suggestions(app_url, "研发投入有哪些支持？", SEED.name)
    # The answer quotes part 二 (研发投入): the other parts and the reply's 文号 are offered, not part 二 again.
    assert "强化研发投入有哪些措施？" not in sugg
    assert sugg[:2] == ["优化创新创业服务体系建设有哪些措施？", "加大科技服务保障力度有哪些措施？"]
    assert any("鄂建提复字〔2025〕334号" in s for s in sugg)


@pytest.mark.skipif(not (SHARED / "corpus" / "state-council").is_dir(), reason="../shared/corpus absent")
def test_a_state_council_reply_offers_its_proposal_and_date(app_url: str) -> None:
    sugg = _check_suggestions(app_url, "国办函〔2006〕82号答复的是哪个提案？", "sc_26.txt")
    assert "《关于设立总理热线电话的提案》是怎么答复的？" in sugg and "国办函〔2006〕82号是哪天发的？" in sugg
    sugg = _check_suggestions(app_url, "政府网站绩效评估工作是怎么开展的？", "sc_30.txt")
    assert any(s.endswith("有哪些措施？") for s in sugg), sugg


def test_a_refusal_offers_nothing_unrelated(app_url: str) -> None:
    d = _asked(app_url, "今天天气怎么样")
    assert d["refused"] and d["suggestions"] == []
    assert httpx.get(f"{app_url}/api/health", timeout=30).json()["status"] == "ok"
