"""The answer evaluation (``rag.eval_answers``, ``python -m rag.eval --answers``).

Everything but the last test runs on a deterministic fake engine (a scripted ``ask`` over a fake retriever):
QA-file parsing and its errors, the "answered right" rule, what ``evaluate`` passes to the engine (the real
history of a conversation), what it measures (retrieval time inside ``ask``), every summary number on a
hand-computed example, the ``top_passage`` baseline and the text report. The last test runs the CLI for
real (m3e-small, Chroma) over the seed document in a subprocess and checks the shape of its JSON only: the
answerer is being changed, so its recall is not pinned here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from rag.errors import ConfigError
from rag.eval_answers import Conversation, Turn, answered_right, evaluate, load_items, render
from rag.records import REFUSAL, Answer, Chunk, Citation, DocMeta, Hit

from .conftest import ROOT, SEED

# ---------------------------------------------------------------------------------------------- load_items


def _write(tmp_path: Path, name: str, *lines: Any) -> Path:
    p = tmp_path / name
    p.write_text(
        "".join((x if isinstance(x, str) else json.dumps(x, ensure_ascii=False)) + "\n" for x in lines),
        encoding="utf-8",
    )
    return p


def test_load_items_parses_questions_and_conversations(tmp_path: Path) -> None:
    p = _write(
        tmp_path, "set.jsonl",
        {"question": "  签发人是谁？ ", "source": "a.txt", "expect": ["张秀玲"], "kind": "field"},
        "",
        "   ",
        {"question": "今天天气怎么样？", "source": None},
        {"question": "发文机关？", "source": "b.txt", "expect": ["国务院", "国务院办公厅"]},
        {"turns": [
            {"question": "A的发文机关？", "source": "a.txt", "expect": ["国务院"]},
            {"question": "谢谢", "source": None, "expect": []},
        ]},
        {"question": "你好", "source": None, "expect": [], "kind": "greeting"},
    )
    items = load_items(p)
    assert len(items) == 5  # the blank and whitespace-only lines are skipped
    q1, off, q3, conv, greet = items
    assert q1 == Turn("签发人是谁？", "a.txt", ["张秀玲"], "field")  # question stripped, kind kept
    assert off == Turn("今天天气怎么样？", None, [], "offtopic")  # kind defaults to offtopic without a source
    assert q3 == Turn("发文机关？", "b.txt", ["国务院", "国务院办公厅"], "")
    assert isinstance(conv, Conversation) and conv.kind == "conversation"
    assert conv.turns == [Turn("A的发文机关？", "a.txt", ["国务院"], ""), Turn("谢谢", None, [], "offtopic")]
    assert greet == Turn("你好", None, [], "greeting")  # an explicit kind wins over the default


BAD_CASES = [
    pytest.param([{"question": "q", "source": "a.txt", "expect": ["x"]}, "{not json"],
                 r"bad_set\.jsonl line 2: not JSON", id="not-json"),
    pytest.param([{"turns": []}], r"bad_set\.jsonl line 1: field 'turns'", id="turns-empty"),
    pytest.param([{"turns": "q"}], r"bad_set\.jsonl line 1: field 'turns'", id="turns-not-list"),
    pytest.param([{"turns": {"question": "q", "source": None}}], r"bad_set\.jsonl line 1: field 'turns'",
                 id="turns-object"),
    pytest.param(["", {"turns": [{"question": "q", "source": "a.txt", "expect": ["x"]},
                                 {"question": "", "source": "a.txt", "expect": ["x"]}]}],
                 r"bad_set\.jsonl line 2 turn 2: field 'question'", id="turn-empty-question"),
    pytest.param([{"turns": [{"question": "   ", "source": None}]}],
                 r"bad_set\.jsonl line 1 turn 1: field 'question'", id="turn-blank-question"),
    pytest.param([{"turns": ["q"]}], r"bad_set\.jsonl line 1 turn 1: not a QA record", id="turn-not-object"),
    pytest.param([{"source": "a.txt", "expect": ["x"]}], r"bad_set\.jsonl line 1: field 'question'",
                 id="question-missing"),
    pytest.param([{"question": "q", "source": None}, {"question": "q", "source": "a.txt"}],
                 r"bad_set\.jsonl line 2: field 'expect'.*source is set", id="expect-missing"),
    pytest.param([{"question": "q", "source": "a.txt", "expect": []}],
                 r"bad_set\.jsonl line 1: field 'expect'.*source is set", id="expect-empty"),
    pytest.param([{"turns": [{"question": "q", "source": "a.txt", "expect": ["x"]},
                             {"question": "q2", "source": "a.txt"}]}],
                 r"bad_set\.jsonl line 1 turn 2: field 'expect'", id="turn-expect-missing"),
    pytest.param([{"question": "q", "source": 42, "expect": ["x"]}], r"bad_set\.jsonl line 1: field 'source'",
                 id="source-int"),
    pytest.param([{"question": "q", "source": ["a.txt"], "expect": ["x"]}],
                 r"bad_set\.jsonl line 1: field 'source'", id="source-list"),
    pytest.param([{"turns": [{"question": "q", "source": {"f": 1}, "expect": ["x"]}]}],
                 r"bad_set\.jsonl line 1 turn 1: field 'source'", id="turn-source-dict"),
    pytest.param([{"question": "q", "source": "a.txt", "expect": ["x", 500]}],
                 r"bad_set\.jsonl line 1: field 'expect'.*non-empty strings", id="expect-non-string"),
    pytest.param([{"question": "q", "source": "a.txt", "expect": "x"}],
                 r"bad_set\.jsonl line 1: field 'expect'.*non-empty strings", id="expect-not-list"),
    pytest.param([{"question": "q", "source": "a.txt", "expect": ["x", " "]}],
                 r"bad_set\.jsonl line 1: field 'expect'.*non-empty strings", id="expect-blank-string"),
    pytest.param([{"turns": [{"question": "q", "source": "a.txt", "expect": [None]}]}],
                 r"bad_set\.jsonl line 1 turn 1: field 'expect'", id="turn-expect-non-string"),
]


@pytest.mark.parametrize(("lines", "pattern"), BAD_CASES)
def test_load_items_errors_name_file_line_turn_and_field(tmp_path: Path, lines: list[Any], pattern: str) -> None:
    p = _write(tmp_path, "bad_set.jsonl", *lines)
    with pytest.raises(ConfigError, match=pattern):
        load_items(p)


def test_load_items_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"cannot read QA file nowhere\.jsonl"):
        load_items(tmp_path / "nowhere.jsonl")


def test_load_qa_takes_a_conversations_first_turn_only(tmp_path: Path) -> None:
    from rag.eval import QA, load_qa

    p = _write(
        tmp_path, "mixed.jsonl",
        {"question": "签发人是谁？", "source": "a.txt", "expect": ["张秀玲"]},
        {"turns": [
            {"question": "第0261号提案是哪位委员提的？", "source": "a.txt", "expect": ["白夜明"]},
            {"question": "他提的是什么？", "source": "a.txt", "expect": ["科技企业"]},
            {"question": "谢谢", "source": None},
        ]},
        {"question": "今天天气怎么样？", "source": None},
    )
    assert load_qa(p) == [
        QA("签发人是谁？", "a.txt", ["张秀玲"]),
        QA("第0261号提案是哪位委员提的？", "a.txt", ["白夜明"]),
        QA("今天天气怎么样？", None, []),
    ]


# ------------------------------------------------------------------------------------------ answered_right


def _chunk(source: str, text: str, i: int = 0) -> Chunk:
    return Chunk(f"c{i}-{source}", f"d-{source}", source, text, "", 0, len(text), len(text), i, DocMeta())


def _cite(source: str, text: str = "段落。", n: int = 1) -> Citation:
    return Citation.from_hit(n, Hit(_chunk(source, text), 1.0))


def test_answered_right_is_whitespace_insensitive_containment() -> None:
    t = Turn("最高补助多少？", "sc_26.txt", ["最高 500万元"])
    assert answered_right(t, "补助最高500万元[1]。", [_cite("sc_26.txt")], False)
    assert answered_right(Turn("q", "sc_26.txt", ["最高500万元"]), "最高\n500 万元[1]", [_cite("sc_26.txt")], False)
    assert not answered_right(t, "最高300万元[1]", [_cite("sc_26.txt")], False)
    assert not answered_right(t, "最高500万[1]", [_cite("sc_26.txt")], False)
    # any one of several expects is enough
    assert answered_right(Turn("q", "sc_26.txt", ["甲", "最高500万元"]), "最高500万元", [_cite("sc_26.txt")], False)


def test_answered_right_needs_a_citation_from_the_source_by_file_name() -> None:
    t = Turn("q", "sc_26.txt", ["500万元"])
    text = "500万元[1]"
    assert answered_right(t, text, [_cite("x/sc_26.txt")], False)
    assert answered_right(Turn("q", "shared/corpus/sc_26.txt", ["500万元"]), text, [_cite("sc_26.txt")], False)
    assert answered_right(t, text, [_cite("sc_27.txt"), _cite("sc_26.txt", n=2)], False)
    assert not answered_right(t, text, [], False)
    assert not answered_right(t, text, [_cite("sc_27.txt")], False)
    assert not answered_right(t, text, [_cite("sc_26.txt.bak")], False)


def test_answered_right_refusals() -> None:
    answerable = Turn("q", "sc_26.txt", ["500万元"])
    # a refused answer is never right for an answerable question, whatever its text and citations
    assert not answered_right(answerable, "500万元[1]", [_cite("sc_26.txt")], True)
    assert not answered_right(answerable, REFUSAL, [], True)
    offtopic = Turn("今天天气怎么样？", None, [], "offtopic")
    assert answered_right(offtopic, REFUSAL, [], True)
    assert answered_right(offtopic, REFUSAL, [_cite("sc_26.txt")], True)
    assert not answered_right(offtopic, "晴[1]", [_cite("sc_26.txt")], False)
    assert not answered_right(offtopic, "", [], False)


# ------------------------------------------------------------------------------------ evaluate (fake engine)


@dataclass
class _Res:
    hits: list[Hit]


class FakeRetriever:
    """Returns the scripted hits of a query; sleeps ``delay`` seconds per call."""

    name = "fake"  # read by the engine through the eval's wrapper

    def __init__(self, hits: dict[str, list[Hit]], delay: float = 0.0) -> None:
        self.by_query = hits
        self.delay = delay
        self.calls: list[tuple[str, Any, Any]] = []

    def retrieve(self, query: str, filters: Any = None, k: int | None = None) -> _Res:
        self.calls.append((query, filters, k))
        if self.delay:
            time.sleep(self.delay)
        return _Res(list(self.by_query.get(query, [])))


@dataclass
class Script:
    text: str
    refused: bool = False
    cites: list[str] = field(default_factory=list)
    standalone: str | None = None  # the stand-alone question searched (default: the question itself)


class FakeEngine:
    """A ``ChatEngine`` stand-in: ``ask`` retrieves through ``self.retriever`` (whatever it is at the time),
    takes ``extra`` more seconds and returns the scripted answer. Records what it was given."""

    def __init__(self, retriever: Any, script: dict[str, Script], extra: float = 0.0,
                 fail_on: str | None = None) -> None:
        self.retriever = retriever
        self.script = script
        self.extra = extra
        self.fail_on = fail_on
        self.seen: list[tuple[str, list[dict[str, str]]]] = []
        self.retriever_types: list[type] = []

    def ask(self, question: str, history: list[dict[str, str]] | None = None) -> Answer:
        self.seen.append((question, [dict(m) for m in (history or [])]))
        self.retriever_types.append(type(self.retriever))
        assert self.retriever.name == "fake"  # other attributes pass through the wrapper
        if question == self.fail_on:
            raise RuntimeError("engine broke")
        s = self.script[question]
        q = s.standalone or question
        self.retriever.retrieve(q, None, 5)
        if self.extra:
            time.sleep(self.extra)
        return Answer(q, s.text, s.refused, [_cite(src, n=i + 1) for i, src in enumerate(s.cites)])


def _items(*xs: Turn | list[Turn]) -> list[Any]:
    return [Conversation(x) if isinstance(x, list) else x for x in xs]


# The hand-computed example. Ours: Q1 right; Q2 wrong text; Q3 refused (a false refusal); conversation T1
# right, T2 cites the wrong file, T3 (off-topic, refused) right; Q5 off-topic but answered; Q6 refused.
Q1 = Turn("补助最高多少？", "sc_26.txt", ["最高 500万元"], "field")
Q2 = Turn("A的签发人？", "a.txt", ["甲"], "field")
Q3 = Turn("B的数字？", "b.txt", ["丙"], "number")
T1 = Turn("A的发文机关？", "a.txt", ["国务院"])
T2 = Turn("那它的日期？", "a.txt", ["2006年"])
T3 = Turn("谢谢", None, [], "offtopic")
Q5 = Turn("今天天气怎么样？", None, [], "offtopic")
Q6 = Turn("你好", None, [], "offtopic")
ITEMS = _items(Q1, Q2, Q3, [T1, T2, T3], Q5, Q6)

SCRIPT = {
    Q1.question: Script("最高500万元[1]", cites=["x/sc_26.txt"]),  # 10 chars
    Q2.question: Script("乙[1]", cites=["a.txt"]),  # 4 chars
    Q3.question: Script(REFUSAL, refused=True),
    T1.question: Script("国务院[1]", cites=["a.txt"]),  # 6 chars
    T2.question: Script("2006年[1]", cites=["c.txt"], standalone="A的日期？"),  # 8 chars
    T3.question: Script(REFUSAL, refused=True),
    Q5.question: Script("晴[1]", cites=["a.txt"]),
    Q6.question: Script(REFUSAL, refused=True),
}

HITS = {
    Q1.question: [Hit(_chunk("sc_26.txt", "对新认定的企业给予最高500万元补助。"), 1.0)],
    Q2.question: [Hit(_chunk("a.txt", "签发人：甲"), 1.0), Hit(_chunk("b.txt", "乙", 1), 0.5)],
    Q3.question: [Hit(_chunk("b.txt", "丙"), 1.0)],
    T1.question: [Hit(_chunk("a.txt", "国务院办公厅"), 1.0)],
    "A的日期？": [],  # T2's stand-alone question finds nothing
    T3.question: [Hit(_chunk("a.txt", "谢谢"), 1.0)],
    Q5.question: [Hit(_chunk("a.txt", "晴天"), 1.0)],
    Q6.question: [],
}


def _run(baseline: bool = True, delay: float = 0.0, extra: float = 0.0) -> tuple[dict[str, Any], FakeEngine]:
    engine = FakeEngine(FakeRetriever(HITS, delay), SCRIPT, extra)
    return evaluate(ITEMS, engine, baseline=baseline), engine


def test_evaluate_passes_the_real_history_in_order() -> None:
    _, engine = _run()

    def u(s: str) -> dict[str, str]:
        return {"role": "user", "content": s}

    def a(s: str) -> dict[str, str]:
        return {"role": "assistant", "content": s}

    assert engine.seen == [
        (Q1.question, []),
        (Q2.question, []),
        (Q3.question, []),
        (T1.question, []),
        (T2.question, [u(T1.question), a("国务院[1]")]),  # the answer the engine gave, not the expect
        (T3.question, [u(T1.question), a("国务院[1]"), u(T2.question), a("2006年[1]")]),
        (Q5.question, []),  # a question after a conversation starts afresh
        (Q6.question, []),
    ]


def test_evaluate_gives_each_ask_its_own_history_list() -> None:
    """An engine that appends to the history it was given must not change what the next turn receives."""

    class Mutating(FakeEngine):
        def ask(self, question: str, history: list[dict[str, str]] | None = None) -> Answer:
            ans = super().ask(question, history)
            if history is not None:
                history.append({"role": "user", "content": "垃圾"})
            return ans

    engine = Mutating(FakeRetriever(HITS), SCRIPT)
    evaluate(_items([T1, T2, T3]), engine)
    assert [len(h) for _, h in engine.seen] == [0, 2, 4]
    assert all(m["content"] != "垃圾" for _, h in engine.seen for m in h)


def test_evaluate_measures_retrieval_inside_ask_and_restores_the_retriever() -> None:
    res, engine = _run(delay=0.02, extra=0.03)
    inner = engine.retriever
    assert isinstance(inner, FakeRetriever)  # restored after the run
    assert all(t is not FakeRetriever for t in engine.retriever_types)  # wrapped during every ask
    assert len(inner.calls) == len(SCRIPT)  # the wrapper forwarded each call (query, filters, k)
    assert inner.calls[4] == ("A的日期？", None, 5)
    assert res["answer_latency_ms_p50"] > res["retrieval_latency_ms_p50"] >= 20
    assert res["answer_latency_ms_p50"] >= 50
    assert res["retrieval_latency_ms_p50"] < 60  # per question, not accumulated over the run
    assert res["answer_latency_ms_p95"] >= res["answer_latency_ms_p50"]
    # the baseline's answer time is the retrieval time of the same questions
    base = res["baselines"]["top_passage"]
    assert base["answer_latency_ms_p50"] == base["retrieval_latency_ms_p50"] == res["retrieval_latency_ms_p50"]


def test_evaluate_restores_the_retriever_when_ask_raises() -> None:
    inner = FakeRetriever(HITS)
    engine = FakeEngine(inner, SCRIPT, fail_on=T2.question)
    with pytest.raises(RuntimeError, match="engine broke"):
        evaluate(ITEMS, engine, baseline=True)
    assert engine.retriever is inner
    assert [q for q, _ in engine.seen] == [Q1.question, Q2.question, Q3.question, T1.question, T2.question]


def test_evaluate_summary_on_a_hand_computed_example() -> None:
    res, _ = _run()
    assert res["n"] == 5  # Q1 Q2 Q3 T1 T2
    assert res["n_offtopic"] == 3  # T3 Q5 Q6
    assert res["n_conversation_turns"] == 2  # answerable turns only
    assert res["answer_recall"] == 0.4  # Q1 T1
    assert res["conversation_turn_accuracy"] == 0.5  # T1 of T1 T2 (T3, right, is off-topic)
    assert res["refusal_accuracy"] == 0.6667  # T3 Q6 of T3 Q5 Q6
    assert res["false_refusals"] == 1  # Q3
    assert res["answer_chars_p50"] == 7.0  # median of 10 4 6 8: answerable, not refused
    assert res["by_kind"] == {
        "conversation_turn": {"n": 3, "right": 0.6667},
        "field": {"n": 2, "right": 0.5},
        "number": {"n": 1, "right": 0.0},
        "offtopic": {"n": 2, "right": 0.5},
    }
    assert res["failures"] == [
        {"question": Q2.question, "kind": "field", "standalone": Q2.question, "source": "a.txt",
         "expect": ["甲"], "refused": False, "cited": ["a.txt"], "answer": "乙[1]"},
        {"question": Q3.question, "kind": "number", "standalone": Q3.question, "source": "b.txt",
         "expect": ["丙"], "refused": True, "cited": [], "answer": REFUSAL},
        {"question": T2.question, "kind": "conversation_turn", "standalone": "A的日期？", "source": "a.txt",
         "expect": ["2006年"], "refused": False, "cited": ["c.txt"], "answer": "2006年[1]"},
        {"question": Q5.question, "kind": "offtopic", "standalone": Q5.question, "source": None,
         "expect": [], "refused": False, "cited": ["a.txt"], "answer": "晴[1]"},
    ]
    assert "baselines" not in _run(baseline=False)[0]


def test_top_passage_baseline_on_the_example() -> None:
    """The first passage the same retrieval returned, cited as itself; refused when our answer refused or
    nothing was found. Q1 Q2 T1 right (Q2 too: its first passage holds 甲); Q3 refused with us; T2 found
    nothing; Q5 shows a passage for an off-topic question."""
    res, _ = _run()
    base = res["baselines"]["top_passage"]
    assert set(base) == set(res) - {"failures", "baselines"}
    assert base["n"] == 5 and base["n_offtopic"] == 3 and base["n_conversation_turns"] == 2
    assert base["answer_recall"] == 0.6
    assert base["conversation_turn_accuracy"] == 0.5
    assert base["refusal_accuracy"] == 0.6667
    assert base["false_refusals"] == 2  # Q3 (we refused) and T2 (no hits)
    lens = sorted(len(HITS[q.question][0].chunk.text) for q in (Q1, Q2, T1))
    assert base["answer_chars_p50"] == float(lens[1])
    assert base["by_kind"] == {
        "conversation_turn": {"n": 3, "right": 0.6667},
        "field": {"n": 2, "right": 1.0},
        "number": {"n": 1, "right": 0.0},
        "offtopic": {"n": 2, "right": 0.5},
    }


def test_top_passage_uses_only_the_first_passage() -> None:
    first_wrong_source = Turn("问1", "a.txt", ["甲"])  # the expected text is in the 2nd passage's file only
    first_no_text = Turn("问2", "a.txt", ["甲"])
    hits = {
        "问1": [Hit(_chunk("c.txt", "甲"), 1.0), Hit(_chunk("a.txt", "甲", 1), 0.9)],
        "问2": [Hit(_chunk("a.txt", "乙"), 1.0), Hit(_chunk("a.txt", "甲", 1), 0.9)],
    }
    script = {"问1": Script("甲[1]", cites=["a.txt"]), "问2": Script("甲[1]", cites=["a.txt"])}
    res = evaluate(_items(first_wrong_source, first_no_text), FakeEngine(FakeRetriever(hits), script), True)
    assert res["answer_recall"] == 1.0
    base = res["baselines"]["top_passage"]
    assert base["answer_recall"] == 0.0 and base["false_refusals"] == 0
    assert base["answer_chars_p50"] == 1.0


def test_top_passage_scores_the_last_retrieval_of_each_question() -> None:
    """An engine that retrieves twice (e.g. a follow-up searched again within its source): the baseline
    shows the first passage of the last retrieval; a question whose ask retrieves nothing is not scored on
    the previous question's hits."""

    class Twice(FakeEngine):
        def ask(self, question: str, history: list[dict[str, str]] | None = None) -> Answer:
            if question == "问2":
                self.seen.append((question, list(history or [])))
                return Answer(question, "甲[1]", False, [_cite("a.txt")])  # no retrieval at all
            self.retriever.retrieve("粗搜", None, 5)
            return super().ask(question, history)

    hits = {"粗搜": [Hit(_chunk("c.txt", "无关"), 1.0)], "问1": [Hit(_chunk("a.txt", "甲"), 1.0)]}
    script = {"问1": Script("甲[1]", cites=["a.txt"])}
    res = evaluate(_items(Turn("问1", "a.txt", ["甲"]), Turn("问2", "a.txt", ["甲"])),
                   Twice(FakeRetriever(hits), script), True)
    base = res["baselines"]["top_passage"]
    assert res["answer_recall"] == 1.0
    assert base["answer_recall"] == 0.5 and base["false_refusals"] == 1  # 问2: no hits of its own


# -------------------------------------------------------------------------------------------------- render


def test_render_lists_failures_and_the_table() -> None:
    res, _ = _run()
    out = render(res)
    lines = out.splitlines()
    assert "✗ [field] A的签发人？" in lines
    assert "✗ [number] B的数字？" in lines
    assert "✗ [conversation_turn] 那它的日期？" in lines
    assert "✗ [offtopic] 今天天气怎么样？" in lines
    assert not any(line.startswith("✗") and "补助最高多少" in line for line in lines)  # right: not listed
    # the searched stand-alone question only where it differs from the question asked
    assert [line.strip() for line in lines if "searched:" in line] == ["searched: A的日期？"]
    i = lines.index("✗ [conversation_turn] 那它的日期？")
    assert lines[i + 1].strip() == "searched: A的日期？"
    assert "a.txt ∋ 2006年" in lines[i + 2] and "cites c.txt" in lines[i + 3]
    assert any("wanted:" in line and "refusal" in line for line in lines)  # the off-topic failure
    assert any("got:" in line and "refused" in line for line in lines)  # Q3
    header = next(line for line in lines if line.startswith("answerer"))
    for key in ("answer_recall", "conversation_turn_accuracy", "refusal_accuracy", "answer_chars_p50",
                "answer_latency_ms_p50", "answer_latency_ms_p95", "retrieval_latency_ms_p50"):
        assert key in header
    assert any(line.startswith("ours") and "0.4" in line for line in lines)
    assert any(line.startswith("top_passage") and "0.6" in line for line in lines)
    assert "5 answerable questions and turns (2 in conversations), 3 off-topic" in out
    assert "field 0.50 (n=2)" in out
    assert "top_passage" not in render(_run(baseline=False)[0])


# --------------------------------------------------------------------------------------------------- CLI


def test_cli_config_errors_exit_2_naming_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rag.eval import main

    assert main(["--answers", "--qa", str(tmp_path / "missing_set.jsonl"), "--json"]) == 2
    err = capsys.readouterr()
    assert "missing_set.jsonl" in err.err and err.out == ""
    bad = _write(tmp_path, "broken_set.jsonl", {"question": "q", "source": "a.txt", "expect": []})
    assert main(["--answers", "--qa", str(bad)]) == 2
    assert re.search(r"broken_set\.jsonl line 1: field 'expect'", capsys.readouterr().err)


SUMMARY_KEYS = {"n", "n_offtopic", "n_conversation_turns", "answer_recall", "conversation_turn_accuracy",
                "refusal_accuracy", "false_refusals", "answer_chars_p50", "answer_latency_ms_p50",
                "answer_latency_ms_p95", "retrieval_latency_ms_p50", "by_kind"}


@pytest.mark.slow
def test_cli_answers_end_to_end_over_the_seed(tmp_path: Path) -> None:
    src = SEED.name
    qa = _write(
        tmp_path, "seed_answers.jsonl",
        {"question": "鄂建提复字〔2025〕334号的签发人是谁？", "source": src, "expect": ["张秀玲"], "kind": "field"},
        {"question": "第0261号提案是哪位委员提的？", "source": src, "expect": ["白夜明"], "kind": "field"},
        {"turns": [
            {"question": "鄂尔多斯市2024年R&D经费投入是多少？", "source": src, "expect": ["53.2亿元"]},
            {"question": "那它的强度是多少？", "source": src, "expect": ["0.91%"]},
        ]},
        {"question": "今天天气怎么样？", "source": None},
    )
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}  # the default answerer
    env.update(RAG_DATA_DIR=str(data), TIKTOKEN_CACHE_DIR=str(ROOT / ".cache" / "tiktoken"),
               HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", ANONYMIZED_TELEMETRY="False")
    r = subprocess.run(
        [sys.executable, "-m", "rag.eval", "--answers", "--qa", str(qa), "--corpus", "corpus", "--json",
         "--baseline"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    res = json.loads(r.stdout)
    assert SUMMARY_KEYS | {"failures", "baselines"} <= set(res)
    base = res["baselines"]["top_passage"]
    assert set(base) == SUMMARY_KEYS
    for out in (res, base):
        assert out["n"] == 4  # two questions and two conversation turns
        assert out["n_offtopic"] == 1 and out["n_conversation_turns"] == 2
        for key in ("answer_recall", "conversation_turn_accuracy", "refusal_accuracy"):
            assert 0.0 <= out[key] <= 1.0, (key, out)
        assert out["answer_latency_ms_p95"] >= out["answer_latency_ms_p50"] > 0
        assert out["retrieval_latency_ms_p50"] > 0
        assert sum(v["n"] for v in out["by_kind"].values()) == 5
    assert res["answer_latency_ms_p50"] >= res["retrieval_latency_ms_p50"]
    assert isinstance(res["failures"], list)
    for f in res["failures"]:
        assert {"question", "kind", "standalone", "source", "expect", "refused", "cited", "answer"} <= set(f)
    assert "ingested 1 documents" in r.stderr
    assert not data.exists()  # --corpus evaluates in a temporary store, never the configured data dir
