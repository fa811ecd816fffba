"""Answers a new user got wrong, asked again through the HTTP API (`POST /api/ask`) of the real app (`app.py`
in a subprocess: real m3e-small, real Chroma) over the real corpus: the seed `corpus/` plus
`../shared/corpus/state-council` and `../shared/corpus/ncp`, ingested once for the module with `ingest.py`.

Conversations are asked turn by turn with the real history: the earlier questions and the answers the API
actually returned. Every response must carry `standalone_question`, the stand-alone question that was
searched; for a follow-up it differs from the raw question and names the conversation's topic.

Each test collects all its problems (every turn, every condition) and fails once, listing them with the
answers that were returned.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import ROOT, SEED, SHARED, shared_or_skip
from .test_api import start_app

pytestmark = pytest.mark.slow

SC26 = "sc_26.txt"
# Two sentences of the body of sc_26 (国办函〔2006〕82号, the reply on 设立总理热线电话): an answer about the
# reply must quote the body, not only the `…收悉。` line.
SC26_BODY = ("通过建立多种途径来落实这一要求", "反映社情民意的渠道是畅通的")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    sc = shared_or_skip("corpus", "state-council")
    ncp = shared_or_skip("corpus", "ncp")
    tmp = tmp_path_factory.mktemp("answers_api")
    env = {**os.environ, "RAG_DATA_DIR": str(tmp / "data"), "RAG_CORPUS_DIR": str(ROOT / "corpus")}
    with open(tmp / "ingest.log", "wb") as log:
        r = subprocess.run(
            [sys.executable, str(ROOT / "ingest.py"), "--json", str(ROOT / "corpus"), str(sc), str(ncp)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=log, timeout=1800,
        )
    assert r.returncode == 0, (
        f"ingest.py exit {r.returncode}: {r.stdout.decode(errors='replace')[-2000:]}\n"
        + (tmp / "ingest.log").read_text(errors="replace")[-3000:]
    )
    report = json.loads(r.stdout)
    assert report["files"] >= 490 and not report["errors"], report
    # The app's own startup ingest of corpus/ finds the seed unchanged and leaves the shared documents alone.
    proc, url = start_app(tmp, ROOT / "corpus", RAG_RATE_LIMIT_PER_MIN="0")
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def post(url: str, question: str, history: list[dict[str, str]]) -> dict[str, Any]:
    r = httpx.post(f"{url}/api/ask", json={"question": question, "history": history}, timeout=180)
    assert r.status_code == 200, f"{question!r}: HTTP {r.status_code}: {r.text[:500]}"
    d: dict[str, Any] = r.json()
    return d


def sources(d: dict[str, Any]) -> list[str]:
    return [c.get("source") for c in d.get("citations") or []]


def plain(text: str) -> str:
    """Answer text without citation markers [1] and whitespace, for substring checks."""
    return re.sub(r"\s+|\[\d+\]", "", text)


class Conversation:
    """Asks questions in order with the real history and records every failed condition."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.history: list[dict[str, str]] = []
        self.turns: list[tuple[str, dict[str, Any]]] = []
        self.problems: list[str] = []

    def ask(self, question: str) -> dict[str, Any]:
        d = post(self.url, question, self.history)
        self.turns.append((question, d))
        self.history += [{"role": "user", "content": question}, {"role": "assistant", "content": d["answer"]}]
        sq = d.get("standalone_question")
        self.check(isinstance(sq, str) and bool(sq.strip()),
                   f"no standalone_question string in the response (keys {sorted(d)})")
        return d

    def check(self, ok: bool, what: str) -> None:
        if not ok:
            q = self.turns[-1][0]
            self.problems.append(f"turn {len(self.turns)} {q!r}: {what}")

    # The conditions of the table, each on the latest answer.

    def contains(self, *needles: str) -> None:
        ans = plain(self.turns[-1][1]["answer"])
        for n in needles:
            self.check(plain(n) in ans, f"answer lacks {n!r}")

    def contains_any(self, *needles: str) -> None:
        ans = plain(self.turns[-1][1]["answer"])
        self.check(any(plain(n) in ans for n in needles), f"answer contains none of {list(needles)}")

    def lacks(self, *needles: str) -> None:
        ans = self.turns[-1][1]["answer"]
        for n in needles:
            self.check(n not in ans, f"answer contains {n!r} (an off-topic sentence)")

    def cites(self, source: str) -> None:
        self.check(source in sources(self.turns[-1][1]), f"no citation of {source}")

    def cites_only(self, source: str) -> None:
        got = sources(self.turns[-1][1])
        self.check(bool(got) and set(got) == {source}, f"citations must all be {source}, got {got}")

    def refused(self, want: bool = True) -> None:
        d = self.turns[-1][1]
        self.check(d.get("refused") is want, f"refused is {d.get('refused')!r}, expected {want}")
        if want:
            self.check(d.get("citations") == [], f"a refusal has no citations, got {sources(d)}")

    def follow_up_names(self, *topic: str | tuple[str, ...]) -> None:
        """The stand-alone question of a follow-up is rewritten and names the topic: every string of ``topic``,
        and one string of each tuple in it."""
        q, d = self.turns[-1]
        sq = d.get("standalone_question")
        if not isinstance(sq, str):
            return  # already reported by ask()
        self.check(sq.strip() != q.strip(), f"standalone_question {sq!r} is the raw follow-up unchanged")
        for t in topic:
            alts = (t,) if isinstance(t, str) else t
            self.check(any(a in sq for a in alts), f"standalone_question {sq!r} names none of {list(alts)}")

    def done(self) -> None:
        shown = "\n".join(
            f"  [{i}] {q!r} -> refused={d.get('refused')} standalone_question={d.get('standalone_question')!r} "
            f"question={d.get('question')!r} citations={sources(d)}\n      answer: {d.get('answer', '')[:400]!r}"
            for i, (q, d) in enumerate(self.turns, 1)
        )
        if self.problems:
            pytest.fail("\n".join(self.problems) + "\nwhat the API returned:\n" + shown, pytrace=False)


@pytest.fixture
def chat(app_url: str) -> Conversation:
    return Conversation(app_url)


def sc26_body_sentences() -> list[str]:
    """The sentences of sc_26's body: after `…收悉。经研究，答复如下：`, before `感谢您…` and the signature."""
    text = plain((SHARED / "corpus" / "state-council" / SC26).read_text(encoding="utf-8"))
    body = text.split("答复如下：", 1)[1].split("感谢您", 1)[0]
    return [s for s in re.split(r"[。；]", body) if len(s) >= 8]


def test_contact_person_and_phone(chat: Conversation) -> None:
    chat.ask("鄂建提复字〔2025〕334号的联系人和电话是什么？")
    chat.contains("苏浩", "0477-8586566")
    chat.cites(SEED.name)
    chat.done()


def test_date_of_the_reply_letter(chat: Conversation) -> None:
    chat.ask("第0261号提案的答复函是哪天发的？")
    chat.contains("2025年9月3日")
    chat.cites(SEED.name)
    chat.done()


def test_how_the_hotline_proposal_was_answered_quotes_the_body(chat: Conversation) -> None:
    d = chat.ask("关于设立总理热线电话的提案是怎么答复的？")
    chat.cites(SC26)
    chat.contains_any(*SC26_BODY)
    ans = plain(d["answer"])
    found = [s for s in sc26_body_sentences() if s[:12] in ans]
    chat.check(len(found) >= 2, f"the answer quotes {len(found)} sentence(s) of sc_26's body (>= 2 needed, "
                                f"not just the `…收悉。` line): {found}")
    rest = re.sub(r"[^。；]*(收悉|答复如下)[^。；]*[。；：]?", "", ans)
    chat.check(len(rest) >= 10, f"the answer is only the 收悉 line: {d['answer'][:200]!r}")
    chat.done()


def test_follow_up_how_much_at_most(chat: Conversation) -> None:
    chat.ask("研发投入有哪些支持？")
    chat.ask("最高多少钱？")
    chat.follow_up_names("研发")
    chat.contains("最高500万元")
    chat.cites_only(SEED.name)
    chat.lacks("菜", "猪肉", "价格")
    chat.done()


def test_follow_up_and_financing(chat: Conversation) -> None:
    chat.ask("鄂尔多斯对科技企业研发投入有哪些支持？")
    chat.ask("那融资方面呢？")
    chat.follow_up_names("鄂尔多斯", "融资")
    chat.contains("开拓科技型企业融资渠道")  # section 三
    chat.cites_only(SEED.name)
    chat.done()


def test_three_turns_on_a_state_council_reply(chat: Conversation) -> None:
    chat.ask("国办函〔2006〕82号答复的是哪个提案？")
    chat.contains("关于设立总理热线电话的提案")
    chat.ask("提案人是谁？")
    chat.follow_up_names(("82号", "总理热线"))
    chat.contains("王超斌")
    chat.ask("主要答复内容是什么？")
    chat.follow_up_names(("82号", "总理热线"))
    chat.refused(False)
    chat.cites(SC26)
    chat.contains_any(*SC26_BODY)
    chat.done()


def test_weather_is_refused(chat: Conversation) -> None:
    chat.ask("今天天气怎么样？")
    chat.refused()
    chat.done()


def test_sme_asking_for_rd_funding(chat: Conversation) -> None:
    chat.ask("我们是一家科技型中小企业，想加大研发投入，鄂尔多斯有什么资金支持？")
    chat.contains("最高500万元科研经费支持")
    chat.cites(SEED.name)
    chat.done()


def test_a_city_the_corpus_lacks_is_refused(chat: Conversation) -> None:
    chat.ask("银川市的购房补贴政策是什么？")
    chat.refused()  # a `related` list may come with it
    chat.done()


def test_the_corpus_is_where_the_tests_expect_it() -> None:
    """The phrases the tests above look for are in their documents (a guard against testing nothing)."""
    sc26 = plain(shared_or_skip("corpus", "state-council", SC26).read_text(encoding="utf-8"))
    seed = plain(Path(SEED).read_text(encoding="utf-8"))
    for s in (*SC26_BODY, "关于设立总理热线电话的提案", "王超斌"):
        assert s in sc26, s
    assert len(sc26_body_sentences()) >= 5
    for s in ("苏浩", "0477-8586566", "最高500万元科研经费支持", "开拓科技型企业融资渠道"):
        assert s in seed, s
