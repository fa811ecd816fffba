"""Answer evaluation: what a person reads, not only what was retrieved.

`python -m rag.eval --answers --qa FILE... [--corpus PATH...] [--json] [--baseline]`

QA lines are ``{"question", "source", "expect"[, "kind"]}`` or a conversation ``{"turns": [{"question",
"source", "expect"}, ...]}``; a conversation's turns are asked in order with the real history (the earlier
questions and the answers the system actually gave). A question or turn is *answered right* when the answer
text (whitespace removed) contains one ``expect`` string (whitespace removed) and at least one citation
comes from ``source``; ``source: null`` is right when the answer is a refusal.

The answerer is whatever the settings select (extractive, ``RAG_LLM=local`` or ``openai``): the eval calls
the same ``ChatEngine.ask`` as the chat and the API. Retrieval time is measured inside that call (the
engine's retriever is wrapped), so answer and retrieval latency come from the same questions in one run.

``--baseline`` adds ``top_passage``: the first passage the same retrieval returned for the same
stand-alone question, shown as the answer (what a plain RAG demo shows), scored by the same rule. It
isolates the answer step: same retrieval, same follow-up rewriting, only the text shown differs.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ConfigError
from .records import Answer, Citation, Hit

_WS = re.compile(r"\s+")


@dataclass
class Turn:
    question: str
    source: str | None
    expect: list[str]
    kind: str = ""


@dataclass
class Conversation:
    turns: list[Turn]
    kind: str = "conversation"


Item = Turn | Conversation


def _turn(d: Any, where: str) -> Turn:
    if not isinstance(d, dict):
        raise ConfigError(f"{where}: not a QA record (expected an object)")
    q, src, exp = d.get("question"), d.get("source"), d.get("expect") or []
    if not isinstance(q, str) or not q.strip():
        raise ConfigError(f"{where}: field 'question' must be a non-empty string")
    if src is not None and not isinstance(src, str):
        raise ConfigError(f"{where}: field 'source' must be a file name or null, got {src!r}")
    if not isinstance(exp, list) or not all(isinstance(e, str) and e.strip() for e in exp):
        raise ConfigError(f"{where}: field 'expect' must be a list of non-empty strings")
    if src is not None and not exp:
        raise ConfigError(f"{where}: field 'expect' must list the answer text when source is set")
    return Turn(q.strip(), src, list(exp), str(d.get("kind") or ("offtopic" if src is None else "")))


def load_items(path: Path) -> list[Item]:
    """Questions and conversations of a QA file; errors name the file, the line and the field."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise ConfigError(f"cannot read QA file {path.name}: {e.strerror}") from e
    out: list[Item] = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path.name} line {n}"
        try:
            d = json.loads(line)
        except ValueError as e:
            raise ConfigError(f"{where}: not JSON ({e})") from e
        if isinstance(d, dict) and "turns" in d:
            turns = d["turns"]
            if not isinstance(turns, list) or not turns:
                raise ConfigError(f"{where}: field 'turns' must be a non-empty list")
            out.append(Conversation([_turn(t, f"{where} turn {i + 1}") for i, t in enumerate(turns)]))
        else:
            out.append(_turn(d, where))
    return out


def answered_right(turn: Turn, text: str, citations: Sequence[Citation], refused: bool) -> bool:
    if turn.source is None:
        return refused
    if refused:
        return False
    t = _WS.sub("", text)
    if not any(_WS.sub("", e) in t for e in turn.expect):
        return False
    return any(Path(c.source).name == Path(turn.source).name for c in citations)


class TimedRetriever:
    """Wraps the engine's retriever: the time of each question's retrieval calls and its last hits."""

    def __init__(self, inner: Any, parent: TimedRetriever | None = None) -> None:
        self.inner = inner
        self.parent = parent  # a view for one audience (``scoped``) counts into the wrapper it came from
        self.ms = 0.0
        self.hits: list[Hit] = []

    def reset(self) -> None:
        self.ms, self.hits = 0.0, []

    def retrieve(self, query: str, filters: Any = None, k: int | None = None) -> Any:
        t0 = time.perf_counter()
        res = self.inner.retrieve(query, filters, k)
        into = self.parent or self
        into.ms += (time.perf_counter() - t0) * 1000
        into.hits = list(res.hits)
        return res

    def scoped(self, audience: Any) -> TimedRetriever:
        inner = self.inner.scoped(audience) if hasattr(self.inner, "scoped") else self.inner
        return TimedRetriever(inner, self.parent or self)

    def __getattr__(self, name: str) -> Any:  # everything else (exact_docs, lexical …) as the inner one
        return getattr(self.inner, name)


@dataclass
class _Record:
    turn: Turn
    in_conversation: bool
    right: bool
    refused: bool
    chars: int
    answer_ms: float
    retrieval_ms: float
    text: str = ""
    standalone: str = ""
    cited: list[str] = field(default_factory=list)


def _pct(xs: list[float], p: float) -> float:
    return round(float(np.percentile(xs, p)), 1) if xs else 0.0


def _rate(xs: list[bool]) -> float:
    return round(sum(xs) / len(xs), 4) if xs else 0.0


def summarise(recs: list[_Record]) -> dict[str, Any]:
    answerable = [r for r in recs if r.turn.source is not None]
    offtopic = [r for r in recs if r.turn.source is None]
    conv = [r for r in answerable if r.in_conversation]
    kinds: dict[str, list[_Record]] = {}
    for r in recs:
        kinds.setdefault("conversation_turn" if r.in_conversation else (r.turn.kind or "other"), []).append(r)
    return {
        "n": len(answerable),
        "n_offtopic": len(offtopic),
        "n_conversation_turns": len(conv),
        "answer_recall": _rate([r.right for r in answerable]),
        "conversation_turn_accuracy": _rate([r.right for r in conv]),
        "refusal_accuracy": _rate([r.right for r in offtopic]),
        "false_refusals": sum(r.refused for r in answerable),
        "answer_chars_p50": _pct([float(r.chars) for r in answerable if not r.refused], 50),
        "answer_latency_ms_p50": _pct([r.answer_ms for r in recs], 50),
        "answer_latency_ms_p95": _pct([r.answer_ms for r in recs], 95),
        "retrieval_latency_ms_p50": _pct([r.retrieval_ms for r in recs], 50),
        "by_kind": {k: {"n": len(v), "right": _rate([r.right for r in v])} for k, v in sorted(kinds.items())},
    }


Ask = Callable[[str, list[dict[str, str]]], Answer]


def _top_passage(question: str, hits: list[Hit]) -> tuple[str, list[Citation], bool]:
    if not hits:
        return "", [], True
    return hits[0].chunk.text, [Citation.from_hit(1, hits[0])], False


def evaluate(items: list[Item], engine: Any, baseline: bool = False) -> dict[str, Any]:
    """Ask every question and conversation through ``engine`` (a ``ChatEngine``); the summary, per-kind
    rates, the failures, and with ``baseline`` the same keys for ``top_passage``."""
    timed = TimedRetriever(engine.retriever)
    engine.retriever = timed
    ours: list[_Record] = []
    base: list[_Record] = []
    try:
        for item in items:
            turns, in_conv = (item.turns, True) if isinstance(item, Conversation) else ([item], False)
            history: list[dict[str, str]] = []
            for turn in turns:
                timed.reset()
                t0 = time.perf_counter()
                ans = engine.ask(turn.question, list(history))
                ms = (time.perf_counter() - t0) * 1000
                right = answered_right(turn, ans.text, ans.citations, ans.refused)
                ours.append(_Record(turn, in_conv, right, ans.refused, len(ans.text), ms, timed.ms, ans.text,
                                    ans.question, [c.source for c in ans.citations]))
                if baseline:
                    text, cites, refused = _top_passage(ans.question, timed.hits if not ans.refused else [])
                    base.append(_Record(turn, in_conv, answered_right(turn, text, cites, refused), refused,
                                        len(text), timed.ms, timed.ms, text, ans.question,
                                        [c.source for c in cites]))
                history += [{"role": "user", "content": turn.question},
                            {"role": "assistant", "content": ans.text}]
    finally:
        engine.retriever = timed.inner
    out = summarise(ours)
    out["failures"] = [
        {"question": r.turn.question, "kind": "conversation_turn" if r.in_conversation else r.turn.kind,
         "standalone": r.standalone, "source": r.turn.source, "expect": r.turn.expect,
         "refused": r.refused, "cited": r.cited, "answer": r.text}
        for r in ours if not r.right
    ]
    if baseline:
        out["baselines"] = {"top_passage": summarise(base)}
    return out


def render(res: dict[str, Any]) -> str:
    """The human-readable report: failures first, then the table."""
    lines = []
    for f in res["failures"]:
        lines.append(f"✗ [{f['kind'] or '-'}] {f['question']}")
        if f["standalone"] != f["question"]:
            lines.append(f"    searched: {f['standalone']}")
        want = "refusal" if f["source"] is None else f"{f['source']} ∋ {' | '.join(f['expect'])}"
        lines.append(f"    wanted:   {want}")
        got = "refused" if f["refused"] else f"cites {', '.join(dict.fromkeys(f['cited'])) or 'nothing'}"
        lines.append(f"    got:      {got}: {_WS.sub(' ', f['answer'])[:160]}")
    keys = ["answer_recall", "conversation_turn_accuracy", "refusal_accuracy", "answer_chars_p50",
            "answer_latency_ms_p50", "answer_latency_ms_p95", "retrieval_latency_ms_p50"]
    rows = [("ours", res), *res.get("baselines", {}).items()]
    lines.append("")
    lines.append(f"{'answerer':<12}" + "".join(f"{k:>28}" for k in keys))
    for name, r in rows:
        lines.append(f"{name:<12}" + "".join(f"{r[k]:>28}" for k in keys))
    lines.append("")
    lines.append("by kind: " + ", ".join(f"{k} {v['right']:.2f} (n={v['n']})" for k, v in res["by_kind"].items()))
    lines.append(f"{res['n']} answerable questions and turns ({res['n_conversation_turns']} in conversations), "
                 f"{res['n_offtopic']} off-topic")
    return "\n".join(lines)
